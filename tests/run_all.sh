#!/usr/bin/env bash
# The whole suite, twice: on the machine's Python 3.11 (previews in half-blocks) and on Python 3.12
# (graphics through textual-image, which needs 3.12+). Each Python gets its own venv from the same
# universal lock; the first failing run stops the script with its exit code. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

venv() {  # venv DIR PYTHON: create it and install the dev lock and imgbench, once
    local dir=$1 python=$2
    [ -x "$dir/bin/python" ] || $python -m venv "$dir"
    "$dir/bin/pip" install -q -r requirements-dev.lock
    "$dir/bin/pip" install -q --no-deps -e .
}

py312() {  # pyenv's python3.12 shim answers only when a 3.12 is selected (only here: python3 must stay 3.11)
    PYENV_VERSION="${IMGBENCH_PYENV_312:-3.12.1}" python3.12 "$@"
}
if ! py312 -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
    echo "tests/run_all.sh: Python 3.12 not found (pyenv install 3.12.1, or put python3.12 on PATH)" >&2
    exit 2
fi

venv .venv python3
venv .venv312 py312
echo "== Python 3.11: half-blocks" >&2
.venv/bin/python -m pytest -q "$@"
echo "== Python 3.12: graphics (textual-image)" >&2
.venv312/bin/python -m pytest -q "$@"
