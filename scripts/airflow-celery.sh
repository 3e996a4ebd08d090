#!/usr/bin/env bash
# Airflow 3 with the CeleryExecutor on one machine, for real: Redis as the broker, PostgreSQL as
# the metadata DB and Celery result backend, a scheduler, a dag-processor, an API server and N
# Celery workers. Everything listens on 127.0.0.1 only, on free ports picked at the first start
# and kept in $TW_CELERY_HOME/ports.env, with all data under $TW_CELERY_HOME (gitignored).
#
#   scripts/airflow-celery.sh start     # idempotent: starts only what is not running
#   scripts/airflow-celery.sh status    # exit 0 when every component runs
#   scripts/airflow-celery.sh stop      # stops every process it started, then checks none is left
#   scripts/airflow-celery.sh env       # `eval "$(scripts/airflow-celery.sh env)"` to use the CLI
#   scripts/airflow-celery.sh run       # start, wait for Ctrl-C, stop
#
# Settings (environment): TW_CELERY_HOME (default .airflow-celery in the repo), TW_CELERY_WORKERS
# (default 2), TW_CELERY_CONCURRENCY (task slots per worker, default 1). Any AIRFLOW__* variable
# already set wins over the defaults below (the DAG test shortens the heartbeat timeout that way).
#
# Exit codes: 0 ok, 1 a component failed, 3 Redis or PostgreSQL is not installed and we are not
# root (the message says what to install).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${TW_CELERY_HOME:-$REPO/.airflow-celery}"
mkdir -p "$HOME_DIR"
HOME_DIR="$(cd "$HOME_DIR" && pwd)"
WORKERS="${TW_CELERY_WORKERS:-2}"
CONCURRENCY="${TW_CELERY_CONCURRENCY:-1}"
VENV_BIN="$REPO/.venv/bin"
AIRFLOW="$VENV_BIN/airflow"
RUN="$HOME_DIR/run"
LOGS="$HOME_DIR/logs"
PG_DATA="$HOME_DIR/pg"
PG_RUN="$HOME_DIR/pgrun" # socket and server log, owned by the PostgreSQL user
REDIS_DIR="$HOME_DIR/redis"
PG_USER=postgres
WAIT_S="${TW_CELERY_WAIT_S:-300}"

say() { printf 'airflow-celery: %s\n' "$*" >&2; }

# -- Debian packages ------------------------------------------------------------------------

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

ensure_packages() {
    local missing=()
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    pg_bindir >/dev/null || missing+=(postgresql)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        say "installing ${missing[*]} (Debian packages)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$HOME_DIR/apt.log" 2>&1 || {
            apt-get update -qq >>"$HOME_DIR/apt.log" 2>&1
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$HOME_DIR/apt.log" 2>&1
        }
        # The packages' own services are not ours: the deployment runs private instances.
        return 0
    fi
    say "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
    exit 3
}

# As root, PostgreSQL runs as the `postgres` system user (postgres and initdb refuse root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

# As root, PostgreSQL runs as `postgres`, which must reach its folders: a deployment folder under a
# private directory (e.g. /root/...) keeps its PostgreSQL data under /var/tmp instead.
pg_place() {
    if [ "$(id -u)" = 0 ] && id "$PG_USER" >/dev/null 2>&1 &&
        ! runuser -u "$PG_USER" -- test -x "$HOME_DIR"; then
        local base
        base="/var/tmp/tablewatch-celery-$(printf %s "$HOME_DIR" | cksum | cut -d' ' -f1)"
        PG_DATA="$base/pg"
        PG_RUN="$base/pgrun"
    fi
}

# -- ports, secrets, environment -------------------------------------------------------------

free_port() {
    "$VENV_BIN/python" - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

write_ports() {
    [ -f "$HOME_DIR/ports.env" ] && return 0
    {
        echo "PG_PORT=$(free_port)"
        echo "REDIS_PORT=$(free_port)"
        echo "API_PORT=$(free_port)"
        echo "LOG_PORT=$(free_port)"
        echo "JWT_SECRET=$("$VENV_BIN/python" -c 'import secrets; print(secrets.token_hex(32))')"
        echo "API_SECRET=$("$VENV_BIN/python" -c 'import secrets; print(secrets.token_hex(32))')"
    } >"$HOME_DIR/ports.env.tmp"
    mv "$HOME_DIR/ports.env.tmp" "$HOME_DIR/ports.env"
}

load_env() {
    write_ports
    # shellcheck disable=SC1091
    . "$HOME_DIR/ports.env"
    local db="postgresql+psycopg2://$PG_USER@127.0.0.1:$PG_PORT/airflow"
    export AIRFLOW_HOME="$HOME_DIR/airflow"
    export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-CeleryExecutor}"
    export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$REPO/dags}"
    export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://127.0.0.1:$API_PORT/execution/}"
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS:-True}"
    export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$db"
    export AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql+psycopg2://$PG_USER@127.0.0.1:$PG_PORT/airflow"
    export AIRFLOW__CELERY__WORKER_CONCURRENCY="$CONCURRENCY"
    export AIRFLOW__API__HOST=127.0.0.1
    export AIRFLOW__API__PORT="$API_PORT"
    export AIRFLOW__API__BASE_URL="http://127.0.0.1:$API_PORT"
    export AIRFLOW__API__SECRET_KEY="$API_SECRET"
    export AIRFLOW__API_AUTH__JWT_SECRET="$JWT_SECRET"
    export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$LOG_PORT"
}

print_env() {
    load_env
    local v
    for v in $(compgen -e | grep -E '^AIRFLOW(_HOME|__)' | sort); do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
}

# -- processes ------------------------------------------------------------------------------

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pid_of() { [ -f "$RUN/$1.pid" ] && cat "$RUN/$1.pid" || true; }

# Start "$@" as component $1 in its own session (so its process group can be stopped whole).
# An existing PID file whose process is alive means it already runs; a stale one is removed.
spawn() {
    local name=$1
    shift
    local pid
    pid="$(pid_of "$name")"
    if alive "$pid"; then
        say "$name already running (pid $pid)"
        return 0
    fi
    rm -f "$RUN/$name.pid"
    setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
    say "$name started (pid $!, log $LOGS/$name.log)"
}

components() {
    local i
    echo scheduler dag-processor api-server
    for ((i = 1; i <= WORKERS; i++)); do echo "worker$i"; done
}

# Worker PID files beyond the current TW_CELERY_WORKERS (from an earlier start with more).
all_airflow_pidfiles() {
    ls "$RUN"/*.pid 2>/dev/null | grep -v -e '/redis.pid$' | xargs -r -n1 basename | sed 's/\.pid$//' || true
}

start_postgres() {
    local bin
    bin="$(pg_bindir)"
    mkdir -p "$PG_DATA" "$PG_RUN" "$LOGS"
    if [ "$(id -u)" = 0 ]; then chown "$PG_USER" "$PG_DATA" "$PG_RUN"; fi
    chmod 700 "$PG_DATA"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        say "initdb $PG_DATA"
        as_pg "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" -A trust -E UTF8 >"$LOGS/initdb.log" 2>&1
    fi
    if as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        say "postgresql already running"
    else
        # pg_ctl removes a stale postmaster.pid itself (it checks whether that process lives).
        as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_RUN/postgres.log" -w -t 60 \
            -o "-p $PG_PORT -k $PG_RUN -c listen_addresses=127.0.0.1" start >/dev/null
        say "postgresql started on 127.0.0.1:$PG_PORT"
    fi
    if ! "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
        "select 1 from pg_database where datname = 'airflow'" | grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" airflow
    fi
}

start_redis() {
    mkdir -p "$REDIS_DIR" "$RUN" "$LOGS"
    local pid
    pid="$(pid_of redis)"
    if alive "$pid"; then
        say "redis already running (pid $pid)"
        return 0
    fi
    rm -f "$RUN/redis.pid"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log" --save "" \
        --appendonly no
    local i
    for ((i = 0; i < 50; i++)); do
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
        sleep 0.2
    done
    say "redis started on 127.0.0.1:$REDIS_PORT"
}

wait_ready() {
    local deadline=$((SECONDS + WAIT_S)) name
    until "$VENV_BIN/python" -c "import sys, urllib.request
sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$API_PORT/api/v2/monitor/health', timeout=5).status == 200 else 1)" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || { say "API server not healthy after ${WAIT_S}s: see $LOGS/api-server.log"; return 1; }
        alive "$(pid_of api-server)" || { say "API server exited: see $LOGS/api-server.log"; return 1; }
        sleep 2
    done
    for name in $(components); do
        [[ $name == worker* ]] || continue
        until grep -q "ready\." "$LOGS/$name.log" 2>/dev/null; do
            [ $SECONDS -lt $deadline ] || { say "$name not ready after ${WAIT_S}s"; return 1; }
            alive "$(pid_of "$name")" || { say "$name exited: see $LOGS/$name.log"; return 1; }
            sleep 1
        done
    done
    say "ready: API http://127.0.0.1:$API_PORT, $WORKERS Celery worker(s)"
}

cmd_start() {
    ensure_packages
    pg_place
    load_env
    mkdir -p "$RUN" "$LOGS" "$AIRFLOW_HOME"
    start_postgres
    start_redis
    # Migrate once per Airflow version (the stamp names it): a restart skips the slow CLI calls.
    local version
    version="$("$VENV_BIN/python" -c 'import importlib.metadata as m; print(m.version("apache-airflow-core"))')"
    if [ "$(cat "$HOME_DIR/migrated" 2>/dev/null)" != "$version" ]; then
        say "airflow db migrate"
        "$AIRFLOW" db migrate >>"$LOGS/migrate.log" 2>&1
        "$AIRFLOW" pools set tablewatch_duckdb_writer 1 "single DuckDB writer" >>"$LOGS/migrate.log" 2>&1
        echo "$version" >"$HOME_DIR/migrated"
    fi
    spawn scheduler "$AIRFLOW" scheduler
    spawn dag-processor "$AIRFLOW" dag-processor
    spawn api-server "$AIRFLOW" api-server --host 127.0.0.1 --port "$API_PORT"
    local i
    for ((i = 1; i <= WORKERS; i++)); do
        # Logs are read from the shared AIRFLOW_HOME, so no worker opens a log-serving port.
        spawn "worker$i" "$AIRFLOW" celery worker --celery-hostname "worker$i@%h" \
            --concurrency "$CONCURRENCY" --skip-serve-logs --without-gossip --without-mingle
    done
    wait_ready
}

# SIGTERM to the process group, then SIGKILL what is still there after a grace period.
stop_group() {
    local name=$1 pid
    pid="$(pid_of "$name")"
    [ -n "$pid" ] || return 0
    if alive "$pid" || pgrep -g "$pid" >/dev/null 2>&1; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        local i
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

cmd_stop() {
    load_env
    pg_place
    local name left=0
    # Workers first (they finish nothing new), then the API server, DAG processor, scheduler.
    for name in $(all_airflow_pidfiles | sort -r); do
        stop_group "$name"
    done
    local pid
    pid="$(pid_of redis)"
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 40); do alive "$pid" || break; sleep 0.25; done
        alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
        say "redis stopped"
    fi
    rm -f "$RUN/redis.pid"
    if [ -f "$PG_DATA/PG_VERSION" ] && pg_bindir >/dev/null; then
        if as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
            as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
            say "postgresql stopped"
        fi
    fi
    # Nothing may be left: any process still holding a file of this deployment's home is listed.
    local leftovers
    leftovers="$(leftover_pids)"
    if [ -n "$leftovers" ]; then
        say "still running after stop: $leftovers"
        left=1
    fi
    return $left
}

# PIDs of processes whose environment or command line names this deployment's home.
leftover_pids() {
    local p out=()
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ "$p" = $$ ] && continue
        if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "AIRFLOW_HOME=$HOME_DIR/airflow" ||
            { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF "$HOME_DIR/"; then
            out+=("$p")
        fi
    done
    echo "${out[*]:-}"
}

cmd_status() {
    load_env
    pg_place
    local ok=0 name pid
    pid="$(pid_of redis)"
    if alive "$pid"; then echo "redis         running  pid $pid  127.0.0.1:$REDIS_PORT"; else echo "redis         stopped"; ok=1; fi
    if [ -f "$PG_DATA/PG_VERSION" ] && pg_bindir >/dev/null && as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        echo "postgresql    running  pid $(head -1 "$PG_DATA/postmaster.pid")  127.0.0.1:$PG_PORT"
    else
        echo "postgresql    stopped"
        ok=1
    fi
    for name in $(components); do
        pid="$(pid_of "$name")"
        if alive "$pid"; then
            printf '%-13s running  pid %s\n' "$name" "$pid"
        else
            printf '%-13s stopped%s\n' "$name" "${pid:+ (stale pid file $pid)}"
            ok=1
        fi
    done
    return $ok
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) print_env ;;
run)
    trap 'cmd_stop' EXIT
    trap 'exit 130' INT TERM
    cmd_start
    say "Ctrl-C stops everything"
    while true; do sleep 3600; done
    ;;
*)
    echo "usage: $0 start|stop|status|env|run" >&2
    exit 2
    ;;
esac
