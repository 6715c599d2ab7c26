/**
 * The keeper a {@link supervisedServiceManager} starts detached for each program: a POSIX `sh`
 * script (about 1 MiB of memory, where a Node supervisor took about 40 MiB), written beside the
 * specs and run as `sh <dir>/mesh-keeper.sh <dir> <name>`. It sources `<name>.run` (written by
 * `install`) before every start, so a changed spec takes effect at the next restart. It keeps
 * `<name>.supervisor.pid` and `<name>.pid`, appends the program's output to `<name>.log`, and
 * restarts the program as `restart` says, waiting `restart_ms` doubled per quick failure (capped
 * at 10 s, reset after 30 s of good running). SIGUSR1 cuts a wait short (a repair must not
 * wait out a back-off); SIGTERM stops the program (SIGKILL after 10 s) and then the keeper.
 */
export const KEEPER_SCRIPT = `#!/bin/sh
# Written by mesh: keeps one program of the supervised fallback running. Rewritten on start.
dir=$1
name=$2
f="$dir/$name"
child=''
killer=''
sleeper=''
stopping=''
failures=0

now_ms() { echo $(( $(date +%s) * 1000 )); }
log() { printf '[mesh-keeper %s] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$f.log"; }
write_pid() { printf '%s\\n' "$2" >"$f.$1.tmp" && mv -f "$f.$1.tmp" "$f.$1"; }
stop() {
  stopping=1
  [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    (sleep 10; kill -KILL "$child" 2>/dev/null) &
    killer=$!
  fi
}
wake() { [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; }
trap stop TERM INT
trap wake USR1

# One keeper per program: a second one started by mistake leaves at once.
if [ -f "$f.supervisor.pid" ]; then
  other=$(cat "$f.supervisor.pid" 2>/dev/null)
  if [ -n "$other" ] && [ "$other" != "$$" ] && kill -0 "$other" 2>/dev/null; then exit 0; fi
fi
write_pid supervisor.pid $$
while [ -z "$stopping" ]; do
  restart=on-failure
  restart_ms=1000
# The spec is written by install, per program, so its path is known only here.
# shellcheck source=/dev/null
  . "$f.run" || { log "cannot read $f.run"; break; }
  started=$(now_ms)
  (program) </dev/null >>"$f.log" 2>&1 &
  child=$!
  write_pid pid "$child"
  log "started pid $child"
  # wait returns early when a trapped signal arrives: wait again until the program is gone.
  while :; do
    wait "$child"
    code=$?
    kill -0 "$child" 2>/dev/null || break
  done
  # <name>.pid stays until the next start: a dead pid there means "restarting".
  child=''
  [ -n "$killer" ] && kill "$killer" 2>/dev/null
  [ -n "$stopping" ] && break
  if [ "$code" -gt 128 ]; then log "exited signal $((code - 128))"; else log "exited $code"; fi
  case $restart in
    no) break ;;
    on-failure) [ "$code" -eq 0 ] && break ;;
  esac
  [ $(( $(now_ms) - started )) -gt 30000 ] && failures=0
  delay=$restart_ms
  i=0
  while [ "$i" -lt "$failures" ] && [ "$delay" -lt 10000 ]; do delay=$((delay * 2)); i=$((i + 1)); done
  [ "$delay" -gt 10000 ] && delay=10000
  failures=$((failures + 1))
  sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))" &
  sleeper=$!
  wait "$sleeper"
  sleeper=''
done
rm -f "$f.pid" "$f.supervisor.pid"
`;
