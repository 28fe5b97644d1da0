"""The layer contract holds: no import cycle, every module in a layer, and the Moodle client usable
without the product (its own tests pass with ``bridge`` not importable)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bridge", "moodle_client", "sync_jobs", "webhooks", "config")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


@pytest.fixture(scope="module")
def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_no_import_cycle_between_modules(graph):
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append(" -> ".join((module, *back)))
    assert cycles == []


def _layered(contract: dict) -> set[str]:
    return {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}


def test_every_part_of_the_product_is_in_a_layer(graph, contracts):
    """A new package under bridge/ (or a new top-level package) must be given its layer, or the
    contract would not check it."""
    layered = _layered(contracts["layers"])
    parts = {m for m in graph.modules
             if (m.count(".") == 1 if m.startswith("bridge.") else "." not in m and m != "bridge")}
    assert sorted(parts - layered) == []
    assert sorted(layered - parts) == []  # no layer names a module that is gone


def test_every_feature_in_the_features_layer_is_independent(contracts):
    features = next(layer for layer in contracts["layers"]["layers"] if ":" in layer)
    assert {f.strip() for f in features.split(":")} == set(contracts["features"]["modules"])


BLOCKED = """
import importlib.abc, sys

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"bridge", "webhooks", "sync_jobs"}:
            raise ImportError(f"{name} is blocked: the Moodle client must work without the product")
        return None

sys.meta_path.insert(0, Blocked())
try:
    import bridge  # noqa: F401
except ImportError:
    pass
else:
    sys.exit("the block did not hold")
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--confcutdir", "tests/moodle",
                      "-p", "fake_moodle.fixtures", "tests/moodle"]))
"""


def test_moodle_client_tests_pass_without_the_product():
    result = subprocess.run([sys.executable, "-c", BLOCKED], cwd=ROOT, capture_output=True, text=True, timeout=600)
    tail = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout and " error" not in result.stdout, tail
