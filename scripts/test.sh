#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, from the hashed lock, then run every check
# CI runs: lint, format, types, the flow inspector, the catalog check, the whole pytest suite (e2e
# included; extra arguments go to pytest, e.g. -m "not e2e"), the wheel outside the checkout, and
# finally the drift run against the newest allowed versions (which reports, never fails).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)  # the dashboard test drives it (Playwright)
# The PostgreSQL store's tests start a throwaway server of their own (tests/postgresql_server.py).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# The two-worker kill test puts nginx in front of two `ouderstem serve` (tests/e2e/test_workers_e2e.py).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx)
fc-list 2>/dev/null | grep -qi "Noto Sans Arabic" || need_apt+=(fonts-noto-core fonts-dejavu-core fontconfig)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "Missing system packages (install them first): ${need_apt[*]}" >&2
  fi
fi

# Exactly the locked versions, each checked against its hash; then the project itself, built by
# the locked setuptools (no build isolation: nothing unpinned is fetched).
pip=(python3 -m pip install -q --disable-pip-version-check)
"${pip[@]}" --require-hashes -r requirements/test.txt
"${pip[@]}" --no-deps --no-build-isolation -e .

# Every check runs, even after one fails, so one run shows everything; the exit code says
# whether all passed.
failed=()
step() {
  echo "== $*"
  "$@" || failed+=("$*")
}
step python3 -m ruff check .
step python3 -m ruff format --check .
step python3 -m mypy bot
step python3 -m bot flows check
step python3 -m bot i18n check
step python3 -m pytest -q -p no:cacheprovider "$@"
step bash scripts/check-wheel.sh

echo "== bash scripts/drift.sh (reports, never fails the run)"
bash scripts/drift.sh || echo "DRIFT: the drift run itself broke (see above)"

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "All checks passed."
