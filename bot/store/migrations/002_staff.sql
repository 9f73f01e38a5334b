-- Staff: school admins, team members, brugfiguren (one or more schools) and coordinators (a
-- centre). Parents have no row here. A member is one Telegram chat: the chat id is kept so the
-- bot knows who asks and can reach them; /vergeet deletes the member (FORGET_CHAT_EXTRA).
-- Who may do what is decided in bot/staff.py, on every staff command.

CREATE TABLE staff_members (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL UNIQUE,
    name        TEXT NOT NULL,             -- the Telegram first name when an invite was accepted
    created_at  TEXT NOT NULL
);

-- One role of a member: at a school (admin, team, brugfiguur) or at a centre (coordinator).
CREATE TABLE staff_roles (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES staff_members(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'team', 'brugfiguur', 'coordinator')),
    school_id   INTEGER REFERENCES schools(id) ON DELETE CASCADE,
    centre_id   INTEGER REFERENCES centres(id) ON DELETE CASCADE,
    reports     INTEGER NOT NULL DEFAULT 0,  -- team members: the admin lets them read reports
    granted_at  TEXT NOT NULL,
    CHECK (
        (role = 'coordinator' AND centre_id IS NOT NULL AND school_id IS NULL)
        OR (role <> 'coordinator' AND school_id IS NOT NULL AND centre_id IS NULL)
    )
);
CREATE UNIQUE INDEX staff_roles_school ON staff_roles(member_id, role, school_id)
    WHERE school_id IS NOT NULL;
CREATE UNIQUE INDEX staff_roles_centre ON staff_roles(member_id, role, centre_id)
    WHERE centre_id IS NOT NULL;
CREATE INDEX staff_roles_by_school ON staff_roles(school_id, role);

-- One-time invitations. Only the SHA-256 of the token is kept: the link is shown once, to the
-- person who made it. Used once (used_at), and only before expires_at.
CREATE TABLE staff_invites (
    token_hash  TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'team', 'brugfiguur', 'coordinator')),
    school_id   INTEGER REFERENCES schools(id) ON DELETE CASCADE,
    centre_id   INTEGER REFERENCES centres(id) ON DELETE CASCADE,
    reports     INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES staff_members(id) ON DELETE SET NULL,  -- NULL: command line
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES staff_members(id) ON DELETE SET NULL
);

-- A staff dialogue in progress (/ronde, /terugkoppeling): kept here, not in memory, so a
-- restart halfway loses nothing. One per chat; starting another replaces it.
CREATE TABLE staff_dialogues (
    chat_id     INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES staff_members(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,             -- ronde | terug
    nonce       TEXT NOT NULL,             -- carried by its buttons: older buttons are stale
    step        TEXT NOT NULL,
    data        TEXT NOT NULL,             -- JSON: the choices so far
    updated_at  TEXT NOT NULL
);
