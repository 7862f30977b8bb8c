#!/usr/bin/env bash
# Make sure graphviz's `dot` binary is on PATH: install it with apt when we can,
# otherwise say how to install it. Never fails the caller: rendering is the only
# feature that needs `dot`, and it raises a clear error of its own.
if command -v dot >/dev/null 2>&1; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "graphviz 'dot' not found: installing it with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >&2 && exit 0
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "graphviz 'dot' not found: installing it with sudo apt-get" >&2
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >&2 && exit 0
  fi
fi
cat >&2 <<'MSG'
graphviz's `dot` binary is missing; graphs will be written as DOT text only.
Install it with one of:
  sudo apt-get install -y graphviz      (Debian, Ubuntu)
  brew install graphviz                 (macOS)
  conda install -c conda-forge graphviz
MSG
exit 0
