"""Every word the bot says, as `N_()` constants in Dutch (the source language), by audience.

    parents.py   parents in a survey: joining, questions, answers, forgetting   (ouderstem)
    school.py    parents, from the school features: reminders, feedback, refusals (ouderstem)
    audio.py     parents, the 🔊 feature: what is read aloud, and its messages    (ouderstem)
    staff.py     school staff, brugfiguren, coordinators: invites, rounds, status (staff)
    reports.py   staff reading /rapport                                           (staff)
    dashboard.py staff in the dashboard (the Mini App) and about it in the chat   (staff)

In brackets: the catalog domain (`babel.cfg`), `bot/locales/<domain>.pot`. Parent texts are
translated into every language; staff texts are Dutch, other languages optional. Texts of the
reports themselves (tables, charts, exports) stay beside their code in `bot/reports/`.

Each module names `CATALOG_KEY`, the prefix of its texts' stable keys in the catalogs
(``#. key: texts.WELCOME``): the keys predate this package and must not change, or a reworded
text would lose its translation instead of carrying it over marked fuzzy.
"""
