"""🔊 Listen: every question as a Telegram voice message, in the parent's language.

What is read: the question (its spoken-only variant where the catalog has one: Arabic with full
vowel marks, `bot.i18n.spoken_flow_text`; a {topic} slot filled with the round's topic the way the
chat fills it, `bot.flow_model.fill_topic`, the topic's own spoken variant first), then how to answer it: the five faces explained ("1: helemaal niet
... 5: ja, heel erg"), "ja of nee", or the numbered options (texts in `bot.texts.audio`). A
question that is not translated yet is read in Dutch, because the parent sees it in Dutch too.

Where the sound comes from, the first that exists wins:

1. A recording by staff or an interpreter, made in the chat (/opnemen) and approved by a second
   person (/opnames), kept in the database (`RecordingSource`, `AudioService.recorded_clip`).
   Or a recording shipped with the code: ``bot/locales/<lang>/audio/<flow-id>/<question-id>.ogg``, e.g.
   ``bot/locales/ti/audio/barometer-ouders/welkom_1.ogg``. One file per question, holding everything
   that is read for it (question and answers). OGG/Opus, mono (Telegram plays nothing else as a
   voice message): ``ffmpeg -i take.wav -c:a libopus -b:a 24k -ac 1 -ar 48000 welkom_1.ogg``.
   Ids are the stable ids of the flow file; when a question is reworded, record it again. A
   language is offered for a flow when espeak-ng speaks it or every question of the flow is
   recorded (`recorded_coverage`); that is looked up once per process and flow.
2. espeak-ng (the system's, or for Tigrinya the espeak-ng 1.52 bundled in the pip package
   espeakng-loader, run as `python -m bot.espeak_bundled`), encoded to OGG/Opus by ffmpeg (both run from a worker thread with a timeout) and
   cached in ``OUDERSTEM_AUDIO_CACHE`` as ``<lang>/<voice>-<hash of the text>.ogg``. The cache
   may be deleted at any time.

Once Telegram has a clip, its file_id is sent instead of the file: ``telegram-file-ids.json`` in
the cache folder maps bot id and clip to file_id, written atomically (`AudioService.file_id`,
`AudioService.remember`).

This module makes the sound and never talks to Telegram; `bot.tg.audio_sender` sends it
(`TelegramAudio.send_question`) and serves /voorlezen. Errors; none leaves `send_question`, the
parent gets a kind text instead::

    OuderstemError
    └── AudioError
        ├── NotSpeakable    no recording and no voice for this language
        ├── ToolMissing     espeak-ng or ffmpeg is not installed
        ├── ToolFailed      a tool exited with an error, or wrote no sound
        └── ToolTimeout     a tool ran longer than TOOL_TIMEOUT_S

Wiring (`bot.tg.app.build_application`): a `bot.tg.audio_sender.TelegramAudio` in ``deps.audio``,
and /voorlezen. `espeak_languages()`, `synthetic_languages()` and `recorded_coverage(flow)` serve
``ouderstem i18n status``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import math
import os
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

from bot.config import Settings
from bot.errors import OuderstemError
from bot.espeak_bundled import BUNDLED_COMMAND, bundled_voices
from bot.flow_model import (
    Flow,
    Question,
    QuestionType,
    fill_topic,
    names_topic,
    option_key,
    question_key,
)
from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE, flow_text, spoken_flow_text, t
from bot.texts import audio as audio_texts
from bot.texts import parents as texts

log = logging.getLogger(__name__)

# Our language -> espeak-ng voice. Not listed: ps, so (no offline voice anywhere: staff record
# them, see bot.tg.school.recordings). fr is Belgian French; fa is Iranian Persian, which Dari
# speakers understand.
ESPEAK_VOICES: Mapping[str, str] = {
    "nl": "nl", "fr": "fr-be", "en": "en-gb", "tr": "tr", "bg": "bg", "ar": "ar", "pl": "pl",
    "ro": "ro", "sk": "sk", "uk": "uk", "ru": "ru", "fa": "fa",
}  # fmt: skip
# Voices of the espeak-ng 1.52 bundled in the pip package espeakng-loader (`bot.espeak_bundled`),
# used only where the system espeak-ng lacks the voice: Debian's 1.51 has no Tigrinya.
BUNDLED_VOICES: Mapping[str, str] = {"ti": "ti"}
SPEECH_RATE_WPM = 140  # espeak-ng's default of 175 is fast for people listening in a new language
OPUS_BITRATE = "24k"  # speech in mono: small uploads, clear on a phone speaker
OPUS_SAMPLE_RATE = 48_000  # Opus's own rate; OGG granule positions count in it
TOOL_TIMEOUT_S = 30.0  # one espeak-ng or ffmpeg run; a question takes well under a second
PROBE_TIMEOUT_S = 10.0  # `espeak-ng --voices`, `ffmpeg -encoders` at start-up
MAX_PARALLEL_SYNTHESES = 2  # CPU-bound: more parents wait a moment, the bot keeps answering
MAX_SPOKEN_CHARS = 3000  # bounds the synthesis time of one clip (a question is ~300)
SYNTHESIS_VERSION = 1  # bump when the voice settings change: cached clips are then made anew
STDERR_TAIL = 300  # characters of a failing tool's stderr kept in the error
FILE_IDS_NAME = "telegram-file-ids.json"
APT_PACKAGES = "espeak-ng ffmpeg"

# Format characters the catalogs use for right-to-left text; a voice must not see them. ZWNJ and
# ZWJ stay: Persian spelling needs them.
_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_SENTENCE_END = ".!?:;…؟۔።፧"


# ---- errors ----------------------------------------------------------------------------------


class AudioError(OuderstemError):
    """A question could not be turned into sound. Messages never hold the text read."""


class NotSpeakable(AudioError):
    pass


class ToolMissing(AudioError):
    pass


class ToolFailed(AudioError):
    pass


class ToolTimeout(AudioError):
    pass


# ---- external tools --------------------------------------------------------------------------

KILL_GRACE = 5.0  # seconds to collect a killed tool's exit status
Runner = Callable[[Sequence[str], bytes | None, float], Awaitable[bytes]]


async def run_tool(argv: Sequence[str], stdin: bytes | None, timeout: float) -> bytes:
    """Run one tool without blocking the event loop; its stdout, or an AudioError.

    The tool runs from a worker thread, not as an asyncio subprocess: on Python 3.11 a task
    cancelled while asyncio starts a child waits forever when every task is cancelled at once, as
    `asyncio.run` does at exit (Ctrl-C while a sound was being prepared hung the bot)."""
    name = Path(argv[0]).name
    child = _Child()
    try:
        code, out, err = await asyncio.to_thread(child.run, argv, stdin, timeout)
    except asyncio.CancelledError:
        child.kill()  # the thread's communicate() then returns at once and collects it
        raise
    except FileNotFoundError:
        raise ToolMissing(f"{name} is not installed (apt-get install {APT_PACKAGES})") from None
    except subprocess.TimeoutExpired:
        raise ToolTimeout(f"{name} took longer than {timeout:g} s") from None
    except OSError as exc:
        raise ToolFailed(f"{name} could not start: {exc.strerror}") from None
    if code != 0:
        tail = err.decode(errors="replace").strip()[-STDERR_TAIL:]
        raise ToolFailed(f"{name} exited with {code}: {tail}")
    return out


class _Child:
    """One tool's process, run in a worker thread; `kill` (from the event loop) stops it at any
    moment, also before it started."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._killed = False

    def run(
        self, argv: Sequence[str], stdin: bytes | None, timeout: float
    ) -> tuple[int, bytes, bytes]:
        with self._guard:
            if self._killed:
                raise subprocess.TimeoutExpired(list(argv), 0)  # never seen: the caller is gone
            process = self._process = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        try:
            out, err = process.communicate(stdin, timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=KILL_GRACE)  # collects its exit status
            raise
        return process.returncode, out, err

    def kill(self) -> None:
        with self._guard:
            self._killed = True
            if self._process is not None:
                self._process.kill()  # a no-op once it exited


def _probe(argv: list[str], tool: str) -> str | None:
    """What a tool prints when asked at start-up what it can do; None (and a warning) if unusable."""
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("%s is not usable (%s): install %s", tool, type(exc).__name__, APT_PACKAGES)
        return None


@functools.cache
def _espeak_voice_codes(espeak: str) -> frozenset[str]:
    """The language codes of `espeak-ng --voices` ("nl", "fr-be", ...); empty without espeak-ng."""
    listed = _probe([espeak, "--voices"], "espeak-ng")
    if listed is None:
        return frozenset()
    rows = (line.split() for line in listed.splitlines()[1:])
    return frozenset(row[1].lower() for row in rows if len(row) >= 2)


def espeak_languages(espeak: str = "espeak-ng") -> set[str]:
    """Our languages that espeak-ng has a voice for on this machine (empty when not installed)."""
    found = _espeak_voice_codes(espeak)
    return {language for language, voice in ESPEAK_VOICES.items() if voice in found}


def bundled_languages(espeak: str = "espeak-ng") -> set[str]:
    """Our languages the bundled espeak-ng speaks and the system one does not."""
    system = espeak_languages(espeak)
    found = bundled_voices()
    return {
        language
        for language, voice in BUNDLED_VOICES.items()
        if voice in found and language not in system
    }


def synthetic_languages(espeak: str = "espeak-ng") -> set[str]:
    """Our languages a synthetic voice speaks on this machine: the system's or the bundled one."""
    return espeak_languages(espeak) | bundled_languages(espeak)


@functools.cache
def ffmpeg_encodes_opus(ffmpeg: str = "ffmpeg") -> bool:
    """Whether `ffmpeg` exists and has the libopus encoder Telegram voice messages need."""
    encoders = _probe([ffmpeg, "-hide_banner", "-encoders"], "ffmpeg")
    return encoders is not None and "libopus" in encoders


# ---- OGG/Opus --------------------------------------------------------------------------------


def is_ogg_opus(data: bytes) -> bool:
    """An OGG stream whose first page carries an Opus header."""
    return data.startswith(b"OggS") and b"OpusHead" in data[:128]


def ogg_opus_seconds(data: bytes) -> int | None:
    """Duration from the last page's granule position (48 kHz samples) minus the pre-skip."""
    head, last = data.find(b"OpusHead"), data.rfind(b"OggS")
    if head < 0 or last < 0 or len(data) < last + 14 or len(data) < head + 12:
        return None
    granule = int.from_bytes(data[last + 6 : last + 14], "little", signed=True)
    pre_skip = int.from_bytes(data[head + 10 : head + 12], "little")
    if granule <= pre_skip:
        return None
    return max(1, math.ceil((granule - pre_skip) / OPUS_SAMPLE_RATE))


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# ---- what is read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Script:
    """The words read for a question, and the language they are in."""

    language: str
    text: str


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in _SENTENCE_END else f"{text}."


def _speakable(text: str) -> str:
    """Without bidi controls and pictographs (a voice would spell out "smiling face")."""
    text = text.translate(_BIDI_CONTROLS)
    return "".join(c for c in text if unicodedata.category(c) != "So")


def _legend_question(flow: Flow) -> str | None:
    """The first scale question: its clip explains the faces; later clips do not repeat it."""
    return next((q.id for q in flow.questions if q.type == QuestionType.SCALE), None)


def script(flow: Flow, question: Question, language: str, topic: str | None = None) -> Script:
    """The question, then how to answer it; in Dutch while the question is not translated.
    `topic` is the round's topic id: it fills the question's {topic} slot, as on screen."""
    key = question_key(question.id)
    said = flow_text(language, flow.id, key, question.text)
    spoken = language if language == SOURCE_LANGUAGE or said != question.text else SOURCE_LANGUAGE

    def spoken_words(item_key: str, dutch: str) -> str:
        found = spoken_flow_text(spoken, flow.id, item_key, dutch)
        return found or flow_text(spoken, flow.id, item_key, dutch)

    # A spoken-only variant (Arabic with its vowel marks) when the catalog has one; chat never.
    parts = [fill_topic(spoken_words(key, question.text), flow, topic, question, spoken_words)]
    match question.type:
        case QuestionType.SCALE if question.id == _legend_question(flow):
            parts.append(t(spoken, audio_texts.SCALE_SPOKEN))  # the faces, read once per flow
        case QuestionType.YESNO:
            parts.append(t(spoken, audio_texts.YESNO_SPOKEN))
        case QuestionType.CHOICE | QuestionType.MULTI:
            multi = question.type == QuestionType.MULTI
            parts.append(
                t(spoken, audio_texts.MULTI_SPOKEN if multi else audio_texts.CHOICE_SPOKEN)
            )
            for number, option in enumerate(question.options, start=1):
                words = flow_text(spoken, flow.id, option_key(question.id, option.id), option.text)
                parts.append(f"{number}: {words}")
            if multi:
                parts.append(t(spoken, audio_texts.MULTI_DONE_SPOKEN))
        case QuestionType.OPEN:
            parts.append(t(spoken, texts.OPEN_HINT))
        case _:
            pass
    text = "\n".join(_sentence(_speakable(part)) for part in parts if part.strip())
    return Script(spoken, text[:MAX_SPOKEN_CHARS])


def recorded_path(
    language: str, flow_id: str, question_id: str, locales_dir: Path = LOCALES_DIR
) -> Path:
    """Where a person's recording of a question goes: bot/locales/<lang>/audio/<flow>/<question>.ogg."""
    return locales_dir / language / "audio" / flow_id / f"{question_id}.ogg"


def recorded_coverage(flow: Flow, locales_dir: Path = LOCALES_DIR) -> dict[str, tuple[int, int]]:
    """Per language: (questions with a recording, questions that can be asked) of a flow."""
    ids = [q.id for q in flow.answerable_questions]
    return {
        language: (
            sum(recorded_path(language, flow.id, q, locales_dir).is_file() for q in ids),
            len(ids),
        )
        for language in LANGUAGES
    }


# ---- the service -----------------------------------------------------------------------------


class RecordingSource(Protocol):
    """Approved recordings by staff (`bot.store.protocols.RecordingStore`, a part of it)."""

    async def recorded_sound(
        self, flow_id: str, language: str, question_id: str
    ) -> tuple[int, bytes] | None: ...
    async def recorded_questions(self, flow_id: str, language: str) -> set[str]: ...


@dataclass(frozen=True)
class Clip:
    """One sound for one question: a recording, or a (maybe not yet made) synthesised file."""

    key: str  # names the sound in the file_id map; changes when the sound would change
    path: Path
    voice: str | None = None  # espeak-ng voice, for a clip still to synthesise
    text: str = ""
    bundled: bool = False  # synthesised by the bundled espeak-ng (bot.espeak_bundled)


class AudioService:
    """Turns questions into voice messages; `deps.audio`."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        locales_dir: Path = LOCALES_DIR,
        espeak: str = "espeak-ng",
        ffmpeg: str = "ffmpeg",
        voices: Mapping[str, str] | None = None,
        bundled: Mapping[str, str] | None = None,
        bundled_command: Sequence[str] = BUNDLED_COMMAND,
        run: Runner = run_tool,
        recordings: RecordingSource | None = None,
    ) -> None:
        """`voices` (language -> espeak-ng voice) defaults to what this machine can speak;
        `bundled` (language -> voice of the bundled espeak-ng) to what only that one speaks."""
        self.cache_dir = cache_dir
        self.locales_dir = locales_dir
        self.espeak, self.ffmpeg = espeak, ffmpeg
        self.bundled_command = tuple(bundled_command)
        self.run = run
        self.recordings = recordings  # staff recordings in the database (bot.tg.school.recordings)
        opus = ffmpeg_encodes_opus(ffmpeg)
        if voices is None:
            speakable = espeak_languages(espeak) if opus else set()
            voices = {language: ESPEAK_VOICES[language] for language in speakable}
        if bundled is None:
            extra = bundled_languages(espeak) - set(voices) if opus else set()
            bundled = {language: BUNDLED_VOICES[language] for language in extra}
        self.bundled = {k: v for k, v in bundled.items() if k not in voices}
        self.voices = {**voices, **self.bundled}
        self._locks: dict[Path, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(MAX_PARALLEL_SYNTHESES)
        self._recorded: dict[tuple[str, str], bool] = {}
        self._file_ids: dict[str, dict[str, str]] | None = None
        self._file_ids_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, recordings: RecordingSource | None = None) -> Self:
        service = cls(settings.audio_cache, recordings=recordings)
        missing = sorted(set(LANGUAGES) - set(service.voices))
        log.info("audio: synthesised in %s; recordings only in %s", sorted(service.voices), missing)
        return service

    # ---- which languages ----------------------------------------------------------------------

    def available(self, language: str, flow: Flow | None = None) -> bool:
        """Whether to offer 🔊: a voice speaks the language, or every question of `flow` is recorded."""
        if language in self.voices:
            return True
        if flow is None:
            return False
        key = (language, flow.key)
        if key not in self._recorded:
            recorded, total = recorded_coverage(flow, self.locales_dir).get(language, (0, 1))
            self._recorded[key] = recorded == total
        return self._recorded[key]

    async def offers(self, language: str, flow: Flow | None = None) -> bool:
        """`available`, or every question of `flow` has a recording approved in the database."""
        if self.available(language, flow):
            return True
        if flow is None or self.recordings is None:
            return False
        done = await self.recordings.recorded_questions(flow.id, language)
        return {q.id for q in flow.answerable_questions} <= done

    # ---- making the sound ---------------------------------------------------------------------

    async def recorded_clip(self, flow: Flow, question_id: str, language: str) -> Clip | None:
        """The newest approved staff recording of a question (kept in the cache folder), if any."""
        if self.recordings is None:
            return None
        found = await self.recordings.recorded_sound(flow.id, language, question_id)
        if found is None:
            return None
        recording_id, data = found
        if not is_ogg_opus(data[:128]):
            log.warning("recording %d is not OGG/Opus; passed over", recording_id)
            return None
        path = self.cache_dir / "recorded" / language / f"{recording_id}.ogg"
        if not path.is_file():
            await asyncio.to_thread(_atomic_write, path, data)
        return Clip(f"staff:{recording_id}", path)

    def recording_fits(self, question: Question, language: str) -> bool:
        """Whether a person's recording may stand for the question. A question that names its
        round's topic sounds different per round: a voice reads it with the topic wherever one
        speaks the language; only where none does, a recording (made once, without the topic)."""
        return not names_topic(question) or language not in self.voices

    async def clip_for(
        self, flow: Flow, question_id: str, language: str, topic: str | None = None
    ) -> Clip:
        """The sound for a question: a staff recording approved in the database, else `clip`.
        `topic` is the round's topic id (a dialogue round), read where the question names it."""
        recorded = None
        if self.recording_fits(flow.question(question_id), language):
            recorded = await self.recorded_clip(flow, question_id, language)
        return recorded or self.clip(flow, question_id, language, topic)

    def clip(self, flow: Flow, question_id: str, language: str, topic: str | None = None) -> Clip:
        """The sound for a question: its recording when there is a good one, else a synthesis
        (of the text with the round's `topic`: the text, so the topic, is in the cache key)."""
        question = flow.question(question_id)
        recorded = recorded_path(language, flow.id, question.id, self.locales_dir)
        if self.recording_fits(question, language) and recorded.is_file():
            with recorded.open("rb") as handle:
                good = is_ogg_opus(handle.read(128))
            if good:
                stat = recorded.stat()
                key = f"rec:{language}/{flow.id}/{question.id}:{stat.st_mtime_ns}:{stat.st_size}"
                return Clip(key, recorded)
            log.warning(
                "recording %s/%s/%s is not OGG/Opus; synthesising", language, flow.id, question.id
            )
        words = script(flow, question, language, topic)
        voice = self.voices.get(words.language)
        if voice is None:
            raise NotSpeakable(f"no recording and no voice for {language}")
        bundled = words.language in self.bundled
        engine = "bundled" if bundled else "system"
        material = (
            f"{SYNTHESIS_VERSION}|{engine}|{voice}|{SPEECH_RATE_WPM}|{OPUS_BITRATE}|{words.text}"
        )
        digest = hashlib.sha256(material.encode()).hexdigest()[:32]
        path = self.cache_dir / words.language / f"{voice}-{digest}.ogg"
        return Clip(f"tts:{words.language}:{voice}:{digest}", path, voice, words.text, bundled)

    async def ensure(self, clip: Clip) -> Path:
        """The clip's file, synthesised and cached first when it is not on disk yet."""
        if clip.path.is_file():
            return clip.path
        if clip.voice is None:
            raise ToolFailed(f"recording {clip.path.name} disappeared")
        lock = self._locks.setdefault(clip.path, asyncio.Lock())
        async with lock:
            if not clip.path.is_file():
                async with self._slots:
                    data = await self._synthesise(clip.voice, clip.text, clip.bundled)
                await asyncio.to_thread(_atomic_write, clip.path, data)
        self._locks.pop(clip.path, None)
        return clip.path

    async def sound(
        self, flow: Flow, question_id: str, language: str, topic: str | None = None
    ) -> Path:
        """The OGG/Opus file read for a question (for tools and tests; the bot uses send_question)."""
        return await self.ensure(self.clip(flow, question_id, language, topic))

    async def _synthesise(self, voice: str, text: str, bundled: bool = False) -> bytes:
        program = list(self.bundled_command) if bundled else [self.espeak]
        espeak = [*program, "-v", voice, "-s", str(SPEECH_RATE_WPM), "--stdin", "--stdout"]
        wav = await self.run(espeak, text.encode(), TOOL_TIMEOUT_S)
        if not wav.startswith(b"RIFF"):
            raise ToolFailed("espeak-ng wrote no WAV sound")
        ffmpeg = [
            self.ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
            "-c:a", "libopus", "-b:a", OPUS_BITRATE, "-ac", "1", "-ar", str(OPUS_SAMPLE_RATE),
            "-application", "voip", "-f", "ogg", "pipe:1",
        ]  # fmt: skip
        ogg = await self.run(ffmpeg, wav, TOOL_TIMEOUT_S)
        if not is_ogg_opus(ogg):
            raise ToolFailed("ffmpeg wrote no OGG/Opus")
        return ogg

    # ---- Telegram's file ids ------------------------------------------------------------------

    async def _id_map(self) -> dict[str, dict[str, str]]:
        if self._file_ids is None:
            path = self.cache_dir / FILE_IDS_NAME
            try:
                raw = await asyncio.to_thread(path.read_text, encoding="utf-8")
                loaded: Any = json.loads(raw).get("bots", {})
                self._file_ids = {str(b): dict(m) for b, m in loaded.items() if isinstance(m, dict)}
            except FileNotFoundError:
                self._file_ids = {}
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("ignoring unreadable %s: %s", FILE_IDS_NAME, type(exc).__name__)
                self._file_ids = {}
        return self._file_ids

    async def file_id(self, bot_id: str, clip: Clip) -> str | None:
        return (await self._id_map()).get(bot_id, {}).get(clip.key)

    async def remember(self, bot_id: str, clip: Clip, file_id: str | None) -> None:
        """Store (or with None, drop) the file_id Telegram gave a clip, and save the map."""
        async with self._file_ids_lock:
            ids = (await self._id_map()).setdefault(bot_id, {})
            if file_id is None:
                ids.pop(clip.key, None)
            else:
                ids[clip.key] = file_id
            data = json.dumps({"version": 1, "bots": self._file_ids}, indent=1, sort_keys=True)
            await asyncio.to_thread(_atomic_write, self.cache_dir / FILE_IDS_NAME, data.encode())
