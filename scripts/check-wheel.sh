#!/usr/bin/env bash
# The wheel is a real package: build it, install it with the locked dependencies into a clean
# virtual environment, and run `ouderstem demo` and `ouderstem flows check` from an empty folder
# under /tmp, far from this checkout. Flows, catalogs, migrations and recordings must travel
# inside the wheel. Fails loudly on any step; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

work=$(mktemp -d /tmp/ouderstem-wheel.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-wheel: FAILED: $*" >&2; exit 1; }

# Built from a clean copy of the sources (setuptools would reuse a stale build/ folder), by the
# locked setuptools of the environment running this (scripts/test.sh installed it).
bash scripts/source-copy.sh "$work/src"
python3 -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$work/dist" "$work/src" || fail "the wheel does not build"
wheel=$(ls "$work"/dist/ouderstem-*.whl) || fail "no wheel was made"
python3 -m zipfile -l "$wheel" >"$work/contents.txt"
for needed in bot/flows/barometer-ouders.yaml bot/locales/fr/LC_MESSAGES/ouderstem.po \
  bot/locales/nl/LC_MESSAGES/staff.po bot/store/migrations/ bot/tg/ bot/reports/ bot/py.typed \
  bot/web/dashboard/static/index.html bot/web/dashboard/static/app.js bot/web/dashboard/static/app.css; do
  grep -q "^$needed" "$work/contents.txt" || fail "$needed is not in $(basename "$wheel")"
done

python3 -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" --require-hashes -r requirements/run.txt || fail "the locked dependencies do not install"
"${pip[@]}" --no-deps "$wheel" || fail "the wheel does not install"

mkdir "$work/elsewhere"
cd "$work/elsewhere"
# Nothing from the checkout may leak in: not on the path, not as the current folder.
export PYTHONPATH= PYTHONSAFEPATH=1 OUDERSTEM_DB="$work/elsewhere/demo.db"
installed=$("$work/venv/bin/python" -c 'import bot; print(bot.__file__)')
case "$installed" in
  "$root"/*) fail "the installed package was imported from the checkout ($installed)" ;;
esac
"$work/venv/bin/ouderstem" flows check || fail "ouderstem flows check, from the wheel"
"$work/venv/bin/ouderstem" demo >"$work/demo.log" 2>&1 || {
  tail -n 30 "$work/demo.log" >&2
  fail "ouderstem demo, from the wheel, run in $work/elsewhere"
}
tail -n 3 "$work/demo.log"
echo "check-wheel: $(basename "$wheel") installs into a clean venv and runs the demo from /tmp"
