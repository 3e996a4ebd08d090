#!/usr/bin/env bash
# The real DAGs under a real Airflow 3 scheduler, against the embedded demo site, in one command:
#
#   scripts/airflow-demo.sh            # = make airflow-demo
#
# 1. serves the demo site on 127.0.0.1 (`python -m demosite --sources FILE`, which writes a
#    sources file naming its ports);
# 2. starts Airflow on 127.0.0.1: scheduler (LocalExecutor, parallelism 2 for a 2-core machine),
#    dag-processor (1 parsing process) and API server (1 worker), SQLite metadata DB, all under
#    $TW_DEMO_HOME (default .airflow-demo in the repo, gitignored), on free ports;
# 3. sets what the DAGs need: the pool tablewatch_duckdb_writer (1 slot) and the Variables
#    tablewatch_db and tablewatch_sources (the DAGs read them when a run's params are empty);
# 4. triggers today's run of tablewatch_daily (the run the daily schedule would make: logical date
#    today 00:00 UTC, triggered before the DAG is unpaused so the scheduler does not make a second
#    one), lets the asset-triggered tablewatch_alerts run after its load, waits for both with a
#    timeout;
# 5. prints both runs' task tables (state, try, duration, from the REST API) and the warehouse's
#    rows for the day (`tablewatch sql`);
# 6. stops every process it started (trap on EXIT, INT and TERM): each Airflow component as a
#    whole process group (so LocalExecutor workers, task processes and the Scrapy child go too),
#    then the demo site, and exits non-zero if any process still points at $TW_DEMO_HOME.
#
# Settings (environment): TW_DEMO_HOME; TW_DEMO_AS_OF (YYYY-MM-DD: the demo site shows the
# storyline as published by that day; default: the whole storyline); TW_DEMO_TIMEOUT (seconds to
# wait for the two runs, default 900); TW_DEMO_PARALLELISM (default 2). Any AIRFLOW__* variable
# already set wins over the defaults below. The warehouse of a previous demo is replaced; the
# Airflow metadata DB is kept (migrated once per Airflow version).
#
# Exit codes: 0 both runs succeeded and nothing is left running; 1 a run failed or a process was
# left; 2 bad settings; 124 timeout; 130/143 interrupted.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${TW_DEMO_HOME:-$REPO/.airflow-demo}"
mkdir -p "$HOME_DIR"
HOME_DIR="$(cd "$HOME_DIR" && pwd)"
AS_OF="${TW_DEMO_AS_OF:-}"
TIMEOUT_S="${TW_DEMO_TIMEOUT:-900}"
PARALLELISM="${TW_DEMO_PARALLELISM:-2}"
VENV_BIN="$REPO/.venv/bin"
PY="$VENV_BIN/python"
AIRFLOW="$VENV_BIN/airflow"
RUN="$HOME_DIR/run"
LOGS="$HOME_DIR/logs"
DATA="$HOME_DIR/data"
DB="$DATA/tablewatch.duckdb"
SOURCES="$HOME_DIR/demo-sources.yaml"
STARTED="$RUN/started.pids" # every PID this script started, kept after the stop (for checks)
DAILY=tablewatch_daily
ALERTS=tablewatch_alerts

say() { printf 'airflow-demo: %s\n' "$*" >&2; }

[ -x "$AIRFLOW" ] || { say "no $AIRFLOW: run make install first"; exit 2; }
[[ $TIMEOUT_S =~ ^[0-9]+$ ]] || { say "TW_DEMO_TIMEOUT must be whole seconds, got '$TIMEOUT_S'"; exit 2; }
[[ $PARALLELISM =~ ^[1-9][0-9]*$ ]] || { say "TW_DEMO_PARALLELISM must be >= 1, got '$PARALLELISM'"; exit 2; }
if [ -n "$AS_OF" ] && ! "$PY" -c "import datetime, sys; datetime.date.fromisoformat(sys.argv[1])" "$AS_OF" 2>/dev/null; then
    say "TW_DEMO_AS_OF must be YYYY-MM-DD, got '$AS_OF'"
    exit 2
fi

# -- environment ------------------------------------------------------------------------------

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

secret() { "$PY" -c 'import secrets; print(secrets.token_hex(32))'; }

mkdir -p "$RUN" "$LOGS"
API_PORT="$(free_port)"
LOG_PORT="$(free_port)"
export AIRFLOW_HOME="$HOME_DIR/airflow"
export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-$PARALLELISM}"
export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$REPO/dags}"
export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://127.0.0.1:$API_PORT/execution/}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS:-True}"
# A failed demo task is retried after 10 s rather than Airflow's 5 minutes (the DAGs read this).
export AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY="${AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY:-10}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-sqlite:///$AIRFLOW_HOME/airflow.db}"
# Task processes talk to the API server; on a busy 2-core machine with SQLite an answer can take
# longer than the 5 s default, which fails the try (seen: `prepare` retried after a ReadTimeout).
export AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT="${AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT:-30}"
export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="${AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES:-1}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$API_PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$API_PORT"
export AIRFLOW__API__WORKERS="${AIRFLOW__API__WORKERS:-1}"
export AIRFLOW__API__SECRET_KEY="${AIRFLOW__API__SECRET_KEY:-$(secret)}"
export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-$(secret)}"
export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$LOG_PORT"
# The demo's own settings are the Variables below, not the caller's environment.
unset TABLEWATCH_DB TABLEWATCH_SOURCES

# -- processes --------------------------------------------------------------------------------

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pid_of() { [ -f "$RUN/$1.pid" ] && cat "$RUN/$1.pid" || true; }

# Start "$@" as component $1 in its own session, so stopping its process group stops its children.
spawn() {
    local name=$1
    shift
    setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
    echo "$! $name" >>"$STARTED"
    say "$name started (pid $!, log ${LOGS#"$REPO"/}/$name.log)"
}

# SIGTERM to the process group, SIGKILL to what is left after 20 s.
stop_group() {
    local name=$1 pid i
    pid="$(pid_of "$name")"
    [ -n "$pid" ] || return 0
    if pgrep -g "$pid" >/dev/null 2>&1; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for ((i = 0; i < 40; i++)); do
            pgrep -g "$pid" >/dev/null 2>&1 || break
            sleep 0.5
        done
        if pgrep -g "$pid" >/dev/null 2>&1; then
            say "$name did not stop on SIGTERM: SIGKILL"
            kill -KILL -- "-$pid" 2>/dev/null || true
            sleep 0.5
        fi
        say "$name stopped"
    fi
    rm -f "$RUN/$name.pid"
}

# PIDs of processes whose environment or command line names this demo's folder.
leftover_pids() {
    local p out=()
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = $$ ] && continue
        [ "$p" = "${BASHPID:-$$}" ] && continue
        if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "AIRFLOW_HOME=$AIRFLOW_HOME" ||
            { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF "$HOME_DIR/"; then
            out+=("$p")
        fi
    done
    echo "${out[*]:-}"
}

STOPPED=0
cleanup() {
    local rc=$?
    [ $STOPPED = 1 ] && return
    STOPPED=1
    trap - EXIT INT TERM
    say "stopping everything it started"
    local name
    # The API server first (no new work comes in), then the scheduler with its LocalExecutor
    # workers and their task processes, the DAG processor, and the demo site last.
    for name in api-server scheduler dag-processor demosite; do
        stop_group "$name"
    done
    local left
    left="$(leftover_pids)"
    if [ -n "$left" ]; then
        say "still running after stop: $left"
        ps -o pid,pgid,args -p "${left// /,}" >&2 || true
        [ $rc = 0 ] && rc=1
    else
        say "nothing left running (${SECONDS}s in all)"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- REST API ---------------------------------------------------------------------------------

# api METHOD PATH [JSON]: the response body on stdout; exit 1 on an HTTP error (with its body).
api() {
    "$PY" - "$API_PORT" "$@" <<'EOF'
import json, sys, urllib.error, urllib.request
port, method, path = sys.argv[1:4]
body = sys.argv[4] if len(sys.argv) > 4 else None
base = f"http://127.0.0.1:{port}"
with urllib.request.urlopen(f"{base}/auth/token", timeout=60) as resp:
    token = json.load(resp)["access_token"]
req = urllib.request.Request(
    base + path, method=method, data=body.encode() if body else None,
    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
)
try:
    with urllib.request.urlopen(req, timeout=120) as resp:
        sys.stdout.write(resp.read().decode())
except urllib.error.HTTPError as exc:
    sys.stderr.write(f"{method} {path}: HTTP {exc.code} {exc.read().decode()[:500]}\n")
    sys.exit(1)
EOF
}

# jget EXPR: evaluate a Python expression on the JSON document read from stdin (as `d`).
jget() { "$PY" -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# A component that exited ends the wait at once (its log says why), rather than at the timeout.
check_components() {
    local name
    for name in demosite scheduler dag-processor api-server; do
        [ -f "$RUN/$name.pid" ] || continue
        alive "$(pid_of "$name")" || { say "$name exited: see ${LOGS#"$REPO"/}/$name.log"; exit 1; }
    done
}

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...: retry every 2 s
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        check_components
        [ $SECONDS -lt $deadline ] || { say "$what: not after ${limit}s"; return 1; }
        sleep 2
    done
}

api_healthy() {
    "$PY" -c "import sys, urllib.request
sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$API_PORT/api/v2/monitor/health', timeout=5).status == 200 else 1)"
}

dags_registered() { api GET "/api/v2/dags/$DAILY" && api GET "/api/v2/dags/$ALERTS"; }

# -- the demo site ----------------------------------------------------------------------------

rm -rf "$DATA" "$SOURCES"
mkdir -p "$DATA"
: >"$STARTED"
site_args=(--sources "$SOURCES")
[ -n "$AS_OF" ] && site_args+=(--as-of "$AS_OF")
spawn demosite env PYTHONPATH="$REPO" PYTHONUNBUFFERED=1 "$PY" -m demosite "${site_args[@]}"
wait_until 60 "demo site" grep -q '^serving' "$LOGS/demosite.log" || { cat "$LOGS/demosite.log" >&2; exit 1; }
grep -v '^serving' "$LOGS/demosite.log" | sed 's/^/  /' >&2 || true

# -- Airflow ----------------------------------------------------------------------------------

mkdir -p "$AIRFLOW_HOME"
version="$("$PY" -c 'import importlib.metadata as m; print(m.version("apache-airflow-core"))')"
if [ "$(cat "$HOME_DIR/migrated" 2>/dev/null)" != "$version" ]; then
    say "airflow db migrate (once per Airflow version; log ${LOGS#"$REPO"/}/setup.log)"
    "$AIRFLOW" db migrate >>"$LOGS/setup.log" 2>&1
    "$AIRFLOW" pools set tablewatch_duckdb_writer 1 "single DuckDB writer" >>"$LOGS/setup.log" 2>&1
    echo "$version" >"$HOME_DIR/migrated"
fi
say "Variables: tablewatch_db=${DB#"$REPO"/} tablewatch_sources=${SOURCES#"$REPO"/}"
"$PY" -c 'import json, sys; json.dump({"tablewatch_db": sys.argv[1], "tablewatch_sources": sys.argv[2]}, open(sys.argv[3], "w"), indent=2)' \
    "$DB" "$SOURCES" "$HOME_DIR/variables.json"
"$AIRFLOW" variables import "$HOME_DIR/variables.json" >>"$LOGS/setup.log" 2>&1

spawn scheduler "$AIRFLOW" scheduler
spawn dag-processor "$AIRFLOW" dag-processor
spawn api-server "$AIRFLOW" api-server --host 127.0.0.1 --port "$API_PORT" --workers "$AIRFLOW__API__WORKERS"
wait_until 300 "API server healthy on 127.0.0.1:$API_PORT" api_healthy || exit 1
wait_until 300 "the DAG processor registers $DAILY and $ALERTS" dags_registered || exit 1
say "ready after ${SECONDS}s: API http://127.0.0.1:$API_PORT, LocalExecutor, parallelism $AIRFLOW__CORE__PARALLELISM"

# -- one day ----------------------------------------------------------------------------------

DAY="$(date -u +%F)"
LOGICAL="${DAY}T00:00:00Z"
RUN_ID="airflow-demo-$(date -u +%Y%m%dT%H%M%S)"
# A run left queued or running by an interrupted demo would block this one (max_active_runs=1);
# a run of the same logical date (unique per DAG) from an earlier demo today is replaced.
for dag in "$DAILY" "$ALERTS"; do
    for old in $(api GET "/api/v2/dags/$dag/dagRuns?state=queued&state=running&limit=100" |
        jget '" ".join(r["dag_run_id"] for r in d["dag_runs"])'); do
        api PATCH "/api/v2/dags/$dag/dagRuns/$old" '{"state": "failed"}' >/dev/null
        say "ended the unfinished run $dag $old of an earlier demo"
    done
done
for old in $(api GET "/api/v2/dags/$DAILY/dagRuns?logical_date_gte=$LOGICAL&logical_date_lte=$LOGICAL" |
    jget '" ".join(r["dag_run_id"] for r in d["dag_runs"])'); do
    api DELETE "/api/v2/dags/$DAILY/dagRuns/$old" >/dev/null
done
api PATCH "/api/v2/dags/$DAILY" '{"is_paused": true}' >/dev/null
api POST "/api/v2/dags/$DAILY/dagRuns" \
    "{\"dag_run_id\": \"$RUN_ID\", \"logical_date\": \"$LOGICAL\", \"conf\": {}}" >/dev/null
TRIGGERED="$(date -u +%FT%TZ)"
api PATCH "/api/v2/dags/$ALERTS" '{"is_paused": false}' >/dev/null
api PATCH "/api/v2/dags/$DAILY" '{"is_paused": false}' >/dev/null
say "triggered $DAILY $RUN_ID (day $DAY); waiting up to ${TIMEOUT_S}s"

deadline=$((SECONDS + TIMEOUT_S))
run_state() { api GET "/api/v2/dags/$1/dagRuns/$2" | jget 'd["state"]'; }
state=""
last=""
while :; do
    state="$(run_state "$DAILY" "$RUN_ID")" || state="unknown (API busy)"
    now="$(api GET "/api/v2/dags/$DAILY/dagRuns/$RUN_ID/taskInstances" |
        jget '" ".join(t["task_id"] + "=" + str(t["state"]) for t in sorted(d["task_instances"], key=lambda t: t["start_date"] or "~"))')" || now="$last"
    [ "$now" != "$last" ] && say "$DAILY: $state: $now" && last="$now"
    [[ $state == success || $state == failed ]] && break
    check_components
    [ $SECONDS -lt $deadline ] || { say "$DAILY $RUN_ID still $state after ${TIMEOUT_S}s"; exit 124; }
    sleep 3
done

# The load's asset event makes the scheduler create a tablewatch_alerts run after it.
alerts_run() {
    api GET "/api/v2/dags/$ALERTS/dagRuns?run_after_gte=$TRIGGERED&order_by=-run_after&limit=1" |
        jget 'd["dag_runs"][0]["dag_run_id"] if d["dag_runs"] else ""'
}
ALERTS_RUN=""
if [ "$state" = success ]; then
    while [ -z "$ALERTS_RUN" ]; do
        ALERTS_RUN="$(alerts_run)" || ALERTS_RUN=""
        [ -n "$ALERTS_RUN" ] && break
        check_components
        [ $SECONDS -lt $deadline ] || { say "no $ALERTS run after the load in ${TIMEOUT_S}s"; exit 124; }
        sleep 3
    done
    say "$ALERTS $ALERTS_RUN started by the asset tablewatch://warehouse; waiting"
    while :; do
        alerts_state="$(run_state "$ALERTS" "$ALERTS_RUN")" || alerts_state="unknown (API busy)"
        [[ $alerts_state == success || $alerts_state == failed ]] && break
        check_components
        [ $SECONDS -lt $deadline ] || { say "$ALERTS $ALERTS_RUN still $alerts_state after ${TIMEOUT_S}s"; exit 124; }
        sleep 3
    done
fi

# -- the result -------------------------------------------------------------------------------

task_table() { # task_table DAG RUN
    echo
    echo "$1 $2: $(run_state "$1" "$2")"
    "$PY" - "$(api GET "/api/v2/dags/$1/dagRuns/$2/taskInstances")" <<'EOF'
import json, sys
rows = sorted(json.loads(sys.argv[1])["task_instances"], key=lambda t: t["start_date"] or "~")
print(f"  {'task':<10} {'state':<10} {'try':>3} {'duration (s)':>12}")
for t in rows:
    d = "-" if t["duration"] is None else f"{t['duration']:.1f}"
    print(f"  {t['task_id']:<10} {str(t['state']):<10} {t['try_number']:>3} {d:>12}")
EOF
}
task_table "$DAILY" "$RUN_ID"
[ -n "$ALERTS_RUN" ] && task_table "$ALERTS" "$ALERTS_RUN"
echo
if [ -f "$DB" ]; then
    echo "warehouse ${DB#"$REPO"/}, day $DAY:"
    "$VENV_BIN/tablewatch" sql --db "$DB" "
        select (select count(*) from crawl_runs where run_day = date '$DAY') as crawl_runs,
               (select count(*) from articles where crawl_day = date '$DAY') as articles,
               (select count(*) from articles where crawl_day = date '$DAY' and status = 'relevant') as relevant,
               (select count(*) from sentences s join articles a using (article_id)
                 where a.crawl_day = date '$DAY') as sentences,
               (select count(*) from alerts) as alerts,
               (select count(*) from briefs where day = date '$DAY') as briefs"
    report="$DATA/reports/tablewatch-report.html"
    [ -f "$report" ] && echo "report: ${report#"$REPO"/}"
fi
echo
[ "$state" = success ] && [ "${alerts_state:-}" = success ] || exit 1
