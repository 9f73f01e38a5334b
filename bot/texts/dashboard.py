"""What staff read in the dashboard (the Telegram Mini App, bot/web/dashboard/) and about it in
the chat: Dutch only, extracted to the `staff` catalog domain like staff.py and reports.py.

The page itself holds no words: the server sends these, filled in, with the page and the data.
Report texts (figure labels, the hidden mark, tips) come from `bot/reports/` as in the chat.
"""

from bot.i18n import N_

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "staff_dashboard_texts"

# ---- in the chat -----------------------------------------------------------------------------
OPEN_BUTTON = N_("📊 Open het dashboard")
MENU_BUTTON = N_("Rapporten")
HELP_WITH = N_("📊 Het dashboard met grafieken opent u met de menuknop of onder /rapport.")
HELP_WITHOUT = N_(
    "Het dashboard met grafieken is op deze server niet ingesteld (OUDERSTEM_PUBLIC_URL): "
    "/rapport toont het rapport in de chat."
)

# ---- the page --------------------------------------------------------------------------------
PAGE_TITLE = N_("Ouderstem: rapporten")
LOADING = N_("Even geduld, het rapport wordt geladen…")
PICK_SCHOOL = N_("School")
PICK_ROUND = N_("Ronde")
ROUND_OPTION = N_("{label} · ronde {number}")
OVERVIEW_CHOICE = N_("Al mijn scholen naast elkaar")
SKIP_TO = N_("Ga naar")
HIDDEN_LEGEND = N_("– = niet getoond: te weinig antwoorden om niemand herkenbaar te maken.")
NOT_FROM_TELEGRAM = N_(
    "Deze pagina werkt alleen vanuit Telegram. Open ze met de knop onder /rapport of met de "
    "menuknop van de bot."
)
EXPIRED = N_("Deze pagina was te lang open. Sluit ze en open ze opnieuw vanuit Telegram.")
FORBIDDEN = N_("U mag dit rapport niet bekijken. Kies een school en ronde uit de lijst.")
NOTHING = N_("Er zijn geen rapporten die u mag bekijken.")
FAILED = N_("Er ging iets mis. Probeer het straks opnieuw.")
NO_ROUNDS = N_("Deze school heeft nog geen ronde.")

# ---- sections --------------------------------------------------------------------------------
SECTION_PARTICIPATION = N_("Deelname")
SECTION_THEMES = N_("Thema's")
SECTION_STATEMENTS = N_("Alle uitspraken, van sterk naar zwak")
SECTION_CHOICES = N_("Keuzevragen")
SECTION_TEAM = N_("Ouders naast het team")
SECTION_TREND = N_("Deze ronde naast de vorige")
SECTION_STARS = N_("Vijf sterren")
SECTION_GOALS = N_("Zeven operationele doelstellingen")
SECTION_MATRIX = N_("Betrokkenheid")
SECTION_OPEN = N_("Open antwoorden")
SECTION_TIPS = N_("Om samen over na te denken")
SECTION_DOWNLOADS = N_("Downloaden")
SECTION_OVERVIEW = N_("Scholen naast elkaar")
SECTION_CENTRE = N_("Het centrum samen")

# ---- tables and charts -----------------------------------------------------------------------
COL_GROUP = N_("Klas")
COL_LANGUAGE = N_("Taal")
COL_STARTED = N_("Begonnen")
COL_COMPLETED = N_("Ingevuld")
COL_EXPECTED = N_("Verwacht")
COL_REACHED = N_("Bereikt")
COL_THEME = N_("Thema")
COL_STATEMENT = N_("Uitspraak")
COL_MEAN = N_("Gemiddelde")
COL_POSITIVE = N_("Eerder ja of ja")
COL_ANSWERS = N_("Antwoorden")
COL_NOW = N_("Nu")
COL_BEFORE = N_("Vorige")
COL_CHANGE = N_("Verschil")
COL_GAP = N_("Verschil met ouders")
COL_SCHOOL = N_("School")
COL_OPTION = N_("Antwoord")
MEAN_OF = N_("gemiddelde {mean} op 5")
FACES_CHART = N_("Antwoorden per gezichtje: {title}")
MEANS_CHART = N_("Gemiddelde per thema, van 1 (nee) tot 5 (ja)")
PARTICIPATION_CHART = N_("Deelname per klas: begonnen tegen verwacht")
GAP_CHART = N_("Ouders en team per thema, gemiddelde van 1 tot 5")
TREND_CHART = N_("Gemiddelde per thema, nu en de vorige ronde")
SCHOOLS_CHART = N_("Gemiddelde per thema, de scholen naast elkaar (1 = nee, 5 = ja)")
MATRIX_CHART = N_("Betrokkenheid: gemiddelde per lijn en niveau (kleur en cijfer)")
NOT_ASKED = N_("niet gevraagd")
TOTAL = N_("Samen")
DOWNLOAD_NOTE = N_("Het bestand wordt in deze chat gestuurd.")
DOWNLOAD_LABEL = N_("Het rapport als {format} naar de chat met de bot sturen")
DOWNLOAD_SENT = N_("Verstuurd: kijk in de chat met de bot.")
