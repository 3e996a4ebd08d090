-- Issue 16: whose words or stated position each sentence reports (annotation guidelines, "Speaker").
-- speaker is one party label (sag_aftra | amptp | wga | dga | iatse | teamsters | uaw | ila | iam |
-- studios | other) or null for the writer's own narration. Rows loaded before this migration, and
-- annotate files written before the field existed, keep null until the article is reprocessed.
alter table sentences add column if not exists speaker varchar;

comment on column sentences.speaker is 'party whose words or position the sentence reports (a parties label), null for the writer''s narration';
