-- The issue status board of every negotiation as of the latest published day in the warehouse
-- (rules and columns: issue_status_as_of). For another day: select * from issue_status_as_of(date 'YYYY-MM-DD').
create or replace view v_issue_status as
select *
from issue_status_as_of(
    coalesce((select max(published) from v_sentences where negotiation is not null), current_date)
);
comment on view v_issue_status is 'The issue status board as of the latest published day: agreed, narrowing, apart, quiet or unmentioned per negotiation and issue, with the sentence that decided (rules: issue_status_as_of).';
