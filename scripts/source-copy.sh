#!/usr/bin/env bash
# Copy the project's sources (tracked files and new ones git does not ignore) to $1, without
# virtual environments, build/, *.egg-info or node_modules: what a fresh clone plus your edits
# would hold. Used to build from a clean tree (setuptools reuses a stale build/ folder).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=$1
mkdir -p "$dest"
# Any top-level virtual environment, whatever its name (.venv is ignored, .v or env may not be).
venvs=()
for cfg in */pyvenv.cfg .*/pyvenv.cfg; do
  [ -e "$cfg" ] && venvs+=("${cfg%/pyvenv.cfg}")
done
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    for venv in "${venvs[@]}"; do
      [[ "$file" == "$venv"/* ]] && continue 2
    done
    [ -e "$file" ] && printf '%s\0' "$file"
  done | tar --null -T - -cf - | tar -xf - -C "$dest"
else
  tar --exclude=.venv --exclude=build --exclude=dist --exclude='*.egg-info' \
    --exclude=node_modules --exclude=.git "${venvs[@]/#/--exclude=}" -cf - . | tar -xf - -C "$dest"
fi
