"""Attack: known-vulnerable tooling. The README's two commands create .venv/ with the pip and setuptools that
the interpreter bundles (pip 23.2.1 and setuptools 65.5.0 on Python 3.11, both with published advisories)
and install the project with them. Each script is run here, copied into an empty project folder, with a
stand-in interpreter that records what it is asked to do and creates a venv of stand-ins (the real install
is what ./scripts/test itself does)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

# An interpreter that logs its arguments; "-m venv DIR" makes DIR/bin of the same stand-in, as the
# commands the scripts run from the venv (python, netcourses, lint-imports).
STAND_IN = """#!/bin/sh
echo "$(basename "$0") $*" >> "$NC_LOG"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  for tool in python netcourses lint-imports; do cp "$0" "$3/bin/$tool"; done
fi
exit 0
"""


@pytest.mark.parametrize("script", ["demo", "test"])
def test_new_venv_gets_current_pip_and_setuptools_before_any_install(script, tmp_path):
    """Old pip/setuptools in .venv: the script upgrades both right after creating the venv, before it
    installs anything with them."""
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    python = tmp_path / "python3"
    python.write_text(STAND_IN)
    python.chmod(0o755)
    log = tmp_path / "log"
    env = {**os.environ, "PYTHON": str(python), "NC_LOG": str(log),
           "NETCOURSES_TEST_PG_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run(["bash", str(tmp_path / "scripts" / script)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "python3 -m venv .venv"
    upgrade = next(i for i, c in enumerate(calls) if "--upgrade" in c.split())
    assert {"pip", "setuptools"} <= set(calls[upgrade].split()) and calls[upgrade].startswith("python -m pip install")
    first_install = next(i for i, c in enumerate(calls) if "-e" in c.split())
    assert upgrade < first_install
