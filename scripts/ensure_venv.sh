#!/usr/bin/env bash
# Create the virtual environment $2 (default .venv) with the interpreter $1 (default python3).
# Debian and Ubuntu ship python3 without ensurepip (package python3-venv): when creating the
# environment fails for that reason, install the package with apt-get (as root, or with
# passwordless sudo) and try again; otherwise say how to install it and fail.
set -euo pipefail
PY="${1:-python3}"
VENV="${2:-.venv}"
if "$PY" -m venv "$VENV" >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$VENV"
ver="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  fi
  if [ "$SUDO" != "none" ]; then
    echo "python's venv module is missing: installing python${ver}-venv with apt-get" >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "python${ver}-venv" >&2 \
      || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >&2
    "$PY" -m venv "$VENV" && exit 0
  fi
fi
cat >&2 <<MSG
Could not create the virtual environment $VENV with $PY.
On Debian/Ubuntu install the venv module first:  sudo apt-get install -y python${ver}-venv
MSG
exit 1
