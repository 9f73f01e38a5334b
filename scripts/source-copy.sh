#!/usr/bin/env bash
# Copy the project's sources (tracked files and new ones git does not ignore) to $1, without
# .venv/, build/, *.egg-info or node_modules: what a fresh clone plus your edits would hold.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
mkdir -p "$dest"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [ -e "$file" ] && printf '%s\0' "$file"
  done | tar --null -T - -cf - | tar -xf - -C "$dest"
else
  tar --exclude=.venv --exclude=build --exclude=dist --exclude='*.egg-info' \
    --exclude=node_modules --exclude=.git -cf - . | tar -xf - -C "$dest"
fi
