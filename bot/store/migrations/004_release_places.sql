-- Stable release blocks (privacy rule 2, docs/privacy.md): every final respondent holds a fixed
-- place in its round's completion order. A place is never given twice: `rounds.places_given`
-- only grows, so a forgotten respondent leaves a gap and nobody later moves into its block.
-- Reports count only blocks of five places that are all still present (bot/reports/queries.py).
--
-- Who sets what: the triggers below, nothing else. A place is given when a respondent completes
-- (completed_at goes from NULL to a time), and when a round closes to every respondent that is
-- then final without having completed (in the order they were last active). At closing the
-- places still held are counted (`places_at_close`): a report that finds fewer later knows a
-- parent was forgotten after the breakdowns were released, and withholds them (rule 3).

ALTER TABLE rounds ADD COLUMN places_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rounds ADD COLUMN places_at_close INTEGER;
ALTER TABLE respondents ADD COLUMN place INTEGER;
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

CREATE TRIGGER respondents_place_on_completion
AFTER UPDATE OF completed_at ON respondents
WHEN NEW.completed_at IS NOT NULL AND NEW.place IS NULL
BEGIN
    UPDATE rounds SET places_given = places_given + 1 WHERE id = NEW.round_id;
    UPDATE respondents SET place = (SELECT places_given FROM rounds WHERE id = NEW.round_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER respondents_place_on_insert
AFTER INSERT ON respondents
WHEN NEW.completed_at IS NOT NULL AND NEW.place IS NULL
BEGIN
    UPDATE rounds SET places_given = places_given + 1 WHERE id = NEW.round_id;
    UPDATE respondents SET place = (SELECT places_given FROM rounds WHERE id = NEW.round_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER rounds_places_on_close
AFTER UPDATE OF status ON rounds
WHEN NEW.status = 'closed' AND OLD.status != 'closed'
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
END;
