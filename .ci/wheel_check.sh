#!/usr/bin/env bash
# Installs the project as a user would, `pip install .` (not editable) into a fresh venv with its
# dependencies from the package index, then checks `heard --help` and that `heard run` serves
# the chat and the console from the installed files (tests/wheel_smoke.py).
# Fails on any setuptools warning about packages. Usage: .ci/wheel_check.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
PYTHON="${1:-python3}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/heard-wheel-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# A copy of the checkout (tracked and new files, nothing ignored): the build leaves build/ and
# heard.egg-info where it runs, and a stale egg-info would change what setuptools packs.
mkdir "$tmp/src"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$tmp/src"

"$PYTHON" -m venv "$tmp/venv"
pip=("$tmp/venv/bin/python" -m pip --disable-pip-version-check)
# The venv's bundled pip is old enough to use another HTTP cache than .venv's pip filled.
"${pip[@]}" install --quiet --upgrade pip
start=$SECONDS
# --no-compile halves the time (byte-compiling every dependency); Python compiles what it
# imports anyway.
if ! "${pip[@]}" install -v --no-compile "$tmp/src" >"$tmp/install.log" 2>&1; then
  tail -n 60 "$tmp/install.log" >&2
  echo "wheel-check: pip install . failed" >&2
  exit 1
fi
if grep -n -E "is absent from the .packages. configuration|SetuptoolsDeprecationWarning|BuildBackendWarning" "$tmp/install.log" >&2; then
  echo "wheel-check: setuptools warned while building the wheel (above)" >&2
  exit 1
fi
echo "wheel-check: pip install . took $((SECONDS - start)) s"

# Nothing from the checkout may be importable: run from an empty directory.
mkdir "$tmp/work"
cd "$tmp/work"
"$tmp/venv/bin/heard" --help >/dev/null
"$tmp/venv/bin/python" - "$tmp/venv" <<'EOF'
import importlib, sys
from pathlib import Path
venv = Path(sys.argv[1]).resolve()
for name in ("bot.cli", "dialogs.templates", "handlers.channels.telegram.service",
             "handlers.channels.webchat.routes", "handlers.agents.console.app", "storage.migrations"):
    f = Path(importlib.import_module(name).__file__).resolve()
    if not f.is_relative_to(venv):
        sys.exit(f"wheel-check: {name} imported from {f}, not from the installed package")
EOF
"$tmp/venv/bin/python" "$repo/tests/wheel_smoke.py" "$tmp/venv/bin/heard"
