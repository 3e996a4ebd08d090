-- Milestones the watchlist states for each negotiation (kernel/watchlist.yaml, `milestones`),
-- replaced by every load from the watchlist it ran with. Coverage milestones are the view
-- sentence_milestones; v_milestones unions both.
create table if not exists watchlist_milestones (
    negotiation varchar not null,      -- watchlist id
    date date not null,                -- the milestone's day
    kind varchar not null,             -- contract_expiry | extension | strike_vote | strike_start | ratification_vote | deadline
    label varchar not null             -- what the watchlist calls it
);
comment on table watchlist_milestones is 'Milestones of the watchlist a load ran with (replaced by every load).';
