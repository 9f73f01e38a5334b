"""Ouderstem: every parent tells their school, in their own language, how the partnership goes."""

__version__ = "0.1.0"
