"""Parents hear back (/terugkoppeling): the school's words, standard sentences and translations
reach everyone who took part, in their language plus Dutch, through the outbox; the school sees
how it went (sent, blocked, failed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import catalog, t
from bot.texts import parents as texts
from bot.texts import school as school_texts
from bot.texts import staff as staff_texts
from bot.tg.school.feedback import compose_feedback
from bot.tg.stub_api import error_response
from tests.conftest import BotHarness
from tests.test_staff_support import (
    button_labels,
    clock,
    drain,
    launch,
    links_in,
    make_admin,
    parent_answers,
    staffbot,
    texts_of,
)

__all__ = ["clock", "staffbot"]

SCHOOL = "Basisschool De Regenboog"
TURKISH = {
    school_texts.FEEDBACK_HEADER: "{school} okulundan anket hakkında mesaj. Katıldığınız için teşekkürler!",
    school_texts.FEEDBACK_IN_DUTCH: "Okul Felemenkçe yazdı:",
    school_texts.SENTENCES[
        "welkom"
    ]: "Daha sıcak bir karşılama istediniz. Velileri daha sık kişisel olarak selamlayacağız.",
}


@pytest.fixture
def turkish() -> Iterator[None]:
    """Turkish translations of the feedback frame, as the catalogs will have them."""
    messages = catalog("tr").messages
    saved = dict(messages)
    messages.update({(None, k): v for k, v in TURKISH.items()})
    yield
    messages.clear()
    messages.update(saved)


async def test_feedback_reaches_everyone_who_took_part(staffbot: BotHarness, turkish: None) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    dutch = await parent_answers(staffbot, token)
    turk = await parent_answers(staffbot, token, language="tr", answers=3)
    # Five Turkish families: enough to name the language (privacy rule 5); one Arabic family
    # is not, so Arabic is never offered and that family gets the Dutch text (issue 11).
    more_turks = [await parent_answers(staffbot, token, language="tr", answers=3) for _ in range(4)]
    arab = await parent_answers(staffbot, token, language="ar")
    gone = await parent_answers(staffbot, token, answers=1)
    onlooker = staffbot.user()
    await onlooker.command("/start", token)  # opened the link, answered nothing: not a participant
    await onlooker.press("Nederlands")
    staffbot.api.fault = lambda method, params: (
        error_response(403, "Forbidden: bot was blocked by the user")
        if method == "sendMessage" and int(params["chat_id"]) == gone.chat_id
        else None
    )

    replies = await admin.command("/terugkoppeling")
    assert texts_of(replies) == staff_texts.FEEDBACK_PICK_ROUND
    replies = await admin.press("Barometer voor ouders")
    assert "Schrijf in het Nederlands" in texts_of(replies)
    replies = await admin.text(
        "Veel ouders willen meer uitleg over huiswerk. Vanaf mei is er elke maand een infomoment."
    )
    menu = texts_of(replies)
    assert f"Bericht van {SCHOOL} over de vragenlijst." in menu
    assert "8 mensen krijgen het" in menu
    await admin.press("Standaardzinnen kiezen")
    replies = await admin.press("⬜ 1")  # welkom
    labels = button_labels(admin.last_with_keyboard())  # type: ignore[arg-type]
    assert labels[0] == "☑️ 1" and replies == []
    await admin.press("Klaar")
    replies = await admin.press("Vertaling toevoegen")
    assert button_labels(replies[-1]) == ["Turks", "Annuleren"]
    await admin.press("Turks")
    replies = await admin.text(
        "Birçok veli ödev hakkında daha fazla açıklama istiyor. Mayıs'tan itibaren her ay bilgi anı var."
    )
    assert "Vertalingen: Turks." in texts_of(replies)
    replies = await admin.press("Versturen")
    assert "Het bericht gaat naar 8 mensen" in texts_of(replies)
    for person in (dutch, turk, arab, gone, *more_turks):
        person.replies()
    replies = await admin.press("Ja, versturen")
    assert "wordt verstuurd naar 8 mensen" in texts_of(replies)

    assert await drain(staffbot) == {"sent": 8, "blocked": 1}  # 7 parents, then the notice
    got_nl = texts_of(dutch.replies())
    assert got_nl.startswith(f"Bericht van {SCHOOL}")
    assert "Vanaf mei is er elke maand een infomoment." in got_nl
    assert school_texts.SENTENCES["welkom"] in got_nl
    got_tr = texts_of(turk.replies())
    assert got_tr.startswith(f"{SCHOOL} okulundan")
    assert "Mayıs'tan itibaren" in got_tr and TURKISH[school_texts.SENTENCES["welkom"]] in got_tr
    assert "Okul Felemenkçe yazdı:\nVeel ouders" in got_tr  # and the Dutch after it
    got_ar = texts_of(arab.replies())
    assert got_ar.startswith(f"Bericht van {SCHOOL}")  # a language too small to name: Dutch
    assert "Vanaf mei" in got_ar
    assert gone.replies() == [] and onlooker.replies() == []
    assert (await staffbot.store.chat(gone.chat_id)).blocked  # type: ignore[arg-type, union-attr]

    notice = texts_of(admin.replies())
    assert "7 verstuurd, 0 nog bezig" in notice and "1 niet bereikbaar" in notice
    rows = await staffbot.store.run_read(
        "SELECT language, status FROM outbox WHERE kind = 'feedback'"
    )
    assert sorted(tuple(r) for r in rows) == [
        ("ar", "sent"),
        ("nl", "blocked"),
        ("nl", "sent"),
        *[("tr", "sent")] * 5,
    ]
    await admin.press_data(
        f"x|fr|{(await staffbot.store.run_read('SELECT id FROM outbox_batches'))[0][0]}"
    )
    assert "7 verstuurd" in admin.last_text()


async def test_only_standard_sentences(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin, "Dialoog met ouders", topic="Geen thema"))[0]["text"])[""]
    parent = staffbot.user()
    await parent.command("/start", token)
    await parent.press("Nederlands")
    await parent.text("De juf is heel lief.")
    await admin.command("/terugkoppeling")
    await admin.press("Dialoog met ouders")
    replies = await admin.press("Standaardzinnen kiezen")
    assert button_labels(replies[-1]) == ["⬜ 1", "✅ Klaar"]  # the dialogue flow's one theme
    await admin.press("⬜ 1")
    await admin.press("Klaar")
    await admin.press("Versturen")
    await admin.press("Ja, versturen")
    parent.replies()
    await drain(staffbot)
    assert school_texts.SENTENCES["partnerschap"] in texts_of(parent.replies())


async def test_nothing_to_send_without_words(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    await parent_answers(staffbot, token, answers=1)
    await admin.command("/terugkoppeling")
    await admin.press("Barometer voor ouders")
    await admin.press("Standaardzinnen kiezen")
    await admin.press("Klaar")
    assert texts_of(await admin.press("Versturen")) == staff_texts.FEEDBACK_NEED_TEXT
    # The menu waits for buttons: typed text is not taken as the message (the parent side answers).
    assert texts_of(await admin.text("Hallo")) == t("nl", texts.NOTHING_ACTIVE)


async def test_too_long_is_refused_kindly(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    await parent_answers(staffbot, token, answers=1)
    await admin.command("/terugkoppeling")
    await admin.press("Barometer voor ouders")
    replies = await admin.text("x" * 1300)
    assert texts_of(replies) == staff_texts.FEEDBACK_TOO_LONG.format(limit=1200)


async def test_a_round_nobody_answered(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    await launch(admin)
    await admin.command("/terugkoppeling")
    replies = await admin.press("Barometer voor ouders")
    assert texts_of(replies) == staff_texts.FEEDBACK_NOBODY
    assert await staffbot.store.run_read("SELECT * FROM staff_dialogues") == []


async def test_send_pressed_twice_sends_once(staffbot: BotHarness) -> None:
    admin, _ = await make_admin(staffbot)
    token = links_in((await launch(admin))[0]["text"])[""]
    parent = await parent_answers(staffbot, token, answers=1)
    await admin.command("/terugkoppeling")
    await admin.press("Barometer voor ouders")
    await admin.text("Dank u wel!")
    await admin.press("Versturen")
    message = admin.last_with_keyboard()
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    raw = admin.callback_update(data, message)
    await admin.send(raw)
    await admin.send(raw)  # the same update again (a redelivery)
    await admin.press_data(data, message)  # a second tap: a new update
    parent.replies()
    await drain(staffbot)
    assert len(parent.replies()) == 1
    assert len(await staffbot.store.run_read("SELECT * FROM outbox_batches")) == 1


def test_feedback_message_in_dutch_and_in_another_language() -> None:
    data = {
        "text": "We gaan meer uitleggen.",
        "sentences": ["informatie"],
        "translations": {"tr": "Daha çok anlatacağız."},
    }
    dutch = compose_feedback("nl", "School X", data)
    assert dutch == "\n\n".join(
        [
            t("nl", school_texts.FEEDBACK_HEADER, school="School X"),
            "We gaan meer uitleggen.",
            school_texts.SENTENCES["informatie"],
        ]
    )
    turkish = compose_feedback("tr", "School X", data)
    assert "Daha çok anlatacağız." in turkish
    assert turkish.endswith("We gaan meer uitleggen.\n\n" + school_texts.SENTENCES["informatie"])
    assert (
        len(
            compose_feedback(
                "tr",
                "S",
                {
                    "text": "x" * 1200,
                    "translations": {"tr": "y" * 1200},
                    "sentences": list(school_texts.SENTENCES),
                },
            )
        )
        <= 4096
    )
