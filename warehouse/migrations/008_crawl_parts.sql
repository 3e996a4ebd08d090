-- crawl_runs.failed_sources: the outlets whose share of the day's crawl failed (issue 18). With the
-- crawl mapped per outlet, one outlet failing after its retries no longer fails the day: the other
-- outlets load, and this column names the ones missing (why: stats.parts[].error). A crawl of all
-- outlets at once fills it the same way (an outlet none of whose listings answered). Empty when
-- every outlet answered; null for runs loaded before this migration or without crawl_stats.json.
alter table crawl_runs add column if not exists failed_sources varchar[];
comment on column crawl_runs.failed_sources is 'outlets whose crawl failed that day (why: stats.parts[].error); empty when all answered';
