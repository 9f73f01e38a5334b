"""Helpers of the reliability tests (fault injection, fuzzing, security, e2e crowds).

- ``checks``: read-only consistency checks of an Ouderstem database file.
- ``crowd``: many parents at once through the Bot API emulator, driven by asyncio.
- ``e2e_steps``: one parent's conversation steps for the synchronous e2e harness.
- ``unthrottled_bot``: ``python -m bot`` with PTB's rate limiter raised, for load through the
  emulator (which has no flood limits to protect).
"""
