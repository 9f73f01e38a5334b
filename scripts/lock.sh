#!/usr/bin/env bash
# Refresh the lock: every dependency, direct and transitive, pinned with hashes, in
# requirements/run.txt (the bot and its build backend) and requirements/test.txt (the same plus
# the test extra). One universal lock for Python 3.11 and newer on any platform: where a package
# needs another version on a newer Python, an environment marker splits it.
#
#   bash scripts/lock.sh             every package to the newest version pyproject.toml allows
#   bash scripts/lock.sh -P babel    only babel; the rest stays (any `uv pip compile` option)
#
# Then run `bash scripts/test.sh`. If babel moved, `ouderstem i18n check` may warn that a catalog
# header differs from CLDR: run `ouderstem i18n update` and fill in any new plural forms.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9  # uv writes the files: pin it, so a refresh differs only in versions
if ! python3 -m uv --version 2>/dev/null | grep -qx "uv $UV_VERSION"; then
  python3 -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi
options=("$@")
[ ${#options[@]} -gt 0 ] || options=(--upgrade)
INDEX=https://pypi.org/simple  # not this machine's pip.conf: the lock names the public index

lock() {
  local out=$1
  shift
  python3 -m uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
    --index-url "$INDEX" --custom-compile-command "bash scripts/lock.sh" \
    "${options[@]}" -o "$out" pyproject.toml requirements/build.in "$@"
}
lock requirements/run.txt
lock requirements/test.txt --extra test
# espeakng-loader (the Tigrinya voice) ships wheels only, for x86_64 and arm64 macOS: its marker
# in pyproject.toml keeps it out elsewhere. Both locks must hold it.
for out in requirements/run.txt requirements/test.txt; do
  grep -q '^espeakng-loader==' "$out" || { echo "espeakng-loader missing from $out" >&2; exit 1; }
done

# The same pins must resolve on each newer Python the project allows, on Linux.
pins=$(mktemp)
trap 'rm -f "$pins"' EXIT
grep -E '^[A-Za-z0-9._-]+==' requirements/test.txt | sed 's/ *\\$//' >"$pins"
for version in 3.12 3.13; do
  python3 -m uv pip compile --quiet --python-version "$version" --python-platform linux \
    --index-url "$INDEX" --extra test -c "$pins" -o /dev/null pyproject.toml requirements/build.in
done
echo "locked: requirements/run.txt ($(grep -cE '^[A-Za-z0-9._-]+==' requirements/run.txt) pins)," \
  "requirements/test.txt ($(wc -l <"$pins") pins); resolves on 3.11, 3.12, 3.13"
