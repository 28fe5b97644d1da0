"""Groups inside a course (one per home school) and their members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moodle_client.batch import BatchResult
from moodle_client.core import ClientCore
from moodle_client.decoders import aligned, void
from moodle_client.records import ApiInput, ApiRecord


@dataclass(frozen=True)
class Group(ApiRecord):
    id: int
    courseid: int
    name: str
    description: str = ""
    descriptionformat: int = 1
    enrolmentkey: str | None = None
    idnumber: str = ""


@dataclass(frozen=True)
class NewGroup(ApiInput):
    courseid: int
    name: str
    description: str = ""
    descriptionformat: int | None = None
    idnumber: str | None = None


@dataclass(frozen=True)
class GroupMember(ApiInput):
    """Only users enrolled in the group's course can be added."""

    groupid: int
    userid: int


class GroupCalls(ClientCore):
    def create_groups(self, items: Sequence[NewGroup]) -> BatchResult[NewGroup, Group]:
        return self.call_list("core_group_create_groups", items, aligned(Group.from_api))

    def get_course_groups(self, courseid: int) -> list[Group]:
        return [Group.from_api(g) for g in self.call("core_group_get_course_groups", {"courseid": courseid})]

    def add_group_members(self, items: Sequence[GroupMember]) -> BatchResult[GroupMember, None]:
        return self.call_list("core_group_add_group_members", items, void)

    def delete_group_members(self, items: Sequence[GroupMember]) -> BatchResult[GroupMember, None]:
        return self.call_list("core_group_delete_group_members", items, void)
