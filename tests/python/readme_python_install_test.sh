#!/usr/bin/env bash
# The README's offline install, run exactly as written so that it cannot rot again (issue 25: `python3` on PATH
# was a pyenv interpreter without wheel or Debian's packages, and the line failed): the README line that
# pip-installs `.` runs in a copy of the source tree (its .venv and build-pip/ stay out of the checkout), then
# the installed package embeds a text. No network: pip gets --no-index from the line itself.
# Usage: readme_python_install_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1
work=$2
copy=$work/src

line=$(grep -F 'pip install --no-build-isolation --no-index .' "$src/README.md" || true)
if [ "$(printf '%s\n' "$line" | grep -c .)" -ne 1 ]; then
  echo "README.md must hold exactly one line with 'pip install --no-build-isolation --no-index .', found:" >&2
  printf '%s\n' "$line" >&2
  exit 1
fi

# A fresh copy of the sources, minus what .gitignore keeps out of a checkout, beside the previous run's
# build-pip/ (CMake rebuilds only what changed; a clean build takes minutes).
mkdir -p "$copy"
find "$copy" -mindepth 1 -maxdepth 1 ! -name build-pip -exec rm -rf {} +
tar -C "$src" -cf - --exclude=./.git --exclude='./build*' --exclude=./.venv --exclude=./.cache \
  --exclude=./tools/oracle/node_modules --exclude=./gpu_out --exclude=./.whl --exclude=./.gl \
  --exclude=__pycache__ --exclude='*.egg-info' . | tar -C "$copy" -xf -

echo "running: $line"
(cd "$copy" && bash -euo pipefail -c "$line")

# The installed package, not the source tree's python/: run from elsewhere, with its own model folder.
cd "$work"
ACGS_HOME=$work/home "$copy/.venv/bin/python" - "$copy/.venv" <<'PY'
import sys
from pathlib import Path

import acgs_infer

venv = Path(sys.argv[1]).resolve()
where = Path(acgs_infer.__file__).resolve()
assert venv in where.parents, f"acgs_infer imported from {where}, not from the venv {venv}"
shape = acgs_infer.TensorRTOptimizer().infer("hello world").shape
assert shape == (1, 768), f"infer('hello world') returned shape {shape}, want (1, 768)"
print(f"ok: {where} embeds 'hello world' as {shape}")
PY
