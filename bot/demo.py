"""`ouderstem demo`: a whole round offline, through the real bot, in a fresh database.

A demo school opens a parents' barometer round (and a team round); simulated parents in several
languages follow the link, choose their language and answer through the real PTB Application,
talking to the in-process Bot API (`bot.tg.stub_api`) instead of Telegram. What was stored is
then printed, and the report layer writes its files. Without `--database` the demo works in a
temporary folder and removes it (the database with its -wal and -shm files) at the end.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import new_token
from bot.config import Settings
from bot.engine import FACES
from bot.flow_model import DONT_KNOW, SCALE_VALUES, get_flow
from bot.store import ReportSource, Store, open_store
from bot.tg.app import build_application
from bot.tg.deps import Deps
from bot.tg.stub_api import SimulatedUser, StubBotApi, button_labels

# The language mix of a Ghent primary school with a brugfiguur (question-bank.md): Dutch, then
# Turkish, Bulgarian, Slovak, Arabic, Polish, Romanian, ...
LANGUAGE_MIX = {
    "nl": 30,
    "tr": 18,
    "bg": 12,
    "sk": 8,
    "ar": 10,
    "pl": 6,
    "ro": 6,
    "uk": 4,
    "fa": 3,
    "so": 3,
}
OPEN_ANSWERS = {
    "nl": [
        "De juf is heel vriendelijk.",
        "Meer uitleg over huiswerk graag.",
        "Ik wil vaker horen hoe het gaat.",
    ],
    "tr": ["Öğretmen çok nazik.", "Daha fazla bilgi istiyorum."],
    "ar": ["المعلمة لطيفة جدا.", "أريد معلومات أكثر عن الواجبات."],
}


async def run_demo(
    parents: int = 40, database: str | None = None, out: Path = Path("demo-output"), seed: int = 7
) -> None:
    temporary = None if database else Path(tempfile.mkdtemp(prefix="ouderstem-demo-"))
    path = Path(database) if database else Path(temporary or ".") / "demo.db"
    try:
        await _demo(parents, path, out, seed, keep=temporary is None)
    finally:
        if temporary is not None:  # the database and its -wal and -shm files
            shutil.rmtree(temporary, ignore_errors=True)


async def _demo(parents: int, path: Path, out: Path, seed: int, *, keep: bool) -> None:
    rng = random.Random(seed)
    settings = Settings.model_validate(
        {"TELEGRAM_BOT_TOKEN": "123456:DEMO", "OUDERSTEM_DB": str(path)}
    )
    store: Store = open_store(path)
    await store.open()
    api = StubBotApi(username=settings.bot_username, record_calls=False)
    deps = Deps(settings=settings, store=store)
    application = build_application(deps, request=api.request(), rate_limit=False)
    await application.initialize()
    try:
        now = datetime.now(UTC)
        school = await store.add_school("Basisschool De Regenboog (demo)", now)
        flow = get_flow("barometer-ouders")
        parents_round = await store.open_round(
            school_id=school.id,
            flow_id=flow.id,
            flow_version=flow.version,
            audience=flow.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=14),
            expected=parents + parents // 2,
        )
        team_flow = get_flow("barometer-team")
        team_round = await store.open_round(
            school_id=school.id,
            flow_id=team_flow.id,
            flow_version=team_flow.version,
            audience=team_flow.audience.value,
            token=new_token(),
            at=now,
            closes_at=now + timedelta(days=14),
            expected=20,
        )
        print(f"Demo school {school.id}: {school.name}")
        print(
            f"Parents' round {parents_round.id}: https://t.me/{settings.bot_username}?start={parents_round.start_token}"
        )

        languages = rng.choices(list(LANGUAGE_MIX), weights=list(LANGUAGE_MIX.values()), k=parents)
        finished = 0
        for number, language in enumerate(languages, start=1):
            user = SimulatedUser(application, api, user_id=10_000 + number, language_code=language)
            leaning = rng.choice([2, 3, 4, 4, 5])
            stops_early = rng.random() < 0.12
            finished += await _answer_round(
                user, parents_round.start_token, language, leaning, stops_early, rng
            )
        team_finished = 0
        for number in range(15):
            user = SimulatedUser(application, api, user_id=90_000 + number, language_code="nl")
            team_finished += await _answer_round(
                user, team_round.start_token, "nl", rng.choice([3, 4, 4, 5]), False, rng
            )

        counts = await store.count_respondents(parents_round.id)
        answers = await store.run_read(
            "SELECT COUNT(*) FROM answers WHERE round_id = ?", (parents_round.id,)
        )
        per_language = await store.run_read(
            "SELECT language, COUNT(*) FROM respondents WHERE round_id = ? GROUP BY language ORDER BY 2 DESC",
            (parents_round.id,),
        )
        print(
            f"\n{parents} parents and 15 team members took part through the real bot "
            f"({finished} parents and {team_finished} team members finished)."
        )
        print(
            f"Stored for the parents' round: {answers[0][0]} answers; respondents by status: {counts}"
        )
        print(
            f"Respondents in {len(per_language)} languages: "
            + ", ".join(f"{lang} {n}" for lang, n in per_language)
        )
        integrity = await store.integrity_check()
        kept = "" if keep else ", temporary: removed at the end"
        print(f"Database: {path} (integrity: {integrity}{kept})")
        await application.shutdown()
        await _report(store, parents_round.id, out)
    finally:  # an error (or a closed pipe) must not leave the store's threads running
        await application.shutdown()  # a no-op when already shut down
        await store.close()


async def _answer_round(
    user: SimulatedUser,
    token: str,
    language: str,
    leaning: int,
    stops_early: bool,
    rng: random.Random,
) -> int:
    """Play one person through a flow by pressing the buttons they are shown. 1 if finished."""
    await user.command("/start", token)
    keyboard = user.last_with_keyboard()
    if keyboard is not None and any(label.startswith("✅") for label in button_labels(keyboard)):
        await user.press("✅")
    for _ in range(80):
        message = user.last_with_keyboard()
        text = user.last_text()
        if "{" not in text and message is None:
            return 1
        labels = button_labels(message) if message else []
        if stops_early and rng.random() < 0.15:
            await user.command("/stop")
            return 0
        faces = [FACES[v] for v in SCALE_VALUES]
        if faces[0] in labels:
            if rng.random() < 0.07:
                await user.press(FACES[DONT_KNOW])
            else:
                score = max(1, min(5, round(rng.gauss(leaning, 0.9))))
                await user.press(faces[score - 1])
        elif (
            message is not None
            and message is user.all_messages()[-1]
            and not any(f in labels for f in faces)
        ):
            answers = OPEN_ANSWERS.get(language)
            if answers and rng.random() < 0.6:
                await user.text(rng.choice(answers))
            else:
                await user.press("⏭️")
        else:
            return 1
    return 0


async def _report(store: ReportSource, round_id: int, out: Path) -> None:
    """Print the report summary and write its PDF and PNG files, when the report layer is there."""
    try:
        from bot.reports import ReportOptions, build_round_report, export, summary_text
        from bot.reports.charts import charts
    except ImportError:
        return
    report = await build_round_report(store, round_id, ReportOptions())
    print("\n" + summary_text(report))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.pdf").write_bytes(export(report, "pdf"))
    for name, png in charts(report):
        (out / (name if name.endswith(".png") else f"{name}.png")).write_bytes(png)
    print(f"\nReport files written to {out}/ (report.pdf and the charts as PNG)")
