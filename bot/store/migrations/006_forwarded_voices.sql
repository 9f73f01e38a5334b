-- Voice answers forwarded to a brugfiguur (/rapport's "Spraakberichten"): the copy's message id
-- in the brugfiguur's chat, so /vergeet of the parent can delete that copy too (issue 11, item 9).
-- A row is deleted with the parent's answers (/vergeet), or with the brugfiguur's chat.
CREATE TABLE forwarded_voices (
    id             INTEGER PRIMARY KEY,
    voice_file_id  TEXT NOT NULL,
    chat_id        INTEGER NOT NULL,  -- the brugfiguur's chat
    message_id     INTEGER NOT NULL,
    sent_at        TEXT NOT NULL
);
CREATE INDEX forwarded_voices_file ON forwarded_voices(voice_file_id);
