-- The next message a chat is owed (issue 12). Written in the same transaction as the parent's
-- answer (or other step through a flow), deleted once the Bot API confirmed the reply. A row
-- still here after a crash means the reply may never have gone out: at start-up, and on the
-- chat's next update, the bot shows the current question again (harmless if it came twice).
-- One row per chat: a later step replaces it. Forgotten with the chat (/vergeet).
CREATE TABLE owed_messages (
    chat_id INTEGER PRIMARY KEY,
    respondent_id TEXT NOT NULL,
    since TEXT NOT NULL
);
