"""🔊 Listen: questions as voice messages (bot.audio), through the service and the real bot.

The synthesis tests run the real espeak-ng and ffmpeg; without them they fail, naming the apt
packages to install (CI installs them: `scripts/test.sh`).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import i18n
from bot.audio import (
    APT_PACKAGES,
    ESPEAK_VOICES,
    FILE_IDS_NAME,
    AudioService,
    NotSpeakable,
    ToolFailed,
    ToolMissing,
    ToolTimeout,
    bundled_languages,
    espeak_languages,
    ffmpeg_encodes_opus,
    is_ogg_opus,
    ogg_opus_seconds,
    recorded_coverage,
    recorded_path,
    run_tool,
    script,
    synthetic_languages,
)
from bot.flow_model import Flow, get_flow, question_key
from bot.i18n import LANGUAGES, t
from bot.i18n_tools.status import audio_coverage, audio_kind
from bot.texts import audio as audio_texts
from bot.texts import parents as texts
from bot.tg.audio_sender import TelegramAudio
from bot.tg.stub_api import BOT_ID, button_labels, error_response

FLOW = get_flow("barometer-ouders")
ANSWERABLE = len(FLOW.answerable_questions)


def _listen_label(language: str) -> str:
    return f"🔊 {t(language, texts.LISTEN)}"


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def audio_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every service these tests build, the bot's included, caches under tmp_path."""
    cache = tmp_path / "audio-cache"
    monkeypatch.setenv("OUDERSTEM_AUDIO_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def recording() -> bytes:
    """A real OGG/Opus clip, as a person's recording would be (made once per module)."""
    wav = subprocess.run(
        ["espeak-ng", "-v", "nl", "--stdout"], input=b"Een opname.", capture_output=True, check=True
    ).stdout
    return subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
         "-c:a", "libopus", "-b:a", "24k", "-f", "ogg", "pipe:1"],
        input=wav, capture_output=True, check=True,
    ).stdout  # fmt: skip


class Counting:
    """The real tool runner, counting the tools it starts."""

    def __init__(self) -> None:
        self.tools: list[str] = []

    async def __call__(self, argv, stdin, timeout):
        self.tools.append(Path(argv[0]).name)
        return await run_tool(argv, stdin, timeout)


async def no_tools(argv, stdin, timeout):
    raise AssertionError(f"no tool should run, but {argv[0]} was started")


def broken_ffmpeg(tmp_path: Path) -> str:
    """An ffmpeg that fails the way a real one does: a message on stderr, exit status 1."""
    path = tmp_path / "ffmpeg"
    path.write_text("#!/bin/sh\necho 'Error while opening encoder' >&2\nexit 1\n")
    path.chmod(0o755)
    return str(path)


def record_all(locales: Path, language: str, flow: Flow, data: bytes) -> None:
    for question in flow.answerable_questions:
        path = recorded_path(language, flow.id, question.id, locales)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


async def at_first_question(bot, code: str = "nl", language: str = "nl"):
    """A parent who joined a round, chose `language` and sees question 1."""
    _, opened = await bot.school_and_round()
    parent = bot.user(language_code=code)
    await parent.command("/start", opened.start_token)
    await parent.press_data(f"l|{language}")
    question = parent.last_with_keyboard()
    assert question is not None and question["text"].startswith(
        t(language, texts.PROGRESS, number=1, total=ANSWERABLE)
    )
    return parent


def voices(replies: list[dict]) -> list[dict]:
    return [m for m in replies if "voice" in m]


def send_voice_calls(bot) -> list[dict]:
    return [params for method, params in bot.api.calls if method == "sendVoice"]


# ---- the machine -----------------------------------------------------------------------------


def test_espeak_ng_and_ffmpeg_with_opus_are_installed() -> None:
    missing = [tool for tool in ("espeak-ng", "ffmpeg") if shutil.which(tool) is None]
    assert not missing, f"missing {missing}: apt-get install {APT_PACKAGES}"
    assert ffmpeg_encodes_opus(), f"ffmpeg has no libopus encoder: apt-get install {APT_PACKAGES}"


def test_espeak_speaks_every_mapped_language_and_not_ps_so_ti() -> None:
    spoken = espeak_languages()
    assert spoken == set(ESPEAK_VOICES), f"espeak-ng lacks voices for {set(ESPEAK_VOICES) - spoken}"
    assert spoken <= set(LANGUAGES)
    assert not spoken & {"ps", "so", "ti"}
    assert espeak_languages("/nonexistent/espeak-ng") == set()


def test_the_bundled_espeak_ng_speaks_tigrinya_where_the_system_one_cannot() -> None:
    assert "ti" not in espeak_languages(), "Debian's espeak-ng 1.51 has no Tigrinya"
    assert bundled_languages() == {"ti"}, "pip install espeakng-loader (it is in the lock)"
    assert synthetic_languages() == set(ESPEAK_VOICES) | {"ti"}
    assert not synthetic_languages() & {"ps", "so"}, "no offline voice: staff record them"


async def test_a_tigrinya_question_is_synthesised_by_the_bundled_espeak_ng(
    audio_cache: Path,
) -> None:
    counting = Counting()
    service = AudioService(audio_cache, run=counting)
    assert "ti" in service.bundled and service.available("ti")
    clip = service.clip(FLOW, "welkom_1", "ti")
    assert clip.bundled and clip.voice == "ti"
    assert any("\u1200" <= c <= "\u137f" for c in clip.text), "read in Ge'ez script"
    path = await service.ensure(clip)
    data = path.read_bytes()
    assert is_ogg_opus(data) and (ogg_opus_seconds(data) or 0) >= 2
    assert counting.tools == [Path(sys.executable).name, "ffmpeg"]


def test_i18n_status_shows_audio_recorded_synthetic_or_none_per_language() -> None:
    coverage = audio_coverage()
    assert coverage["ti"]["kind"] == "synthetic" and coverage["ti"]["engine"] == (
        "espeak-ng (bundled)"
    )
    assert coverage["nl"]["kind"] == "synthetic" and coverage["nl"]["engine"] == "espeak-ng"
    assert coverage["so"]["kind"] == coverage["ps"]["kind"] == "none"
    assert audio_kind(False, 3, 3) == "recorded" and audio_kind(True, 2, 3) == "synthetic"
    everything = audio_coverage({"so": 10_000})
    assert everything["so"]["kind"] == "recorded", "approved recordings in the database count"


def test_recorded_coverage_counts_questions_with_a_recording(
    tmp_path: Path, recording: bytes
) -> None:
    path = recorded_path("ti", FLOW.id, "welkom_1", tmp_path)
    assert path == tmp_path / "ti" / "audio" / "barometer-ouders" / "welkom_1.ogg"
    path.parent.mkdir(parents=True)
    path.write_bytes(recording)
    (path.parent / "not_a_question.ogg").write_bytes(recording)  # stray files do not count
    coverage = recorded_coverage(FLOW, tmp_path)
    assert set(coverage) == set(LANGUAGES)
    assert coverage["ti"] == (1, ANSWERABLE)
    assert coverage["nl"] == (0, ANSWERABLE)


# ---- what is read ----------------------------------------------------------------------------


def test_scale_question_is_read_with_the_five_faces_explained() -> None:
    words = script(FLOW, FLOW.question("welkom_1"), "nl")
    assert words.language == "nl"
    assert words.text.startswith("U voelt zich welkom op de school.")
    assert (
        "1: helemaal niet. 2: niet zo. 3: half ja, half nee. 4: ja. 5: ja, heel erg." in words.text
    )


def test_the_faces_are_read_once_with_the_first_scale_question_only() -> None:
    """Issue 15: the legend is read with the first scale question, not after every question."""
    later = script(FLOW, FLOW.question("welkom_2"), "nl")
    assert later.text == f"{FLOW.question('welkom_2').text}"
    assert "gezichtje" not in later.text and "helemaal niet" not in later.text
    first = script(FLOW, FLOW.question("welkom_1"), "nl")
    assert "helemaal niet" in first.text


def test_choice_options_are_read_numbered_and_multi_says_done() -> None:
    flow = Flow.model_validate(
        {
            "id": "mini", "version": 1, "audience": "parents", "title": "Mini", "intro": "Hallo",
            "closing": "Dag",
            "questions": [
                {"id": "vervoer", "type": "choice", "text": "Hoe komt uw kind naar school?",
                 "options": [{"id": "bus", "text": "Met de bus"}, {"id": "fiets", "text": "Met de fiets"}]},
                {"id": "talen", "type": "multi", "text": "Welke talen spreekt u thuis",
                 "options": [{"id": "nl", "text": "Nederlands"}, {"id": "ar", "text": "Arabisch"}]},
                {"id": "kort", "type": "yesno", "text": "Leest u de nieuwsbrief?"},
            ],
        }
    )  # fmt: skip
    choice = script(flow, flow.question("vervoer"), "nl").text
    assert (
        choice
        == "Hoe komt uw kind naar school?\nKies één antwoord.\n1: Met de bus.\n2: Met de fiets."
    )
    multi = script(flow, flow.question("talen"), "nl").text
    assert multi.startswith("Welke talen spreekt u thuis.\nKies één of meer antwoorden.")
    assert multi.endswith("2: Arabisch.\nTik daarna op Klaar.")
    assert script(flow, flow.question("kort"), "nl").text.endswith("Kies ja of nee.")


ARABIC_MARKS = frozenset(chr(c) for c in range(0x064B, 0x0653))  # fathatan ... sukun
SHORT_VOWELS = frozenset("\u064e\u064f\u0650\u0652")  # fatha, damma, kasra, sukun


def has_vowel_marks(text: str) -> bool:
    """Vowelled: short vowels written (a shadda or tanwin alone, as the chat has, is not)."""
    return any(c in SHORT_VOWELS for c in text)


def bare(text: str) -> str:
    return "".join(c for c in text if c not in ARABIC_MARKS).rstrip(".؟")


def test_arabic_is_read_from_its_vowelled_spoken_variant_never_shown_in_chat() -> None:
    for question in FLOW.questions:
        key = question_key(question.id)
        shown = i18n.flow_text("ar", FLOW.id, key, question.text)
        spoken = i18n.spoken_flow_text("ar", FLOW.id, key, question.text)
        assert spoken is not None and has_vowel_marks(spoken), question.id
        assert not has_vowel_marks(shown), f"{question.id}: the chat shows plain Arabic"
        assert bare(spoken) == bare(shown), f"{question.id}: the same words, vowelled"
        read = script(FLOW, question, "ar")
        assert read.language == "ar" and read.text.startswith(spoken.split("،")[0])
    welkom_3 = script(FLOW, FLOW.question("welkom_3"), "ar").text
    assert "تَكُونُ" in welkom_3, "read takūnu, not takawwan"
    assert (
        i18n.spoken_flow_text("fr", FLOW.id, "q.welkom_1", FLOW.question("welkom_1").text) is None
    )
    assert (
        i18n.spoken_flow_text("nl", FLOW.id, "q.welkom_1", FLOW.question("welkom_1").text) is None
    )


async def test_an_arabic_parent_sees_plain_text_and_hears_the_vowelled_one(bot) -> None:
    parent = await at_first_question(bot, "ar", "ar")
    question = parent.last_with_keyboard()
    assert not has_vowel_marks(question["text"])
    service = bot.deps.audio
    clip = service.clip(FLOW, "welkom_1", "ar")
    assert clip.text.startswith("تَشْعُرُونَ بِالتَّرْحِيبِ")
    [voice] = voices(await parent.press("🔊"))
    assert voice["upload"]["size"] > 1000


def test_untranslated_question_is_read_in_dutch_translated_in_the_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    question = FLOW.question("welkom_1")
    turkish = i18n.Catalog("tr")
    monkeypatch.setattr(i18n, "catalog", lambda language: i18n.Catalog(language))  # none yet
    assert script(FLOW, question, "tr").language == "nl"  # the parent sees Dutch, so hears Dutch
    turkish.messages[("barometer-ouders:q.welkom_1", question.text)] = (
        "Okulda kendinizi hoş karşılanmış hissediyorsunuz."
    )
    turkish.messages[(None, audio_texts.SCALE_SPOKEN)] = (
        "Bir yüz seçin. 1: hiç. \u2068x\u2069 5: evet, çok."
    )
    monkeypatch.setattr(
        i18n, "catalog", lambda language: turkish if language == "tr" else i18n.Catalog(language)
    )
    words = script(FLOW, question, "tr")
    assert words.language == "tr"
    assert (
        words.text
        == "Okulda kendinizi hoş karşılanmış hissediyorsunuz.\nBir yüz seçin. 1: hiç. x 5: evet, çok."
    )


# ---- making the sound ------------------------------------------------------------------------


async def test_dutch_question_is_synthesised_to_ogg_opus_and_cached(audio_cache: Path) -> None:
    runner = Counting()
    service = AudioService(audio_cache, run=runner)
    path = await service.sound(FLOW, "welkom_1", "nl")
    data = path.read_bytes()
    assert data[:4] == b"OggS" and b"OpusHead" in data[:64], "Telegram plays only OGG/Opus as voice"
    assert is_ogg_opus(data)
    assert 5 <= (ogg_opus_seconds(data) or 0) <= 40  # the question and the five faces
    assert path.parent == audio_cache / "nl" and path.name.startswith("nl-")
    assert runner.tools == ["espeak-ng", "ffmpeg"]

    assert await service.sound(FLOW, "welkom_1", "nl") == path
    assert runner.tools == ["espeak-ng", "ffmpeg"], "a cache hit starts no subprocess"
    restarted = AudioService(audio_cache, run=no_tools)
    assert await restarted.sound(FLOW, "welkom_1", "nl") == path, "the cache outlives the process"


async def test_parents_asking_at_once_share_one_synthesis(audio_cache: Path) -> None:
    runner = Counting()
    service = AudioService(audio_cache, run=runner)
    paths = await asyncio.gather(*(service.sound(FLOW, "welkom_2", "nl") for _ in range(5)))
    assert len(set(paths)) == 1
    assert runner.tools == ["espeak-ng", "ffmpeg"]
    assert [p.name for p in paths[0].parent.iterdir()] == [paths[0].name]  # no temporary files left


async def test_recorded_file_wins_over_synthesis(
    audio_cache: Path, tmp_path: Path, recording: bytes
) -> None:
    locales = tmp_path / "locales"
    path = recorded_path("nl", FLOW.id, "welkom_1", locales)
    path.parent.mkdir(parents=True)
    path.write_bytes(recording)
    service = AudioService(audio_cache, locales_dir=locales, run=no_tools)
    assert await service.sound(FLOW, "welkom_1", "nl") == path


async def test_a_recording_that_is_not_ogg_opus_is_passed_over(
    audio_cache: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    locales = tmp_path / "locales"
    path = recorded_path("nl", FLOW.id, "welkom_1", locales)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"ID3 an mp3, not a voice message")
    service = AudioService(audio_cache, locales_dir=locales)
    made = await service.sound(FLOW, "welkom_1", "nl")
    assert made.parent == audio_cache / "nl"
    assert "not OGG/Opus" in caplog.text


def test_language_without_voice_or_recordings_is_not_offered(
    tmp_path: Path, recording: bytes
) -> None:
    locales = tmp_path / "locales"
    record_all(locales, "ps", FLOW, recording)
    service = AudioService(tmp_path / "cache", locales_dir=locales)
    assert service.available("nl") and service.available("fa") and service.available("ar")
    assert not service.available("so", FLOW)
    assert service.available("ti", FLOW) == ("ti" in synthetic_languages()), "the bundled voice"
    assert service.available("ps", FLOW), "a fully recorded flow is offered without a voice"
    assert not service.available("ps"), "no flow given: only voices count"
    with pytest.raises(NotSpeakable):
        AudioService(tmp_path / "cache", locales_dir=locales, voices={}).clip(
            FLOW, "welkom_1", "nl"
        )


async def test_tools_fail_as_audio_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolMissing, match="apt-get install espeak-ng ffmpeg"):
        await run_tool(["/nonexistent/espeak-ng", "--version"], None, 5)
    with pytest.raises(ToolFailed, match="Error while opening encoder"):
        await run_tool([broken_ffmpeg(tmp_path)], b"", 5)
    started = time.monotonic()
    with pytest.raises(ToolTimeout):
        await run_tool(["sleep", "10"], None, 0.2)
    assert time.monotonic() - started < 5, "a tool that hangs is killed"


# ---- through the bot -------------------------------------------------------------------------


async def test_listen_button_shows_only_where_a_voice_speaks(bot) -> None:
    dutch = await at_first_question(bot, "nl", "nl")
    assert _listen_label("nl") in button_labels(dutch.last_with_keyboard())
    somali = await at_first_question(bot, "so", "so")
    labels = button_labels(somali.last_with_keyboard())
    assert labels and not any(label.startswith("🔊") for label in labels)
    persian = await at_first_question(bot, "fa", "fa")
    assert _listen_label("fa") in button_labels(persian.last_with_keyboard())


async def test_a_tigrinya_parent_hears_the_question_in_tigrinya(bot) -> None:
    parent = await at_first_question(bot, "ti", "ti")
    assert _listen_label("ti") in button_labels(parent.last_with_keyboard())
    [voice] = voices(await parent.press("🔊"))
    assert voice["upload"]["size"] > 1000
    assert voice["caption"] == "🔊 " + t("ti", texts.PROGRESS, number=1, total=ANSWERABLE)


async def test_pressing_listen_sends_the_question_as_voice_then_reuses_the_file_id(
    bot, audio_cache: Path
) -> None:
    parent = await at_first_question(bot)
    replies = await parent.press("🔊")
    [voice] = voices(replies)
    assert voice["caption"] == "🔊 " + t("nl", texts.PROGRESS, number=1, total=ANSWERABLE)
    assert voice["upload"]["size"] > 1000, "the first time, the file is uploaded"
    assert (
        "sendChatAction",
        {"chat_id": parent.chat_id, "action": "record_voice"},
    ) in bot.api.calls
    first_id = voice["voice"]["file_id"]
    stored = json.loads((audio_cache / FILE_IDS_NAME).read_text())
    assert first_id in stored["bots"][str(BOT_ID)].values()

    [again] = voices(await parent.press("🔊"))
    assert send_voice_calls(bot)[-1]["voice"] == first_id, "the second time, Telegram's file_id"
    assert "upload" not in again
    assert parent.last_with_keyboard()["text"].startswith("Vraag 1 van")  # the buttons stay usable


async def test_a_file_id_telegram_refuses_is_replaced_by_an_upload(bot) -> None:
    parent = await at_first_question(bot)
    await parent.press("🔊")
    bot.api.fault = lambda method, params: (
        error_response(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if method == "sendVoice" and isinstance(params.get("voice"), str)
        else None
    )
    [voice] = voices(await parent.press("🔊"))
    assert "upload" in voice
    service: AudioService = bot.deps.audio
    clip = service.clip(FLOW, "welkom_1", "nl")
    assert await service.file_id(str(BOT_ID), clip) == voice["voice"]["file_id"]


async def test_voorlezen_reads_every_next_question_until_turned_off(bot) -> None:
    parent = await at_first_question(bot)
    replies = await parent.command("/voorlezen")
    assert replies[0]["text"] == t("nl", audio_texts.ALWAYS_ON, command="/voorlezen")
    assert [v["caption"] for v in voices(replies)] == ["🔊 Vraag 1 van 30"]  # the current question
    assert (await bot.store.chat(parent.chat_id)).always_audio

    replies = await parent.press("🙂")
    assert replies[-2]["text"].startswith("Vraag 2 van 30")
    assert [v["caption"] for v in voices(replies)] == ["🔊 Vraag 2 van 30"]

    replies = await parent.command("/voorlezen")
    assert [m["text"] for m in replies] == [t("nl", audio_texts.ALWAYS_OFF)]
    assert not (await bot.store.chat(parent.chat_id)).always_audio
    replies = await parent.press("🙂")
    assert replies[-1]["text"].startswith("Vraag 3 van 30") and not voices(replies)


async def test_voorlezen_in_a_language_without_voice_says_so(bot) -> None:
    parent = await at_first_question(bot, "so", "so")
    replies = await parent.command("/voorlezen")
    assert [m["text"] for m in replies] == [t("so", audio_texts.NOT_IN_LANGUAGE)]
    assert not (await bot.store.chat(parent.chat_id)).always_audio


async def test_repair_mode_reads_the_question_aloud(bot) -> None:
    parent = await at_first_question(bot)
    await parent.text("banaan")
    replies = await parent.text("banaan")
    assert any(t("nl", texts.REPAIR_SCALE) in (m.get("text") or "") for m in replies)
    assert [v["caption"] for v in voices(replies)] == ["🔊 Vraag 1 van 30"]


async def test_fully_recorded_language_without_voice_is_offered_and_sent(
    bot, tmp_path: Path, audio_cache: Path, recording: bytes
) -> None:
    locales = tmp_path / "locales"
    record_all(locales, "ti", FLOW, recording)
    bot.deps.audio = TelegramAudio(audio_cache, locales_dir=locales, run=no_tools)
    parent = await at_first_question(bot, "ti", "ti")
    [voice] = voices(await parent.press("🔊"))
    assert voice["upload"]["size"] == len(recording)


async def test_failing_ffmpeg_falls_back_to_a_kind_text(
    bot, tmp_path: Path, audio_cache: Path
) -> None:
    bot.deps.audio = TelegramAudio(
        audio_cache, ffmpeg=broken_ffmpeg(tmp_path), voices=ESPEAK_VOICES
    )
    parent = await at_first_question(bot)
    replies = await parent.press("🔊")
    assert [m.get("text") for m in replies] == [t("nl", audio_texts.AUDIO_FAILED)]
    assert not list(audio_cache.rglob("*.ogg"))
    replies = await parent.press("🙂")  # the conversation goes on
    assert replies[-1]["text"].startswith("Vraag 2 van 30")


async def test_missing_tools_fall_back_to_a_kind_text(bot, audio_cache: Path) -> None:
    bot.deps.audio = TelegramAudio(
        audio_cache, espeak="/nonexistent/espeak-ng", voices=ESPEAK_VOICES
    )
    parent = await at_first_question(bot)
    replies = await parent.press("🔊")
    assert [m.get("text") for m in replies] == [t("nl", audio_texts.AUDIO_FAILED)]


async def test_telegram_refusing_voice_messages_is_explained(bot) -> None:
    parent = await at_first_question(bot)
    bot.api.fault = lambda method, params: (
        error_response(400, "Bad Request: VOICE_MESSAGES_FORBIDDEN")
        if method == "sendVoice"
        else None
    )
    replies = await parent.press("🔊")
    assert [m.get("text") for m in replies] == [t("nl", audio_texts.VOICE_FORBIDDEN)]


def test_a_sound_being_made_when_the_bot_stops_neither_hangs_nor_outlives_it(tmp_path: Path):
    """`asyncio.run` cancels every task at once when the bot stops (Ctrl-C, SIGTERM). A tool that
    was just starting must then be killed and the process must end: with asyncio's subprocesses
    on Python 3.11 it hung forever (seen as a CI run stuck in a test's event-loop teardown)."""
    mark = str(tmp_path / "tool-that-sleeps")
    stopping = (
        "import asyncio, sys\n"
        "from bot.audio import run_tool\n"
        "async def main():\n"
        f"    asyncio.create_task(run_tool([sys.executable, '-c', 'import time; time.sleep(60)', {mark!r}], None, 90))\n"
        "    await asyncio.sleep(0)  # the tool is starting now\n"
        "asyncio.run(main())\n"
    )
    ended = subprocess.run([sys.executable, "-c", stopping], timeout=45, capture_output=True)
    assert ended.returncode == 0, ended.stderr.decode()
    still = subprocess.run(["pgrep", "-f", mark], capture_output=True, text=True)
    assert still.stdout == "", "the tool was killed with the bot"
