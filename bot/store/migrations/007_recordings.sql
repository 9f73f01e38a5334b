-- Recordings of questions by staff or an interpreter (issue 15): Somali and Pashto have no
-- offline synthetic voice. A staff member records a question of a flow in one language in the
-- chat (/opnemen); the recording is used (bot/audio.py, before synthesis) only after a second
-- staff member of the same school, or an admin, approved it. The newest approved recording of
-- a (flow, language, question) is the one read; older ones stay for the record.
CREATE TABLE question_recordings (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    flow_id      TEXT NOT NULL,
    language     TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    recorded_by  INTEGER REFERENCES staff_members(id) ON DELETE SET NULL,
    sound        BLOB NOT NULL,              -- OGG/Opus, as Telegram's voice note
    status       TEXT NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at   TEXT NOT NULL,
    decided_by   INTEGER REFERENCES staff_members(id) ON DELETE SET NULL,
    decided_at   TEXT
);
CREATE INDEX question_recordings_question
    ON question_recordings(flow_id, language, question_id, status);
CREATE INDEX question_recordings_school ON question_recordings(school_id, status);
