-- The reports' counts read from one index (issue 16): a round's answers in (question, value)
-- order with the two columns the counted set needs (skipped, respondent_id), so
-- `bot/reports/queries.answer_counts` groups them without reading a table row. It covers the
-- older `answers_round_question(round_id, question_id, value)` as a prefix, which therefore
-- goes: one index more to write per answer would cost the parents' path, one fewer costs nothing.
CREATE INDEX answers_round_counts ON answers(round_id, question_id, value, skipped, respondent_id);
DROP INDEX answers_round_question;
