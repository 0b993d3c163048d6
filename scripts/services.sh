#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis are listening on loopback for the test suite.
#   scripts/services.sh start   starts local servers where none is listening (installing the Debian
#                               packages if needed) and records what it started in .services/
#   scripts/services.sh stop    stops only what `start` started, by pid file / cluster name
set -euo pipefail
cd "$(dirname "$0")/.."

STATE=.services
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
DB_USER=${DB_USER:-dspt}
DB_PASSWORD=${DB_PASSWORD:-dspt}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_packages() {
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> Installing ${missing[*]} (Debian packages)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start() {
  mkdir -p "$STATE"
  if ! listening "$PG_PORT" || ! listening "$REDIS_PORT"; then
    install_packages
  fi

  if listening "$PG_PORT"; then
    echo "==> PostgreSQL already listening on 127.0.0.1:$PG_PORT"
  else
    local version cluster
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    cluster=main
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
      as_root pg_createcluster "$version" "$cluster" >/dev/null
    fi
    echo "==> Starting PostgreSQL $version ($cluster) on 127.0.0.1:$PG_PORT"
    as_root pg_ctlcluster "$version" "$cluster" start -- -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    echo "$version $cluster" > "$STATE/postgres.cluster"
    for _ in $(seq 1 50); do listening "$PG_PORT" && break; sleep 0.2; done
  fi
  if command -v runuser >/dev/null || command -v sudo >/dev/null; then
    as_postgres psql -p "$PG_PORT" -q -v ON_ERROR_STOP=1 <<SQL >/dev/null 2>&1 || true
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $DB_USER OWNER $DB_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_USER')\gexec
\c template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
SQL
  fi

  if listening "$REDIS_PORT"; then
    echo "==> Redis already listening on 127.0.0.1:$REDIS_PORT"
  else
    echo "==> Starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
      --daemonize yes --pidfile "$PWD/$STATE/redis.pid" --logfile "$PWD/$STATE/redis.log"
    for _ in $(seq 1 50); do listening "$REDIS_PORT" && break; sleep 0.1; done
  fi
}

stop() {
  if [ -f "$STATE/redis.pid" ]; then
    echo "==> Stopping the Redis this script started"
    kill -TERM "$(cat "$STATE/redis.pid")" 2>/dev/null || true
    rm -f "$STATE/redis.pid"
  fi
  if [ -f "$STATE/postgres.cluster" ]; then
    echo "==> Stopping the PostgreSQL this script started"
    read -r version cluster < "$STATE/postgres.cluster"
    as_root pg_ctlcluster "$version" "$cluster" stop -m fast || true
    rm -f "$STATE/postgres.cluster"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
