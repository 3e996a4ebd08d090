-- Alerts raised by the alerts package, and the delivery state of each alert per channel.
-- Times are UTC (TIMESTAMP without time zone, always written as UTC); days are DATEs.

-- One row per alert episode. alert_id = sha256("negotiation|kind|direction|episode_start")[:16],
-- so re-running a day or a backfill can only ever produce the same ids (insert ... on conflict do
-- nothing keeps the first).
create table if not exists alerts (
    alert_id varchar primary key,      -- 16 hex chars, deterministic (see above)
    negotiation varchar not null,      -- watchlist id, e.g. 'wga_2023'
    kind varchar not null,             -- 'tone_shift' | 'signal_event' | 'surge'
    direction varchar not null,        -- tone_shift: 'down'|'up'; signal_event: 'breakdown'|'agreement'|'strike_action'|'resumption'; surge: 'gap'|'progress'
    window_start date not null,        -- first published day of the window the statistic describes
    window_end date not null,          -- last published day of that window (= detected_on)
    detected_on date not null,         -- the "as of" day of the run that raised it
    statistic double,                  -- z-score (tone_shift, surge) or sentences that day (signal_event)
    details json,                      -- the figures: means, counts, thresholds, episode_start
    evidence json,                     -- [{sentence, url, source, published, title, signal, tone_score}]
    created_at timestamp not null      -- UTC, when the row was written
);

-- One row per (alert, channel); 'failed' and 'unknown' rows are retried on the next run, 'sent'
-- never again. 'unknown': the request went out but no answer came in time (the receiver may have
-- it); the retry carries the same alert_id (Idempotency-Key header) for the receiver to dedupe.
create table if not exists alert_deliveries (
    alert_id varchar not null,         -- alerts.alert_id
    channel varchar not null,          -- 'webhook' | 'email'
    status varchar not null,           -- 'sent' | 'failed' | 'unknown' (see above)
    attempts integer not null,         -- attempts over all runs
    last_error varchar,                -- message of the last failure, null once sent
    last_attempt_at timestamp,         -- UTC
    delivered_at timestamp,            -- UTC, null until sent
    primary key (alert_id, channel)
);
