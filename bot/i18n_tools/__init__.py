"""The translation catalogs as a tool: `ouderstem i18n extract|update|compile|status|check`.

Texts reach the catalogs by extraction, never by hand (STYLE.md, lesson 3). `babel.cfg` says
which file goes to which domain. One module per job:

    catalogs.py  paths, reading and writing .po/.pot files, the comments we add (shared by all)
    extract.py   our babel extractors (flow YAML, Python constants) and fresh templates
    merge.py     `update`: merge templates into catalogs, carrying translations over by stable key
    status.py    `status`: per language, translated, reviewed, stale, missing, audio coverage
    check.py     `check`: every problem that keeps a catalog from being published, as small checks
    cli.py       the `ouderstem i18n ...` subcommands

Imports run down this list: cli uses the others, and every module uses catalogs.

Review status is a translator comment on each translated entry, read by `status` and `check`::

    # review: machine
    # review: native Amina El Idrissi 2026-03-02

The tools work on a source checkout (they read `babel.cfg` and the sources beside `bot/`); the
installed bot needs none of them. Plural forms: the bot uses each catalog's own `Plural-Forms`
header (`bot.i18n`); `update` writes the header babel's CLDR data gives, and `check` only warns
when the installed babel's CLDR rule differs from a header (run `update`, then fill new forms).
"""

from bot.i18n_tools.catalogs import (
    LOCALES_SUBDIR,
    MAPPING_FILE,
    PARENT_DOMAINS,
    ROOT,
    catalog_languages,
    fingerprint,
    new_catalog,
    po_path,
    read_catalog,
    render,
    review_of,
    template_path,
    write_catalog,
)
from bot.i18n_tools.check import CLDR_DIFFERS, ERROR, WARNING, Problem, check, check_catalog
from bot.i18n_tools.cli import register
from bot.i18n_tools.extract import extract, extract_flow_yaml, extract_python, write_templates
from bot.i18n_tools.merge import compile_catalogs, merge, stable_keys, update
from bot.i18n_tools.status import Counts, audio_coverage, count, status

__all__ = [
    "CLDR_DIFFERS",
    "ERROR",
    "LOCALES_SUBDIR",
    "MAPPING_FILE",
    "PARENT_DOMAINS",
    "ROOT",
    "WARNING",
    "Counts",
    "Problem",
    "audio_coverage",
    "catalog_languages",
    "check",
    "check_catalog",
    "compile_catalogs",
    "count",
    "extract",
    "extract_flow_yaml",
    "extract_python",
    "fingerprint",
    "merge",
    "new_catalog",
    "po_path",
    "read_catalog",
    "register",
    "render",
    "review_of",
    "stable_keys",
    "status",
    "template_path",
    "update",
    "write_catalog",
    "write_templates",
]
