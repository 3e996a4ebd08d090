-- Issue 16: an issue of the board turning is an alert of its own (alerts/turns.py), and any alert
-- may name the negotiation's next milestone. No new column: kind 'issue_turn' rows use the table
-- as it is. For them direction = the issue's new board status ('agreed' | 'apart'), alert_id =
-- sha256("negotiation|issue_turn|issue|status|day")[:16], statistic is null, details carry issue,
-- status_before, status_after, reversal and the issue's counts; any alert's details may carry
-- countdown {date, kind, label, source, days, text} ("12 days to contract expiry").
comment on column alerts.kind is 'tone_shift | surge | signal_event (a change of state) | issue_turn (an issue of the board turned)';
comment on column alerts.direction is 'tone_shift: down|up; signal_event: suspended|resumed|on_strike|strike_ended|tentative_agreement|ratified|contradicted; surge: gap|progress; issue_turn: agreed|apart (the issue''s new status; the issue is details.issue)';
