-- PostgreSQL twin of ../010_answer_cells.sql (see there): the respondent's language and class
-- group (0 without a class link) on the answer row, kept right by the store and by triggers,
-- and one covering index that groups a round's answers per language and per class.

ALTER TABLE answers ADD COLUMN respondent_language TEXT;
ALTER TABLE answers ADD COLUMN respondent_group BIGINT;

-- Answers of earlier versions.
UPDATE answers SET respondent_language = r.language, respondent_group = COALESCE(r.group_id, 0)
FROM respondents r WHERE r.id = answers.respondent_id;

CREATE INDEX answers_round_cells ON answers(
    round_id, question_id, value, respondent_language, respondent_group, skipped, respondent_id);
DROP INDEX answers_round_counts;
CREATE INDEX answers_round_groups ON answers(round_id, question_id, value, respondent_group, skipped);

-- An answer written without them gets its respondent's (SQLite: answers_cells_on_insert).
-- BEFORE the row is written, so they go in with it.
CREATE FUNCTION answers_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.respondent_language IS NULL OR NEW.respondent_group IS NULL THEN
        SELECT language, COALESCE(group_id, 0) INTO NEW.respondent_language, NEW.respondent_group
        FROM respondents WHERE id = NEW.respondent_id;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER answers_cells_on_insert
BEFORE INSERT ON answers
FOR EACH ROW EXECUTE FUNCTION answers_cells();

-- A respondent whose language or class changes takes its answers along.
CREATE FUNCTION respondents_cells() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE answers SET respondent_language = NEW.language,
                       respondent_group = COALESCE(NEW.group_id, 0)
    WHERE respondent_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER respondents_cells_on_update
AFTER UPDATE OF language, group_id ON respondents
FOR EACH ROW WHEN (NEW.language IS DISTINCT FROM OLD.language
                   OR NEW.group_id IS DISTINCT FROM OLD.group_id)
EXECUTE FUNCTION respondents_cells();
