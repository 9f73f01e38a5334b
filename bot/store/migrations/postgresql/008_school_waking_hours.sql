-- PostgreSQL twin of ../008_school_waking_hours.sql (see there).
-- Waking hours per school ("07:30-19:00"); NULL: the bot-wide setting OUDERSTEM_WAKING_HOURS.
ALTER TABLE schools ADD COLUMN waking_hours TEXT;
