-- The report's cells on the answer row (issue 16): the respondent's language and class group
-- (0 without a class link), so `bot/reports/queries.answer_counts` groups a round's answers per
-- language and per class straight from one covering index, without joining each answer to its
-- respondent. Who counts (privacy rule 2, the counted set) is still decided on `respondents`:
-- the answers of respondents outside the counted set are subtracted, as for a whole round.
--
-- Who keeps them right: the store writes them with every answer (`bot/store/chats.py`), and the
-- triggers below make sure of it for any writer: an answer inserted without them gets its
-- respondent's, and a respondent whose language or class changes takes its answers along.
-- `ouderstem db copy` copies them as they are (both ends at this version).

ALTER TABLE answers ADD COLUMN respondent_language TEXT;
ALTER TABLE answers ADD COLUMN respondent_group INTEGER;

-- Answers of earlier versions.
UPDATE answers SET respondent_language = r.language, respondent_group = COALESCE(r.group_id, 0)
FROM respondents r WHERE r.id = answers.respondent_id;

-- It covers migration 009's `answers_round_counts` (round, question, value, skipped, respondent)
-- for every query that used it (the whole round's counts keep their order; skipped and the
-- respondent stay in the index), which therefore goes. The per-language counts are read in this
-- index's order; the per-class counts in that of `answers_round_groups`, so neither sorts every
-- answer of the round (one more index written per answer: a few us of CPU against ~2 ms per
-- answer in P1; bench/README.md).
CREATE INDEX answers_round_cells ON answers(
    round_id, question_id, value, respondent_language, respondent_group, skipped, respondent_id);
DROP INDEX answers_round_counts;
CREATE INDEX answers_round_groups ON answers(round_id, question_id, value, respondent_group, skipped);

CREATE TRIGGER answers_cells_on_insert
AFTER INSERT ON answers
WHEN NEW.respondent_language IS NULL OR NEW.respondent_group IS NULL
BEGIN
    UPDATE answers SET
        respondent_language = (SELECT language FROM respondents WHERE id = NEW.respondent_id),
        respondent_group = (SELECT COALESCE(group_id, 0) FROM respondents
                            WHERE id = NEW.respondent_id)
    WHERE respondent_id = NEW.respondent_id AND question_id = NEW.question_id;
END;

CREATE TRIGGER respondents_cells_on_update
AFTER UPDATE OF language, group_id ON respondents
WHEN NEW.language IS NOT OLD.language OR NEW.group_id IS NOT OLD.group_id
BEGIN
    UPDATE answers SET respondent_language = NEW.language,
                       respondent_group = COALESCE(NEW.group_id, 0)
    WHERE respondent_id = NEW.id;
END;
