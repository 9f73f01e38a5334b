"""Transitional: the contract moved to `bot.store.protocols` and `Turn` to `bot.store.records`.

Kept only so modules that still import from here (`bot.tg.parent`) stay valid while another
branch restructures them; delete once nothing imports `bot.store.base`.
"""

from bot.store.protocols import DuplicateUpdate, Store
from bot.store.records import Turn

__all__ = ["DuplicateUpdate", "Store", "Turn"]
