#!/usr/bin/env bash
# superset.sh start|stop|status: a real Apache Superset 6.1.0 stack on loopback, for the Superset
# connector's tests and the native demo.
#
#   scripts/superset.sh start     start (or find running) the stack; prints URL, login, run dir, logs
#   set -a; . "$SUPERSET_RUN_DIR/superset.env"; set +a   SUPERSET_URL, _USER, _PASSWORD, _PG_URI, ports, venv
#   scripts/superset.sh status    what runs (exit 0 only when everything runs)
#   scripts/superset.sh stop      stop everything start started
#   "$SUPERSET_VENV/bin/python" superset/superset_api.py --help   REST helper (databases, bundles, alerts)
#
# The stack, all bound to 127.0.0.1, all under the run directory:
#   PostgreSQL  private cluster (metadata DB; Alerts & Reports fail on SQLite), run as the postgres
#               user when this script runs as root (PostgreSQL refuses root), free port, its unix
#               socket beside its data
#   Redis       redis-server, free port, no persistence (Celery broker and results, caches)
#   web         gunicorn "superset.app:create_app()" on SUPERSET_PORT or a free port
#   worker      Celery worker (concurrency 2): alert/report runs, async SQL Lab
#   beat        Celery beat: reports.scheduler every minute, reports.prune_log daily
# with superset/superset_config.py (SUPERSET_CONFIG_PATH) reading what this script exports.
#
# The metadata DB is initialised (`superset db upgrade` + `superset init`, minutes) once into a
# template cluster under ${DTE_CACHE:-~/.cache/dte-trust}/seed/superset-<hash>/ (keyed by the
# requirements, the config and the PostgreSQL version) and copied fresh on every start, so every
# start begins with an empty Superset; the admin user is created on each start.
# Missing postgresql or redis-server packages are installed with apt-get (root only, logged).
# python/dte-trust-superset, when present in this checkout, is pip-installed (--no-deps) into the
# venv and reinstalled when its sources or the checkout path change.
#
# Environment (optional):
#   SUPERSET_RUN_DIR          run directory (default ${DTE_CACHE:-~/.cache/dte-trust}/run/superset)
#   SUPERSET_PORT             web port (default: a free loopback port)
#   SUPERSET_ADMIN_USER       admin login (default admin)
#   SUPERSET_ADMIN_PASSWORD   admin password (default admin; tests pass their own)
#   SUPERSET_START_TIMEOUT    seconds to wait for /health (default 240)
set -euo pipefail
cmd=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${DTE_CACHE:-$HOME/.cache/dte-trust}
dir=${SUPERSET_RUN_DIR:-$cache/run/superset}
logs=$dir/logs
pids=$dir/pids
envfile=$dir/superset.env
services=(beat worker web redis)

log() { echo "superset.sh: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# tail_log NAME: the last lines of a component's log, after a failure.
tail_log() {
  local f=$logs/$1.log
  if [ -e "$f" ]; then
    log "last lines of $f:"
    tail -n 40 "$f" >&2 || true
  fi
}

# ---------------------------------------------------------------- processes

# pid_alive PID: PID runs. A killed process lingers as a zombie (kill -0 still succeeds) until
# its parent reaps it; our services' parent is init, which here reaps late, so zombies count as dead.
pid_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

# alive NAME: the process group recorded in pids/NAME.pid still has its leader.
alive() {
  [ -f "$pids/$1.pid" ] && pid_alive "$(cat "$pids/$1.pid")"
}

# spawn NAME COMMAND [ARGS...]: run COMMAND in its own session (so stop ends its children too),
# output to logs/NAME.log, pid to pids/NAME.pid.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pids/$name.pid"
}

# end NAME: TERM the process group, KILL it after 15 s.
end() {
  local name=$1 pid
  [ -f "$pids/$name.pid" ] || return 0
  pid=$(cat "$pids/$name.pid")
  if pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "$name ($pid) ignored SIGTERM for 15 s; killing it"
    fi
    # Also reaps what the leader left behind (gunicorn or Celery children).
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pids/$name.pid"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- PostgreSQL

# pg_bindir: the newest installed PostgreSQL server's bin directory (Debian layout), or nothing.
pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; fi
}

# as_pg COMMAND...: run a PostgreSQL server command as the postgres user when we are root
# ("initdb: error: cannot be run as root"), else as ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    # cd /: the postgres user cannot stat a working directory under /root.
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# pg_home DIR: a directory for a cluster that the server's user can reach. As root, a run dir under
# /root (mode 0700) is out of the postgres user's reach ("could not change directory ... Permission
# denied"), so the cluster then lives under /var/tmp, named after DIR, with DIR/pg a symlink to it.
pg_home() {
  local want=$1/pg
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$1" 2>/dev/null; then
    mkdir -p "$want"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$want"
    echo "$want"
    return
  fi
  local ext
  ext=/var/tmp/dte-trust-superset-pg-$(printf %s "$1" | sha256sum | cut -c1-12)
  mkdir -p "$ext"
  chown postgres:postgres "$ext"
  chmod 0700 "$ext"
  if [ ! -L "$want" ] || [ "$(readlink "$want")" != "$ext" ]; then
    rm -rf "$want"
    ln -s "$ext" "$want"
  fi
  echo "$ext"
}

# pg_start HOME PORT: start the cluster HOME/data on 127.0.0.1:PORT, socket in HOME/socket, log
# HOME/postgres.log; pg_ctl -w waits until it accepts connections.
pg_start() {
  local home=$1 port=$2
  as_pg mkdir -p "$home/socket"
  if ! as_pg "$pgbin/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w -t 60 \
    -o "-p $port -k $home/socket -c listen_addresses=127.0.0.1" start >/dev/null; then
    log "PostgreSQL did not start; last lines of $home/postgres.log:"
    tail -n 30 "$home/postgres.log" >&2 || true
    return 1
  fi
}

pg_stop() {
  local home=$1
  [ -f "$home/data/postmaster.pid" ] || return 0
  as_pg "$pgbin/pg_ctl" -D "$home/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# pg_running: the run dir's cluster runs. Paths are resolved first: DIR/pg may be a symlink under
# /root, which the postgres user cannot follow.
pg_running() {
  local home
  home=$(readlink -f "$dir/pg" 2>/dev/null) || return 1
  [ -n "${pgbin:-}" ] && [ -d "$home/data" ] && as_pg "$pgbin/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

# ---------------------------------------------------------------- set-up steps

# ensure_packages: PostgreSQL server and redis-server, installed with apt-get only when missing.
ensure_packages() {
  local missing=()
  [ -n "$(pg_bindir)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} = 0 ] && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) and retry"
  log "installing missing ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet; update once and retry then.
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$logs/apt.log" 2>&1; then
    apt-get update >>"$logs/apt.log" 2>&1 || true
    apt-get install -y --no-install-recommends "${missing[@]}" >>"$logs/apt.log" 2>&1 ||
      { tail_log apt; die "apt-get install ${missing[*]} failed"; }
  fi
  [ -n "$(pg_bindir)" ] && command -v redis-server >/dev/null || die "installed ${missing[*]} but still missing them"
}

# PostgreSQL refuses to run as root; as root the cluster runs as the postgres user the Debian
# package creates.
ensure_pg_user() {
  [ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1 ||
    die "running as root, but there is no postgres user to run PostgreSQL as (install the postgresql package)"
}

# install_connector: python/dte-trust-superset into the venv (--no-deps: its dependencies are the
# venv's pins), again when its sources or the checkout changed (stamp in the venv).
install_connector() {
  local pkg=$root/python/dte-trust-superset stamp want
  [ -d "$pkg" ] || return 0
  stamp=$venv/.dte-trust-superset.stamp
  want=$(
    cd "$pkg"
    echo "$pkg"
    find . -type f ! -path '*/__pycache__/*' ! -path '*.egg-info/*' ! -path './build/*' \
      ! -path './dist/*' ! -path './.pytest_cache/*' ! -path './.mypy_cache/*' -print0 |
      LC_ALL=C sort -z | xargs -0 -r sha256sum
  )
  want=$(printf '%s' "$want" | sha256sum | cut -c1-16)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  log "installing python/dte-trust-superset into $venv (pip install --no-deps)"
  (
    flock 9
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$pkg" \
      >"$logs/pip.log" 2>&1 || { tail_log pip; exit 1; }
  ) 9>"$venv/.dte-trust-superset.lock" || die "pip install of $pkg failed"
  echo "$want" >"$stamp"
}

# superset_env KEYFILE DB_URI REDIS_URL BASE_URL: what superset/superset_config.py reads.
superset_env() {
  export SUPERSET_CONFIG_PATH=$root/superset/superset_config.py
  export DTE_SUPERSET_SECRET_KEY_FILE=$1 DTE_SUPERSET_DB_URI=$2 DTE_SUPERSET_REDIS_URL=$3 DTE_SUPERSET_URL=$4
  # Superset's DATA_DIR (uploads, its default SQLite files) in the run dir, not ~/.superset.
  export SUPERSET_HOME=$dir/home
  export FLASK_APP=superset PYTHONUNBUFFERED=1 SCARF_ANALYTICS=false
  mkdir -p "$SUPERSET_HOME"
}

# seed: print the template directory (pgdata/ initialised by `superset db upgrade` and `superset
# init`, and pg.password), creating it once under a lock.
seed() {
  local hash tdir tmp scratch port pw t0 rc
  hash=$(cat "$root/python/requirements/superset.txt" "$root/superset/superset_config.py" |
    { cat; "$pgbin/postgres" --version; } | sha256sum | cut -c1-12)
  tdir=$cache/seed/superset-$hash
  mkdir -p "$cache/seed"
  exec 8>"$cache/seed/.superset.lock"
  flock 8
  if [ ! -f "$tdir/.complete" ]; then
    log "initialising the Superset metadata template $tdir (db upgrade + init, about half a minute, once)"
    t0=$(date +%s)
    tmp=$(mktemp -d "$cache/seed/.superset-$hash.XXXXXX")
    scratch=$(pg_home "$tmp")
    pw=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(16))')
    (umask 077 && echo "$pw" >"$tmp/pg.password")
    as_pg sh -c "umask 077 && echo '$pw' >'$scratch/pwfile'"
    as_pg "$pgbin/initdb" -D "$scratch/data" -U superset --pwfile="$scratch/pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      >"$logs/seed.log" 2>&1 || { tail_log seed; die "initdb failed"; }
    port=$(free_port)
    pg_start "$scratch" "$port" || die "template PostgreSQL did not start"
    rc=0
    (
      export PGPASSWORD=$pw
      "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U superset superset
      (umask 077 && "$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))' >"$tmp/seed_key")
      # Redis is not needed by db upgrade and init; the config only demands a URL.
      superset_env "$tmp/seed_key" "postgresql+psycopg2://superset:$pw@127.0.0.1:$port/superset" \
        redis://127.0.0.1:9 http://127.0.0.1:8088
      "$venv/bin/superset" db upgrade
      "$venv/bin/superset" init
    ) >>"$logs/seed.log" 2>&1 || rc=$?
    pg_stop "$scratch"
    if [ "$rc" != 0 ]; then
      tail_log seed
      rm -rf "$tmp" "$(readlink -f "$tmp/pg")"
      die "initialising the metadata template failed (log $logs/seed.log)"
    fi
    rm -f "$scratch/data/postmaster.opts" "$scratch/pwfile" "$tmp/seed_key"
    # The template itself is plain files: copied, never served, so it may live under /root.
    if [ -L "$tmp/pg" ]; then
      cp -a "$scratch/data" "$tmp/pgdata"
      rm -rf "$scratch" "$tmp/pg"
    else
      mv "$scratch/data" "$tmp/pgdata"
      rm -rf "$tmp/pg"
    fi
    touch "$tmp/.complete"
    rm -rf "$tdir"
    mv "$tmp" "$tdir"
    log "metadata template ready in $(($(date +%s) - t0)) s"
  fi
  exec 8>&-
  echo "$tdir"
}

healthy() {
  "$venv/bin/python" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/health", timeout=3) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

redis_ping() {
  python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
EOF
}

# ---------------------------------------------------------------- commands

all_running() {
  local s
  for s in "${services[@]}"; do alive "$s" || return 1; done
  pg_running && [ -f "$envfile" ]
}

stop() {
  local s
  for s in "${services[@]}"; do end "$s"; done
  if [ -n "${pgbin:-}" ] && [ -e "$dir/pg/data" ]; then
    local home
    home=$(readlink -f "$dir/pg")
    pg_stop "$home"
    # The cluster is a copy of the template, made fresh on every start.
    rm -rf "$home" "$dir/pg"
  fi
  rm -f "$envfile"
}

status() {
  local s rc=0
  for s in "${services[@]}"; do
    if alive "$s"; then echo "$s: running (pid $(cat "$pids/$s.pid"))"; else echo "$s: stopped"; rc=1; fi
  done
  if pg_running; then echo "postgres: running ($(readlink -f "$dir/pg")/data)"; else echo "postgres: stopped"; rc=1; fi
  if [ "$rc" = 0 ]; then
    # shellcheck disable=SC1090
    . "$envfile"
    echo "url: $SUPERSET_URL (login $SUPERSET_USER)"
  fi
  return "$rc"
}

print_info() {
  # shellcheck disable=SC1090
  . "$envfile"
  cat >&2 <<EOF

Apache Superset $SUPERSET_VERSION is up:
  URL        $SUPERSET_URL   (login $SUPERSET_USER / $SUPERSET_PASSWORD)
  Run dir    $dir   (env file $envfile)
  Logs       $logs/{web,worker,beat,redis}.log, $dir/pg/postgres.log
  REST       $SUPERSET_VENV/bin/python $root/superset/superset_api.py --help
  Stop       scripts/superset.sh stop
EOF
  echo "$SUPERSET_URL"
}

start() {
  local t0 tdir home pg_port redis_port web_port url key user password dburi s pw admin_pid
  t0=$(date +%s)
  venv=$("$root/scripts/venv.sh" superset)
  pgbin=$(pg_bindir)
  if all_running; then
    # shellcheck disable=SC1090
    if (. "$envfile" && healthy "$SUPERSET_URL"); then
      log "already running in $dir"
      print_info
      return 0
    fi
  fi
  stop
  mkdir -p "$logs" "$pids" "$dir/celery" "$dir/redis"
  ensure_packages
  ensure_pg_user
  pgbin=$(pg_bindir)
  install_connector
  tdir=$(seed)

  user=${SUPERSET_ADMIN_USER:-admin}
  password=${SUPERSET_ADMIN_PASSWORD:-admin}
  key=$dir/secret_key
  if [ ! -s "$key" ]; then
    (umask 077 && "$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$key")
  fi
  chmod 0600 "$key"

  web_port=${SUPERSET_PORT:-$(free_port)}
  url="http://127.0.0.1:$web_port"
  python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$web_port" 2>/dev/null ||
    die "port $web_port (SUPERSET_PORT) is taken"

  # PostgreSQL: a fresh copy of the template cluster.
  home=$(pg_home "$dir")
  rm -rf "$home/data"
  cp -a "$tdir/pgdata" "$home/data"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$home/data"
  chmod 0700 "$home/data"
  pw=$(cat "$tdir/pg.password")
  pg_port=$(free_port)
  pg_start "$home" "$pg_port" || die "PostgreSQL did not start"
  ln -sf "$home/postgres.log" "$logs/postgres.log"
  dburi="postgresql+psycopg2://superset:$pw@127.0.0.1:$pg_port/superset"

  # Redis: no RDB snapshots, no AOF; its working dir in the run dir.
  redis_port=$(free_port)
  spawn redis redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir "$dir/redis" --daemonize no --protected-mode yes
  for _ in $(seq 1 50); do
    redis_ping "$redis_port" && break
    alive redis || { tail_log redis; stop; die "redis-server exited"; }
    sleep 0.1
  done
  redis_ping "$redis_port" || { tail_log redis; stop; die "redis-server does not answer PING"; }

  superset_env "$key" "$dburi" "redis://127.0.0.1:$redis_port" "$url"

  # The admin user, beside the web server's start (both boot the app, ~10 s each).
  "$venv/bin/superset" fab create-admin --username "$user" --firstname Superset --lastname Admin \
    --email "$user@localhost.localdomain" --password "$password" >"$logs/create-admin.log" 2>&1 &
  admin_pid=$!

  # One gthread worker: the stack is for tests and a demo, and each worker costs ~300 MB.
  # --timeout 120: SQL Lab's synchronous queries and CSV exports hold a thread that long at most.
  spawn web "$venv/bin/gunicorn" --bind "127.0.0.1:$web_port" --workers 1 --worker-class gthread \
    --threads 8 --timeout 120 --limit-request-line 0 --limit-request-field_size 0 \
    "superset.app:create_app()"
  # Known noise in worker.log: after every task 'Signal handler <function teardown ...> raised:
  # RuntimeError('Working outside of application context.')' (apache/superset#36892, fixed after
  # 6.1.0 by #37574); the tasks themselves succeed. As root, Celery also warns "You're running the
  # worker with superuser privileges"; harmless here (JSON serialisation, loopback broker).
  spawn worker "$venv/bin/celery" --app=superset.tasks.celery_app:app worker --concurrency=2 \
    --pool=prefork -O fair --loglevel=INFO --hostname "dte-trust-superset@%h"
  spawn beat "$venv/bin/celery" --app=superset.tasks.celery_app:app beat --loglevel=INFO \
    --schedule "$dir/celery/beat-schedule" --pidfile=

  if ! wait "$admin_pid"; then
    tail_log create-admin
    stop
    die "superset fab create-admin failed"
  fi
  grep -q "Admin User $user created" "$logs/create-admin.log" ||
    { tail_log create-admin; stop; die "superset fab create-admin did not create $user"; }

  local timeout=${SUPERSET_START_TIMEOUT:-240}
  until healthy "$url"; do
    for s in web worker beat; do
      alive "$s" || { tail_log "$s"; stop; die "$s exited during start"; }
    done
    if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
      tail_log web
      stop
      die "no healthy answer from $url/health after ${timeout}s"
    fi
    sleep 0.5
  done
  for s in worker beat; do
    alive "$s" || { tail_log "$s"; stop; die "$s exited during start"; }
  done

  local version
  version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("apache_superset"))')
  (
    umask 077
    {
      echo "# Written by scripts/superset.sh start; source it (sh syntax)."
      printf '%s=%q\n' SUPERSET_URL "$url" SUPERSET_USER "$user" SUPERSET_PASSWORD "$password" \
        SUPERSET_PORT "$web_port" SUPERSET_VERSION "$version" SUPERSET_VENV "$venv" \
        SUPERSET_RUN_DIR "$dir" SUPERSET_PG_PORT "$pg_port" SUPERSET_PG_URI "$dburi" \
        SUPERSET_REDIS_PORT "$redis_port" SUPERSET_REDIS_URL "redis://127.0.0.1:$redis_port" \
        SUPERSET_API "$root/superset/superset_api.py"
    } >"$envfile"
  )
  log "started in $(($(date +%s) - t0)) s"
  print_info
}

case "$cmd" in
  start) start ;;
  stop)
    pgbin=$(pg_bindir)
    stop
    log "stopped ($dir)"
    ;;
  status)
    pgbin=$(pg_bindir)
    status
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
