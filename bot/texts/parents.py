"""The bot's own words to parents, in Dutch (the source language), marked for the catalogs.

Plain language, level A2: short sentences, one idea each, polite "u". Translations live in
`locales/<lang>/LC_MESSAGES/ouderstem.po`; show a text with `bot.i18n.t(language, TEXT, ...)`.
Placeholders in {braces} must stay identical in every translation (a test checks it).
"""

from bot.i18n import N_, NP_

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "texts"

# ---- joining ---------------------------------------------------------------------------------
CHOOSE_LANGUAGE = N_("In welke taal wilt u antwoorden?")
CONFIRM_LANGUAGE = N_("Wilt u verder in het Nederlands?")
OTHER_LANGUAGE = N_("Andere taal")
LANGUAGE_SET = N_("Goed. We gaan verder in het Nederlands.")
WELCOME = N_("Hallo! Een bericht van {school}.")
# The welcome ends with "⏱️ " and this, the time the flow takes.
DURATION = NP_("{n} minuut", "{n} minuten")
TOPIC_LINE = N_("Het thema is: {topic}")
UNKNOWN_TOKEN = N_(
    "Deze link ken ik niet. Misschien is hij niet helemaal goed overgenomen.\n"
    "Vraag de school om de juiste link of QR-code."
)
NO_TOKEN = N_(
    "Hallo! Ik ben Ouderstem. Ik stel vragen van de school van uw kind.\n"
    "Open de link of scan de QR-code van de school."
)
ROUND_CLOSED = N_(
    "Deze vragenlijst is gesloten. U kunt niet meer antwoorden.\nBedankt dat u wilde meedoen!"
)
ROUND_CLOSED_MIDWAY = N_(
    "Deze vragenlijst is intussen gesloten. Uw antwoorden tot nu toe zijn bewaard.\n"
    "Bedankt voor uw hulp!"
)
ALREADY_DONE = N_("U hebt deze vragenlijst al ingevuld. Bedankt! U hoeft niets meer te doen.")
WELCOME_BACK = N_("Welkom terug! We gaan verder waar u was.")

# ---- questions -------------------------------------------------------------------------------
PROGRESS = N_("Vraag {number} van {total}")
DONT_KNOW = N_("Weet ik niet")
YES = N_("Ja")
NO = N_("Nee")
BACK = N_("Vorige")
SKIP = N_("Overslaan")
DONE = N_("Klaar")
DUTCH_ORIGINAL = N_("Nederlands")
LISTEN = N_("Luisteren")
OPEN_HINT = N_(
    "Typ uw antwoord. Of stuur een spraakbericht.\n"
    "Let op: de school kan een stem soms herkennen. Wilt u dat niemand weet wie u bent? Typ dan."
)
# Shown with the open question (not when it is asked again): a voice answer reaches a person.
VOICE_HEARD = N_(
    "De brugfiguur kan uw spraakbericht beluisteren. Dat is de contactpersoon voor ouders op "
    "school. Liever niet? Typ dan uw antwoord."
)
MULTI_HINT = N_("Kies één of meer antwoorden. Tik daarna op Klaar.")
PREVIOUS_ANSWER = N_("Uw vorige antwoord: {answer}")
CHOSEN = N_("Uw antwoord: {answer}")
DUTCH_ORIGINAL_IS = N_("In het Nederlands:")
SKIPPED = N_("Overgeslagen")

# ---- help when an answer cannot be used ------------------------------------------------------
REPAIR_SCALE = N_(
    "Tik op een gezichtje. Of typ een cijfer:\n"
    "1 = 😞 helemaal niet\n"
    "2 = 🙁 niet zo\n"
    "3 = 😐 half ja, half nee\n"
    "4 = 🙂 ja\n"
    "5 = 😄 ja, heel erg\n"
    "Weet u het niet? Tik op 🤷."
)
REPAIR_CHOICE = N_("Tik op een antwoord. Of typ het nummer van uw antwoord.")
REPAIR_OPEN = N_("Typ een paar woorden. Of stuur een spraakbericht. Of tik op Overslaan.")
REJECT_NEED_CHOICE = N_("Tik op een van de knoppen onder de vraag, alstublieft.")
REJECT_NOT_AN_OPTION = N_("Dat antwoord ken ik niet. Tik op een knop, alstublieft.")
REJECT_STALE = N_("Die knop hoort bij een andere vraag. Hier is de vraag waar u nu bent.")
REJECT_NEED_SELECTION = N_("Kies eerst minstens één antwoord. Tik daarna op Klaar.")
REJECT_NOT_OPTIONAL = N_("Deze vraag is belangrijk. Tik op een antwoord, of op 🤷 Weet ik niet.")
REJECT_EMPTY = N_("Ik kreeg geen tekst. Typ uw antwoord, alstublieft.")
REJECT_AGAIN = N_("Geen probleem. Probeer het nog eens, of sla de vraag over.")
REJECT_AGAIN_FACES = N_("Geen probleem. Probeer het nog eens, of tik op 🤷 Weet ik niet.")
SAVED = N_("Opgeslagen ✅")  # the toast on a re-tap of an answer already stored
UNSUPPORTED = N_("Dit kan ik niet lezen. Ik begrijp alleen tekst, knoppen en spraakberichten.")
FORWARDED = N_(
    "Een doorgestuurd bericht kan ik niet gebruiken. Typ uw eigen antwoord, alstublieft."
)
EDITED = N_(
    "Ik zie dat u een bericht hebt veranderd. Dat kan ik niet gebruiken.\n"
    "Wilt u een antwoord veranderen? Tik op Vorige."
)
TRUNCATED = N_("Uw antwoord was heel lang. Ik heb de eerste {limit} tekens bewaard. Bedankt!")
VOICE_THANKS = N_("Uw spraakbericht is bewaard. Bedankt!")
NOTHING_ACTIVE = N_(
    "U hebt nu geen vragenlijst open.\n"
    "Wilt u beginnen? Open de link of scan de QR-code van de school."
)

# ---- the end ---------------------------------------------------------------------------------
FEEDBACK_AFTER = N_("na {date}")
FEEDBACK_SOON = N_("binnenkort")

# ---- commands --------------------------------------------------------------------------------
HELP = N_(
    "Ouderstem stelt korte vragen van de school van uw kind.\n"
    "Tik op een knop om te antwoorden.\n\n"
    "/stop – pauzeren, later verdergaan\n"
    "/taal – een andere taal kiezen\n"
    "/vergeet – al uw antwoorden wissen\n"
    "/voorlezen – elke vraag ook voorlezen\n"
    "/help – deze uitleg"
)
PAUSED = N_(
    "Even pauze. Uw antwoorden zijn bewaard.\n"
    "Wilt u verdergaan? Stuur een bericht of tik op Verder."
)
CONTINUE = N_("Verder")
FORGET_CONFIRM = N_("Wilt u al uw antwoorden wissen? Daarna zijn ze voor altijd weg.")
FORGET_YES = N_("Ja, wis alles")
FORGET_NO = N_("Nee, niet wissen")
FORGOTTEN = N_("Alles is gewist. De school ziet uw antwoorden niet meer. Tot ziens!")
NOT_FORGOTTEN = N_("Goed, er is niets gewist.")
UNKNOWN_COMMAND = N_("Dat ken ik niet. Typ /help voor hulp.")
GROUP_CHAT = N_(
    "Ik stel mijn vragen alleen in een apart gesprek met u.\n"
    "Zo blijven uw antwoorden privé. Tik op de knop om dat gesprek te openen."
)
OPEN_PRIVATE = N_("Open gesprek met mij")
ERROR = N_("Sorry, er ging iets mis. Probeer het zo nog eens. Uw antwoorden zijn bewaard.")
BUTTON_EXPIRED = N_("Deze knop werkt niet meer.")

# ---- command menu (setMyCommands) ------------------------------------------------------------
CMD_HELP = N_("Hulp en uitleg")
CMD_STOP = N_("Pauzeren, later verdergaan")
CMD_TAAL = N_("Een andere taal kiezen")
CMD_VERGEET = N_("Al mijn antwoorden wissen")
CMD_VOORLEZEN = N_("Elke vraag voorlezen, aan of uit")
BOT_DESCRIPTION = N_(
    "Ouderstem: geef de school van uw kind uw mening, in uw taal. "
    "Zonder uw naam, kort, met één tik per vraag."
)
BOT_SHORT_DESCRIPTION = N_("Geef de school uw mening, in uw eigen taal.")
