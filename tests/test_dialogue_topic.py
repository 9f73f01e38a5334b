"""Issue 15: the dialogue's topic in its questions, and the team's side of the dialogue.

A school gives a dialogue round a topic; the questions then name it ("Het thema is: Huiswerk en
leren thuis."), in the parent's language. The team answers the same open questions from its side
(`dialoog-team`), opened with /ronde like any flow. Through the real PTB handlers (the in-process
Bot API of tests/conftest.py); the expected strings are written out here, not read from the
catalogs.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot import flow_check, i18n
from bot.audio import AudioService, recorded_path, run_tool
from bot.flow_model import (
    get_flow,
    names_topic,
    question_key,
    theme_key,
    topic_key,
    translatable_items,
)
from bot.i18n import LANGUAGES
from bot.invitation import Invitation, blocks
from bot.invitation import invitation_pdf as real_invitation_pdf
from bot.texts import staff as staff_texts
from bot.tg import render
from bot.tg.audio_sender import TelegramAudio
from bot.tg.parent.sounds import PREPARING, prepare_sound
from bot.tg.school import launch
from bot.tg.stub_api import SimulatedUser, button_labels
from tests.conftest import BotHarness
from tests.test_staff_support import (
    clock,
    drain,
    invite,
    join,
    latest_round,
    make_admin,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

TOPIC_NL = "Huiswerk en leren thuis"
FIRST_NL = "Het thema is: Huiswerk en leren thuis. Wat is uw ervaring met dit thema?"
NEEDS_NL = "Denk weer aan het thema: Huiswerk en leren thuis. Wat hebt u nodig van de school?"
FIRST_AR = "الموضوع: الواجبات والتعلّم في البيت. ما هي تجربتكم مع هذا الموضوع؟"
NEEDS_AR = "فكّروا مرة أخرى في الموضوع: الواجبات والتعلّم في البيت. ماذا تحتاجون من المدرسة؟"
FIRST_FR = (
    "Le thème est : Les devoirs et apprendre à la maison. "
    "Quelle est votre expérience avec ce thème ?"
)
CLOSING_AR = "شكرًا على قصتكم!"
NO_TOPIC_AR = "الموضوع: الشراكة بين المدرسة والعائلة. ما هي تجربتكم مع هذا الموضوع؟"


async def answer_to_the_end(
    who: SimulatedUser, replies: list[dict[str, Any]], closing: str
) -> list[str]:
    """Type (or skip) to the closing; every text the bot sent, in order."""
    seen = [str(m.get("text") or "") for m in replies]
    for _ in range(20):
        if closing in replies[-1].get("text", ""):
            return seen
        if any(label.startswith("⏭️") for label in button_labels(replies[-1])):
            replies = await who.press("⏭️")
        else:
            replies = await who.text("Samen praten helpt.")
        seen += [str(m.get("text") or "") for m in replies]
    raise AssertionError("the closing never came")


# ---- parents: the topic in the questions, in their language ----------------------------------


async def test_a_dutch_parent_reads_the_topic_in_the_questions(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    parent, opened, replies = await join(bot, "dialoog", topic="huiswerk")
    assert replies[-1]["text"].startswith(f"Vraag 1 van 8\n\n{FIRST_NL}\n\n")
    seen = "\n".join(await answer_to_the_end(parent, replies, "Bedankt voor uw verhaal!"))
    assert NEEDS_NL in seen
    assert "{topic}" not in seen
    rows = await bot.store.run_read(
        "SELECT question_id FROM answers WHERE round_id = ? ORDER BY question_id", (opened.id,)
    )
    assert ("ervaring_thema",) in rows and ("nodig_thema",) in rows


async def test_an_arabic_parent_reads_the_topic_in_arabic(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    parent, _, replies = await join(
        bot, "dialoog", language_code="ar", choose="العربية", topic="huiswerk"
    )
    first = replies[-1]["text"]
    assert FIRST_AR in first
    assert TOPIC_NL not in first
    # 🇳🇱 NL: the Dutch original names the topic in Dutch
    shown = await parent.press("🇳🇱 NL")
    assert FIRST_NL in shown[-1]["text"]
    seen = "\n".join(await answer_to_the_end(parent, shown, CLOSING_AR))
    assert NEEDS_AR in seen
    assert "{topic}" not in seen


async def test_a_french_parent_reads_the_topic_in_french(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    _, _, replies = await join(
        bot, "dialoog", language_code="fr", choose="Français", topic="huiswerk"
    )
    assert FIRST_FR in replies[-1]["text"]


async def test_without_a_topic_the_question_names_the_theme(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    _, _, replies = await join(bot, "dialoog", language_code="ar", choose="العربية")
    assert NO_TOPIC_AR in replies[-1]["text"]


def test_the_slot_is_filled_for_a_topic_the_flow_no_longer_has() -> None:
    """An unknown topic id (say, renamed later) falls back to the theme, never shows braces."""
    flow = get_flow("dialoog")
    ctx = render.Context("nl", flow, round_id=1, topic="bestaat-niet")
    text = render.question_text(ctx, flow.question("ervaring_thema"))
    assert (
        text
        == "Het thema is: Partnerschap tussen school en gezin. Wat is uw ervaring met dit thema?"
    )


# ---- the team's side of the dialogue --------------------------------------------------------


async def test_a_team_member_answers_the_teams_dialogue_on_a_topic(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    team = await join(staffbot, await invite(admin, "Teamlid"))
    await admin.command("/ronde")
    replies = await admin.press("Dialoog met het team")
    assert "Over welk thema gaat de dialoog?" in texts_of(replies)
    replies = await admin.press(TOPIC_NL)
    # the team's dialogue asks no groups: straight to the number of team members
    assert "Hoeveel teamleden wilt u bereiken?" in texts_of(replies)
    await admin.text("12")
    await admin.press("2 wk")
    replies = await admin.press("Start de ronde")
    assert "De teambevraging is gestart" in texts_of(replies)
    opened = await latest_round(staffbot)
    assert (opened.flow_id, opened.audience, opened.topic, opened.expected) == (
        "dialoog-team",
        "team",
        "huiswerk",
        12,
    )
    team.replies()
    assert await drain(staffbot) == {"sent": 1}
    got = texts_of(team.replies())
    assert "hoe werken wij samen met ouders?" in got and "Vertel uw ervaring" in got
    assert "barometer" not in got
    assert f"start={opened.start_token}" in got

    await team.command("/start", opened.start_token)
    replies = await team.press("Nederlands")
    shown = texts_of(replies)
    assert "Onze school vraagt via Ouderstem hoe we samenwerken met ouders." in shown
    assert "Het thema is: Huiswerk en leren thuis" in shown
    assert replies[-1]["text"].startswith(
        "Vraag 1 van 8\n\nHet thema is: Huiswerk en leren thuis. "
        "Wat is uw ervaring met ouders over dit thema?"
    )
    seen = "\n".join(await answer_to_the_end(team, replies, "Bedankt!"))
    assert (
        "Denk weer aan het thema: Huiswerk en leren thuis. Wat hebben ouders nodig van onze school?"
    ) in seen
    assert "Wat hebt u zelf nodig om goed met ouders samen te werken?" in seen
    assert await staffbot.store.count_respondents(opened.id) == {"completed": 1}


async def test_the_teams_dialogue_from_the_command_line_link(
    bot: BotHarness, join: Callable[..., Any]
) -> None:
    """A round opened outside /ronde (`ouderstem round open --flow dialoog-team`), in Polish."""
    _, _, replies = await join(
        bot, "dialoog-team", language_code="pl", choose="Polski", topic="onthaal"
    )
    assert "Temat: " in replies[-1]["text"]
    assert "Jakie mają Państwo doświadczenia z rodzicami w tym temacie?" in replies[-1]["text"]


def test_the_shipped_flows_pass_the_inspector() -> None:
    assert [str(i) for i in flow_check.check_files() if i.severity == "error"] == []


# ---- the school's report: the questions as the round asked them ---------------------------------


async def test_the_report_names_the_rounds_topic_in_the_questions(tmp_path: Any) -> None:
    from bot.flow_model import flow_library
    from bot.reports.build import build_round_report
    from bot.store.sqlite import SqliteStore
    from tests.reports_fixtures import Builder

    flow = get_flow("dialoog")
    async with SqliteStore(tmp_path / "dialoog.db") as store:
        b = Builder(store, flows=flow_library())
        school = await b.school("School")
        rnd = await store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token="tokdialoog1",
            at=b.tick(),
            topic="schoolkosten",
        )
        for i in range(10):
            await b.respond(rnd, {q.id: f"Verhaal {i}" for q in flow.answerable_questions})
        report = await build_round_report(store, rnd.id)
    texts = {q.question_id: q.text for q in report.open_answers}
    assert texts["ervaring_thema"] == (
        "Het thema is: De kosten van school. Wat is uw ervaring met dit thema?"
    )
    assert texts["nodig_thema"].startswith("Denk weer aan het thema: De kosten van school.")
    assert not any("{" in text for text in texts.values())


# ---- the voice: /voorlezen and 🔊 read the round's topic, never "{topic}" --------------------

READ_NL = "Het thema is: Huiswerk en leren thuis. Wat is uw ervaring met dit thema?"
NEEDS_READ_NL = "Denk weer aan het thema: Huiswerk en leren thuis. Wat hebt u nodig van de school?"
# Arabic is read from its vowelled spoken variant, the topic's too (bot/locales/ar/.../spoken.po)
READ_AR = "الْمَوْضُوعُ: الْوَاجِبَاتُ وَالتَّعَلُّمُ فِي الْبَيْتِ. مَا هِيَ تَجْرِبَتُكُمْ مَعَ هَذَا الْمَوْضُوعِ؟"
NO_TOPIC_READ_AR = "الْمَوْضُوعُ: الشَّرَاكَةُ بَيْنَ الْمَدْرَسَةِ وَالْعَائِلَةِ."
ARABIC_MARKS = frozenset(chr(c) for c in range(0x064B, 0x0653))  # fathatan ... sukun


class Synthesiser:
    """The real espeak-ng and ffmpeg, keeping the text each espeak-ng run was given to read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    async def __call__(self, argv: Any, stdin: bytes | None, timeout: float) -> bytes:
        if "--stdin" in argv and stdin is not None:
            self.read.append(stdin.decode())
        return await run_tool(argv, stdin, timeout)


@pytest.fixture
def synthesiser(bot: BotHarness, tmp_path: Path) -> Synthesiser:
    """The bot's voice, synthesising into a fresh cache through a `Synthesiser`."""
    spoken = Synthesiser()
    bot.deps.audio = TelegramAudio(tmp_path / "audio-cache", run=spoken)
    return spoken


def voices(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in replies if "voice" in m]


async def test_voorlezen_reads_the_rounds_topic_in_the_questions(
    bot: BotHarness, join: Callable[..., Any], synthesiser: Synthesiser
) -> None:
    parent, _, replies = await join(bot, "dialoog", topic="huiswerk")
    assert FIRST_NL in replies[-1]["text"]
    replies = await parent.command("/voorlezen")
    [voice] = voices(replies)
    assert voice["caption"] == "🔊 Vraag 1 van 8" and voice["upload"]["size"] > 1000
    assert synthesiser.read[0].startswith(READ_NL + "\n")
    # every next question is read aloud too, up to the second one that names the topic
    for _ in range(4):
        replies = await parent.text("Samen praten helpt.")
        assert len(voices(replies)) == 1
    assert replies[-2]["text"].startswith(f"Vraag 5 van 8\n\n{NEEDS_NL}")
    assert synthesiser.read[-1].startswith(NEEDS_READ_NL + "\n")
    assert len(synthesiser.read) == 5
    assert not any("{" in text or "}" in text for text in synthesiser.read)


async def test_an_arabic_parent_hears_the_topic_vowelled(
    bot: BotHarness, join: Callable[..., Any], synthesiser: Synthesiser
) -> None:
    parent, _, replies = await join(
        bot, "dialoog", language_code="ar", choose="العربية", topic="huiswerk"
    )
    assert FIRST_AR in replies[-1]["text"]  # the chat: plain Arabic
    [voice] = voices(await parent.press("🔊"))
    assert voice["upload"]["size"] > 1000
    [read] = synthesiser.read
    assert read.startswith(READ_AR)
    assert "{topic}" not in read


async def test_without_a_topic_the_voice_reads_the_theme(
    bot: BotHarness, join: Callable[..., Any], synthesiser: Synthesiser
) -> None:
    parent, _, replies = await join(bot, "dialoog", language_code="ar", choose="العربية")
    assert NO_TOPIC_AR in replies[-1]["text"]
    await parent.press("🔊")
    [read] = synthesiser.read
    assert read.startswith(NO_TOPIC_READ_AR) and "{topic}" not in read


async def test_the_prepared_sound_is_the_rounds_own(
    bot: BotHarness, synthesiser: Synthesiser
) -> None:
    """prepare_sound (ahead of a repair question) makes the sound /voorlezen will send."""
    flow = get_flow("dialoog")
    prepare_sound(bot.deps, flow, "nodig_thema", "nl", "huiswerk")
    await asyncio.gather(*PREPARING)
    assert [text.split("\n")[0] for text in synthesiser.read] == [NEEDS_READ_NL]
    assert bot.deps.audio is not None
    clip = bot.deps.audio.clip(flow, "nodig_thema", "nl", "huiswerk")
    assert clip.path.is_file(), "the sound a parent in this round will ask for is ready"


def test_a_different_topic_is_a_different_sound(tmp_path: Path) -> None:
    """The cache key holds the text read, so the topic: rounds never share a wrong clip."""
    service = AudioService(tmp_path, voices={"nl": "nl", "ar": "ar"}, run=no_tools)
    flow = get_flow("dialoog")
    for language in ("nl", "ar"):
        clips = [
            service.clip(flow, "ervaring_thema", language, topic)
            for topic in ("huiswerk", "schoolkosten", None)
        ]
        assert len({c.key for c in clips}) == 3 and len({c.path for c in clips}) == 3
        assert all("{topic}" not in c.text for c in clips)
        # a question without the slot sounds the same in every round
        same = {service.clip(flow, "moeilijk", language, t).key for t in ("huiswerk", None)}
        assert len(same) == 1


def test_a_recording_stands_for_a_topic_question_only_without_a_voice(
    tmp_path: Path,
) -> None:
    """A person records a question once, without any round's topic: where a voice speaks the
    language it reads the topic instead; where none does (so), the recording is all there is."""
    flow = get_flow("dialoog")
    locales = tmp_path / "locales"
    for language in ("nl", "so"):
        for question in ("ervaring_thema", "moeilijk"):
            path = recorded_path(language, flow.id, question, locales)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(OGG_OPUS_HEAD)
    service = AudioService(tmp_path / "cache", locales_dir=locales, voices={"nl": "nl"})
    assert service.clip(flow, "moeilijk", "nl", "huiswerk").key.startswith("rec:")
    spoken = service.clip(flow, "ervaring_thema", "nl", "huiswerk")
    assert spoken.key.startswith("tts:") and spoken.text.startswith(READ_NL)
    assert service.clip(flow, "ervaring_thema", "so", "huiswerk").key.startswith("rec:")


async def no_tools(argv: Any, stdin: bytes | None, timeout: float) -> bytes:
    raise AssertionError(f"no tool should run, but {argv[0]} was started")


OGG_OPUS_HEAD = b"OggS" + bytes(24) + b"OpusHead" + bytes(100)


def test_the_topic_questions_and_topics_have_vowelled_arabic_to_read() -> None:
    """The spoken-only Arabic of the dialogue's new texts: the shown words, with vowel marks."""
    for flow_id in ("dialoog", "dialoog-team"):
        flow = get_flow(flow_id)
        items = [(question_key(q.id), q.text) for q in flow.questions if names_topic(q)]
        items += [(topic_key(tp.id), tp.text) for tp in flow.topics]
        items += [(theme_key(th.id), th.title) for th in flow.themes]
        assert len(items) == 2 + 6 + 1
        for key, dutch in items:
            shown = i18n.flow_text("ar", flow_id, key, dutch)
            spoken = i18n.spoken_flow_text("ar", flow_id, key, dutch)
            assert spoken is not None and any(c in "\u064e\u064f\u0650" for c in spoken), key
            bare = "".join(c for c in spoken if c not in ARABIC_MARKS)
            assert bare == "".join(c for c in shown if c not in ARABIC_MARKS), key
            assert spoken.count("{topic}") == dutch.count("{topic}"), key


# ---- the team's dialogue names itself: link and printed invitation --------------------------


async def test_the_teams_dialogue_invitation_names_the_dialogue(
    staffbot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[Invitation] = []

    def invitation_pdf(pages: list[Invitation]) -> bytes:
        printed.extend(pages)
        return real_invitation_pdf(pages)

    monkeypatch.setattr(launch, "invitation_pdf", invitation_pdf)
    admin, _ = await make_admin(staffbot)
    await admin.command("/ronde")
    await admin.press("Dialoog met het team")
    await admin.press(TOPIC_NL)
    await admin.text("12")
    await admin.press("2 wk")
    replies = await admin.press("Start de ronde")
    assert [m["upload"]["filename"] for m in replies if "document" in m] == ["teambevraging.pdf"]
    [page] = printed
    assert page.flow_id == "dialoog-team"
    [block] = blocks(page)
    assert block.title == "Dialoog met het team"
    assert "vertel uw ervaring in de dialoog" in block.body
    words = (block.title + block.body).lower()
    assert "barometer" not in words and "anoniem" not in words
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=real_invitation_pdf(printed),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "dialoog" in text and "barometer" not in text.lower()


def test_the_team_barometer_keeps_its_invitation() -> None:
    page = Invitation("School", "https://t.me/x?start=a", date(2026, 12, 15), "team")
    [block] = blocks(page)
    assert block.title == "Teambevraging" and "vul de barometer in" in block.body
    page = Invitation(
        "School", "https://t.me/x?start=a", date(2026, 12, 15), "team", flow_id="barometer-team"
    )
    assert blocks(page) == [block]


def test_every_text_the_team_reads_in_its_dialogue_is_free_of_the_barometer() -> None:
    """The flow's own texts, in every language, and the staff texts a team member gets."""
    flow = get_flow("dialoog-team")
    for language in LANGUAGES:
        for key, dutch in translatable_items(flow):
            text = i18n.flow_text(language, flow.id, key, dutch).lower()
            assert "barom" not in text and "баром" not in text and "بارومتر" not in text, (
                language,
                key,
            )
    link = staff_texts.say(
        staff_texts.TEAM_LINKS["dialoog-team"], school="S", date="1 januari", link="L"
    )
    assert "dialoog" in link and "barometer" not in link
    for shared in (staff_texts.TEAM_REMINDER, staff_texts.OPEN_TEAM_ROUND):
        assert "barometer" not in staff_texts.say(shared, school="S", date="d", link="L")
