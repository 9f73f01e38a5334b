-- Waking hours per school (issue 15): reminders and feedback reach a school's families only
-- between these hours ("07:30-19:00", local time in Europe/Brussels, never on Sunday), read by
-- `bot.schedule.WakingHours.parse`. NULL: the bot-wide setting OUDERSTEM_WAKING_HOURS.
ALTER TABLE schools ADD COLUMN waking_hours TEXT;
