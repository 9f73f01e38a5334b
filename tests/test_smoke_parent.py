"""A parent answers the whole parents' barometer through the real bot; every answer is stored."""

from bot.tg.stub_api import button_labels


async def test_parent_completes_barometer(bot):
    _, opened = await bot.school_and_round()
    parent = bot.user(language_code="nl")
    replies = await parent.command("/start", opened.start_token)
    assert "taal" in replies[-1]["text"]
    replies = await parent.press("Nederlands")
    assert any("De school ziet niet wie wat antwoordt." in m["text"] for m in replies)
    assert replies[-1]["text"].startswith("Vraag 1 van 30")
    for _ in range(29):
        await parent.press("🙂")
    replies = await parent.text("Een warme school.")
    assert "Bedankt" in replies[-1]["text"]
    rows = await bot.store.run_read(
        "SELECT question_id, value, text FROM answers ORDER BY question_id"
    )
    assert len(rows) == 30
    assert sum(1 for r in rows if r[1] == "4") == 29
    assert ("opmerking", None, "Een warme school.") in rows
    assert button_labels(replies[-1]) == []
