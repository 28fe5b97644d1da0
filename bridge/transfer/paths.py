"""What a path holds: a CSV or XLSX file, a folder or a zip of them, or a OneRoster package (a folder
or zip with ``manifest.csv``). Above both the table readers and the OneRoster mapping, which it
chooses between.

Every file is read through a :class:`Budget`: a zip of a few hundred kilobytes can unpack to gigabytes
(and an XLSX workbook is a zip too), so each file, and all of them together, stop at the ``[imports]``
limits, whatever sizes the archive claims.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import IO, Any

from bridge.transfer.oneroster import read as read_oneroster
from bridge.sheets.problems import Problem
from bridge.transfer.readers import Source, read_csv, read_xlsx
from config.settings import ImportSettings

Reader = Callable[[str, bytes], Source]
_READERS: dict[str, Reader] = {".csv": read_csv, ".xlsx": read_xlsx}
Opener = Callable[[], IO[bytes]]


class TooLarge(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g} MB"


class Budget:
    """The bytes one import may unpack to: ``max_file_bytes`` a file, ``max_total_bytes`` in all."""

    def __init__(self, limits: ImportSettings) -> None:
        self.limits = limits
        self.left = limits.max_total_bytes

    def _too_large(self, name: str, size: int) -> TooLarge:
        if size > self.limits.max_file_bytes:
            return TooLarge(Problem(name, 0, "", "file_too_large", {"limit": _megabytes(self.limits.max_file_bytes)}))
        return TooLarge(Problem(name, 0, "", "total_too_large", {"limit": _megabytes(self.limits.max_total_bytes)}))

    def read(self, name: str, open_file: Opener) -> bytes:
        """The file's bytes, read no further than the limit left; :class:`TooLarge` beyond it."""
        limit = min(self.limits.max_file_bytes, self.left)
        with open_file() as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise self._too_large(name, len(data))
        self.left -= len(data)
        if PurePosixPath(name).suffix.lower() == ".xlsx":
            self._workbook(name, data)
        return data

    def _workbook(self, name: str, data: bytes) -> None:
        """An XLSX file is a zip that openpyxl unpacks: its parts may claim no more than the limits (Python's
        zipfile stops every part at the size it claims)."""
        try:
            parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
        except zipfile.BadZipFile:
            return  # the XLSX reader names a file that is not a workbook
        for part in parts:
            if part.file_size > self.limits.max_file_bytes:
                raise self._too_large(name, part.file_size)
        if sum(p.file_size for p in parts) > self.left:
            raise self._too_large(name, 0)


def _files(entries: Iterable[tuple[str, Opener]], budget: Budget) -> Source:
    out = Source()
    found = False
    for name, open_file in sorted(entries, key=lambda entry: entry[0]):
        reader = _READERS.get(PurePosixPath(name).suffix.lower())
        if reader is not None and not PurePosixPath(name).name.startswith(("~$", ".")):
            found = True
            out.extend(reader(name, budget.read(name, open_file)))
    if not found:
        out.problems.append(Problem(".", 0, "", "no_files"))
    return out


def read_path(path: Path, known: Any = None, limits: ImportSettings = ImportSettings()) -> Source:
    """Everything importable at ``path``: a CSV or XLSX file, a folder, a zip; OneRoster when
    the folder or zip has manifest.csv (``known`` is what the OneRoster mapping asks the registry).
    A file beyond ``limits`` stops the reading with that one problem."""
    return _guarded(path.name, lambda budget: _read(path, known, budget), limits)


def read_bytes(name: str, data: bytes, known: Any = None, limits: ImportSettings = ImportSettings()) -> Source:
    """As :func:`read_path`, for one file (CSV, XLSX or zip) held in memory: an upload kept in the
    database is read from there, never written to disk."""
    return _guarded(name, lambda budget: _read_file(name, data, known, budget), limits)


def _guarded(name: str, read: Callable[[Budget], Source], limits: ImportSettings) -> Source:
    try:
        return read(Budget(limits))
    except TooLarge as exc:
        return Source(problems=[exc.problem])
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # a member that is not what its header says
        return Source(problems=[Problem(name, 0, "", "unreadable", {"detail": str(exc)})])


def _read(path: Path, known: Any, budget: Budget) -> Source:
    if path.is_dir():
        members = {p.relative_to(path).as_posix(): p for p in sorted(path.rglob("*")) if p.is_file()}
        if "manifest.csv" in members:
            return read_oneroster(lambda n: budget.read(n, lambda: members[n].open("rb")) if n in members else None, known)
        return _files(((n, lambda p=p: p.open("rb")) for n, p in members.items()), budget)
    return _read_file(path.name, path, known, budget)


def _read_file(name: str, content: Path | bytes, known: Any, budget: Budget) -> Source:
    """One file, ``content`` being where it is (a path) or what it holds (bytes)."""
    def open_file() -> IO[bytes]:
        return content.open("rb") if isinstance(content, Path) else io.BytesIO(content)

    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        try:
            archive = zipfile.ZipFile(content if isinstance(content, Path) else io.BytesIO(content))
        except (zipfile.BadZipFile, OSError) as exc:
            return Source(problems=[Problem(name, 0, "", "unreadable", {"detail": str(exc)})])
        with archive:
            names = _zip_names(archive)
            if "manifest.csv" in names:
                return read_oneroster(
                    lambda n: budget.read(n, lambda: archive.open(names[n])) if n in names else None, known
                )
            return _files(((n, lambda m=m: archive.open(m)) for n, m in names.items()), budget)
    reader = _READERS.get(suffix)
    if reader is None:
        return Source(problems=[Problem(name, 0, "", "unknown_template")])
    return reader(name, budget.read(name, open_file))


def _zip_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Member name as the package sees it -> name in the zip. Zips made by "Send to > Compressed
    folder" keep the folder around the files: look inside it."""
    members = [n for n in archive.namelist() if not n.endswith("/")]
    tops = {n.split("/", 1)[0] for n in members}
    prefix = f"{tops.pop()}/" if len(tops) == 1 and all("/" in n for n in members) else ""
    return {n[len(prefix):]: n for n in members}
