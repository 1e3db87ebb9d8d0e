#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter: PATH first, then pyenv's versions
# (pyenv's python3.12/3.13 shims refuse to run unless that version is selected).
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
for cand in python3.13 python3.12 python3; do
  p=$(command -v "$cand" 2>/dev/null) || continue
  ok "$p" && { echo "$p"; exit 0; }
done
if command -v pyenv >/dev/null; then
  for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
    p="$(pyenv root)/versions/$v/bin/python3"
    [[ -x $p ]] && ok "$p" && { echo "$p"; exit 0; }
  done
fi
echo "find-python: no Python >= 3.12 found; install python3.12 or newer" >&2
exit 1
