-- The foundation: schools, rounds, anonymous respondents, their sessions and answers.
-- Chat ids live only in `chats` and `contacts`, apart from answers: they are needed to message a
-- parent, never to report.

-- A centre (e.g. a city education centre) groups schools; its coordinators read aggregates.
CREATE TABLE centres (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE schools (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    centre_id    INTEGER REFERENCES centres(id) ON DELETE SET NULL,
    share_named  INTEGER NOT NULL DEFAULT 0,  -- agreed to be shown by name beside other schools
    created_at   TEXT NOT NULL
);

CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    flow_id       TEXT NOT NULL,
    flow_version  INTEGER NOT NULL,
    audience      TEXT NOT NULL,
    topic         TEXT,                      -- optional topic of a dialogue round
    start_token   TEXT NOT NULL UNIQUE,      -- the deep-link token; unguessable
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    expected      INTEGER,                   -- families (or staff) the school hopes to reach
    opens_at      TEXT NOT NULL,
    closes_at     TEXT,
    closed_at     TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX rounds_school ON rounds(school_id, flow_id);

-- Classes or grades a school defines for a round, each with its own link.
CREATE TABLE round_groups (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    expected     INTEGER,
    UNIQUE (round_id, name)
);

CREATE TABLE respondents (
    id            TEXT PRIMARY KEY,          -- random; means nothing outside this database
    round_id      INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    group_id      INTEGER REFERENCES round_groups(id) ON DELETE SET NULL,
    language      TEXT NOT NULL,
    status        TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    completed_at  TEXT
);
CREATE INDEX respondents_round ON respondents(round_id, status);

-- Which chat a respondent is: the only link between a person and their answers.
CREATE TABLE contacts (
    respondent_id  TEXT PRIMARY KEY REFERENCES respondents(id) ON DELETE CASCADE,
    chat_id        INTEGER NOT NULL
);
CREATE INDEX contacts_chat ON contacts(chat_id);

CREATE TABLE chats (
    chat_id            INTEGER PRIMARY KEY,
    language           TEXT,
    language_confirmed INTEGER NOT NULL DEFAULT 0,
    always_audio       INTEGER NOT NULL DEFAULT 0,
    active_respondent  TEXT REFERENCES respondents(id) ON DELETE SET NULL,
    pending_token      TEXT,                 -- a start token waiting for the language choice
    no_reminders       INTEGER NOT NULL DEFAULT 0,
    blocked            INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE sessions (
    respondent_id  TEXT PRIMARY KEY REFERENCES respondents(id) ON DELETE CASCADE,
    state          TEXT NOT NULL,            -- engine SessionState as JSON
    updated_at     TEXT NOT NULL
);

CREATE TABLE answers (
    respondent_id  TEXT NOT NULL REFERENCES respondents(id) ON DELETE CASCADE,
    round_id       INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    question_id    TEXT NOT NULL,
    value          TEXT,                     -- scale 1-5 or 'dontknow', option id, yes/no
    choices        TEXT,                     -- JSON list, multiple choice
    text           TEXT,
    text_language  TEXT,
    voice_file_id  TEXT,
    voice_seconds  INTEGER,
    skipped        INTEGER NOT NULL DEFAULT 0,
    truncated      INTEGER NOT NULL DEFAULT 0,
    answered_at    TEXT NOT NULL,
    PRIMARY KEY (respondent_id, question_id)
);
CREATE INDEX answers_round_question ON answers(round_id, question_id, value);

-- Update ids already handled: a redelivered update is a no-op.
CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);
