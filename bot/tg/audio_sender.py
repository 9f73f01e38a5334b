"""🔊 Listen, the Telegram side: a question's sound as a voice message.

`bot.audio.AudioService` makes the sound (recording, or espeak-ng and ffmpeg, cached on disk);
`TelegramAudio` adds sending it: the file_id Telegram gave the clip before when there is one, else
an upload; on any failure a kind text instead (`send_question` never raises).
/voorlezen (read every question aloud) is a parent command: bot/tg/parent/commands.py.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram import Chat as TelegramChat
from telegram import Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, TelegramError

from bot import engine
from bot.audio import AudioError, AudioService, Clip, ogg_opus_seconds
from bot.flow_model import Flow
from bot.i18n import t
from bot.texts import audio as audio_texts
from bot.texts import parents as texts

log = logging.getLogger(__name__)

VOICE_FILENAME = "vraag.ogg"
# Telegram's answer when the person allows voice messages from contacts only (a Premium setting).
VOICE_FORBIDDEN_ERROR = "VOICE_MESSAGES_FORBIDDEN"


class TelegramAudio(AudioService):
    """An `AudioService` that sends its sounds as Telegram voice messages; `deps.audio`."""

    async def send_question(
        self,
        update: Update,
        flow: Flow,
        question_id: str,
        language: str,
        topic: str | None = None,
    ) -> bool:
        """Send a question as a voice message; on any failure a kind text instead. Never raises.
        `topic`: the round's topic id, read where the question names it (as on screen)."""
        chat = update.effective_chat
        if chat is None:
            return False
        try:
            number, total = engine.progress(flow, question_id)
        except (KeyError, ValueError):
            log.info("no sound for %s/%s: not a question that is asked", flow.id, question_id)
            return False
        caption = f"🔊 {t(language, texts.PROGRESS, number=number, total=total)}"
        try:
            clip = await self.clip_for(flow, question_id, language, topic)
            await self._send(chat, clip, caption[: MessageLimit.CAPTION_LENGTH])
            return True
        except (AudioError, TelegramError, OSError) as exc:
            name = type(exc).__name__
            log.warning(
                "reading %s/%s aloud in %s failed: %s: %s",
                flow.id,
                question_id,
                language,
                name,
                exc,
            )
            forbidden = isinstance(exc, BadRequest) and VOICE_FORBIDDEN_ERROR in exc.message.upper()
            text = audio_texts.VOICE_FORBIDDEN if forbidden else audio_texts.AUDIO_FAILED
        await self._apologise(chat, language, text)
        return False

    async def _send(self, chat: TelegramChat, clip: Clip, caption: str) -> None:
        bot_id = _bot_id(chat)
        known = await self.file_id(bot_id, clip)
        if known is not None:
            try:
                await chat.send_voice(voice=known, caption=caption)
                return
            except BadRequest as exc:  # e.g. another bot's id, or Telegram forgot the file
                log.info("stored file id refused (%s); uploading again", exc.message)
                await self.remember(bot_id, clip, None)
        if not clip.path.is_file():
            with suppress(TelegramError):
                await chat.send_action(ChatAction.RECORD_VOICE)
        path = await self.ensure(clip)
        data = await asyncio.to_thread(path.read_bytes)
        message = await chat.send_voice(
            voice=data, filename=VOICE_FILENAME, caption=caption, duration=ogg_opus_seconds(data)
        )
        if message.voice is not None:
            await self.remember(bot_id, clip, message.voice.file_id)

    async def _apologise(self, chat: TelegramChat, language: str, text: str) -> None:
        try:
            await chat.send_message(t(language, text))
        except TelegramError as exc:
            log.warning("could not say that reading aloud failed: %s", type(exc).__name__)


def _bot_id(chat: TelegramChat) -> str:
    """File ids belong to one bot: the map keeps them per bot id."""
    try:
        return str(chat.get_bot().id)
    except RuntimeError:
        return "unknown"
