#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv: the exact pins of
# requirements.txt, then this project's library (tkimeta, from workflow/lib) installed
# editable, so that rule scripts, tests and a Python prompt all import the checkout's code.
# Idempotent: a stamp holding the hash of requirements.txt and pyproject.toml skips the
# install when nothing changed, so `./install.sh && ...` costs well under a second on a
# prepared machine.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "install.sh: Python 3.11 is required as '$python' (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

stamp=.venv/.requirements.sha256
wanted=$( (cat requirements.txt pyproject.toml; pwd) | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi

echo "install.sh: creating .venv and installing pinned requirements (first run takes a few minutes)" >&2
"$python" -m venv .venv
pip=(.venv/bin/python -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install -r requirements.txt
# The library itself: no dependencies of its own to resolve (they are pinned above), and
# built with the setuptools pinned above rather than whatever an isolated build would fetch.
"${pip[@]}" install --no-deps --no-build-isolation --editable .
echo "$wanted" > "$stamp"
