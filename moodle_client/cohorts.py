"""Cohorts: site- or category-wide sets of users (one per school and grade)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from moodle_client.batch import BatchResult
from moodle_client.core import ClientCore
from moodle_client.decoders import aligned, void, with_warnings
from moodle_client.records import ApiInput, ApiRecord


@dataclass(frozen=True)
class Ref(ApiInput):
    """Moodle's ``{type, value}`` reference: a category, cohort or user by id, idnumber or username."""

    type: str
    value: str

    @classmethod
    def system(cls) -> Ref:
        return cls("system", "")

    @classmethod
    def id(cls, value: int) -> Ref:
        return cls("id", str(value))

    @classmethod
    def idnumber(cls, value: str) -> Ref:
        return cls("idnumber", value)

    @classmethod
    def username(cls, value: str) -> Ref:
        return cls("username", value)


@dataclass(frozen=True)
class Cohort(ApiRecord):
    id: int
    name: str
    idnumber: str = ""
    description: str = ""
    descriptionformat: int = 1
    visible: bool = True
    theme: str = ""


@dataclass(frozen=True)
class NewCohort(ApiInput):
    """``categorytype``: ``Ref.system()`` or the school's category ``Ref.idnumber("SCH14")``."""

    name: str
    idnumber: str
    categorytype: Ref = Ref("system", "")
    description: str | None = None
    descriptionformat: int | None = None
    visible: bool | None = None


@dataclass(frozen=True)
class CohortMembers(ApiRecord):
    cohortid: int
    userids: tuple[int, ...] = ()


@dataclass(frozen=True)
class NewCohortMember(ApiInput):
    """Users by ``Ref.id`` or ``Ref.username`` only: Moodle answers a warning for ``idnumber``."""

    cohorttype: Ref
    usertype: Ref


@dataclass(frozen=True)
class CohortMemberRemoval(ApiInput):
    cohortid: int
    userid: int


class CohortCalls(ClientCore):
    def create_cohorts(self, items: Sequence[NewCohort]) -> BatchResult[NewCohort, Cohort]:
        return self.call_list("core_cohort_create_cohorts", items, aligned(Cohort.from_api))

    def search_cohorts(
        self, query: str, *, contextid: int = 1, includes: str = "all", page_size: int = 25
    ) -> list[Cohort]:
        """Cohorts whose name/idnumber/description contain ``query``, every page of them."""
        found: dict[int, Cohort] = {}
        while True:
            answer = self.call(
                "core_cohort_search_cohorts",
                {
                    "query": query,
                    "context": {"contextid": contextid},
                    "includes": includes,
                    "limitfrom": len(found),
                    "limitnum": page_size,
                },
            )
            page = [Cohort.from_api(c) for c in answer["cohorts"]]
            fresh = {c.id: c for c in page if c.id not in found}
            found.update(fresh)
            if len(page) < page_size or not fresh:
                return list(found.values())

    def get_cohorts(self, ids: Sequence[int] = ()) -> list[Cohort]:
        """The cohorts with these ids (unknown ids omitted); no ids means every cohort."""
        if not ids:
            return [Cohort.from_api(c) for c in self.call("core_cohort_get_cohorts")]
        return [Cohort.from_api(c) for c in self.read_list("core_cohort_get_cohorts", list(ids))]

    def get_cohort_members(self, ids: Sequence[int]) -> list[CohortMembers]:
        return [CohortMembers.from_api(c) for c in self.read_list("core_cohort_get_cohort_members", list(ids))]

    def add_cohort_members(self, items: Sequence[NewCohortMember]) -> BatchResult[NewCohortMember, None]:
        """Unknown users/cohorts and existing memberships come back as warnings, not errors."""
        return self.call_list("core_cohort_add_cohort_members", items, with_warnings)

    def delete_cohort_members(self, items: Sequence[CohortMemberRemoval]) -> BatchResult[CohortMemberRemoval, None]:
        return self.call_list("core_cohort_delete_cohort_members", items, void)
