-- alerts.kind = 'signal_event' rows are now changes of a negotiation's state (alerts/state.py):
-- direction 'suspended' | 'resumed' | 'on_strike' | 'strike_ended' | 'tentative_agreement' |
-- 'ratified'; statistic = corroborating articles; details carry state_before/state_after.
--
-- Morning briefs (alerts/brief.py): one stored brief per (day, negotiation filter), and its
-- delivery state per channel. Times are UTC (TIMESTAMP without time zone); days are DATEs.

-- brief_id = sha256("day|negotiation")[:16] ('*' for all negotiations): a rerun for the same day
-- lands on the same row (insert ... on conflict do nothing keeps the first), so a brief is written
-- once and every later run sends exactly that text.
create table if not exists briefs (
    brief_id varchar primary key,      -- 16 hex chars, deterministic (see above)
    day date not null,                 -- the day the brief is about
    negotiation varchar,               -- watchlist id the brief was limited to, null for all
    nothing_new boolean not null,      -- true: the brief is the one line "nothing new"
    content json not null,             -- the brief as data (what the md/html/json renderings show)
    created_at timestamp not null      -- UTC, when the row was written
);

-- One row per (brief, channel); 'failed' rows are retried on the next run, 'sent' never again.
create table if not exists brief_deliveries (
    brief_id varchar not null,         -- briefs.brief_id
    channel varchar not null,          -- 'webhook' | 'email'
    status varchar not null,           -- 'sent' | 'failed' | 'unknown' (sent, no answer in time: resent next run with the brief_id as Idempotency-Key)
    attempts integer not null,         -- attempts over all runs
    last_error varchar,                -- message of the last failure, null once sent
    last_attempt_at timestamp,         -- UTC
    delivered_at timestamp,            -- UTC, null until sent
    primary key (brief_id, channel)
);

comment on table briefs is 'Morning briefs, one per day and negotiation filter, written once.';
comment on column alerts.direction is 'tone_shift: down|up; signal_event: suspended|resumed|on_strike|strike_ended|tentative_agreement|ratified; surge: gap|progress';
comment on table brief_deliveries is 'Delivery state of each brief per channel; failed rows are retried.';
