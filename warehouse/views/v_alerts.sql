-- Alerts for analysts and the report: one row per alert; delivered = sent on at least one channel.
create or replace view v_alerts as
select
    a.alert_id,
    a.negotiation,
    a.kind,
    a.direction,
    a.window_start,
    a.window_end,
    a.detected_on,
    a.statistic,
    a.details,
    a.evidence,
    exists (
        select 1 from alert_deliveries as d where d.alert_id = a.alert_id and d.status = 'sent'
    ) as delivered
from alerts as a;
comment on view v_alerts is 'Alerts raised (one per episode) with their figures, evidence and delivery state per channel.';
