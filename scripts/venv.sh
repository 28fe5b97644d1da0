# Sourced by ./scripts/demo and ./scripts/test: create .venv/ on first use (Python 3.11+, $PYTHON to choose
# the interpreter). The venv module seeds the pip and setuptools bundled with that Python, which can be old
# releases with published advisories (pip 23.2.1, setuptools 65.5.0 on Python 3.11): upgrade them at once,
# before anything is installed with them.
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools
fi
