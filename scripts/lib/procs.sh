# shellcheck shell=bash
# Sourced by scripts/up and scripts/down: the demo processes that scripts/up starts, tracked by
# pid files under .run/ and logs under .run/logs/. Only processes named in those pid files are
# ever signalled, and only while they still run the binary that was started.

CX_RUN_DIR=${CX_RUN_DIR:-.run}
CX_LOG_DIR=$CX_RUN_DIR/logs
# Start order; scripts/down stops in reverse so the worker drains before its peers go away.
CX_PROCS=(cxrelay-sim cxrelay-ingress cxrelay-worker)
# Extra arguments of every started binary (scripts/up puts `--config FILE` here).
declare -p CX_START_ARGS >/dev/null 2>&1 || CX_START_ARGS=()

cx_pid_file() { printf '%s/%s.pid\n' "$CX_RUN_DIR" "$1"; }
cx_log_file() { printf '%s/%s.log\n' "$CX_LOG_DIR" "$1"; }

# The pid recorded for NAME when that process still runs the NAME binary; empty otherwise.
cx_running_pid() {
  local name=$1 file pid
  file=$(cx_pid_file "$name")
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  # A stale pid may since belong to another program: check what it runs before trusting it.
  if [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ]; then
    printf '%s\n' "$pid"
  fi
}

# Starts NAME (a path to a binary) in its own session, in the background, logging to .run/logs.
# Prints the pid.
cx_start() {
  local bin=$1 name
  name=$(basename "$bin")
  mkdir -p "$CX_LOG_DIR"
  local pid_file log_file
  pid_file=$(cx_pid_file "$name")
  log_file=$(cx_log_file "$name")
  rm -f "$pid_file"
  printf -- '--- %s started by scripts/up at %s ---\n' "$name" "$(date -Is)" >>"$log_file"
  # setsid: the process outlives this script and the terminal. The inner shell writes its own
  # pid and then becomes the binary, so the pid file names the binary whether or not setsid forks.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$bin" "${CX_START_ARGS[@]}" \
    >>"$log_file" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 50; i++)); do
    [ -s "$pid_file" ] && break
    sleep 0.1
  done
  cat "$pid_file"
}

# Stops NAME if scripts/up started it: SIGTERM, up to 15 s to drain, then SIGKILL.
cx_stop() {
  local name=$1 pid i
  pid=$(cx_running_pid "$name")
  if [ -z "$pid" ]; then
    rm -f "$(cx_pid_file "$name")"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    cx_warn "$name (pid $pid) did not stop within 15 s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(cx_pid_file "$name")"
  cx_say "stopped $name (pid $pid)"
}

# Stops every process scripts/up started, newest first. Prints what it stopped.
cx_stop_all() {
  local i stopped=0
  for ((i = ${#CX_PROCS[@]} - 1; i >= 0; i--)); do
    if [ -n "$(cx_running_pid "${CX_PROCS[i]}")" ]; then
      stopped=1
    fi
    cx_stop "${CX_PROCS[i]}"
  done
  [ "$stopped" = 1 ] || cx_say "nothing started by scripts/up is running"
}
