"""Ouderstem: every parent tells their school, in their own language, how the partnership goes."""

import sys

__version__ = "0.1.0"

# httpx tries to import its command line (`httpx._main`) with itself; it needs click and pygments,
# and where only click is installed (uvicorn brings it) click is loaded for nothing before the
# import fails: ~1 MB resident in every bot process (bench P5, issue 16). The bot never runs
# httpx's command line, so that import is refused up front (httpx falls back to a stub `main`).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
