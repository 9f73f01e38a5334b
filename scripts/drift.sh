#!/usr/bin/env bash
# Drift: the unit tests (not e2e) against the newest versions pyproject.toml's ranges allow, in a
# fresh virtual environment, so an upgrade is seen before it bites. Prints a `DRIFT:` summary of
# the packages that differ from the lock and the tests that fail there. Never fails the run: the
# locked run is the one that counts. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/ouderstem-drift.XXXXXX)
trap 'rm -rf "$work"' EXIT
TIME_LIMIT=${DRIFT_TIME_LIMIT:-330s}  # the tests: together with the install, about 6 minutes at most

# Built from a clean copy of the sources, so no build/ folder is left in (or reused from) here.
bash scripts/source-copy.sh "$work/src"
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
if ! "$py" -m pip install -q --disable-pip-version-check -U pip setuptools wheel >"$work/pip.log" 2>&1 ||
  ! "$py" -m pip install -q --disable-pip-version-check -U "$work/src[test]" >>"$work/pip.log" 2>&1; then
  tail -n 20 "$work/pip.log"
  echo "DRIFT: the newest allowed versions do not install (see above)"
  exit 0
fi

# Which packages differ from the lock.
"$py" - requirements/test.txt >"$work/differ.txt" <<'PY'
import re
import sys
from importlib.metadata import distributions

def canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

locked: dict[str, set[str]] = {}
for line in open(sys.argv[1], encoding="utf-8"):
    match = re.match(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", line)
    if match:
        locked.setdefault(canon(match[1]), set()).add(match[2])
for dist in sorted(distributions(), key=lambda d: canon(d.metadata["Name"])):
    name = canon(dist.metadata["Name"])
    if name in ("ouderstem", "pip"):
        continue
    if name not in locked:
        print(f"  {name} {dist.version} (not in the lock)")
    elif dist.version not in locked[name]:
        print(f"  {name} {' / '.join(sorted(locked[name]))} -> {dist.version}")
PY

# The tests of this checkout (they import `bot` from here) on the newest dependencies.
# One line per test (-v), so a run cut short by the time limit still names what failed so far.
# Cut short with SIGINT, as Ctrl-C would: pytest then tears its fixtures down, so the PostgreSQL
# servers the tests started are stopped, not left running after CI.
timeout --signal=INT --kill-after=60s "$TIME_LIMIT" "$py" -m pytest -v -p no:cacheprovider -m "not e2e" -rfE "$@" \
  >"$work/pytest.log" 2>&1
status=$?
failed=$(grep -E "^(FAILED|ERROR) " "$work/pytest.log" | sed 's/^/  /')
if [ -z "$failed" ]; then
  failed=$(grep -E " (FAILED|ERROR)( |$)" "$work/pytest.log" | cut -d' ' -f1 | sed 's/^/  /')
fi

echo "DRIFT: newest allowed versions vs the lock"
if [ -s "$work/differ.txt" ]; then
  echo "DRIFT: $(wc -l <"$work/differ.txt") package(s) differ from requirements/test.txt:"
  cat "$work/differ.txt"
else
  echo "DRIFT: every package is at its locked version"
fi
case $status in
  0) echo "DRIFT: the unit tests pass with the newest versions ($(tail -n 1 "$work/pytest.log"))" ;;
  124)
    echo "DRIFT: the unit tests did not finish within $TIME_LIMIT" \
      "($(grep -cE " (PASSED|FAILED|ERROR|SKIPPED|XFAIL)" "$work/pytest.log") ran)"
    [ -n "$failed" ] && echo "DRIFT: failing there so far:" && echo "$failed"
    ;;
  *)
    echo "DRIFT: $(tail -n 1 "$work/pytest.log")"
    [ -n "$failed" ] && echo "DRIFT: failing there:" && echo "$failed"
    [ -z "$failed" ] && tail -n 20 "$work/pytest.log"
    ;;
esac
exit 0
