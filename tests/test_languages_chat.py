"""Issue 3, in the chat: every parent reads the bot in their own language, through the real bot.

Each test drives the real Application (handlers, store, Bot API wire format) through the
in-process Bot API and asserts the exact texts and buttons a parent receives, built here from the
catalogs (`t`, `tn`, `flow_text`), and what is stored. The clock is fixed (1 December 2026, a
round closing on 15 December) so the dates in the closing message can be checked per locale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.audio import ffmpeg_encodes_opus, synthetic_languages
from bot.flow_model import (
    DONT_KNOW,
    Flow,
    Question,
    QuestionType,
    flow_library,
    get_flow,
    question_key,
)
from bot.i18n import (
    FSI,
    LANGUAGES,
    LRI,
    PDI,
    RLI,
    RTL_LANGUAGES,
    SOURCE_LANGUAGE,
    catalog,
    flow_context,
    flow_text,
    format_date,
    gettext,
    language_name,
    t,
    tn,
)
from bot.limits import (
    MAX_BOT_DESCRIPTION_CHARS,
    MAX_BOT_SHORT_DESCRIPTION_CHARS,
    MAX_COMMAND_DESCRIPTION_CHARS,
)
from bot.texts import parents as texts
from bot.tg.parent import expected_minutes
from bot.tg.stub_api import SimulatedUser, button_labels

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CLOSES_ON = date(2026, 12, 15)  # rounds here close 14 days after NOW
SCHOOL = "Basisschool De Regenboog"
PARENTS = get_flow("barometer-ouders")
FACES = ("😞", "🙁", "😐", "🙂", "😄", "🤷")
VALUE_OF = {"😞": "1", "🙁": "2", "😐": "3", "🙂": "4", "😄": "5", "🤷": DONT_KNOW}

# Written out here, not read from the code: the menu must show these, from CLDR.
OWN_NAMES = {
    "nl": "Nederlands", "fr": "Français", "en": "English", "tr": "Türkçe", "bg": "Български",
    "ar": "العربية", "pl": "Polski", "ro": "Română", "sk": "Slovenčina", "uk": "Українська",
    "ru": "Русский", "fa": "دری", "ps": "پښتو", "so": "Soomaali", "ti": "ትግርኛ",
}  # fmt: skip
# "December" as each locale writes it in a long date (fa: the Dari month, not Iranian دسامبر).
DECEMBER = {
    "nl": "december", "fr": "décembre", "en": "December", "tr": "Aralık", "bg": "декември",
    "ar": "كانون الأول", "pl": "grudnia", "ro": "decembrie", "sk": "decembra", "uk": "грудня",
    "ru": "декабря", "fa": "دسمبر", "ps": "دسمبر", "so": "Diseembar", "ti": "ታሕሳስ",
}  # fmt: skip
# A typed answer to an open question, in the parent's own script.
OPEN_ANSWERS = {
    "nl": "Een warme school.", "fr": "Une école chaleureuse.", "en": "A warm school.",
    "tr": "Sıcak bir okul.", "bg": "Топло училище.", "ar": "مدرسة دافئة.", "pl": "Ciepła szkoła.",
    "ro": "O școală caldă.", "sk": "Vrelá škola.", "uk": "Тепла школа.", "ru": "Тёплая школа.",
    "fa": "مکتب گرم.", "ps": "تود ښوونځی.", "so": "Dugsi diirran.", "ti": "ሙቑር ቤት ትምህርቲ።",
}  # fmt: skip

# Each language's menu names for /taal, /vergeet, /voorlezen, /geenherinnering (issue 15);
# languages not listed show the Dutch names.
MENU_NAMES = {
    "nl": ("taal", "vergeet", "voorlezen", "geenherinnering"),
    "fr": ("langue", "oublier", "ecouter", "sansrappel"),
    "en": ("language", "forget", "listen", "noreminders"),
    "tr": ("dil", "unut", "dinle", "hatirlatmayin"),
    "pl": ("jezyk", "zapomnij", "sluchaj", "bezprzypomnien"),
    "ro": ("limba", "sterge", "asculta", "faraamintiri"),
    "sk": ("jazyk", "zabudni", "pocuvat", "bezpripomienok"),
    "so": ("luqad", "tirtir", "dhageyso", "xusuusinmaya"),
}

STRAY_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"  # LRM RLM ALM, embeddings
OPENERS = (LRI, RLI, FSI)


# ---- fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
async def chat_bot(store: Any, bot_factory: Callable[..., Any]) -> Any:
    """The real bot with its clock fixed at NOW."""
    return await bot_factory(store, clock=lambda: NOW)


def speaks(language: str) -> bool:
    """Whether this machine can read `language` aloud (espeak-ng voice and ffmpeg's libopus)."""
    return language in synthetic_languages() and ffmpeg_encodes_opus()


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if "text" in m]


def back_label(language: str) -> str:
    """The back button's arrow points against the reading direction: right in Arabic script."""
    return f"{'➡️' if language in RTL_LANGUAGES else '⬅️'} {t(language, texts.BACK)}"


def topic_words(language: str, flow: Flow, question: Question, topic: str | None) -> str:
    """What fills a question's {topic}: the round's topic, else the question's theme title."""
    if topic is not None:
        chosen = next(tp for tp in flow.topics if tp.id == topic)
        return flow_text(language, flow.id, f"topic.{chosen.id}", chosen.text)
    theme = next(th for th in flow.themes if th.id == question.theme)
    return flow_text(language, flow.id, f"theme.{theme.id}", theme.title)


def question_message(
    language: str, flow: Flow, question: Question, topic: str | None = None
) -> str:
    answerable = [q.id for q in flow.answerable_questions]
    asked = flow_text(language, flow.id, question_key(question.id), question.text)
    if "{topic}" in question.text:  # issue 15: the dialogue's questions name the round's topic
        assert asked.count("{topic}") == 1, "the translation keeps the slot"
        asked = asked.replace("{topic}", topic_words(language, flow, question, topic))
    lines = [
        t(
            language,
            texts.PROGRESS,
            number=answerable.index(question.id) + 1,
            total=len(answerable),
        ),
        "",
        asked,
    ]
    if question.type == QuestionType.OPEN:
        # and that a brugfiguur may hear a voice answer (issue 11, item 9)
        lines += ["", t(language, texts.OPEN_HINT), t(language, texts.VOICE_HEARD)]
    first_scale = next((q.id for q in flow.questions if q.type == QuestionType.SCALE), None)
    if question.id == first_scale:  # issue 15: the faces explained with the first scale question
        lines += ["", t(language, texts.REPAIR_SCALE)]
    return "\n".join(lines)


def question_buttons(language: str, flow: Flow, question: Question) -> list[str]:
    labels: list[str] = []
    if question.type == QuestionType.SCALE:
        labels += [*FACES[:5], f"🤷 {t(language, texts.DONT_KNOW)}"]
    if flow.answerable_questions[0].id != question.id:
        labels.append(back_label(language))
    if question.optional:
        labels.append(f"⏭️ {t(language, texts.SKIP)}")
    if language != SOURCE_LANGUAGE:
        labels.append("🇳🇱 NL")
    if speaks(language):
        labels.append(f"🔊 {t(language, texts.LISTEN)}")
    return labels


def welcome_message(language: str, flow: Flow, topic: str | None = None) -> str:
    """Hello from the school, the flow's intro, how long it takes, and the round's topic."""
    lines = [
        t(language, texts.WELCOME, school=SCHOOL),
        "",
        flow_text(language, flow.id, "intro", flow.intro),
        "",
        f"⏱️ {tn(language, *texts.DURATION, expected_minutes(flow))}",
    ]
    if topic is not None:
        dutch = next(tp.text for tp in flow.topics if tp.id == topic)
        name = flow_text(language, flow.id, f"topic.{topic}", dutch)
        lines += ["", t(language, texts.TOPIC_LINE, topic=name)]
    return "\n".join(lines)


def assert_welcome_translated(language: str, flow: Flow) -> None:
    """The welcome and the bot's words around the questions are translated (no Dutch fallback)."""
    if language == SOURCE_LANGUAGE:
        return
    for text in (
        texts.LANGUAGE_SET,
        texts.WELCOME,
        texts.PROGRESS,
        texts.OPEN_HINT,
        texts.VOICE_HEARD,
        texts.CHOSEN,
    ):
        assert gettext(language, text) != text, f"{language}: {text!r} in Dutch"
    assert flow_text(language, flow.id, "intro", flow.intro) != flow.intro, (
        f"{language}: intro in Dutch"
    )
    assert tn(language, *texts.DURATION, 5) != tn(SOURCE_LANGUAGE, *texts.DURATION, 5)


def closing_message(language: str, flow: Flow) -> str:
    when = t(language, texts.FEEDBACK_AFTER, date=format_date(language, CLOSES_ON))
    return flow_text(language, flow.id, "closing", flow.closing).replace("{feedback_when}", when)


def assert_bidi_clean(language: str, message: dict[str, Any]) -> None:
    """No stray direction marks; every isolate closed, properly nested; none at all in LTR text."""
    for text in [message.get("text") or message.get("caption") or "", *button_labels(message)]:
        assert not any(mark in text for mark in STRAY_MARKS), repr(text)
        depth = 0
        for char in text:
            depth += char in OPENERS
            depth -= char == PDI
            assert depth >= 0, f"PDI without an isolate in {text!r}"
        assert depth == 0, f"unclosed isolate in {text!r}"
        assert sum(text.count(c) for c in OPENERS) == text.count(PDI)
        if language not in RTL_LANGUAGES:
            assert PDI not in text, f"isolates in left-to-right text {text!r}"


def strip_isolates(text: str) -> str:
    return "".join(c for c in text if c not in (LRI, RLI, FSI, PDI))


async def choose_own_language(
    bot: Any, flow_id: str, language: str, **round_kwargs: Any
) -> tuple[SimulatedUser, Any, list[dict[str, Any]]]:
    """A parent with a `language` profile opens a round's link and takes the proposed language."""
    _, opened = await bot.school_and_round(flow_id, **round_kwargs)
    parent = bot.user(language_code=language)
    menu = await parent.command("/start", opened.start_token)
    assert len(menu) == 1
    prompt = t(language, texts.CHOOSE_LANGUAGE)
    if language == SOURCE_LANGUAGE:
        assert menu[0]["text"] == texts.CHOOSE_LANGUAGE
    else:
        assert prompt != texts.CHOOSE_LANGUAGE  # really in their language
        assert menu[0]["text"] == f"{prompt}\n{texts.CHOOSE_LANGUAGE}"  # and in Dutch
    labels = button_labels(menu[0])
    assert labels[0] == f"✅ {OWN_NAMES[language]}"
    assert menu[0]["reply_markup"]["inline_keyboard"][0] == [
        {"text": f"✅ {OWN_NAMES[language]}", "callback_data": f"l|{language}"}
    ]  # alone on the first row: one tap
    replies = await parent.press(f"✅ {OWN_NAMES[language]}")
    return parent, opened, replies


async def play_flow(
    bot: Any,
    flow: Flow,
    language: str,
    replies: list[dict[str, Any]],
    opened: Any,
    parent: SimulatedUser,
    topic: str | None = None,
) -> dict[str, tuple[Any, ...]]:
    """Answer every question of `flow` and check each message; the stored answers expected."""
    expected_first = [t(language, texts.LANGUAGE_SET), welcome_message(language, flow, topic)]
    expected: dict[str, tuple[Any, ...]] = {}
    pending = list(flow.questions)
    answered: list[tuple[int, str, str]] = []  # question message id and text, the label chosen

    def upcoming() -> list[str]:
        """Info messages, then the next question (or the closing message)."""
        shown = []
        while pending and pending[0].type == QuestionType.INFO:
            info = pending.pop(0)
            shown.append(flow_text(language, flow.id, question_key(info.id), info.text))
        shown.append(
            question_message(language, flow, pending[0], topic)
            if pending
            else closing_message(language, flow)
        )
        return shown

    assert texts_of(replies) == expected_first + upcoming()
    number = 0
    while pending:
        question = pending.pop(0)
        number += 1
        asked = replies[-1]
        asked_text = asked["text"]  # the stub edits this message in place once it is answered
        assert asked_text == question_message(language, flow, question, topic)
        assert "{topic}" not in asked_text
        assert button_labels(asked) == question_buttons(language, flow, question)
        if language != SOURCE_LANGUAGE:  # really translated, not the Dutch fallback
            assert (
                flow_text(language, flow.id, question_key(question.id), question.text)
                != question.text
            )
        if question.type == QuestionType.SCALE:
            face = FACES[number % len(FACES)]
            replies = await parent.press(face)
            label = f"🤷 {t(language, texts.DONT_KNOW)}" if face == "🤷" else face
            answered.append((asked["message_id"], asked_text, label))
            expected[question.id] = (VALUE_OF[face], None, None, 0)
        elif question.optional and number % 2 == 1:
            replies = await parent.press("⏭️")
            answered.append((asked["message_id"], asked_text, t(language, texts.SKIPPED)))
            expected[question.id] = (None, None, None, 1)
        else:
            typed = f"{OPEN_ANSWERS[language]} {number}"
            replies = await parent.text(typed)
            expected[question.id] = (None, typed, language, 0)
        assert texts_of(replies) == upcoming()
    # A tapped answer replaces the question's buttons by "✅ Your answer: ..." in place.
    for message_id, text, label in answered:
        edited = next(m for m in parent.all_messages() if m["message_id"] == message_id)
        assert edited["text"] == f"{text}\n\n✅ {t(language, texts.CHOSEN, answer=label)}"
        assert button_labels(edited) == []
    for message in parent.all_messages():
        assert_bidi_clean(language, message)
    rows = await bot.store.run_read(
        "SELECT question_id, value, text, text_language, skipped FROM answers WHERE round_id = ?",
        (opened.id,),
    )
    assert {r[0]: tuple(r[1:]) for r in rows} == expected
    assert await bot.store.run_read(
        "SELECT language, status FROM respondents WHERE round_id = ?", (opened.id,)
    ) == [(language, "completed")]
    return expected


# ---- 1. every language, the whole parents' barometer -------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_parent_answers_the_barometer_in_their_own_language(
    chat_bot: Any, language: str
) -> None:
    parent, opened, replies = await choose_own_language(chat_bot, PARENTS.id, language)
    assert_welcome_translated(language, PARENTS)
    await play_flow(chat_bot, PARENTS, language, replies, opened, parent)
    closing = parent.all_messages()[-1]["text"]
    assert closing == closing_message(language, PARENTS)
    assert DECEMBER[language] in closing and "2026" in closing and "15" in closing
    if language != SOURCE_LANGUAGE:
        assert closing != closing_message(SOURCE_LANGUAGE, PARENTS)


# ---- 2. the other flows: open answers (dialoog) and the pupils' barometer ----------------------


@pytest.mark.parametrize(
    "flow_id,language,topic",
    [
        ("dialoog", "ar", "huiswerk"),
        ("dialoog", "fr", None),
        ("dialoog", "ti", "onthaal"),
        ("barometer-leerlingen", "fa", None),
        ("barometer-leerlingen", "pl", None),
        ("barometer-leerlingen", "so", None),
    ],
)
async def test_the_other_flows_in_the_parents_language(
    chat_bot: Any, flow_id: str, language: str, topic: str | None
) -> None:
    flow = get_flow(flow_id)
    parent, opened, replies = await choose_own_language(chat_bot, flow_id, language, topic=topic)
    assert_welcome_translated(language, flow)
    stored = await play_flow(chat_bot, flow, language, replies, opened, parent, topic)
    assert parent.all_messages()[-1]["text"] == closing_message(language, flow)
    if flow_id == "dialoog":
        typed = [row for row in stored.values() if row[1] is not None]
        assert len(typed) >= 4 and all(row[2] == language for row in typed)


# ---- 3. the language menu ----------------------------------------------------------------------


def test_every_language_has_its_own_name_in_its_own_script() -> None:
    assert {code: language_name(code) for code in LANGUAGES} == OWN_NAMES


async def test_the_menu_lists_every_language_by_its_own_name(chat_bot: Any) -> None:
    _, opened = await chat_bot.school_and_round()
    parent = chat_bot.user(language_code="tr")
    menu = (await parent.command("/start", opened.start_token))[-1]
    labels = button_labels(menu)
    rows = menu["reply_markup"]["inline_keyboard"]
    assert labels[0] == "✅ Türkçe"
    assert [len(row) for row in rows[1:-1]] == [3] * (len(rows) - 2)  # rows of three after it
    names = [labels[0].removeprefix("✅ "), *labels[1:]]
    assert sorted(names) == sorted(OWN_NAMES.values())  # each once
    for row in rows:
        for button in row:
            code = button["callback_data"].removeprefix("l|")
            assert button["text"].removeprefix("✅ ") == OWN_NAMES[code]
            name = button["text"].removeprefix("✅ ")
            assert any(unicodedata.category(c).startswith("L") for c in name), "a flag alone"
            assert not any(0x1F1E6 <= ord(c) <= 0x1F1FF for c in name), (
                "no flags: a flag is a country"
            )


@pytest.mark.parametrize("profile", ["de", None, "", "pt-BR", "zz"])
async def test_an_unsupported_profile_language_gets_the_full_list(
    chat_bot: Any, profile: str | None
) -> None:
    _, opened = await chat_bot.school_and_round()
    parent = chat_bot.user(language_code=profile)
    menu = await parent.command("/start", opened.start_token)
    assert texts_of(menu) == [texts.CHOOSE_LANGUAGE]
    labels = button_labels(menu[-1])
    assert labels == [OWN_NAMES[code] for code in LANGUAGES]  # nothing proposed, nothing missing
    assert not any(label.startswith("✅") for label in labels)
    # any language can be taken from the list
    replies = await parent.press("Русский")
    assert texts_of(replies)[:2] == [t("ru", texts.LANGUAGE_SET), welcome_message("ru", PARENTS)]
    assert replies[-1]["text"] == question_message("ru", PARENTS, PARENTS.questions[0])


@pytest.mark.parametrize(
    "profile,language",
    [
        ("en-GB", "en"),
        ("en_US", "en"),
        ("prs", "fa"),
        ("fa-AF", "fa"),
        ("pbu", "ps"),
        ("ps-AF", "ps"),
        ("ar-MA", "ar"),
        ("tr-TR", "tr"),
        ("so-SO", "so"),
        ("ti-ER", "ti"),
        ("uk-UA", "uk"),
        ("NL-be", "nl"),
    ],
)
async def test_telegram_language_codes_propose_the_right_language(
    chat_bot: Any, profile: str, language: str
) -> None:
    _, opened = await chat_bot.school_and_round()
    parent = chat_bot.user(language_code=profile)
    menu = await parent.command("/start", opened.start_token)
    assert button_labels(menu[-1])[0] == f"✅ {OWN_NAMES[language]}"
    assert menu[-1]["text"].split("\n")[0] == t(language, texts.CHOOSE_LANGUAGE)
    replies = await parent.press("✅")
    assert texts_of(replies)[0] == t(language, texts.LANGUAGE_SET)
    assert await chat_bot.store.run_read("SELECT language FROM respondents") == [(language,)]


# ---- 4. /taal in the middle of the survey ------------------------------------------------------


async def test_switching_language_mid_survey_keeps_the_answers(chat_bot: Any) -> None:
    parent, opened, _ = await choose_own_language(chat_bot, PARENTS.id, "tr")
    for face in ("😄", "🙁", "🤷"):
        await parent.press(face)
    assert parent.last_text() == question_message("tr", PARENTS, PARENTS.questions[3])
    replies = await parent.command("/taal")
    assert texts_of(replies) == [f"{t('tr', texts.CHOOSE_LANGUAGE)}\n{texts.CHOOSE_LANGUAGE}"]
    assert button_labels(replies[-1])[0] == "✅ Türkçe"
    replies = await parent.press("العربية")
    fourth = PARENTS.questions[3]
    assert texts_of(replies) == [
        t("ar", texts.LANGUAGE_SET),
        question_message("ar", PARENTS, fourth),
    ]
    assert button_labels(replies[-1]) == question_buttons("ar", PARENTS, fourth)
    rows = await chat_bot.store.run_read(
        "SELECT question_id, value FROM answers WHERE round_id = ? ORDER BY question_id",
        (opened.id,),
    )
    assert rows == [("welkom_1", "5"), ("welkom_2", "2"), ("welkom_3", DONT_KNOW)]
    chat = await chat_bot.store.chat(parent.chat_id)
    assert (chat.language, chat.language_confirmed) == ("ar", 1)
    replies = await parent.press("🙂")
    assert replies[-1]["text"] == question_message("ar", PARENTS, PARENTS.questions[4])
    assert await chat_bot.store.run_read("SELECT language FROM respondents") == [("ar",)]
    for _ in range(25):
        await parent.press("🙂")
    replies = await parent.text("مدرسة جيدة")
    assert replies[-1]["text"] == closing_message("ar", PARENTS)
    rows = await chat_bot.store.run_read(
        "SELECT COUNT(*), SUM(text_language = 'ar') FROM answers WHERE round_id = ?", (opened.id,)
    )
    assert rows == [(30, 1)]
    assert await chat_bot.store.run_read("SELECT language, status FROM respondents") == [
        ("ar", "completed")
    ]


# ---- 5. the Dutch original, one tap away -------------------------------------------------------

KIES = Flow.model_validate(
    {
        "id": "kies",
        "version": 1,
        "audience": "parents",
        "title": "Kies",
        "intro": "Twee vragen.",
        "closing": "Bedankt! {feedback_when}",
        "questions": [
            {
                "id": "vervoer",
                "type": "choice",
                "text": "Hoe komt uw kind naar school?",
                "options": [
                    {"id": "bus", "text": "Met de bus"},
                    {"id": "fiets", "text": "Met de fiets"},
                ],
            },
            {"id": "welkom", "type": "scale", "text": "U voelt zich welkom."},
        ],
    }
)
KIES_TR = {
    "title": ("Kies", "Seç"), "intro": ("Twee vragen.", "İki soru."),
    "closing": ("Bedankt! {feedback_when}", "Teşekkürler! {feedback_when}"),
    "q.vervoer": ("Hoe komt uw kind naar school?", "Çocuğunuz okula nasıl geliyor?"),
    "q.vervoer.bus": ("Met de bus", "Otobüsle"), "q.vervoer.fiets": ("Met de fiets", "Bisikletle"),
    "q.welkom": ("U voelt zich welkom.", "Kendinizi hoş karşılanmış hissediyorsunuz."),
}  # fmt: skip


@pytest.fixture
def kies(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    """A small flow with a choice question, registered and translated to Turkish for one test."""
    monkeypatch.setitem(flow_library(), KIES.id, KIES)
    messages = catalog("tr").messages
    for key, (dutch, turkish) in KIES_TR.items():
        monkeypatch.setitem(messages, (flow_context(KIES.id, key), dutch), turkish)
    yield KIES


async def test_the_dutch_original_of_exactly_this_question(chat_bot: Any, kies: Flow) -> None:
    parent, _, replies = await choose_own_language(chat_bot, kies.id, "tr")
    assert replies[-1]["text"] == "Soru 1 / 2\n\nÇocuğunuz okula nasıl geliyor?"  # the Turkish
    assert button_labels(replies[-1])[:2] == ["Otobüsle", "Bisikletle"]
    replies = await parent.press("🇳🇱 NL")
    assert texts_of(replies) == [
        f"{t('tr', texts.DUTCH_ORIGINAL_IS)}\n\nHoe komt uw kind naar school?\n• Met de bus\n• Met de fiets"
    ]
    assert t("tr", texts.DUTCH_ORIGINAL_IS) != texts.DUTCH_ORIGINAL_IS
    assert button_labels(replies[0]) == []
    replies = await parent.press("Bisikletle")  # the question's buttons still work
    assert replies[-1]["text"] == question_message("tr", kies, kies.questions[1])
    replies = await parent.press("🇳🇱 NL")
    assert texts_of(replies) == [f"{t('tr', texts.DUTCH_ORIGINAL_IS)}\n\nU voelt zich welkom."]
    assert await chat_bot.store.run_read("SELECT question_id, value FROM answers") == [
        ("vervoer", "fiets")
    ]
    session = await chat_bot.store.session(
        (await chat_bot.store.chat(parent.chat_id)).active_respondent
    )
    assert session.current == "welkom"  # looking at the Dutch moved nothing


@pytest.mark.parametrize("language", ["tr", "ar"])
async def test_the_dutch_original_of_a_barometer_question(chat_bot: Any, language: str) -> None:
    parent, _, _ = await choose_own_language(chat_bot, PARENTS.id, language)
    await parent.press("🙂")
    replies = await parent.press("🇳🇱 NL")
    assert texts_of(replies) == [
        f"{t(language, texts.DUTCH_ORIGINAL_IS)}\n\n{PARENTS.questions[1].text}"
    ]
    assert_bidi_clean(language, replies[0])


async def test_no_dutch_button_for_dutch_parents(chat_bot: Any) -> None:
    _, _, replies = await choose_own_language(chat_bot, PARENTS.id, "nl")
    assert not any("🇳🇱" in label or "NL" in label for label in button_labels(replies[-1]))


# ---- 6. right-to-left ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(RTL_LANGUAGES))
async def test_right_to_left_numbers_and_dates_are_isolated(chat_bot: Any, language: str) -> None:
    parent, _, replies = await choose_own_language(chat_bot, PARENTS.id, language)
    for number in range(1, 4):
        progress = replies[-1]["text"].split("\n")[0]
        assert progress == t(language, texts.PROGRESS, number=number, total=30)
        assert f"{FSI}{number}{PDI}" in progress and f"{FSI}30{PDI}" in progress
        assert strip_isolates(progress) == gettext(language, texts.PROGRESS).format(
            number=number, total=30
        )
        assert progress.count(FSI) == progress.count(PDI) == 2
        assert (
            unicodedata.bidirectional(strip_isolates(progress)[0]) == "AL"
        )  # starts right-to-left
        assert back_label(language) in button_labels(replies[-1]) or number == 1
        replies = await parent.press("😐")
    for _ in range(26):
        await parent.press("😐")
    replies = await parent.press("⏭️")
    closing = replies[-1]["text"]
    assert f"{FSI}{format_date(language, CLOSES_ON)}{PDI}" in closing
    assert DECEMBER[language] in closing
    welcome = next(m["text"] for m in parent.all_messages() if SCHOOL in m.get("text", ""))
    assert f"{FSI}{SCHOOL}{PDI}" in welcome  # a Latin name inside Arabic script
    for message in parent.all_messages():
        assert_bidi_clean(language, message)


# ---- 7. 🔊 listen ------------------------------------------------------------------------------


async def test_listen_is_offered_where_a_voice_speaks_the_language(chat_bot: Any) -> None:
    audio = chat_bot.deps.audio
    voices = synthetic_languages() if ffmpeg_encodes_opus() else set()
    for language in LANGUAGES:
        assert audio.available(language, PARENTS) == (language in voices), language
    assert not {"ps", "so"} & voices  # no offline voice: staff record them
    assert "ti" in voices or not voices, "Tigrinya: the espeak-ng bundled in espeakng-loader"
    if not voices:
        pytest.skip("espeak-ng or ffmpeg with libopus is not installed")
    assert {"nl", "fr", "en", "tr", "ar", "fa", "ru", "uk"} <= voices


@pytest.mark.parametrize("language", ["ps", "so"])  # ti: the bundled espeak-ng speaks it
async def test_no_listen_button_without_a_voice(chat_bot: Any, language: str) -> None:
    _, _, replies = await choose_own_language(chat_bot, PARENTS.id, language)
    assert not any("🔊" in label for label in button_labels(replies[-1]))


@pytest.mark.parametrize("language", ["fa", "ti"])
async def test_listen_sends_the_question_as_a_voice_message(chat_bot: Any, language: str) -> None:
    if not speaks(language):
        pytest.skip(f"no voice for {language} on this machine")
    parent, _, replies = await choose_own_language(chat_bot, PARENTS.id, language)
    listen = f"🔊 {t(language, texts.LISTEN)}"
    assert listen in button_labels(replies[-1])
    replies = await parent.press(listen)
    assert len(replies) == 1
    voice = replies[0]
    assert voice["voice"]["file_id"]
    assert voice["upload"]["filename"] == "vraag.ogg" and voice["upload"]["size"] > 1000
    assert voice["caption"] == f"🔊 {t(language, texts.PROGRESS, number=1, total=30)}"
    assert_bidi_clean(language, voice)
    assert "sendVoice" in [method for method, _ in chat_bot.api.calls]
    # nothing was answered: the question is still there to tap
    assert await chat_bot.store.run_read("SELECT COUNT(*) FROM answers") == [(0,)]


# ---- 9. the command menu and descriptions ------------------------------------------------------


async def test_command_menu_and_descriptions_in_every_language(chat_bot: Any) -> None:
    application = chat_bot.application
    before = len(chat_bot.api.calls)
    await application.post_init(application)  # run_polling would; initialize() does not
    calls = chat_bot.api.calls[before:]
    for method in ("setMyCommands", "setMyDescription", "setMyShortDescription"):
        made = [params for name, params in calls if name == method]
        by_code = {params.get("language_code"): params for params in made}
        assert len(made) == len(LANGUAGES) == len(by_code), method
        assert set(by_code) == {None} | (set(LANGUAGES) - {SOURCE_LANGUAGE})
        for code, params in by_code.items():
            language = code or SOURCE_LANGUAGE
            if method == "setMyCommands":
                commands = {c["command"]: c["description"] for c in params["commands"]}
                # issue 15: a word of the parent's own language where it is typed in Latin script
                taal, vergeet, voorlezen, geen = MENU_NAMES.get(language, MENU_NAMES["nl"])
                assert list(commands) == ["help", "stop", taal, vergeet, voorlezen, geen]
                assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in commands)
                assert commands[taal] == t(language, texts.CMD_TAAL)
                assert commands["help"] == t(language, texts.CMD_HELP)
                assert commands[voorlezen] == t(language, texts.CMD_VOORLEZEN)
                for description in commands.values():
                    assert 1 <= len(description) <= MAX_COMMAND_DESCRIPTION_CHARS
                if language != SOURCE_LANGUAGE:
                    assert commands[taal] != texts.CMD_TAAL and commands["stop"] != texts.CMD_STOP
            elif method == "setMyDescription":
                assert params["description"] == t(language, texts.BOT_DESCRIPTION)
                assert len(params["description"]) <= MAX_BOT_DESCRIPTION_CHARS
                assert language == SOURCE_LANGUAGE or params["description"] != texts.BOT_DESCRIPTION
            else:
                assert params["short_description"] == t(language, texts.BOT_SHORT_DESCRIPTION)
                assert len(params["short_description"]) <= MAX_BOT_SHORT_DESCRIPTION_CHARS
                assert (
                    language == SOURCE_LANGUAGE
                    or params["short_description"] != texts.BOT_SHORT_DESCRIPTION
                )
    # every command in the menu has a handler
    replies = await chat_bot.user(language_code="uk").command("/voorlezen")
    assert texts_of(replies) and texts_of(replies)[0] != t("uk", texts.UNKNOWN_COMMAND)


# ---- 10. dates, numbers and plurals in the parent's locale -------------------------------------


@pytest.mark.parametrize(
    "language,expected",
    [
        ("fr", "15 décembre 2026"),
        ("tr", "15 Aralık 2026"),
        ("ar", "15 كانون الأول 2026"),
        ("fa", "15 دسمبر 2026"),
        ("nl", "15 december 2026"),
        ("en", "15 December 2026"),
    ],
)
async def test_the_closing_date_in_the_parents_locale(
    chat_bot: Any, language: str, expected: str
) -> None:
    assert format_date(language, CLOSES_ON) == expected
    parent, _, _ = await choose_own_language(chat_bot, PARENTS.id, language)
    for _ in range(29):
        await parent.press("😄")
    replies = await parent.press("⏭️")
    closing = replies[-1]["text"]
    assert expected in closing
    assert closing == closing_message(language, PARENTS)
    if language in RTL_LANGUAGES:
        assert f"{FSI}{expected}{PDI}" in closing


def count_flow(n: int) -> Flow:
    """A flow of `n` scale questions."""
    return Flow.model_validate(
        {
            "id": f"tel-{n}",
            "version": 1,
            "audience": "parents",
            "title": "Tel",
            "intro": "Tellen.",
            "closing": "Bedankt! {feedback_when}",
            "questions": [
                {"id": f"v{i}", "type": "scale", "text": f"Vraag {i}."} for i in range(n)
            ],
        }
    )


def flow_taking(minutes: int) -> Flow:
    """The shortest flow of scale questions the bot says takes `minutes`."""
    return next(
        flow for flow in map(count_flow, range(1, 400)) if expected_minutes(flow) == minutes
    )


@pytest.mark.parametrize(
    "language,minutes,duration",
    [
        ("nl", 1, "1 minuut"), ("nl", 5, "5 minuten"),
        ("en", 1, "1 minute"), ("en", 5, "5 minutes"),
        ("fr", 1, "1 minute"), ("fr", 5, "5 minutes"),
        ("ru", 1, "1 минута"), ("ru", 2, "2 минуты"), ("ru", 5, "5 минут"), ("ru", 21, "21 минута"),
        ("pl", 1, "1 minuta"), ("pl", 2, "2 minuty"), ("pl", 5, "5 minut"), ("pl", 22, "22 minuty"),
        ("ar", 1, "دقيقة واحدة"), ("ar", 2, "دقيقتان"), ("ar", 3, f"{FSI}3{PDI} دقائق"),
        ("ar", 11, f"{FSI}11{PDI} دقيقة"),
    ],
)  # fmt: skip
async def test_the_welcome_says_how_long_with_the_right_plural(
    chat_bot: Any, monkeypatch: pytest.MonkeyPatch, language: str, minutes: int, duration: str
) -> None:
    flow = flow_taking(minutes)
    monkeypatch.setitem(flow_library(), flow.id, flow)
    assert tn(language, *texts.DURATION, minutes) == duration
    _, _, replies = await choose_own_language(chat_bot, flow.id, language)
    welcome = texts_of(replies)[1]
    assert welcome == welcome_message(language, flow)
    assert welcome.split("\n")[-1] == f"⏱️ {duration}"


@pytest.mark.parametrize("flow_id", ["barometer-ouders", "dialoog", "barometer-leerlingen"])
async def test_the_welcome_states_the_duration_once(chat_bot: Any, flow_id: str) -> None:
    _, _, replies = await choose_own_language(chat_bot, flow_id, "nl")
    welcome = texts_of(replies)[1]
    assert welcome.count("minu") == 1, welcome  # not also in the intro, with another number
    assert welcome.count("/stop") <= 1 and welcome.count("anoniem") <= 1  # said once
