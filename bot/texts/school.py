"""Parent-facing words of the school features: reminders, feedback, the invitation, refusals.

Dutch (the source language), plain A2: short sentences, one idea each, polite "u" (pupils: "je").
These are translated into every language of `bot.i18n.LANGUAGES`; keep them few and short, and
keep every {placeholder} identical in each translation. Show with `bot.i18n.t(language, TEXT)`.
"""

from bot.i18n import N_

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "school_texts"

# ---- refusals --------------------------------------------------------------------------------
# The one answer to anyone who may not use a staff command: it says nothing about schools.
NOT_FOR_YOU = N_("Sorry, dit kan ik niet voor u doen. Typ /help om te zien wat u wel kunt doen.")
PRIVATE_ONLY = N_("Dit werkt alleen in een apart gesprek met mij.")

# ---- reminders -------------------------------------------------------------------------------
REMINDER = N_(
    "Hallo! U bent begonnen met de vragen van {school}. Wilt u ze afmaken?\n"
    "Dat kan tot en met {date}. Tik op Verder.\n"
    "Geen herinneringen meer? Typ /geenherinnering."
)
NO_REMINDERS = N_(
    "Goed. U krijgt geen herinneringen meer.\n"
    "Berichten van de school over de resultaten krijgt u wel."
)
REMINDERS_ON_BUTTON = N_("Toch herinneringen krijgen")
REMINDERS_ON = N_("Goed. U krijgt weer herinneringen.")
CMD_GEENHERINNERING = N_("Geen herinneringen meer")

# ---- feedback to parents ("you said, we did") ------------------------------------------------
FEEDBACK_HEADER = N_("Bericht van {school} over de vragenlijst. Bedankt dat u meedeed!")
FEEDBACK_IN_DUTCH = N_("De school schreef in het Nederlands:")

# Standard sentences a school may add, per theme of the flows (ids as in bot/flows/*.yaml).
SENTENCES = {
    "welkom": N_("U vroeg om een warmer welkom. Wij gaan ouders vaker persoonlijk begroeten."),
    "informatie": N_("U vroeg om duidelijke berichten. Wij gaan korter en eenvoudiger schrijven."),
    "leren": N_("U wilt weten wat uw kind leert. Wij geven u vaker tips om thuis samen te leren."),
    "inspraak": N_("U wilt meer meepraten. Wij gaan ouders vaker om hun mening vragen."),
    "steun": N_(
        "Sommige gezinnen willen meer steun. Wij zeggen u waar u hulp vindt. Vraag het ons gerust."
    ),
    "samen": N_(
        "U wilt andere ouders leren kennen. Wij maken meer momenten om elkaar te ontmoeten."
    ),
    "vertrouwen": N_("U wilt gemakkelijk met ons praten. U kunt altijd een afspraak maken."),
    "partnerschap": N_(
        "Bedankt voor uw verhalen. Wij bespreken ze met het team. Daarna zeggen we wat we eerst doen."
    ),
}

# ---- the printed invitation ------------------------------------------------------------------
INVITATION_TITLE = N_("Uw mening telt!")
INVITATION_TEXT = N_(
    "{school} wil weten hoe het gaat tussen school en ouders.\n"
    "Scan de QR-code met uw telefoon. U antwoordt in Telegram, in uw eigen taal.\n"
    "De school ziet uw naam niet.\n"
    "Dat kan tot en met {date}."
)
INVITATION_TITLE_PUPILS = N_("Jouw mening telt!")
INVITATION_TEXT_PUPILS = N_(
    "{school} wil weten hoe jij school en ouders ziet.\n"
    "Scan de QR-code met je telefoon. Je antwoordt in Telegram.\n"
    "De school ziet je naam niet.\n"
    "Dat kan tot en met {date}."
)
