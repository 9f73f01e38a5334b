"""Every user-facing text, in the user's language, from the gettext catalogs in `bot/locales/`.

Three catalog domains per language (`babel.cfg` says which source goes where): `ouderstem` (the
bot's own messages to parents), `flows` (the flow texts, extracted from `bot/flows/*.yaml` with the
message context `<flow id>:<item key>`, so a reworded Dutch item keeps its key and its
translations become fuzzy instead of lost), `spoken` (a question as a voice should read it, with
the context `<flow id>:q.<question id>:spoken`, used only for audio and only where a language
needs it: Arabic with full vowel marks, which espeak-ng reads badly without) and `staff`
(staff-facing texts; staff read Dutch, so only the Dutch catalog exists). Dutch is the source language: a missing or fuzzy translation
falls back to the Dutch text, and `ouderstem i18n status` reports it. The Dutch catalogs leave
msgstr empty: for Dutch the source text itself is shown.

Catalogs are read from the .po files, each language on its first use (no compile step to forget),
by a lean reader that keeps only what is shown (`read_po_texts`; babel's `read_po` builds an
object per entry with its comments and locations: ~1 MB more at the peak of a running bot, bench
P5); `ouderstem i18n compile` still writes .mo files for tools that want them. The tooling is `bot.i18n_tools`. The
catalogs are package data: they travel inside the wheel and are found beside this module, never
through the source checkout.

Plural forms work as in GNU gettext: the form for `n` comes from the catalog file's own
`Plural-Forms` header, never from the CLDR rules of whichever babel is installed. A newer babel
with other rules cannot change what a parent reads; `ouderstem i18n check` warns that the header
differs from CLDR, and `ouderstem i18n update` rewrites it (a translator then fills new forms).

Mark a text for extraction with `N_("...")` where it is defined; translate it where it is shown
with `t(lang, TEXT, **placeholders)`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from gettext import c2py
from pathlib import Path

from babel import Locale

# Package data (pyproject.toml), beside this module in a checkout and in an installed wheel alike.
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "nl"
# In the order the language menu shows them: Dutch, the largest home-language groups in Ghent
# schools (question-bank.md), then the others.
LANGUAGES: tuple[str, ...] = (
    "nl", "fr", "en", "tr", "bg", "ar", "pl", "ro", "sk", "uk", "ru", "fa", "ps", "so", "ti",
)  # fmt: skip
RTL_LANGUAGES = frozenset({"ar", "fa", "ps"})
BOT_DOMAIN = "ouderstem"
FLOWS_DOMAIN = "flows"
SPOKEN_DOMAIN = "spoken"
STAFF_DOMAIN = "staff"
SPOKEN_SUFFIX = ":spoken"  # a spoken variant's context: the question's context plus this
# Read in this order; the first domain with a translation of a text wins, so a staff text can
# never change what parents read (spoken contexts differ from every chat text's).
DOMAINS = (BOT_DOMAIN, FLOWS_DOMAIN, SPOKEN_DOMAIN, STAFF_DOMAIN)

# Unicode isolates keep left-to-right bits ("3/20", numbers, codes) intact inside RTL text.
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM = "\u200f"


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a text with a plural form; show it with `tn(language, *TEXT, n)`."""
    return singular, plural


def N_(message: str) -> str:  # the gettext convention, which babel extracts
    """Mark a text for extraction; it is translated where it is shown."""
    return message


# The header line gettext reads the plural rule from: "Plural-Forms: nplurals=3; plural=(...);\n".
PLURAL_FORMS_HEADER = re.compile(
    rb'^"Plural-Forms:\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;"]+?)\s*;?\s*(?:\\n)?"\s*$',
    re.MULTILINE | re.IGNORECASE,
)
# What GNU gettext assumes for a catalog without a Plural-Forms header: two forms, one for 1.
GETTEXT_DEFAULT_PLURAL = "(n != 1)"


@dataclass(frozen=True)
class PluralRule:
    """A catalog's plural rule: how many forms, and which one a number takes (a C expression)."""

    count: int
    expression: str
    index: Callable[[int], int] = field(compare=False, repr=False)


DEFAULT_PLURAL_RULE = PluralRule(2, GETTEXT_DEFAULT_PLURAL, c2py(GETTEXT_DEFAULT_PLURAL))


def plural_rule(po_text: bytes) -> PluralRule | None:
    """The rule in a catalog's own `Plural-Forms` header (as gettext reads it).

    None when the header is missing or cannot be evaluated; the runtime then uses gettext's default
    and `ouderstem i18n check` reports the header.
    """
    match = PLURAL_FORMS_HEADER.search(po_text)
    if match is None:
        return None
    expression = match[2].decode("utf-8").strip()
    try:
        return PluralRule(int(match[1]), expression, c2py(expression))
    except (ValueError, SyntaxError, RecursionError):
        return None


@dataclass
class Catalog:
    """One language's translations: {(context, msgid): text}, plural forms, and what is fuzzy.

    `plural_rules` holds, for each text with plural forms, the rule of the file it came from.
    """

    language: str
    messages: dict[tuple[str | None, str], str | tuple[str, ...]] = field(default_factory=dict)
    plural_rules: dict[tuple[str | None, str], PluralRule] = field(default_factory=dict)

    def lookup(self, msgid: str, context: str | None = None) -> str | tuple[str, ...] | None:
        return self.messages.get((context, msgid))

    def plural_index(self, msgid: str, n: int, context: str | None = None) -> int:
        """The form `n` takes for this text, by the rule of its own catalog file."""
        rule = self.plural_rules.get((context, msgid), DEFAULT_PLURAL_RULE)
        return int(rule.index(n))


# A catalog's key: (message context, Dutch msgid). The same keys recur in every language, so
# each is kept once for all of them (a Dutch text is ~100 characters; 15 languages).
Key = tuple[str | None, str]
_KEYS: dict[Key, Key] = {}


@cache
def catalog(language: str) -> Catalog:
    """The translations of one language, read once from its .po files."""
    result = Catalog(language)
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    for domain in DOMAINS:
        path = folder / f"{domain}.po"
        if not path.exists():
            continue
        data = path.read_bytes()
        rule = plural_rule(data) or DEFAULT_PLURAL_RULE
        texts = read_po_texts(data, language)
        for key, (string, fuzzy) in texts.items():
            if fuzzy or not string:
                continue
            key = _KEYS.setdefault(key, key)
            if isinstance(string, tuple):
                if not all(string) or key in result.messages:
                    continue
                result.plural_rules[key] = rule
            result.messages.setdefault(key, string)
    return result


# ---- reading a .po file ----------------------------------------------------------------------

PoText = str | tuple[str, ...]  # a translation, or its plural forms in order
_ESCAPED = re.compile(r'\\([\\abfnrtv"])')  # as babel.messages.pofile unescapes
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def read_po_texts(data: bytes, language: str) -> dict[Key, tuple[PoText, bool]]:
    """{(context, msgid): (translation, fuzzy)} of a .po file's live entries, as babel's
    `read_po` reads them (same unescaping, plural forms padded to the header's count, obsolete
    `#~` entries left out, a repeated entry merged), without its per-entry objects.

    A file without a readable `Plural-Forms` header goes through babel itself (its count then
    comes from the language's CLDR rules)."""
    rule = plural_rule(data)
    if rule is None:
        return _read_with_babel(data, language)
    texts: dict[Key, tuple[PoText, bool]] = {}
    for context, msgids, strings, fuzzy in _po_entries(data.decode("utf-8")):
        msgid = _joined(msgids[0])
        string: PoText
        if len(msgids) > 1:
            forms = [""] * rule.count
            for index, pieces in sorted(strings):
                if index < rule.count:
                    forms[index] = _joined(pieces)
            string = tuple(forms)
        elif msgid == "":
            continue  # the header
        else:
            string = _joined(strings[0][1])
        key = (_joined(context) if context else None, msgid)
        known = texts.get(key)
        if known is None:
            texts[key] = (string, fuzzy)
        else:  # babel keeps the first, plural forms win, and flags add up
            kept = (
                string
                if isinstance(string, tuple) and not isinstance(known[0], tuple)
                else known[0]
            )
            texts[key] = (kept, known[1] or fuzzy)
    return texts


_LINE_SPACE = " \t\n\r\x0b\x0c"  # what babel strips from a line (bytes.strip) before decoding it
_Entry = tuple[list[str] | None, list[list[str]], list[tuple[int, list[str]]], bool]


def _po_entries(text: str) -> Iterator[_Entry]:
    """(msgctxt pieces, msgid pieces per form, (index, msgstr pieces), fuzzy) of every entry that
    is not obsolete, in file order; a line at a time, as babel's PoFileParser goes."""
    context: list[str] | None = None
    msgids: list[list[str]] = []
    strings: list[tuple[int, list[str]]] = []
    flags: set[str] = set()
    obsolete = False
    into: list[str] | None = None  # where a continuation line ("...") goes
    in_msgid = in_msgstr = in_msgctxt = False

    for raw in text.split("\n"):
        line = raw.strip(_LINE_SPACE)
        if not line:
            continue
        if line[0] == "#" and line[1:2] != "~":  # a comment ends the entry before it
            if msgids:
                if not obsolete:
                    yield context, msgids, strings or [(0, [])], "fuzzy" in flags
                context, msgids, strings, flags, obsolete = None, [], [], set(), False
                in_msgid = in_msgstr = in_msgctxt = False
            if line[:2] == "#,":
                flags.update(flag.strip() for flag in line[2:].lstrip().split(","))
            continue
        line_obsolete = line[0] == "#"
        if line_obsolete:
            line = line[2:].lstrip()
            if not line:
                continue
        if line[0] == '"':
            into = (
                msgids[-1]
                if in_msgid
                else strings[-1][1]
                if in_msgstr
                else context
                if in_msgctxt
                else None
            )
            if into is not None:
                into.append(line)
            continue
        keyword, _, arg = line.partition(" ")
        if keyword in ("msgid", "msgctxt") and msgids:
            if not obsolete:
                yield context, msgids, strings or [(0, [])], "fuzzy" in flags
            context, msgids, strings, flags = None, [], [], set()
            in_msgid = in_msgstr = in_msgctxt = False
        obsolete = line_obsolete
        if keyword in ("msgid", "msgid_plural"):
            in_msgctxt, in_msgid = False, True
            msgids.append([arg.strip()])
        elif keyword == "msgctxt":
            in_msgctxt = True
            context = [arg.strip()]
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            in_msgid, in_msgstr = False, True
            _, bracket, index = keyword.partition("[")
            strings.append(
                (int(index[:-1]) if bracket else 0, [arg.strip()] if arg != '""' else [])
            )
    if msgids and not obsolete:
        yield context, msgids, strings or [(0, [])], "fuzzy" in flags


def _joined(pieces: list[str]) -> str:
    """The text of a string's quoted pieces, unescaped."""
    return "".join(_unquoted(piece) for piece in pieces)


def _unquoted(piece: str) -> str:
    inner = piece[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPED.sub(lambda match: _ESCAPES.get(match[1], match[1]), inner)


def _read_with_babel(data: bytes, language: str) -> dict[Key, tuple[PoText, bool]]:
    from babel.messages.pofile import read_po

    texts: dict[Key, tuple[PoText, bool]] = {}
    for message in read_po(io.BytesIO(data), locale=language):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        string = message.string
        texts[(message.context, msgid)] = (
            tuple(string) if isinstance(string, (list, tuple)) else string or "",
            message.fuzzy,
        )
    return texts


def gettext(language: str, message: str, context: str | None = None) -> str:
    """`message` (Dutch) in `language`; Dutch when there is no usable translation."""
    if language == SOURCE_LANGUAGE:
        return message
    found = catalog(language).lookup(message, context)
    if isinstance(found, tuple):
        return found[0]
    return found or message


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The plural form for `n` in `language`, by the Plural-Forms header of its catalog."""
    if language == SOURCE_LANGUAGE:
        return singular if n == 1 else plural
    found = catalog(language)
    forms = found.lookup(singular)
    if isinstance(forms, tuple):
        index = found.plural_index(singular, n)
        if 0 <= index < len(forms):
            return forms[index]
    return singular if n == 1 else plural


def t(language: str, message: str, /, **placeholders: object) -> str:
    """Translate and fill in placeholders; RTL text gets isolates around each placeholder and
    around each slash command."""
    text = isolate_commands(language, gettext(language, message))
    source = isolate_commands(language, message)
    return fill(language, text, placeholders, source=source)


def tn(language: str, singular: str, plural: str, n: int, /, **placeholders: object) -> str:
    text = isolate_commands(language, ngettext(language, singular, plural, n))
    source = isolate_commands(language, singular if n == 1 else plural)
    return fill(language, text, {"n": n, **placeholders}, source=source)


def fill(
    language: str, text: str, placeholders: dict[str, object], source: str | None = None
) -> str:
    """Fill in placeholders; in RTL text each value is isolated (FSI ... PDI) so that a number or
    a Latin name keeps its own direction and does not reorder the sentence around it."""
    if not placeholders:
        return text
    if language in RTL_LANGUAGES:
        placeholders = {k: f"{FSI}{v}{PDI}" for k, v in placeholders.items()}
    for candidate in (text, source):
        if candidate is None:
            continue
        try:
            return candidate.format(**placeholders)
        except (KeyError, IndexError, ValueError):
            # A broken translation must never break the conversation, nor show "{number}" to a
            # parent: fall back to the Dutch source (`ouderstem i18n check` reports the cause).
            continue
    return text


def isolate_ltr(language: str, text: str) -> str:
    """Wrap a left-to-right fragment ("3/20") so it renders intact inside RTL text."""
    return f"{LRI}{text}{PDI}" if language in RTL_LANGUAGES else text


# A slash command in a text ("/stop", "/taal"): a slash not preceded by a letter, digit or slash
# (so "3/20" and URLs are left alone), then Telegram's command characters.
SLASH_COMMAND = re.compile(r"(?<![\w/])/[a-z0-9_]+\b")


def isolate_commands(language: str, text: str) -> str:
    """Each slash command isolated left-to-right in RTL text, so "/stop" does not render as
    "stop/" and a line that starts with a command still reads right to left."""
    if language not in RTL_LANGUAGES:
        return text
    return SLASH_COMMAND.sub(lambda match: isolate_ltr(language, match[0]), text)


def flow_context(flow_id: str, key: str) -> str:
    """The message context of a flow item: stable across rewording of the Dutch text."""
    return f"{flow_id}:{key}"


def spoken_flow_text(language: str, flow_id: str, key: str, dutch: str) -> str | None:
    """A flow text's spoken-only variant in `language` (audio only), or None if it has none."""
    if language == SOURCE_LANGUAGE:
        return None
    found = catalog(language).lookup(dutch, flow_context(flow_id, key) + SPOKEN_SUFFIX)
    return found if isinstance(found, str) and found else None


def flow_text(language: str, flow_id: str, key: str, dutch: str) -> str:
    """A flow text (question, option, intro, ...) in `language`, keyed by its stable id; slash
    commands isolated in RTL text, as in `t`."""
    return isolate_commands(language, gettext(language, dutch, flow_context(flow_id, key)))


# ---- commands in the parent's language ------------------------------------------------------
# Telegram lets each language have its own command menu (names: a-z, 0-9, _). The Dutch names
# always work; where a parent types in Latin script, a word of their own language works too and
# is what their menu and their help text show. /start, /help and /stop are the same everywhere.
# The one table of aliases: Dutch command -> {language: alias}.
COMMAND_ALIASES: dict[str, dict[str, str]] = {
    "taal": {
        "fr": "langue", "en": "language", "tr": "dil", "pl": "jezyk", "ro": "limba",
        "sk": "jazyk", "so": "luqad",
    },
    "vergeet": {
        "fr": "oublier", "en": "forget", "tr": "unut", "pl": "zapomnij", "ro": "sterge",
        "sk": "zabudni", "so": "tirtir",
    },
    "voorlezen": {
        "fr": "ecouter", "en": "listen", "tr": "dinle", "pl": "sluchaj", "ro": "asculta",
        "sk": "pocuvat", "so": "dhageyso",
    },
    "geenherinnering": {
        "fr": "sansrappel", "en": "noreminders", "tr": "hatirlatmayin", "pl": "bezprzypomnien",
        "ro": "faraamintiri", "sk": "bezpripomienok", "so": "xusuusinmaya",
    },
}  # fmt: skip


def command_names(command: str) -> tuple[str, ...]:
    """Every name a Dutch command answers to: itself, then its aliases."""
    return (command, *dict.fromkeys(COMMAND_ALIASES.get(command, {}).values()))


def command_for(language: str, command: str) -> str:
    """The name of a command as `language`'s menu and texts show it ("taal" -> "langue")."""
    return COMMAND_ALIASES.get(command, {}).get(language, command)


# Our "fa" catalog is Persian as written in Afghanistan, for Afghan families, who call their
# language Dari: the menu shows CLDR's name for fa_AF, "دری", rather than "فارسی".
NAMED_AS = {"fa": "fa_AF"}


@cache
def language_name(language: str) -> str:
    """The language's own name in its own script, from CLDR ("Türkçe", "العربية", "دری")."""
    locale = Locale.parse(language)
    name = locale.languages.get(NAMED_AS.get(language, "")) or locale.get_display_name(language)
    name = name or language
    return name[:1].upper() + name[1:]


def normalize_language(code: str | None) -> str | None:
    """Map a Telegram `language_code` ("en-GB", "prs") to a supported language, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    base = {"prs": "fa", "per": "fa", "pbu": "ps", "pus": "ps", "som": "so", "tir": "ti"}.get(
        base, base
    )
    return base if base in LANGUAGES else None


# The regional variant our readers use for dates: Belgian Dutch and French, Dari month names
# (دسمبر, not Iranian دسامبر), and the Levantine/Iraqi Arabic months (كانون الأول).
DATE_LOCALES = {
    "nl": "nl_BE",
    "fr": "fr_BE",
    "en": "en_GB",
    "fa": "fa_AF",
    "ar": "ar_SY",
    "ps": "ps_AF",
    "ti": "ti_ER",
}


def format_date(language: str, value: object) -> str:
    """A date in the reader's locale ("15 december 2026", "15 Aralık 2026")."""
    from babel.dates import format_date as babel_format_date

    locale = DATE_LOCALES.get(language, language)
    return babel_format_date(value, format="long", locale=locale)  # type: ignore[arg-type]
