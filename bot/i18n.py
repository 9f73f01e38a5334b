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

Catalogs are read from the .po files by babel, each language on its first use (no compile step
to forget), and a catalog's keys are kept once for every language; `ouderstem i18n compile` still
writes .mo files for tools that want them. The tooling is `bot.i18n_tools`. The
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
from collections.abc import Callable
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
    from babel.messages.pofile import read_po  # loaded once a language other than Dutch is used

    result = Catalog(language)
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    for domain in DOMAINS:
        path = folder / f"{domain}.po"
        if not path.exists():
            continue
        data = path.read_bytes()
        rule = plural_rule(data) or DEFAULT_PLURAL_RULE
        for message in read_po(io.BytesIO(data), locale=language):
            if not message.id or message.fuzzy or not message.string:
                continue
            msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            key = _KEYS.setdefault((message.context, msgid), (message.context, msgid))
            string = message.string
            if isinstance(string, (list, tuple)):
                if not all(string) or key in result.messages:
                    continue
                result.plural_rules[key] = rule
                string = tuple(string)
            result.messages.setdefault(key, string)
    return result


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
