#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run every check CI runs:
# lint, the flow inspector, the catalog check, and the whole pytest suite (e2e included).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
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

python3 -m pip install -q --disable-pip-version-check -e ".[test]"

python3 -m ruff check .
python3 -m bot flows check
python3 -m bot i18n check
python3 -m pytest -q -p no:cacheprovider "$@"
