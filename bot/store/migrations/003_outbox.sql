-- The outbox: every message the bot sends on its own initiative (reminders, feedback to parents,
-- team links, notices to staff), written here first and sent by bot/outbox.py.
--
-- Status, and who sets it:
--   pending    enqueuer (a staff command, the reminder planner); the sender on a retry
--   sending    sender, committed BEFORE the Bot API call
--   sent       sender, after Telegram confirmed
--   blocked    sender: 403, the person blocked the bot (chats.blocked is set too); never retried
--   failed     sender: refused by Telegram (400), or out of attempts
--   unknown    sender: the call may or may not have reached Telegram (a restart found it in
--              'sending', or the connection broke after the request was written). Telegram has
--              no idempotency key, so it is never sent again: at most once, counted apart.
--   cancelled  sender: no longer wanted when its turn came (finished, asked for no reminders,
--              round closed)

-- A group of messages sent for one reason (a feedback broadcast); its creator hears the result.
CREATE TABLE outbox_batches (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    school_id    INTEGER REFERENCES schools(id) ON DELETE CASCADE,
    round_id     INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
    title        TEXT NOT NULL DEFAULT '',  -- what the creator reads in the result
    created_by   INTEGER REFERENCES staff_members(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    finished_at  TEXT                      -- no message left pending or sending
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,        -- reminder | feedback | team_link | notice
    batch_id         INTEGER REFERENCES outbox_batches(id) ON DELETE CASCADE,
    round_id         INTEGER REFERENCES rounds(id) ON DELETE CASCADE,
    respondent_id    TEXT REFERENCES respondents(id) ON DELETE CASCADE,
    language         TEXT NOT NULL,
    text             TEXT NOT NULL,        -- exactly what is sent, in the reader's language
    markup           TEXT,                 -- inline keyboard (Bot API JSON) or NULL
    dedupe_key       TEXT UNIQUE,          -- at most one message per key, e.g. reminder:<round>:<chat>
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                     ('pending', 'sending', 'sent', 'blocked', 'failed', 'unknown', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    sent_at          TEXT,
    error            TEXT                  -- an error class name; never a text or a chat id
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_batch ON outbox(batch_id, status);
CREATE INDEX outbox_chat ON outbox(chat_id);
