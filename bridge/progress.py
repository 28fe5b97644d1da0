"""Progress bars for long work: drawn on a terminal, silent in a pipe or a log (tqdm's ``disable=None``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    yield from tqdm(items, total=total, desc=desc, disable=None, file=sys.stderr, leave=False, unit="")


def bar(total: int, desc: str = "") -> tqdm:
    """A bar to advance by hand (``bar.update(n)``), for work that is not one loop."""
    return tqdm(total=total, desc=desc, disable=None, file=sys.stderr, leave=False, unit="")
