# shellcheck shell=bash
# Small helpers shared by hack/env.sh. Sourced, not executed.

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# show_log FILE [N]: print the last N lines of a log to stderr.
show_log() {
  local f=$1 n=${2:-40}
  if [[ -s "$f" ]]; then
    printf -- '--- last %s lines of %s ---\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2
    printf -- '---\n' >&2
  fi
}

# run_logged LOG CMD...: run CMD with output appended to LOG; on failure show the log and exit.
run_logged() {
  local logf=$1; shift
  mkdir -p "$(dirname "$logf")"
  printf '+ %s\n' "$*" >>"$logf"
  if ! "$@" >>"$logf" 2>&1; then
    show_log "$logf"
    die "command failed: $* (full log: $logf)"
  fi
}

# pid_alive PIDFILE: true when the file names a live process.
pid_alive() {
  local pf=$1 pid
  [[ -s "$pf" ]] || return 1
  pid=$(cat "$pf")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A zombie (exited, not yet reaped) counts as dead.
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}

# stale_binary PIDFILE: true when the process runs a binary that has since been replaced
# (e.g. a tool was rebuilt with a new recipe); `up` restarts such daemons.
stale_binary() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == *" (deleted)" ]]
}

# stop_pidfile NAME PIDFILE: TERM the process group, wait, then KILL; remove the pid file.
stop_pidfile() {
  local name=$1 pf=$2 pid i
  if ! pid_alive "$pf"; then
    rm -f "$pf"
    return 0
  fi
  pid=$(cat "$pf")
  log "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    pid_alive "$pf" || break
    sleep 0.1
  done
  if pid_alive "$pf"; then
    warn "$name did not stop after 15s; killing"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pf"
}

# take_lock FILE: serialize hack/env.sh runs that share the cache/state (held until exit).
take_lock() {
  local f=$1
  mkdir -p "$(dirname "$f")"
  exec 9>"$f"
  if ! flock -n 9; then
    log "waiting for another hack/env.sh run (lock $f)"
    flock 9
  fi
}

# spawn PIDFILE LOG CMD...: start CMD in its own session (process group == pid).
spawn() {
  local pf=$1 logf=$2; shift 2
  mkdir -p "$(dirname "$logf")"
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logf"
  # 9>&-: daemons must not inherit the hack/env.sh lock (see take_lock).
  setsid "$@" </dev/null >>"$logf" 2>&1 9>&- &
  echo $! >"$pf"
}
