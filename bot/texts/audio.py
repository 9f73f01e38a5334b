"""The words of the 🔊 feature, in Dutch (the source language), marked for the catalogs.

Two kinds of text live here. Spoken texts (`*_SPOKEN`) are read aloud after the question by the
speech synthesiser: no emoji, no symbols, digits for the numbers (the voice says them in the
listener's language), each sentence ending in a full stop so the voice pauses. The other texts are
ordinary chat messages. Plain language, level A2: short sentences, one idea each, polite "u".
Placeholders in {braces} must stay identical in every translation.

Texts the feature shares with the rest of the bot (the 🔊 button's label `texts.LISTEN`, the
caption `texts.PROGRESS`, the open question's `texts.OPEN_HINT`) stay in `bot.texts`.
"""

from bot.i18n import N_

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "audio_texts"

# ---- read aloud after the question -----------------------------------------------------------
# Translators: read aloud after a question with five faces. Keep the digits 1 to 5, keep the
# words the same as in the help text "Tik op een gezichtje. Of typ een cijfer".
SCALE_SPOKEN = N_(
    "Kies een gezichtje. "
    "1: helemaal niet. 2: niet zo. 3: half ja, half nee. 4: ja. 5: ja, heel erg. "
    "Weet u het niet? Kies dan: weet ik niet."
)
# Translators: read aloud after a yes/no question.
YESNO_SPOKEN = N_("Kies ja of nee.")
# Translators: read aloud before the numbered answers of a question with one answer.
CHOICE_SPOKEN = N_("Kies één antwoord.")
# Translators: read aloud before the numbered answers of a question with more answers.
MULTI_SPOKEN = N_("Kies één of meer antwoorden.")
# Translators: read aloud after the answers of a question with more answers.
MULTI_DONE_SPOKEN = N_("Tik daarna op Klaar.")

# ---- messages --------------------------------------------------------------------------------
AUDIO_FAILED = N_(
    "Sorry, voorlezen lukt nu niet.\nDe vraag staat hierboven. Probeer het later nog eens."
)
ALWAYS_ON = N_(
    "Goed. Ik lees vanaf nu elke vraag voor.\nWilt u dat niet meer? Stuur dan opnieuw {command}."
)
ALWAYS_OFF = N_(
    "Goed. Ik lees de vragen niet meer vanzelf voor.\nWilt u een vraag horen? Tik dan op 🔊."
)
VOICE_FORBIDDEN = N_(
    "Ik kan u geen spraakberichten sturen. Dat staat uit in uw Telegram.\n"
    "U vindt het bij Instellingen, Privacy, Spraakberichten."
)
NOT_IN_LANGUAGE = N_("Sorry, voorlezen kan nog niet in uw taal.")
# Translators: the command menu's description of /voorlezen.
CMD_VOORLEZEN = N_("Vragen voorlezen: aan of uit")
