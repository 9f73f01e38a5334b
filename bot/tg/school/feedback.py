"""/terugkoppeling: an admin tells everyone who took part what came out and what happens next.

The dialogue (state in `staff_dialogues`): choose the round, write the school's own words, add
standard sentences (toggles) or translations, confirm; then one message per participant goes
into the outbox, in their language where there is one, with the Dutch after it.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.errors import UnknownFlow
from bot.flow_model import get_flow
from bot.i18n import SOURCE_LANGUAGE, gettext, t
from bot.limits import MAX_MESSAGE_CHARS
from bot.outbox import result_text
from bot.reports import privacy
from bot.staff import Action
from bot.store.records import Dialogue, NewMessage, Recipient, Round
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.texts.staff import say
from bot.tg.callbacks import DialogueKind, FeedbackResult, PickFor, as_id
from bot.tg.deps import Deps
from bot.tg.school.common import (
    ROUNDS_IN_PICKER,
    Step,
    cancel_only,
    dialogue_data,
    dutch_language_name,
    new_dialogue,
    on_button,
    permitted,
    pick_school,
    refuse,
    round_label,
    save_step,
    stop_dialogue,
)
from bot.tg.ui import drop_buttons, final, keyboard, reply

log = logging.getLogger(__name__)

MAX_FEEDBACK_CHARS = 1200  # own text and each translation: the whole message stays < 4096


@final
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, deps: Deps) -> None:
    """/terugkoppeling: choose the round, write, add sentences or translations, send."""
    school_id = await pick_school(update, deps, Action.FEEDBACK, PickFor.FEEDBACK)
    if school_id is not None:
        await begin_feedback(update, deps, school_id)


async def begin_feedback(update: Update, deps: Deps, school_id: int) -> None:
    """Store a fresh feedback dialogue and offer the school's rounds."""
    if await permitted(deps, update, Action.FEEDBACK, school_id) is None:
        return
    rounds = list(reversed(await deps.store.rounds(school_id)))[:ROUNDS_IN_PICKER]
    if not rounds:
        await reply(update, say(staff_texts.NO_ROUNDS))
        return
    dialogue = await new_dialogue(update, deps, DialogueKind.FEEDBACK, "round", school_id)
    rows = [[(round_label(r), dialogue_data(dialogue, "round", r.id))] for r in rounds]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))])
    await reply(update, say(staff_texts.FEEDBACK_PICK_ROUND), keyboard(rows))


async def feedback_round(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A round was chosen: is there anyone to tell? Then ask for the text."""
    round_id = as_id(value)
    round_ = await deps.store.round(round_id) if round_id is not None else None
    if round_ is None or round_.school_id != dialogue.data["school"]:
        await refuse(update, deps)
        return
    if not await deps.store.participants(round_.id):
        await deps.store.end_dialogue(dialogue.chat_id, deps.clock(), update.update_id)
        await reply(update, say(staff_texts.FEEDBACK_NOBODY))
        return
    await save_step(
        update, deps, dialogue, "text", round=round_.id, text="", sentences=[], translations={}
    )
    rows = [
        [(say(staff_texts.ADD_SENTENCES), dialogue_data(dialogue, "sent"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    await reply(update, say(staff_texts.FEEDBACK_WRITE), keyboard(rows))


async def too_long(update: Update, dialogue: Dialogue, text: str) -> bool:
    """Typed text over MAX_FEEDBACK_CHARS: said so (the dialogue waits for a shorter one)."""
    if len(text) <= MAX_FEEDBACK_CHARS:
        return False
    await reply(
        update, say(staff_texts.FEEDBACK_TOO_LONG, limit=MAX_FEEDBACK_CHARS), cancel_only(dialogue)
    )
    return True


async def feedback_text(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """The school's own words (Dutch)."""
    if await too_long(update, dialogue, text):
        return
    await save_step(update, deps, dialogue, "menu", text=text.strip())
    await feedback_menu(update, deps, dialogue)


async def feedback_menu(update: Update, deps: Deps, dialogue: Dialogue, value: str = "-") -> None:
    """The preview (as a Dutch-speaking parent sees it) and what can be added."""
    if dialogue.step != "menu":
        await save_step(update, deps, dialogue, "menu")
    school = (await deps.store.school_names([dialogue.data["school"]])).get(
        dialogue.data["school"], ""
    )
    recipients = await deps.store.participants(int(dialogue.data["round"]))
    translations = dialogue.data.get("translations") or {}
    listed = ", ".join(dutch_language_name(lang) for lang in translations) or say(
        staff_texts.FEEDBACK_NO_TRANSLATIONS
    )
    preview = compose_feedback(SOURCE_LANGUAGE, school, dialogue.data)
    rows = [
        [(say(staff_texts.ADD_SENTENCES), dialogue_data(dialogue, "sent"))],
        [(say(staff_texts.ADD_TRANSLATION), dialogue_data(dialogue, "tr"))],
        [(f"📨 {say(staff_texts.SEND)}", dialogue_data(dialogue, "send"))],
        [(say(staff_texts.CANCEL), dialogue_data(dialogue, "stop"))],
    ]
    text = say(
        staff_texts.FEEDBACK_MENU, preview=preview, count=len(recipients), translations=listed
    )
    await reply(update, text, keyboard(rows))


def sentence_themes(dialogue: Dialogue, round_: Round | None) -> list[str]:
    """The standard sentences that fit the round's flow (by its themes)."""
    try:
        themes = {th.id for th in get_flow(round_.flow_id).themes} if round_ else set()
    except UnknownFlow:
        themes = set()
    return [theme for theme in school_texts.SENTENCES if theme in themes]


async def feedback_sentences(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Show the standard sentences as toggles."""
    await save_step(update, deps, dialogue, "sentences")
    text, markup = await sentence_menu(deps, dialogue)
    await reply(update, text, markup)


async def sentence_menu(deps: Deps, dialogue: Dialogue) -> tuple[str, InlineKeyboardMarkup]:
    round_ = await deps.store.round(int(dialogue.data["round"]))
    chosen = set(dialogue.data.get("sentences") or [])
    themes = sentence_themes(dialogue, round_)
    lines = [say(staff_texts.FEEDBACK_SENTENCES), ""]
    rows = []
    for number, theme in enumerate(themes, start=1):
        mark = "☑️" if theme in chosen else "⬜"
        lines.append(f"{number}. {school_texts.SENTENCES[theme]}")
        rows.append([(f"{mark} {number}", dialogue_data(dialogue, "tog", theme))])
    rows.append([(f"✅ {say(staff_texts.DONE)}", dialogue_data(dialogue, "menu"))])
    return "\n".join(lines), keyboard(rows)


async def feedback_toggle(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Add or remove one standard sentence; redraw the toggles."""
    chosen = list(dialogue.data.get("sentences") or [])
    if value not in school_texts.SENTENCES:
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    chosen = [s for s in chosen if s != value] if value in chosen else [*chosen, value]
    await save_step(update, deps, dialogue, "sentences", sentences=chosen)
    _, markup = await sentence_menu(deps, dialogue)
    query = update.callback_query
    try:
        if query is not None:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        log.info("edit skipped: %s", exc.message)


def nameable(deps: Deps, recipients: list[Recipient]) -> set[str]:
    """The participants' languages that may be named (privacy rule 5): a language spoken by
    fewer families than the minimum is not offered for a translation, and its families get the
    Dutch text, so the menu never says that one family speaks Bulgarian."""
    counts = Counter(r.language for r in recipients)
    return privacy.nameable_languages(counts, deps.settings.min_group_closed)


async def feedback_languages(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Which language the school has a translation for (the participants' languages)."""
    recipients = await deps.store.participants(int(dialogue.data["round"]))
    languages = sorted(nameable(deps, recipients) - {SOURCE_LANGUAGE})
    if not languages:
        await feedback_menu(update, deps, dialogue)
        return
    await save_step(update, deps, dialogue, "lang")
    rows = [
        [(dutch_language_name(lang), dialogue_data(dialogue, "lang", lang))] for lang in languages
    ]
    rows.append([(say(staff_texts.CANCEL), dialogue_data(dialogue, "menu"))])
    await reply(update, say(staff_texts.FEEDBACK_PICK_LANGUAGE), keyboard(rows))


async def feedback_language(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """A language was chosen: wait for its translation."""
    await save_step(update, deps, dialogue, "translation", lang=value)
    await reply(
        update,
        say(staff_texts.FEEDBACK_TYPE_TRANSLATION, language=dutch_language_name(value)),
        cancel_only(dialogue),
    )


async def feedback_translation(update: Update, deps: Deps, dialogue: Dialogue, text: str) -> None:
    """A typed translation of the school's text."""
    if await too_long(update, dialogue, text):
        return
    translations = dict(dialogue.data.get("translations") or {})
    translations[str(dialogue.data.get("lang"))] = text.strip()
    await save_step(update, deps, dialogue, "menu", translations=translations)
    await feedback_menu(update, deps, dialogue)


async def feedback_send(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Ask once more before a message goes to every participant."""
    if not dialogue.data.get("text") and not dialogue.data.get("sentences"):
        await reply(update, say(staff_texts.FEEDBACK_NEED_TEXT))
        return
    await save_step(update, deps, dialogue, "confirm")
    count = len(await deps.store.participants(int(dialogue.data["round"])))
    rows = [
        [
            (f"📨 {say(staff_texts.FEEDBACK_YES)}", dialogue_data(dialogue, "yes")),
            (say(staff_texts.CANCEL), dialogue_data(dialogue, "stop")),
        ]
    ]
    await reply(update, say(staff_texts.FEEDBACK_CONFIRM, count=count), keyboard(rows))


async def feedback_yes(update: Update, deps: Deps, dialogue: Dialogue, value: str) -> None:
    """Queue one message per participant in the outbox (one transaction, one batch)."""
    if dialogue.step != "confirm":
        await reply(update, say(staff_texts.BUTTON_OLD))
        return
    school_id = int(dialogue.data["school"])
    round_ = await deps.store.round(int(dialogue.data["round"]))
    assert round_ is not None
    store = deps.store
    school = (await store.school_names([school_id])).get(school_id, "")
    recipients = await store.participants(round_.id)
    named = nameable(deps, recipients)
    messages = [
        NewMessage(
            r.chat_id,
            "feedback",
            r.language,
            compose_feedback(
                r.language if r.language in named else SOURCE_LANGUAGE, school, dialogue.data
            ),
            round_id=round_.id,
        )
        for r in recipients
    ]
    batch_id, added = await store.enqueue(
        messages,
        at=deps.clock(),
        batch_kind="feedback",
        school_id=school_id,
        round_id=round_.id,
        title=round_label(round_),
        created_by=dialogue.member_id,
        update_id=update.update_id,
        end_dialogue_of=dialogue.chat_id,
    )
    assert batch_id is not None  # a batch_kind always makes a batch
    log.info("feedback batch %s queued: %d messages", batch_id, added)
    deps.wake_outbox()
    await drop_buttons(update)
    rows = [[(say(staff_texts.FEEDBACK_RESULT_BUTTON), FeedbackResult(batch_id))]]
    await reply(update, say(staff_texts.FEEDBACK_QUEUED, count=added), keyboard(rows))


def compose_feedback(language: str, school: str, data: dict[str, Any]) -> str:
    """A parent's feedback message: their language where there is one, then the Dutch."""
    own = str(data.get("text") or "")
    sentences = [
        school_texts.SENTENCES[s]
        for s in data.get("sentences") or []
        if s in school_texts.SENTENCES
    ]
    dutch = [p for p in [own, *sentences] if p]
    parts = [t(language, school_texts.FEEDBACK_HEADER, school=school)]
    if language == SOURCE_LANGUAGE:
        return "\n\n".join([*parts, *dutch])[:MAX_MESSAGE_CHARS]
    translation = (data.get("translations") or {}).get(language)
    local = [translation] if translation else []
    local += [gettext(language, s) for s in sentences if gettext(language, s) != s]
    parts += local
    if dutch:
        parts.append(t(language, school_texts.FEEDBACK_IN_DUTCH) + "\n" + "\n\n".join(dutch))
    return "\n\n".join(parts)[:MAX_MESSAGE_CHARS]


async def feedback_result(update: Update, deps: Deps, button: FeedbackResult) -> None:
    """How far a feedback broadcast got: sent, waiting, blocked, failed, unknown."""
    batch_id = button.batch_id
    batch = await deps.store.batch(batch_id)
    if await permitted(deps, update, Action.FEEDBACK, batch.school_id if batch else None) is None:
        return
    assert batch is not None
    await reply(update, result_text(batch.title, await deps.store.batch_counts(batch.id)))


FEEDBACK_BUTTONS: dict[str, Step] = {
    "round": feedback_round,
    "sent": feedback_sentences,
    "tog": feedback_toggle,
    "menu": feedback_menu,
    "tr": feedback_languages,
    "lang": feedback_language,
    "send": feedback_send,
    "yes": feedback_yes,
    "stop": stop_dialogue,
}
FEEDBACK_TEXT: dict[str, Step] = {"text": feedback_text, "translation": feedback_translation}


on_result_button = on_button(FeedbackResult, feedback_result)
