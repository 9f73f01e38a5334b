-- PostgreSQL twin of ../004_release_places.sql: stable release blocks (privacy rule 2,
-- docs/privacy.md). Same columns, same backfill, same rules; SQLite's triggers become trigger
-- functions. A place is given when a respondent completes (completed_at goes from NULL to a
-- time) and, when a round closes, to every respondent then final without having completed (in
-- the order they were last active); `rounds.places_given` only grows. The round's row lock
-- (UPDATE rounds ... RETURNING) hands out places one at a time across concurrent transactions.

ALTER TABLE rounds ADD COLUMN places_given BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN places_at_close BIGINT;
ALTER TABLE respondents ADD COLUMN place BIGINT;
CREATE UNIQUE INDEX respondents_place ON respondents(round_id, place);

-- Respondents of earlier versions: the order the reports used until now.
UPDATE respondents SET place = (
    SELECT w.p FROM (
        SELECT r.id AS rid, ROW_NUMBER() OVER (
            PARTITION BY r.round_id
            ORDER BY r.completed_at IS NULL, COALESCE(r.completed_at, r.updated_at), r.id
        ) AS p
        FROM respondents r JOIN rounds o ON o.id = r.round_id
        WHERE r.status != 'stopped' AND (r.completed_at IS NOT NULL OR o.status = 'closed')
    ) AS w WHERE w.rid = respondents.id
);
UPDATE rounds SET places_given = COALESCE(
    (SELECT MAX(place) FROM respondents WHERE round_id = rounds.id), 0);
UPDATE rounds SET places_at_close = (
    SELECT COUNT(*) FROM respondents
    WHERE round_id = rounds.id AND place IS NOT NULL AND status != 'stopped')
WHERE status = 'closed';

-- On insert or completion: the next place of the round (SQLite: respondents_place_on_insert and
-- respondents_place_on_completion). BEFORE the row is written, so the place goes in with it.
CREATE FUNCTION respondents_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.completed_at IS NOT NULL AND NEW.place IS NULL THEN
        UPDATE rounds SET places_given = places_given + 1 WHERE id = NEW.round_id
        RETURNING places_given INTO NEW.place;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER respondents_place_on_insert
BEFORE INSERT ON respondents
FOR EACH ROW EXECUTE FUNCTION respondents_place();

CREATE TRIGGER respondents_place_on_completion
BEFORE UPDATE OF completed_at ON respondents
FOR EACH ROW EXECUTE FUNCTION respondents_place();

-- On closing: places for the final respondents who never completed, and the count at close.
CREATE FUNCTION rounds_places_on_close() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE respondents SET place = NEW.places_given + w.p
    FROM (
        SELECT id AS rid, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS p
        FROM respondents
        WHERE round_id = NEW.id AND place IS NULL AND status != 'stopped'
    ) AS w
    WHERE respondents.id = w.rid;
    UPDATE rounds SET places_given = COALESCE(
        (SELECT MAX(place) FROM respondents WHERE round_id = NEW.id), places_given),
        places_at_close = (
            SELECT COUNT(*) FROM respondents
            WHERE round_id = NEW.id AND place IS NOT NULL AND status != 'stopped')
    WHERE id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER rounds_places_on_close
AFTER UPDATE OF status ON rounds
FOR EACH ROW WHEN (NEW.status = 'closed' AND OLD.status != 'closed')
EXECUTE FUNCTION rounds_places_on_close();
