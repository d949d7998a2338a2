#!/usr/bin/env bash
# Throw-away PostgreSQL and Redis for tests and CI, on loopback only.
#
#   scripts/services.sh start   start both (prints the env exports on stdout)
#   scripts/services.sh env     print the env exports for the running services
#   scripts/services.sh status  say whether they are running
#   scripts/services.sh stop    stop both and delete their data
#
#   eval "$(scripts/services.sh start)" && make test
#
# PostgreSQL: a fresh cluster in a mktemp directory, trust auth, fsync=off, port
# $PG_PORT (55432), with the databases meetings_test and meetings_dev.
# Redis: port $REDIS_PORT (56379), no persistence. Both listen on 127.0.0.1 only.
# Needs the Debian packages postgresql and redis-server. As root, PostgreSQL
# runs as the postgres user (initdb refuses root); otherwise as yourself.
set -euo pipefail

PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
STATE_FILE=${SERVICES_STATE_FILE:-${TMPDIR:-/tmp}/meetings-services-$(id -u)-$PG_PORT.state}
DATABASES=(meetings_test meetings_dev)

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [[ -n $dir && -x $dir/initdb ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
  printf '%s\n' "$dir"
}

# Run a PostgreSQL server command as the right user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

print_env() {
  cat <<ENV
export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/meetings_dev
export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/meetings_test
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
ENV
}

load_state() {
  [[ -f $STATE_FILE ]] || return 1
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

pg_running() { load_state && as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }
redis_running() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start() {
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  local bin base
  bin=$(pg_bin)
  if pg_running && redis_running; then
    log "already running (data in $BASE_DIR)"
    print_env
    return 0
  fi
  [[ -f $STATE_FILE ]] && { log "stale state file, cleaning up first"; stop; }
  port_busy "$PG_PORT" && die "port $PG_PORT is in use (PG_PORT=... to choose another)"
  port_busy "$REDIS_PORT" && die "port $REDIS_PORT is in use (REDIS_PORT=... to choose another)"

  base=$(mktemp -d "${TMPDIR:-/tmp}/meetings-services.XXXXXX")
  chmod 755 "$base"   # the postgres user must reach $base/pgdata
  local data=$base/pgdata
  if [[ $(id -u) -eq 0 ]]; then
    install -d -o postgres -g postgres -m 700 "$data"
  else
    install -d -m 700 "$data"
  fi
  printf 'BASE_DIR=%q\nPGDATA_DIR=%q\n' "$base" "$data" >"$STATE_FILE"

  log "PostgreSQL: initdb in $data"
  as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
    || { cat "$base/initdb.log" >&2; die "initdb failed"; }
  log "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$data -c fsync=off" start >/dev/null \
    || { cat "$data/server.log" >&2; die "PostgreSQL did not start"; }
  for db in "${DATABASES[@]}"; do
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $db" >/dev/null
  done
  log "PostgreSQL: databases ${DATABASES[*]} created"

  log "Redis: starting on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$base" --pidfile "$base/redis.pid" --logfile "$base/redis.log" >/dev/null
  for _ in $(seq 50); do redis_running && break; sleep 0.1; done
  redis_running || { cat "$base/redis.log" >&2; die "Redis did not start"; }
  log "ready (data in $base)"
  print_env
}

stop() {
  if ! load_state; then
    log "not running (no $STATE_FILE)"
    return 0
  fi
  if [[ -d $PGDATA_DIR ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
  fi
  if redis_running; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 50); do redis_running || break; sleep 0.1; done
    log "Redis stopped"
  fi
  case $BASE_DIR in
    "${TMPDIR:-/tmp}"/meetings-services.*) rm -rf -- "$BASE_DIR" ;;
  esac
  rm -f -- "$STATE_FILE"
}

status() {
  local rc=0
  if pg_running; then log "PostgreSQL running on 127.0.0.1:$PG_PORT ($PGDATA_DIR)"; else log "PostgreSQL not running"; rc=1; fi
  if redis_running; then log "Redis running on 127.0.0.1:$REDIS_PORT"; else log "Redis not running"; rc=1; fi
  return $rc
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) status ;;
  *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
