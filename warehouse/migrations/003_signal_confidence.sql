-- sentences.signal_confidence: how sure the NLP is of the sentence's signal (issue 19).
-- The calibrated probability the learned signal model (tablewatch_signal_model) gives the label
-- it chose, in [0, 1]; 0.0 when no model assessed the sentence (e.g. a non-English text). Rows
-- loaded before this migration (and annotate output of older NLP versions) hold null.
alter table sentences add column if not exists signal_confidence double;
