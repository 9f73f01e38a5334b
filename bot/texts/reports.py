"""Staff-facing texts of /rapport (Dutch; the `staff` catalog domain)."""

from bot.i18n import N_

# Prefix of these texts' stable keys in the catalogs: do not change (bot/texts/__init__.py).
CATALOG_KEY = "staff_report_texts"

VIEW_THEMES = N_("🧭 Thema's")
VIEW_TEAM = N_("👥 Ouders en team")
VIEW_LANGUAGES = N_("🌍 Talen")
VIEW_GROUPS = N_("🏫 Groepen")
VIEW_OPEN = N_("💬 Open antwoorden")
VIEW_FRAMEWORKS = N_("⭐ Kaders")
VIEW_TREND = N_("📈 Vorige ronde")
VIEW_VOICE = N_("🎤 Spraakberichten")
VIEW_OVERVIEW = N_("Al mijn scholen naast elkaar")
NO_VOICE = N_("Er zijn geen spraakberichten om te tonen: er zijn er geen, of de groep is te klein.")
VOICE_NOTICE = N_(
    "{count} spraakbericht(en). Alleen voor u als brugfiguur: een stem kan herkenbaar zijn. "
    "Deel ze niet met het team."
)
