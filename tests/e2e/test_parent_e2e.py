"""A parent's whole round with the real bot (`python -m bot run`) through the Bot API emulator.

Joins by deep link, chooses a language from the menu (the Telegram profile's language proposed
with ✅, every language listed), answers the 21 face questions and the open one, pauses with
/stop and resumes (by a message and by the ▶️ button), sends a sticker; a group gets a kind
pointer to a private chat; several parents answer at once. Stored answers are read back with
`python -m bot round list --json` and a read-only sqlite3 connection. Every test checks that the
bot logged no error.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

import pytest
from faults import checks
from faults.crowd import CrowdParent, emulator_client, run_crowd
from faults.e2e_steps import Talk, question_id, starts_with
from harness import BOT_USERNAME, BotFactory, EmulatedUser, group_chat, sticker_message

from bot.engine import FACES
from bot.flow_model import DONT_KNOW, get_flow
from bot.i18n import LANGUAGES, flow_text, language_name, t
from bot.texts import parents as texts

pytestmark = pytest.mark.e2e

FLOW = get_flow("barometer-ouders")
SCALE_IDS = [q.id for q in FLOW.questions if q.type.value == "scale"]
OPEN_ID = next(q.id for q in FLOW.questions if q.type.value == "open")


def test_flow_is_the_one_this_file_expects() -> None:
    assert (len(FLOW.answerable_questions), len(SCALE_IDS), OPEN_ID) == (30, 29, "opmerking")


def test_parent_answers_the_whole_barometer_in_their_language(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    school = bot.add_school("Basisschool De Regenboog")
    opened = bot.open_round(school["id"])
    parent = Talk(make_user(language_code="tr"))
    lang = "tr"

    # Join: the deep link opens the language menu, the profile's language first with ✅.
    parent.user.send_command("start", opened["token"])
    menu = parent.next(lambda m: any(b.startswith("✅") for b in m.buttons))
    assert menu.inline_keyboard[0] == [
        {"text": f"✅ {language_name(lang)}", "callback_data": f"l|{lang}"}
    ]
    assert sorted(menu.buttons[1:]) == sorted(language_name(c) for c in LANGUAGES if c != lang)
    parent.press(menu, f"✅ {language_name(lang)}")
    parent.next(starts_with(lang, texts.LANGUAGE_SET))
    welcome = parent.next(lambda m: "Basisschool De Regenboog" in m.body)
    assert flow_text(lang, FLOW.id, "intro", FLOW.intro).splitlines()[0] in welcome.body
    first = parent.question(SCALE_IDS[0])
    assert first.buttons[:6] == [*[FACES[v] for v in "12345"], f"🤷 {t(lang, texts.DONT_KNOW)}"]

    plan = {qid: "12345"[i % 5] for i, qid in enumerate(SCALE_IDS)}
    plan[SCALE_IDS[4]] = DONT_KNOW
    current = first
    for index, qid in enumerate(SCALE_IDS):
        label = FACES[plan[qid]] if plan[qid] != DONT_KNOW else f"🤷 {t(lang, texts.DONT_KNOW)}"
        if index == 7:
            # A sticker: one kind sentence, and the question stays where it is.
            parent.user.send_message(sticker_message())
            parent.next(starts_with(lang, texts.UNSUPPORTED))
            # /stop pauses; a message resumes (and is not taken as an answer).
            parent.user.send_command("stop")
            paused = parent.next(starts_with(lang, texts.PAUSED))
            assert paused.buttons == [f"▶️ {t(lang, texts.CONTINUE)}"]
            parent.user.send_text("hallo, ik ben er weer")
            parent.next(starts_with(lang, texts.WELCOME_BACK))
            current = parent.question(qid)
            # /stop again; the ▶️ button resumes too.
            parent.user.send_command("stop")
            paused = parent.next(starts_with(lang, texts.PAUSED))
            parent.press(paused, f"▶️ {t(lang, texts.CONTINUE)}")
            parent.next(starts_with(lang, texts.WELCOME_BACK))
            current = parent.question(qid)
        parent.press(current, label)
        if index == 0:
            answered = parent.edited(current)
            assert answered.buttons == [] and answered.body.endswith(FACES[plan[qid]])
        following = SCALE_IDS[index + 1] if index + 1 < len(SCALE_IDS) else OPEN_ID
        current = parent.question(following)
    assert t(lang, texts.OPEN_HINT).splitlines()[0] in current.body
    parent.user.send_text("Meer berichten in het Turks, graag. Çok teşekkürler!")
    closing = flow_text(lang, FLOW.id, "closing", FLOW.closing).split("{")[0]
    parent.next(lambda m: m.body.startswith(closing))

    listed = bot.cli("round", "list")
    assert listed["rounds"] == [
        {
            "id": opened["id"],
            "school_id": school["id"],
            "flow": FLOW.id,
            "status": "open",
            "closes_at": None,
            "respondents": {"completed": 1},
        }
    ]
    stored = {
        q: (v, text, tl)
        for q, v, text, tl in checks.rows(
            bot.db_path, "SELECT question_id, value, text, text_language FROM answers"
        )
    }
    assert stored == {
        **{qid: (plan[qid], None, None) for qid in SCALE_IDS},
        OPEN_ID: (None, "Meer berichten in het Turks, graag. Çok teşekkürler!", "tr"),
    }
    assert checks.rows(bot.db_path, "SELECT language, status FROM respondents") == [
        ("tr", "completed")
    ]
    assert checks.problems(bot.db_path) == []
    assert bot.errors() == []


def test_group_messages_get_a_kind_pointer_to_a_private_chat(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    chat = group_chat("Ouders klas 3")
    anna = Talk(make_user(chat=chat, language_code="ar", first_name="Anna"))
    anna.user.send_text("Wanneer is het oudercontact?")
    reply = anna.next(starts_with("ar", texts.GROUP_CHAT))
    assert reply.buttons == [t("ar", texts.OPEN_PRIVATE)]
    assert reply.inline_keyboard[0][0]["url"] == f"https://t.me/{BOT_USERNAME}"
    anna.user.send_command("start", opened["token"], mention=True)  # a link opened in a group
    anna.next(starts_with("ar", texts.GROUP_CHAT))
    anna.user.send_message(sticker_message())
    anna.next(starts_with("ar", texts.GROUP_CHAT))
    assert anna.new() == []
    # Nothing about anyone in the group was stored: no chat, no respondent.
    assert checks.rows(bot.db_path, "SELECT COUNT(*) FROM chats") == [(0,)]
    assert checks.rows(bot.db_path, "SELECT COUNT(*) FROM respondents") == [(0,)]
    assert bot.errors() == []


def test_several_parents_answer_at_once(bot_process: BotFactory) -> None:
    bot = bot_process()  # the real bot, rate limiter included
    school = bot.add_school("De Regenboog")
    opened = bot.open_round(school["id"])
    rng = random.Random(7)
    languages = ("nl", "tr", "ar", "fr", "uk", "bg", "pl", None)

    async def crowd() -> tuple[list[CrowdParent], list[BaseException]]:
        async with emulator_client(bot.emulator.base_url) as client:
            parents = [
                CrowdParent(
                    client,
                    bot.token,
                    opened["token"],
                    FLOW,
                    {
                        **{q: rng.choice(["1", "2", "3", "4", "5", DONT_KNOW]) for q in SCALE_IDS},
                        OPEN_ID: f"open antwoord {i}",
                    },
                    language_code=code,
                    stall=30.0,  # a slow machine must not look like a lost update
                )
                for i, code in enumerate(languages)
            ]
            return parents, await run_crowd(parents, time.monotonic() + 90)

    parents, failures = asyncio.run(crowd())
    assert failures == []
    assert all(p.completed and not p.regressions and p.recoveries == 0 for p in parents)
    listed = bot.cli("round", "list")
    assert listed["rounds"][0]["respondents"] == {"completed": len(languages)}
    stored = checks.rows(
        bot.db_path,
        "SELECT c.chat_id, a.question_id, COALESCE(a.value, a.text) FROM answers a "
        "JOIN contacts c USING (respondent_id)",
    )
    assert sorted(stored) == sorted((p.user_id, q, v) for p in parents for q, v in p.plan.items())
    chosen = dict(
        checks.rows(
            bot.db_path,
            "SELECT c.chat_id, r.language FROM respondents r JOIN contacts c ON c.respondent_id = r.id",
        )
    )
    assert chosen == {p.user_id: p.language for p in parents}
    assert checks.problems(bot.db_path) == []
    assert bot.errors() == []


def test_start_without_a_link_and_with_an_unknown_one(
    bot_process: BotFactory, make_user: Callable[..., EmulatedUser]
) -> None:
    bot = bot_process()
    parent = Talk(make_user(language_code="fr"))
    parent.user.send_command("start")
    parent.next(starts_with("fr", texts.NO_TOKEN))
    parent.user.send_command("start", "A" * 22)  # the shape of a token, but no round has it
    parent.next(starts_with("fr", texts.UNKNOWN_TOKEN))
    parent.user.send_text("Bonjour ?")
    parent.next(starts_with("fr", texts.NOTHING_ACTIVE))
    assert question_id(parent.seen[-1]) is None
    assert bot.errors() == []
