"""What school staff, brugfiguren and coordinators read: Dutch only, extracted to the `staff`
catalog domain (babel `-k N_` over this file) so they can be translated later if needed.

Show with `say(TEXT, **placeholders)`. Never put a parent's answer or a chat id in a placeholder.
"""

from bot.i18n import N_, SOURCE_LANGUAGE, t

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "staff_texts"


def say(text: str, /, **placeholders: object) -> str:
    """A staff text, filled in (Dutch)."""
    return t(SOURCE_LANGUAGE, text, **placeholders)


# ---- roles and invites -----------------------------------------------------------------------
ROLE_NAMES = {
    "admin": N_("schoolbeheerder"),
    "team": N_("teamlid"),
    "brugfiguur": N_("brugfiguur"),
    "coordinator": N_("coördinator"),
}
ROLE_BUTTONS = {
    "admin": N_("Schoolbeheerder (directie, coördinator)"),
    "team": N_("Teamlid"),
    "team+": N_("Teamlid dat rapporten mag lezen"),
    "brugfiguur": N_("Brugfiguur"),
}
INVITE_INVALID = N_(
    "Deze uitnodiging werkt niet (meer). Misschien is ze al gebruikt of verlopen.\n"
    "Vraag een nieuwe uitnodiging aan wie u uitnodigde."
)
WELCOME = N_("Welkom! U bent nu {role} bij {place}.")
WHAT_ADMIN = N_(
    "Wat u kunt doen:\n"
    "/ronde – een bevraging starten\n"
    "/status – hoe loopt een ronde?\n"
    "/sluit – een ronde nu sluiten\n"
    "/terugkoppeling – ouders vertellen wat de school met hun antwoorden doet\n"
    "/uitnodigen – collega's of een brugfiguur uitnodigen\n"
    "/opnemen – vragen inspreken in een taal zonder stem\n"
    "/opnames – opnames van collega's goedkeuren\n"
    "/uren – wanneer ouders herinneringen en berichten krijgen"
)
WHAT_TEAM = N_("Start de school een teambevraging? Dan krijgt u hier de link.")
WHAT_FOLLOW = N_("/status – hoe loopt een ronde?")
OPEN_TEAM_ROUND = N_(
    "Er loopt nu een teambevraging, tot en met {date}. Doe mee via deze link:\n{link}"
)
PICK_SCHOOL = N_("Voor welke school?")
INVITE_PICK_ROLE = N_("Wie nodigt u uit voor {school}? Kies de rol.")
INVITE_READY = N_(
    "Stuur deze link naar de persoon die u uitnodigt als {role}:\n{link}\n\n"
    "De link werkt één keer, tot en met {date}. Stuur hem alleen naar die persoon."
)

# ---- /ronde ----------------------------------------------------------------------------------
FLOW_NAMES = {
    "barometer-ouders": N_("Barometer voor ouders"),
    "barometer-team": N_("Barometer voor het team"),
    "barometer-leerlingen": N_("Barometer voor leerlingen"),
    "dialoog": N_("Dialoog met ouders"),
    "dialoog-team": N_("Dialoog met het team"),
}
RONDE_FLOW = N_("Welke bevraging wilt u starten voor {school}?")
RONDE_TOPIC = N_("Over welk thema gaat de dialoog?")
NO_TOPIC = N_("Geen thema")
RONDE_GROUPS = N_(
    "Voor wie is de link?\nMet een eigen link per klas of graad kunt u later per groep opvolgen."
)
GROUPS_ALL = N_("Hele school")
GROUPS_TYPE = N_("Per klas of graad")
GROUPS_PREVIOUS = N_("Zoals vorige keer: {groups}")
RONDE_GROUP_NAMES = N_(
    "Typ de namen van de klassen of graden, met een komma ertussen.\n"
    "Bijvoorbeeld: 1A, 1B, 2de graad"
)
RONDE_EXPECTED = {
    "parents": N_(
        "Hoeveel gezinnen wilt u bereiken? Typ een getal. Zo ziet u later hoeveel procent meedeed."
    ),
    "team": N_("Hoeveel teamleden wilt u bereiken? Typ een getal."),
    "pupils": N_("Hoeveel leerlingen wilt u bereiken? Typ een getal."),
}
RONDE_EXPECTED_GROUPS = N_(
    "Hoeveel gezinnen per groep? Typ de getallen in dezelfde volgorde, met een komma ertussen:\n"
    "{groups}"
)
SKIP_EXPECTED = N_("Weet ik niet")
RONDE_CLOSES = N_("Tot wanneer kan men antwoorden?")
CLOSES_WEEKS = N_("{weeks} wk: tot {date}")
CLOSES_TYPE = N_("Andere datum")
RONDE_CLOSES_TYPE = N_("Typ de laatste dag, bijvoorbeeld {example}.")
RONDE_CONFIRM = N_("Klopt dit?\n\n{summary}")
SUMMARY_FLOW = N_("Bevraging: {flow}")
SUMMARY_TOPIC = N_("Thema: {topic}")
SUMMARY_GROUPS = N_("Voor: {groups}")
SUMMARY_EXPECTED = N_("Verwacht: {expected}")
SUMMARY_CLOSES = N_("Laatste dag: {date}")
UNKNOWN_VALUE = N_("niet opgegeven")
START = N_("Start de ronde")
CANCEL = N_("Annuleren")
CANCELLED = N_("Gestopt. Er is niets veranderd.")
RONDE_STARTED = N_(
    "De ronde is gestart. Men kan antwoorden tot en met {date}.\n\n"
    "{links}\n\n"
    "Hieronder de QR-code en de uitnodiging om af te drukken (PDF en PNG)."
)
TEAM_STARTED = N_(
    "De teambevraging is gestart, tot en met {date}.\n"
    "Link voor het team:\n{link}\n\n"
    "{count} teamleden krijgen de link ook van mij."
)
RONDE_FILES_FAILED = N_(
    "De ronde is geopend. Men kan antwoorden tot en met {date}.\n\n"
    "{links}\n\n"
    "Het versturen van de QR-code of de uitnodiging lukte niet. Open de ronde niet opnieuw: "
    "tik op de knop om de bestanden nog eens te krijgen."
)
RESEND_FILES = N_("Bestanden opnieuw sturen")
WHOLE_SCHOOL = N_("Hele school")
INPUT_ERRORS = {
    "groups_empty": N_("Ik vond geen namen. Typ bijvoorbeeld: 1A, 1B, 2A"),
    "groups_too_many": N_("Dat zijn te veel groepen. Het kan met hoogstens 12."),
    "group_name_long": N_("Een naam is te lang. Houd elke naam kort, zoals 1A of 2de graad."),
    "groups_double": N_("Een naam staat er twee keer in. Geef elke groep een andere naam."),
    "group_name_hidden": N_(
        "Een naam bevat een onzichtbaar teken. Typ de namen opnieuw, zonder te kopiëren."
    ),
    "expected_count": N_("Typ één getal per groep, met een komma ertussen."),
    "expected_range": N_("Dat getal klopt niet. Typ een getal vanaf 1."),
    "date_format": N_("Die datum begrijp ik niet. Typ bijvoorbeeld 15-12-2026."),
    "date_past": N_("Die dag is al voorbij. Kies een dag na vandaag."),
    "date_far": N_("Die dag ligt te ver weg. Kies een dag binnen vier maanden."),
}
BUTTON_OLD = N_("Deze knop hoort bij een eerdere vraag.")

# ---- the invitation for the team (the parents' invitation is in bot/texts/school.py) ---------
INVITATION_TITLE_TEAM = N_("Teambevraging")
INVITATION_TEXT_TEAM = N_(
    "Hoe zien wij de samenwerking met ouders? Scan de QR-code en vul de barometer in.\n"
    "Het is anoniem. Dat kan tot en met {date}."
)
# The team's dialogue names itself on its page (title, text); other team flows the ones above.
INVITATIONS_TEAM = {
    "dialoog-team": (
        FLOW_NAMES["dialoog-team"],
        N_(
            "Hoe werken wij samen met ouders? Scan de QR-code en vertel uw ervaring in de "
            "dialoog.\nNiemand ziet wie wat antwoordt. Dat kan tot en met {date}."
        ),
    ),
}
INVITATION_GROUP = N_("Voor: {group}")

# ---- /status and /sluit ----------------------------------------------------------------------
PICK_ROUND = N_("Welke ronde?")
NO_ROUNDS = N_("Er zijn nog geen rondes.")
NO_OPEN_ROUNDS = N_("Er is geen open ronde.")
ROUND_LABEL_OPEN = N_("{flow} · tot {date}")
ROUND_LABEL_CLOSED = N_("{flow} · gesloten")
STATUS_HEAD = N_("{flow} – {school}")
STATUS_OPEN = N_("Open tot en met {date}: nog {days} dagen.")
STATUS_LAST_DAY = N_("Open tot en met vandaag.")
STATUS_CLOSED = N_("Gesloten op {date}.")
STATUS_TOTAL = N_("Begonnen: {started}. Helemaal ingevuld: {completed} ({rate}).")
STATUS_RESPONSE = N_("Verwacht: {expected}. Respons: {rate}.")
STATUS_BY_GROUP = N_("Per groep:")
STATUS_BY_LANGUAGE = N_("Per taal:")
STATUS_CELL = N_("{name}: {started} begonnen, {completed} klaar")
STATUS_CELL_EXPECTED = N_("{name}: {started} begonnen, {completed} klaar, van {expected} ({rate})")
STATUS_SMALL = N_("{name}: minder dan {minimum}")
STATUS_HIDDEN = N_("{name}: niet getoond")
STATUS_OTHER_LANGUAGES = N_("andere talen")
NO_GROUP = N_("zonder klaslink")
STATUS_PRIVACY = N_("Groepen met minder dan {minimum} mensen tonen geen aantallen.")
SLUIT_CONFIRM = N_("Wilt u deze ronde nu sluiten?\n{label}\nDaarna kan niemand meer antwoorden.")
SLUIT_YES = N_("Ja, sluiten")
SLUIT_NO = N_("Nee")
SLUIT_DONE = N_(
    "De ronde is gesloten. {started} mensen begonnen, {completed} vulden alles in.\n"
    "Vertel ouders wat de school ermee doet: /terugkoppeling"
)
SLUIT_ALREADY = N_("Deze ronde is al gesloten.")

# ---- /terugkoppeling -------------------------------------------------------------------------
FEEDBACK_PICK_ROUND = N_("Over welke ronde wilt u ouders iets vertellen?")
FEEDBACK_NOBODY = N_("Niemand deed mee aan deze ronde. Er is niemand om een bericht te sturen.")
FEEDBACK_WRITE = N_(
    "Schrijf in het Nederlands wat er uit de bevraging kwam en wat de school ermee gaat doen.\n"
    "Kort en eenvoudig, zodat iedereen het begrijpt. Ik zet er zelf een begroeting boven.\n"
    "U kunt ook alleen standaardzinnen kiezen: die zijn al vertaald."
)
FEEDBACK_TOO_LONG = N_("Dat is te lang: hoogstens {limit} tekens, alstublieft.")
FEEDBACK_MENU = N_(
    "Zo ziet een Nederlandstalige ouder het bericht:\n\n{preview}\n\n"
    "{count} mensen krijgen het, in het Nederlands en in hun eigen taal.\n"
    "Vertalingen: {translations}."
)
FEEDBACK_NO_TRANSLATIONS = N_("geen (anderstaligen krijgen de standaardzinnen in hun taal)")
ADD_SENTENCES = N_("Standaardzinnen kiezen")
ADD_TRANSLATION = N_("Vertaling toevoegen")
SEND = N_("Versturen")
DONE = N_("Klaar")
FEEDBACK_SENTENCES = N_("Tik op de zinnen die u wilt toevoegen. Ze zijn vertaald in elke taal.")
FEEDBACK_PICK_LANGUAGE = N_("Voor welke taal hebt u een vertaling?")
FEEDBACK_TYPE_TRANSLATION = N_("Plak of typ de vertaling in het {language}.")
FEEDBACK_NEED_TEXT = N_("Schrijf eerst een tekst of kies een standaardzin.")
FEEDBACK_CONFIRM = N_(
    "Het bericht gaat naar {count} mensen. Dat kan niet ongedaan worden gemaakt. Versturen?"
)
FEEDBACK_YES = N_("Ja, versturen")
FEEDBACK_QUEUED = N_(
    "Het bericht wordt verstuurd naar {count} mensen. Als het klaar is, krijgt u de uitslag."
)
FEEDBACK_RESULT_BUTTON = N_("Stand van het versturen")
FEEDBACK_RESULT = N_(
    "Terugkoppeling over {round}:\n"
    "{sent} verstuurd, {waiting} nog bezig,\n"
    "{blocked} niet bereikbaar (zij hebben de bot gestopt),\n"
    "{failed} mislukt, {unknown} onzeker (misschien aangekomen, niet opnieuw gestuurd)."
)

# ---- messages the outbox carries to staff ----------------------------------------------------
TEAM_LINK = N_(
    "{school} vraagt het team: hoe zien wij de samenwerking met ouders?\n"
    "Vul de barometer in, tot en met {date}. Het is anoniem.\n{link}"
)
# The team's dialogue (open questions, not a barometer) has its own words; other flows TEAM_LINK.
TEAM_LINKS = {
    "dialoog-team": N_(
        "{school} vraagt het team: hoe werken wij samen met ouders?\n"
        "Vertel uw ervaring in de dialoog, tot en met {date}. Niemand ziet wie wat antwoordt.\n"
        "{link}"
    ),
}
TEAM_REMINDER = N_(
    "Herinnering: de teambevraging van {school} loopt nog tot en met {date}. Doet u mee?\n{link}"
)

# ---- /opnemen and /opnames: questions recorded by staff (bot/tg/school/recordings.py) ---------
RECORD_PICK_FLOW = N_("Vragen inspreken. Welke vragenlijst?")
RECORD_PICK_LANGUAGE = N_("In welke taal spreekt u de vragen in?")
RECORD_QUESTION = N_(
    "Vraag {number} van {total}, in het {language}:\n\n{text}\n\n"
    "In het Nederlands: {dutch}\n\n"
    "Stuur een spraakbericht. Lees de vraag voor en daarna de antwoorden."
)
RECORD_SKIP = N_("Overslaan")
RECORD_STOP = N_("Stoppen")
RECORD_TOO_BIG = N_("Dit spraakbericht is te lang. Spreek de vraag korter in.")
RECORD_NOT_OPUS = N_("Dit geluid kan de bot niet gebruiken. Stuur een gewoon spraakbericht.")
RECORD_SAVED = N_("Opgeslagen. Een collega moet de opname nog goedkeuren.")
RECORD_DONE = N_(
    "Klaar. {count} opname(s) wachten op goedkeuring.\n"
    "Een collega van uw school keurt ze goed met /opnames."
)
REVIEW_NONE = N_("Er wachten geen opnames op uw goedkeuring.")
REVIEW_ITEM = N_("Opname van {who}: {flow}, {language}, vraag {number}.\n{text}")
REVIEW_APPROVE = N_("Goedkeuren")
REVIEW_REJECT = N_("Afwijzen")
REVIEW_APPROVED = N_("Goedgekeurd. Ouders horen nu deze opname.")
REVIEW_REJECTED = N_("Afgewezen. Ouders horen deze opname niet.")
REVIEW_OWN = N_("U sprak deze opname zelf in. Een collega moet ze goedkeuren.")
REVIEW_DECIDED = N_("Over deze opname is al beslist.")

# ---- /uren: when families get reminders and feedback (bot/tg/school/hours.py) ---------------
HOURS_NOW = N_("Herinneringen en berichten van {school} komen van {start} tot {end}.")
HOURS_ALWAYS = N_("Herinneringen en berichten van {school} komen op elk moment.")
HOURS_OWN = N_("Uw school koos deze uren zelf.")
HOURS_DEFAULT = N_("Dat zijn de gewone uren.")
HOURS_SUNDAY = N_("Op zondag komen ze nooit.")
HOURS_CHOOSE = N_("Andere uren? Kies hieronder.")
HOURS_BUTTON = N_("{start} tot {end}")
HOURS_BUTTON_DEFAULT = N_("Gewone uren: {start} tot {end}")
HOURS_TYPE_BUTTON = N_("Andere uren typen")
HOURS_TYPE = N_("Typ het begin en het einde, bijvoorbeeld {example}.")
HOURS_SAVED = N_("Goed, dat is bewaard.")
HOURS_BAD = N_("Die uren begrijp ik niet. Typ het begin en het einde, bijvoorbeeld {example}.")
