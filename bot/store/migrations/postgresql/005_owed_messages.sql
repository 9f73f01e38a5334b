-- PostgreSQL twin of ../005_owed_messages.sql (see there).
-- The next message a chat is owed: written with the parent's answer, deleted once the Bot API
-- confirmed the reply; a row left after a crash is delivered again. One row per chat.
CREATE TABLE owed_messages (
    chat_id       BIGINT PRIMARY KEY,
    respondent_id TEXT NOT NULL,
    since         TEXT NOT NULL
);
