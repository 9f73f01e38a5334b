"""Issue 15, in the chat: every parent understands every question.

Through the real bot (the in-process Bot API of tests/conftest.py) where a parent would see it:
the faces explained with the first scale question and after a pause, a neutral midpoint, slash
commands that read left to right inside Arabic, Dari and Pashto, commands in the parent's own
language, the translation fixes of the review, and plain Dutch (A2) in the source. The expected
strings are written out here, not read from the catalogs, so a catalog that slips back fails.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flow_model import flow_library, get_flow
from bot.i18n import (
    COMMAND_ALIASES,
    LANGUAGES,
    LRI,
    PDI,
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    catalog,
    command_names,
    flow_text,
    gettext,
    t,
)
from bot.i18n_tools import extract
from bot.texts import audio as audio_texts
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.tg.school.common import STAFF_COMMANDS
from bot.tg.stub_api import SimulatedUser, button_labels

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # a Tuesday morning
PARENTS = get_flow("barometer-ouders")
PUPILS = get_flow("barometer-leerlingen")
GLOSSARY = Path(__file__).parent / "data" / "glossary.yaml"


@pytest.fixture
async def chat_bot(store: Any, bot_factory: Callable[..., Any]) -> Any:
    return await bot_factory(store, clock=lambda: NOW)


async def join_in(
    bot: Any, language: str, flow_id: str = "barometer-ouders", **round_kwargs: Any
) -> tuple[SimulatedUser, list[dict[str, Any]]]:
    """A parent whose Telegram speaks `language` opens a round's link and takes that language."""
    _, opened = await bot.school_and_round(flow_id, **round_kwargs)
    parent = bot.user(language_code=language)
    await parent.command("/start", opened.start_token)
    replies = await parent.press("✅")
    return parent, replies


async def answer_until(
    parent: SimulatedUser,
    replies: list[dict[str, Any]],
    wanted: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """Answer 😐 (or skip, or type) until the bot sends a message that `wanted` accepts."""
    for _ in range(60):
        last = replies[-1]
        if wanted(last):
            return last
        labels = button_labels(last)
        if "😐" in labels:
            replies = await parent.press("😐")
        elif any(label.startswith("⏭️") for label in labels):
            replies = await parent.press("⏭️")
        else:
            replies = await parent.text("Goed zo.")
    raise AssertionError("the wanted message never came")


# ---- 1. the faces, explained from the start -----------------------------------------------------

LEGEND_NL = (
    "Tik op een gezichtje. Of typ een cijfer:\n"
    "1 = 😞 helemaal niet\n"
    "2 = 🙁 niet zo\n"
    "3 = 😐 half ja, half nee\n"
    "4 = 🙂 ja\n"
    "5 = 😄 ja, heel erg\n"
    "Weet u het niet? Tik op 🤷."
)
# The neutral midpoint in every language ("half yes, half no"), machine-translated.
MIDPOINT = {
    "nl": "half ja, half nee", "fr": "moitié oui, moitié non", "en": "half yes, half no",
    "tr": "yarı evet, yarı hayır", "bg": "наполовина да, наполовина не", "ar": "بين نعم ولا",
    "pl": "pół na pół", "ro": "jumătate da, jumătate nu", "sk": "napoly áno, napoly nie",
    "uk": "наполовину так, наполовину ні", "ru": "наполовину да, наполовину нет",
    "fa": "نیم بلی، نیم نه", "ps": "نیم هو، نیم نه", "so": "qayb haa, qayb maya",
    "ti": "ፍርቂ እወ፣ ፍርቂ ኣይፋል",
}  # fmt: skip


async def test_the_faces_are_explained_with_the_first_scale_question_only(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "nl")
    first = replies[-1]
    assert first["text"] == f"Vraag 1 van 30\n\nU voelt zich welkom op de school.\n\n{LEGEND_NL}"
    assert button_labels(first)[:6] == ["😞", "🙁", "😐", "🙂", "😄", "🤷 Weet ik niet"]
    second = (await parent.press("🙂"))[-1]
    assert second["text"] == "Vraag 2 van 30\n\nOp school kennen ze u."  # read once, not again


async def test_the_faces_are_explained_again_after_a_pause(chat_bot: Any) -> None:
    parent, _ = await join_in(chat_bot, "nl")
    await parent.press("🙂")
    paused = await parent.command("/stop")
    assert paused[-1]["text"] == (
        "Even pauze. Uw antwoorden zijn bewaard.\n"
        "Wilt u verdergaan? Stuur een bericht of tik op Verder."
    )
    back = await parent.press("Verder")
    assert [m["text"] for m in back] == [
        "Welkom terug! We gaan verder waar u was.",
        f"Vraag 2 van 30\n\nOp school kennen ze u.\n\n{LEGEND_NL}",
    ]
    after = await parent.press("🙂")  # and once is enough
    assert (
        after[-1]["text"] == "Vraag 3 van 30\n\nU durft met een probleem naar de school te komen."
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_midpoint_is_neutral_in_every_language(chat_bot: Any, language: str) -> None:
    _, replies = await join_in(chat_bot, language)
    legend = replies[-1]["text"].split("\n\n")[-1]
    assert f"3 = 😐 {MIDPOINT[language]}" in legend.split("\n")
    assert "1 = 😞" in legend and "5 = 😄" in legend and "🤷" in legend
    spoken = t(language, audio_texts.SCALE_SPOKEN)
    assert MIDPOINT[language] in spoken


# ---- 2. right to left: slash commands stay "/stop", never "stop/" -------------------------------


def first_strong(line: str) -> str | None:
    """The bidi class of a line's first strong character, isolates skipped as Unicode does."""
    depth = 0
    for char in line:
        if char in "\u2066\u2067\u2068":
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0 and unicodedata.bidirectional(char) in ("L", "R", "AL"):
            return unicodedata.bidirectional(char)
    return None


def test_slash_commands_are_isolated_in_the_exact_rtl_strings() -> None:
    assert t("ps", texts.UNKNOWN_COMMAND) == f"دا نه پېژنم. د مرستې لپاره {LRI}/help{PDI} ولیکئ."
    assert t("ar", texts.UNKNOWN_COMMAND) == f"لا أعرف هذا. اكتبوا {LRI}/help{PDI} للمساعدة."
    assert (
        t("fa", texts.UNKNOWN_COMMAND) == f"این را نمی‌شناسم. برای کمک {LRI}/help{PDI} را بنویسید."
    )
    # left-to-right languages and numbers like 3/20 are left alone
    assert t("fr", texts.UNKNOWN_COMMAND) == "Je ne connais pas cela. Tapez /help pour de l'aide."
    assert t("nl", texts.UNKNOWN_COMMAND) == "Dat ken ik niet. Typ /help voor hulp."


@pytest.mark.parametrize("language", sorted(RTL_LANGUAGES))
async def test_help_reads_right_to_left_on_every_line(chat_bot: Any, language: str) -> None:
    parent, _ = await join_in(chat_bot, language)
    shown = (await parent.command("/help"))[-1]["text"]
    assert shown == t(language, texts.HELP)
    for command in ("stop", "taal", "vergeet", "voorlezen", "help"):
        assert f"{LRI}/{command}{PDI}" in shown
    for line in filter(None, shown.split("\n")):
        assert first_strong(line) in ("R", "AL"), f"{language}: reads left to right: {line!r}"


async def test_the_arabic_welcome_isolates_stop(chat_bot: Any) -> None:
    _, replies = await join_in(chat_bot, "ar")
    welcome = next(m["text"] for m in replies if "⏱️" in m["text"])
    line = f"يمكنكم التوقف دائمًا بكتابة {LRI}/stop{PDI}، والمتابعة لاحقًا."
    assert line in welcome.split("\n")


def test_the_pashto_help_begins_right_to_left() -> None:
    first_line = t("ps", texts.HELP).split("\n")[0]
    assert first_line == "ستاسو د ماشوم د ښوونځي لنډې پوښتنې Ouderstem تاسو ته راوړي."


@pytest.mark.parametrize("language", sorted(RTL_LANGUAGES))
def test_no_rtl_line_is_pulled_left_to_right(language: str) -> None:
    """Every line of every parent text in Arabic, Dari and Pashto starts right to left."""
    for message in extract()["ouderstem"]:
        if not message.id or isinstance(message.id, (list, tuple)):
            continue
        shown = t(language, message.id)
        if shown == message.id or message.id.startswith("Ouderstem:"):
            continue  # untranslated (reported by `i18n check`), or the bot's name as a label
        shown = re.sub(r"\{\w+\}", "", shown)  # a filled-in value is isolated (FSI ... PDI)
        for line in filter(None, shown.split("\n")):
            assert first_strong(line) in ("R", "AL", None), f"{line!r}"


# ---- 3. commands in the parent's own language --------------------------------------------------


async def test_a_french_parent_types_french_commands_and_dutch_ones_still_work(
    chat_bot: Any,
) -> None:
    parent, _ = await join_in(chat_bot, "fr")
    help_text = (await parent.command("/help"))[-1]["text"]
    assert "/langue – choisir une autre langue" in help_text
    assert "/oublier – effacer toutes vos réponses" in help_text
    for command in ("/langue", "/taal"):
        menu = await parent.command(command)
        assert menu[-1]["text"].startswith(t("fr", texts.CHOOSE_LANGUAGE))
        assert "Français" in " ".join(button_labels(menu[-1]))
    for command in ("/oublier", "/vergeet"):
        asked = await parent.command(command)
        assert asked[-1]["text"] == (
            "Voulez-vous effacer toutes vos réponses ? Ensuite, elles sont perdues pour toujours."
        )


async def test_an_english_and_a_turkish_parent_use_their_words(chat_bot: Any) -> None:
    english, _ = await join_in(chat_bot, "en")
    assert (await english.command("/language"))[-1]["text"].startswith("Which language")
    turkish, _ = await join_in(chat_bot, "tr")
    asked = await turkish.command("/unut")
    assert asked[-1]["text"] == t("tr", texts.FORGET_CONFIRM)
    quiet = await turkish.command("/hatirlatmayin")
    assert quiet[-1]["text"] == t("tr", school_texts.NO_REMINDERS)


def test_aliases_are_valid_telegram_names_and_never_clash() -> None:
    seen: dict[str, str] = {}
    for command, aliases in COMMAND_ALIASES.items():
        for language, alias in aliases.items():
            assert language in LANGUAGES and language != SOURCE_LANGUAGE
            assert re.fullmatch(r"[a-z0-9_]{1,32}", alias), alias
            assert seen.setdefault(alias, command) == command, f"/{alias} means two commands"
    used = {"start", "help", "stop", "rapport", *STAFF_COMMANDS, *COMMAND_ALIASES}
    assert not set(seen) & (used - set(COMMAND_ALIASES)), "an alias hides another command"
    assert command_names("taal")[0] == "taal"  # the Dutch name keeps working


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_a_text_names_is_one_the_bot_answers(language: str) -> None:
    handled = {"start", "help", "stop"}
    for command in COMMAND_ALIASES:
        handled.update(command_names(command))
    for message in extract()["ouderstem"]:
        if not message.id or isinstance(message.id, (list, tuple)):
            continue
        for named in re.findall(r"(?<![\w/])/([a-z0-9_]+)", t(language, message.id)):
            assert named in handled or named in STAFF_COMMANDS, f"{language}: /{named}"


# ---- 4. the translation fixes of the review (all machine translations, marked so) --------------


async def reach(bot: Any, language: str, flow_id: str, question: str) -> str:
    """The text of a question as a parent in `language` meets it."""
    flow = get_flow(flow_id)
    dutch = flow.question(question).text
    said = flow_text(language, flow_id, f"q.{question}", dutch)
    parent, replies = await join_in(bot, language, flow_id)
    return (await answer_until(parent, replies, lambda m: said in m.get("text", "")))["text"]


@pytest.mark.parametrize(
    ("language", "flow_id", "question", "fixed", "gone"),
    [
        # ps welkom_3 said "you do not fear to come": with 😞 a double negative
        ("ps", "barometer-ouders", "welkom_3", "تاسو زړه کوئ چې له کومې ستونزې سره ښوونځي ته راشئ.", "نه ډارېږئ"),
        ("ps", "barometer-leerlingen", "welkom_3", "ستا والدین زړه کوي چې", "نه ډارېږي"),
        # fr and ro welkom_1 made the school the subject; the parent's feeling is
        ("fr", "barometer-ouders", "welkom_1", "Vous vous sentez le bienvenu à l'école.", "l'école vous accueille"),
        ("fr", "barometer-leerlingen", "welkom_1", "Tes parents se sentent les bienvenus à l'école.", "l'école les accueille"),
        ("ro", "barometer-ouders", "welkom_1", "Vă simțiți binevenit la școală.", "Școala vă primește"),
        # so steun_2 said the school "lowers" the costs; it keeps them low
        ("so", "barometer-ouders", "steun_2", "Dugsigu wuxuu kharashka qoyskaaga ku hayaa heer hoose.", "hoos u dhigaa"),
        # fa: one form of "your child"
        ("fa", "barometer-ouders", "leren_4", "طفل شما", "طفل تان"),
        # ru: "вы" in lower case inside a sentence, as in a chat, not a letter
        ("ru", "barometer-ouders", "welkom_1", "Вы чувствуете, что вам рады в школе.", "Вам рады"),
        # nl: "U hebt", as everywhere else
        ("nl", "barometer-ouders", "vertrouwen_1", "U hebt vertrouwen in de school.", "U heeft"),
    ],
)  # fmt: skip
async def test_a_fixed_question_as_the_parent_reads_it(
    chat_bot: Any, language: str, flow_id: str, question: str, fixed: str, gone: str
) -> None:
    shown = await reach(chat_bot, language, flow_id, question)
    assert fixed in shown
    assert gone not in shown


async def test_slovak_closing_says_after_the_date(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "sk")
    closing = await answer_until(parent, replies, lambda m: "Ďakujeme" in m.get("text", ""))
    assert "po 15. decembra 2026" in closing["text"]
    assert "od 15." not in closing["text"]


async def test_pashto_closing_promises_soon_not_very_soon(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "ps", closes_in_days=None)
    closing = await answer_until(parent, replies, lambda m: "مننه" in m.get("text", ""))
    assert "ژر" in closing["text"] and "ډېر ژر" not in closing["text"]


async def test_dari_skip_does_not_read_as_rejected(chat_bot: Any) -> None:
    parent, replies = await join_in(chat_bot, "fa")
    optional = await answer_until(
        parent, replies, lambda m: any(b.startswith("⏭️") for b in button_labels(m))
    )
    assert "⏭️ صرف نظر" in button_labels(optional)
    await parent.press("⏭️")
    answered = next(m for m in parent.all_messages() if m["message_id"] == optional["message_id"])
    assert answered["text"].endswith("صرف نظر شد\u2069")  # "✅ Your answer: skipped", isolated
    assert "رد شد" not in answered["text"]


async def test_arabic_scale_point_one_means_not_at_all(chat_bot: Any) -> None:
    _, replies = await join_in(chat_bot, "ar")
    assert "1 = 😞 لا، إطلاقًا" in replies[-1]["text"].split("\n")
    assert "أبدًا" not in replies[-1]["text"]


async def test_tigrinya_minutes_in_the_plural(chat_bot: Any) -> None:
    _, replies = await join_in(chat_bot, "ti")
    welcome = next(m["text"] for m in replies if "⏱️" in m["text"])
    assert welcome.endswith("⏱️ \u20688\u2069 ደቓይቕ") or welcome.endswith("⏱️ 8 ደቓይቕ")
    assert "ደቒቕ" not in welcome


async def test_somali_says_the_school_does_not_see_your_name(chat_bot: Any) -> None:
    _, replies = await join_in(chat_bot, "so")
    welcome = next(m["text"] for m in replies if "⏱️" in m["text"])
    assert "Dugsigu ma arko cidda waxa ka jawaabtay." in welcome
    assert all("qarsoodi" not in m["text"] for m in replies)  # "secret"


def test_the_arabic_pupils_invitation_has_its_verbs() -> None:
    body = t("ar", school_texts.INVITATION_TEXT_PUPILS, school="S", date="D")
    assert body.split("\n")[1] == "امسح رمز QR بهاتفك. تُجيب في Telegram."


def test_polish_thanks_in_one_voice_and_russian_chat_style() -> None:
    for domain_text in catalog("pl").messages.values():
        for text in (domain_text,) if isinstance(domain_text, str) else domain_text:
            assert "Dziękuję" not in text  # "we thank you", as everywhere: Dziękujemy
    capital = re.compile(r"[^.!?:\n«\"]\s+В(ы|ас|ам|ами|аш[а-я]*)\b")
    for text in catalog("ru").messages.values():
        for one in (text,) if isinstance(text, str) else text:
            assert not capital.search(one), one


# ---- 5. plain Dutch (A2) in everything a parent or pupil reads ---------------------------------

MAX_WORDS = 12
AVOID = (
    r"anoniem",
    r"samenwerking",
    r"privégesprek",
    r"commando",
    r"gepauzeerd",
    r"kan niet ongedaan worden gemaakt",
    r"\bheeft u\b",  # "U hebt", as everywhere
    r"\bu heeft\b",
    r"\bmakkelijk",  # Flemish "gemakkelijk"
)
# Flows a parent or pupil reads; the team's flow and the tips for staff are written for staff.
PARENT_FLOWS = ("barometer-ouders", "barometer-leerlingen", "dialoog")


def parent_dutch() -> list[tuple[str, str]]:
    """(key, Dutch text) of every text parents and pupils read."""
    found = []
    templates = extract()
    for message in templates["ouderstem"]:
        for text in message.id if isinstance(message.id, (list, tuple)) else (message.id,):
            if text:
                key = next((c for c in message.auto_comments if c.startswith("key:")), text)
                found.append((key, text))
    for message in templates["flows"]:
        flow_id, _, key = (message.context or "").partition(":")
        if flow_id in PARENT_FLOWS and not key.startswith("theme."):
            found.append((message.context or "", str(message.id)))
    return found


def sentences(text: str) -> list[str]:
    return [s for line in text.split("\n") for s in re.split(r"(?<=[.!?])\s+", line) if s]


# {topic} counts as the longest topic a dialogue round can have
LONGEST_TOPIC = max(
    (t.text for t in flow_library()["dialoog"].topics), key=lambda t: len(t.split())
)


def words(sentence: str) -> list[str]:
    # a date counts as its three words ("na 15 december 2026"); /commands and emoji do not count
    sentence = (
        sentence.replace("{feedback_when}", "na 15 december 2026")
        .replace("{date}", "15 december 2026")
        .replace("{topic}", LONGEST_TOPIC)
    )
    return [w for w in re.findall(r"[\w{}'’-]+", sentence) if not w.startswith("/")]


@pytest.mark.parametrize(("key", "text"), parent_dutch())
def test_plain_dutch_short_sentences_and_plain_words(key: str, text: str) -> None:
    for sentence in sentences(text):
        assert len(words(sentence)) <= MAX_WORDS, f"{key}: {sentence!r}"
    for avoid in AVOID:
        assert not re.search(avoid, text, re.IGNORECASE), f"{key}: {avoid!r}"


# ---- 6. the same word for the same thing, per language (tests/data/glossary.yaml) --------------


def glossary() -> dict[str, Any]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE])
def test_glossary_terms_are_used_consistently(language: str) -> None:
    terms = glossary()["terms"]
    texts = parent_dutch()
    checked: dict[str, int] = {}
    for name, term in terms.items():
        dutch = re.compile(term["nl"], re.IGNORECASE)
        entry = term[language]
        use = [re.compile(p, re.IGNORECASE) for p in entry["use"]]
        avoid = [re.compile(p, re.IGNORECASE) for p in entry.get("avoid", [])]
        checked[name] = 0
        for key, source in texts:
            if not dutch.search(source):
                continue
            context = key if ":" in key and not key.startswith("key:") else None
            shown = gettext(language, source, context)
            if shown == source:
                continue  # untranslated: `i18n check` reports it
            checked[name] += 1
            assert any(p.search(shown) for p in use), f"{language} {key}: {shown!r}"
            assert not any(p.search(shown) for p in avoid), f"{language} {key}: {shown!r}"
    # Since flow version 2 every term is in a parent's text: each one is held in each language.
    assert all(checked.values()), f"{language}: terms in no translated text: {checked}"
    assert checked["parent-teacher meeting"] >= 2, checked  # parents' and pupils' items
