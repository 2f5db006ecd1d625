# service.sh: what scripts/mlflow-server.sh and scripts/evidently-ui.sh share: a Python service run
# in its own session on a free loopback port, with a pid file and a URL file in a run directory.
# Sourced, not run. The sourcing script sets $dir, $pidfile, $urlfile, $py (a python for the port
# probe) and defines log MESSAGE and healthy URL.

# svc_alive: the recorded process group still has a live leader.
svc_alive() {
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# svc_stop: end the service's whole process group (the leader may leave workers behind), TERM first.
svc_stop() {
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$pid" 2>/dev/null; then
        log "service $pid ignored SIGTERM for 10s; killing it"
      fi
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile" "$urlfile"
}

# svc_start TIMEOUT DESCRIPTION COMMAND [ARGS...]: start COMMAND ARGS --port P on a free loopback port
# P, wait until healthy answers, print the URL and exit 0; on failure print the log's tail and exit 1.
# Another process can take the free port before the service binds it, so a service that dies with
# "address already in use" is retried on a fresh port, three times at most.
svc_start() {
  local timeout=$1 what=$2
  shift 2
  local start_ts port url pid attempt
  start_ts=$(date +%s)
  for attempt in 1 2 3; do
    port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    url="http://127.0.0.1:$port"
    # setsid: the service leads its own process group, so svc_stop ends it and its workers.
    setsid "$@" --port "$port" >"$dir/server.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
    while kill -0 "$pid" 2>/dev/null; do
      if healthy "$url"; then
        echo "$url" >"$urlfile"
        log "started $url (pid $pid, $what, $(($(date +%s) - start_ts))s, log $dir/server.log)"
        echo "$url"
        exit 0
      fi
      if [ $(($(date +%s) - start_ts)) -ge "$timeout" ]; then
        log "no healthy answer from $url after ${timeout}s; last log lines:"
        tail -n 30 "$dir/server.log" >&2
        svc_stop
        exit 1
      fi
      sleep 0.5
    done
    rm -f "$pidfile"
    if ! grep -qi "address already in use" "$dir/server.log"; then
      log "service exited during start; last log lines:"
      tail -n 15 "$dir/server.log" >&2
      exit 1
    fi
    log "port $port was taken meanwhile (attempt $attempt); retrying on another"
  done
  exit 1
}
