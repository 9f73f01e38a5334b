-- PostgreSQL twin of ../009_answer_counts_index.sql (see there).
-- The reports' counts from one index (round, question, value, skipped, respondent); it covers
-- the older answers_round_question as a prefix, which therefore goes.
CREATE INDEX answers_round_counts ON answers(round_id, question_id, value, skipped, respondent_id);
DROP INDEX answers_round_question;
