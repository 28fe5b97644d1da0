"""Send a list through a Moodle function in as few POSTs as PHP allows, and isolate bad items.

Two limits shape a batch. PHP silently drops form fields past ``max_input_vars``, so every POST is
packed to at most ``max_params`` fields, counted after flattening and including ``wstoken``,
``wsfunction`` and ``moodlewsrestformat``. And Moodle runs the list of an *atomic* function
(create users/courses/categories/cohorts/groups/events, enrol, unenrol, group members...) in one
transaction: one bad item fails the POST and nothing is applied. Then the chunk is split in halves
until each bad item stands alone, so the good items still go through and each bad one comes back
with its own error. When the left half of a failed chunk succeeds, the right half must hold the bad
item, so it is split without being sent whole: isolating one bad item in n costs at most
``2·ceil(log2 n)`` extra POSTs.

Errors that would fail any item alike (token, access, maintenance, transport, outcome unknown) are
not bisected: they propagate, carrying ``partial``, the :class:`BatchResult` of what was done before.

A production Moodle answers many bad values with a bare ``invalidparameter`` that names no field
(only developer debugging adds ``debuginfo``). When an item fails alone that way, it is sent again
with each of its optional fields left out in turn (a :class:`Probe`); the first field whose absence
Moodle accepts is named, with its value, in the item's error, and every other item of the list that
carries the same value fails with that error at once instead of being bisected. The probe is a
write: the probed item now exists in Moodle without that field (found again by its idnumber, which
is never left out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from moodle_client.errors import InvalidParameter, MoodleError, is_item_level
from moodle_client.records import MoodleWarning

I = TypeVar("I")  # noqa: E741 - the input type
R = TypeVar("R")


@dataclass(frozen=True)
class BatchItem(Generic[I, R]):
    """An item Moodle accepted: what was sent and what came back (``None`` for void functions)."""

    input: I
    result: R


@dataclass(frozen=True)
class BatchFailure(Generic[I]):
    """An item Moodle rejected, isolated from the rest of its batch, with Moodle's reason."""

    input: I
    error: MoodleError


@dataclass(frozen=True)
class BatchResult(Generic[I, R]):
    """Outcome of one list call.

    Every input ends in ``ok``, in ``failed``, or (for functions that report per-item problems as
    ``warnings[]`` instead of failing) is named by an entry of ``warnings``. ``pending`` is filled only
    on the ``partial`` result attached to an exception that stopped the batch: inputs not confirmed
    either way (re-read them). ``calls`` counts the POSTs made.
    """

    ok: tuple[BatchItem[I, R], ...] = ()
    failed: tuple[BatchFailure[I], ...] = ()
    warnings: tuple[MoodleWarning, ...] = ()
    calls: int = 0
    pending: tuple[I, ...] = field(default=())

    @property
    def results(self) -> list[R]:
        return [item.result for item in self.ok]

    @property
    def all_ok(self) -> bool:
        return not self.failed and not self.warnings

    def raise_first(self) -> None:
        """For callers that want all-or-error: raise the first item's error, if any."""
        if self.failed:
            raise self.failed[0].error


# What a chunk's answer means: (input, result) pairs for the accepted items, plus warnings.
Decoded = tuple[list[tuple[Any, Any]], list[MoodleWarning]]


@dataclass(frozen=True)
class Probe:
    """How to find the field behind a bare ``invalidparameter``: ``fields(i)`` the optional fields
    item ``i`` carries, as (name, value); ``send(i, name)`` sends item ``i`` alone without ``name``."""

    fields: Callable[[int], Sequence[tuple[str, Any]]]
    send: Callable[[int, str], Any]


def _nameless(error: MoodleError) -> bool:
    return isinstance(error, InvalidParameter) and not (error.debuginfo or "").strip()


def _naming(error: MoodleError, name: str, value: Any) -> InvalidParameter:
    named = InvalidParameter(f"{error.message}: Moodle rejects {name}={value!r} (it accepts the item without it)",
                             wsfunction=error.wsfunction, exception=error.exception, errorcode=error.errorcode)
    named.field, named.value = name, value  # type: ignore[attr-defined]
    return named


def plan_chunks(sizes: Sequence[int], room: int) -> list[range]:
    """Greedy packing of consecutive items whose field counts are ``sizes`` into ``room`` fields each."""
    chunks: list[range] = []
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if size > room:
            raise ValueError(
                f"item {index} needs {size} form fields, more than the {room} left under max_params; "
                "raise moodle.max_params (and PHP's max_input_vars) or send less"
            )
        if used + size > room and index > start:
            chunks.append(range(start, index))
            start, used = index, 0
        used += size
    if start < len(sizes):
        chunks.append(range(start, len(sizes)))
    return chunks


class _Run(Generic[I, R]):
    def __init__(
        self,
        items: Sequence[I],
        send: Callable[[Sequence[int]], Any],
        decode: Callable[[Any, Sequence[I]], Decoded],
        atomic: bool,
        probe: Probe | None = None,
    ) -> None:
        self.items, self.send, self.decode, self.atomic, self.probe = items, send, decode, atomic, probe
        self.culprit: tuple[str, Any, MoodleError] | None = None  # a field found by the probe, its value, the error
        self.ok: list[BatchItem[I, R]] = []
        self.failed: list[BatchFailure[I]] = []
        self.warnings: list[MoodleWarning] = []
        self.settled: set[int] = set()
        self.calls = 0

    def result(self, pending: Sequence[I] = ()) -> BatchResult[I, R]:
        return BatchResult(tuple(self.ok), tuple(self.failed), tuple(self.warnings), self.calls, tuple(pending))

    def chunk(self, indices: Sequence[int], known_bad: bool = False) -> bool:
        """Send the items at ``indices`` (splitting on item-level errors); True if any failed."""
        if not known_bad or len(indices) == 1:
            chunk = [self.items[i] for i in indices]
            self.calls += 1
            try:
                answer = self.send(indices)
            except MoodleError as error:
                if not (self.atomic and is_item_level(error)):
                    raise
                if len(indices) == 1 or self.known_culprit(indices, error):
                    reason = self.explain(indices[0], error) if len(indices) == 1 else self.culprit[2]  # type: ignore[index]
                    self.failed.extend(BatchFailure(self.items[i], reason) for i in indices)
                    self.settled.update(indices)
                    return True
            else:
                pairs, warnings = self.decode(answer, chunk)
                self.ok.extend(BatchItem(i, r) for i, r in pairs)
                self.warnings.extend(warnings)
                self.settled.update(indices)
                return False
        middle = len(indices) // 2
        left_failed = self.chunk(indices[:middle])
        self.chunk(indices[middle:], known_bad=not left_failed)
        return True


    def known_culprit(self, indices: Sequence[int], error: MoodleError) -> bool:
        """Every item of a chunk that failed namelessly carries the value the probe found bad."""
        if self.culprit is None or self.probe is None or not _nameless(error):
            return False
        name, value, _ = self.culprit
        return all((name, value) in self.probe.fields(i) for i in indices)

    def explain(self, index: int, error: MoodleError) -> MoodleError:
        """Name the field behind a nameless ``invalidparameter`` of one item (see the module's doc)."""
        if self.probe is None or not _nameless(error):
            return error
        fields = list(self.probe.fields(index))
        if self.culprit is not None and self.culprit[:2] in fields:
            return self.culprit[2]
        for name, value in fields:
            self.calls += 1
            try:
                self.probe.send(index, name)
            except MoodleError as again:
                if not is_item_level(again):
                    raise
                continue
            named = _naming(error, name, value)
            self.culprit = (name, value, named)
            return named
        return error


def run_batch(
    items: Sequence[I],
    sizes: Sequence[int],
    room: int,
    send: Callable[[Sequence[int]], Any],
    decode: Callable[[Any, Sequence[I]], Decoded],
    atomic: bool,
    probe: Probe | None = None,
) -> BatchResult[I, Any]:
    """Send ``items`` in chunks of at most ``room`` fields (item ``i`` takes ``sizes[i]``).

    ``send`` gets the positions of a chunk's items and returns Moodle's answer; ``decode`` turns
    the answer into (input, result) pairs and warnings; ``probe`` names the field behind a nameless
    ``invalidparameter`` of an atomic function.
    """
    run: _Run[I, Any] = _Run(items, send, decode, atomic, probe)
    for span in plan_chunks(sizes, room):
        try:
            run.chunk(span)
        except MoodleError as error:
            error.partial = run.result(pending=[x for i, x in enumerate(items) if i not in run.settled])
            raise
    return run.result()
