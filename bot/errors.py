"""The errors Ouderstem raises on purpose.

    OuderstemError
    ├── ConfigError          a setting is missing or bad; the message says what to set
    ├── FlowError            a flow file cannot be used
    │   └── UnknownFlow
    ├── StoreError           the database refused or failed
    │   ├── MigrationError
    │   ├── NotFound
    │   └── DatabaseFileError    OUDERSTEM_DB is no usable database file (bot.store.files)
    ├── BotApiError          `run` cannot start: the Bot API is unreachable or refuses the token
    ├── AccessDenied         a staff action by someone without the role at that school
    └── AudioError           a question could not be read aloud (bot.audio)
        ├── NotSpeakable, ToolMissing, ToolFailed, ToolTimeout

User-facing messages never come from these texts: the Telegram layer maps them to catalog
messages. These texts are for operators and logs, and never hold answers or chat ids.
"""


class OuderstemError(Exception):
    """Base of every error raised on purpose."""


class ConfigError(OuderstemError):
    pass


class FlowError(OuderstemError):
    pass


class UnknownFlow(FlowError):
    def __init__(self, flow_id: str) -> None:
        super().__init__(f"unknown flow {flow_id!r}")
        self.flow_id = flow_id


class StoreError(OuderstemError):
    pass


class MigrationError(StoreError):
    pass


class NotFound(StoreError):
    pass


class DatabaseFileError(StoreError):
    """The database file is missing, not SQLite, damaged, or in a folder we cannot write."""


class BotApiError(OuderstemError):
    """The Bot API cannot be reached or refuses the token; `ouderstem run` exits 1."""


class AccessDenied(OuderstemError):
    pass
