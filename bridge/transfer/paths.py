"""What a path holds: a CSV or XLSX file, a folder or a zip of them, or a OneRoster package (a folder
or zip with ``manifest.csv``). Above both the table readers and the OneRoster mapping, which it
chooses between.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from bridge.transfer.oneroster import read as read_oneroster
from bridge.sheets.problems import Problem
from bridge.transfer.readers import Source, read_csv, read_xlsx

Reader = Callable[[str, bytes], Source]
_READERS: dict[str, Reader] = {".csv": read_csv, ".xlsx": read_xlsx}


def _files(entries: Iterable[tuple[str, Callable[[], bytes]]]) -> Source:
    out = Source()
    found = False
    for name, load in sorted(entries):
        reader = _READERS.get(PurePosixPath(name).suffix.lower())
        if reader is not None and not PurePosixPath(name).name.startswith(("~$", ".")):
            found = True
            out.extend(reader(name, load()))
    if not found:
        out.problems.append(Problem(".", 0, "", "no_files"))
    return out


def read_path(path: Path, known: Any = None) -> Source:
    """Everything importable at ``path``: a CSV or XLSX file, a folder, a zip; OneRoster when
    the folder or zip has manifest.csv (``known`` is what the OneRoster mapping asks the registry)."""
    if path.is_dir():
        members = {p.relative_to(path).as_posix(): p for p in sorted(path.rglob("*")) if p.is_file()}
        if "manifest.csv" in members:
            return read_oneroster(lambda n: members[n].read_bytes() if n in members else None, known)
        return _files((n, p.read_bytes) for n, p in members.items())
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            return Source(problems=[Problem(path.name, 0, "", "unreadable", {"detail": str(exc)})])
        with archive:
            names = _zip_names(archive)
            if "manifest.csv" in names:
                return read_oneroster(lambda n: archive.read(names[n]) if n in names else None, known)
            return _files((n, lambda m=m: archive.read(m)) for n, m in names.items())
    reader = _READERS.get(suffix)
    if reader is None:
        return Source(problems=[Problem(path.name, 0, "", "unknown_template")])
    return reader(path.name, path.read_bytes())


def _zip_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Member name as the package sees it -> name in the zip. Zips made by "Send to > Compressed
    folder" keep the folder around the files: look inside it."""
    members = [n for n in archive.namelist() if not n.endswith("/")]
    tops = {n.split("/", 1)[0] for n in members}
    prefix = f"{tops.pop()}/" if len(tops) == 1 and all("/" in n for n in members) else ""
    return {n[len(prefix):]: n for n in members}
