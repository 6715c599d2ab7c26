#!/usr/bin/env bash
# Mesh end to end on one Linux machine (root). Installs the pinned tools and builds, starts a lab
# of three bare hosts (network namespaces named server, wsl and windows; nothing running in
# them), then does what a person does on three real machines, with the built `mesh` CLI:
#
#   server:       mesh server setup; mesh server keygen (the key goes to a 0600 file)
#   wsl, windows: mesh client setup --server URL --key-file FILE
#   nobody runs mesh peer: the mesh agents pair; files written on each host appear on the other two
#   every host:   mesh status; server: mesh server status
#
# It prints each phase's time and, per client, the time from `mesh client setup` starting to the
# server's first file arriving there. The lab is torn down at the end, on failure and on Ctrl-C;
# the exit status is non-zero if any step failed.
#
#   sudo bash scripts/demo.sh                      # everything, from a fresh clone
#   MESH_DEMO_SKIP_SETUP=1 bash scripts/demo.sh    # tools installed and build done already
#   MESH_DEMO_KEEP=1 bash scripts/demo.sh          # leave the lab up (then: pnpm lab down ID)
#   MESH_DEMO_MACHINES=systemd bash scripts/demo.sh  # hosts are booted Debian 12 machines (systemd)
#   MESH_DEMO_CLIENTS=c1,c2,c3 bash scripts/demo.sh    # other client hosts (bare hosts only)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

SERVER_URL=http://10.99.0.1:8080 # the lab's server host; headscale listens there
IFS=, read -ra CLIENTS <<<"${MESH_DEMO_CLIENTS:-wsl,windows}" # the client hosts, by name
HOSTS=(server "${CLIENTS[@]}")
SYNC_TIMEOUT=${MESH_DEMO_SYNC_TIMEOUT:-180} # seconds to wait for a file to arrive
MACHINES=${MESH_DEMO_MACHINES:-bare}         # bare namespaces, or systemd machines
[[ $MACHINES == bare || $MACHINES == systemd ]] || { echo "ERROR: MESH_DEMO_MACHINES must be bare or systemd" >&2; exit 2; }
[[ $MACHINES == bare || -z ${MESH_DEMO_CLIENTS:-} ]] || { echo "ERROR: MESH_DEMO_CLIENTS is for bare hosts: the machines are server, wsl and windows" >&2; exit 2; }

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
section() { printf '\n'; bold "=== $* ==="; }
ok() { printf 'OK: %s\n' "$*"; }
fail() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
interrupted() {
  printf '\nERROR: interrupted\n' >&2
  exit 130
}
now() { date +%s%N; }
ms_since() { echo $((($(now) - $1) / 1000000)); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1fs", ms / 1000 }'; }

start=$(now)
declare -a TIMES=()
record() { TIMES+=("$(printf '  %-50s %8s' "$1" "$(secs "$2")")"); }

# step TITLE CMD...: a section that runs CMD, prints OK with its time, and records it.
step() {
  local title=$1
  shift
  section "$title"
  local t0
  t0=$(now)
  local rc=0
  "$@" || rc=$?
  # 130: the command was stopped by Ctrl-C (it handled SIGINT itself, so bash's trap did not run).
  if ((rc == 130)); then interrupted; fi
  ((rc == 0)) || fail "$title failed (exit $rc)"
  local ms
  ms=$(ms_since "$t0")
  ok "$title ($(secs "$ms"))"
  record "$title" "$ms"
}

[[ $EUID -eq 0 ]] || fail "run as root: the lab uses network namespaces (sudo bash scripts/demo.sh)"
if [[ "${MESH_DEMO_SKIP_SETUP:-}" != 1 ]]; then
  step "install tools (cached in /var/cache/mesh)" bash scripts/install-tools.sh
  step "pnpm install --frozen-lockfile" pnpm install --frozen-lockfile
  step "pnpm build" pnpm build
fi
[[ -f apps/cli/dist/mesh.cjs && -f tooling/lab/dist/cli.js ]] ||
  fail "apps/cli/dist/mesh.cjs or tooling/lab/dist/cli.js is missing: run without MESH_DEMO_SKIP_SETUP"

lab() { node "$REPO/tooling/lab/dist/cli.js" "$@"; }
lab_id=""
up_log=$(mktemp)
cleanup() {
  local rc=$?
  trap - EXIT
  trap "" INT TERM # let the teardown finish even on a second Ctrl-C
  # A `lab up` interrupted before we read its id prints it first; tear that lab down too.
  [[ -n "$lab_id" ]] || lab_id=$(sed -n 's/^\[lab \([0-9a-f]\{6\}\)\].*/\1/p' "$up_log" 2>/dev/null | head -n1)
  rm -f "$up_log"
  if [[ -n "$lab_id" ]]; then
    if [[ "${MESH_DEMO_KEEP:-}" == 1 ]]; then
      printf '\nThe lab is still up: node tooling/lab/dist/cli.js exec wsl --id %s -- mesh status\n' "$lab_id"
      printf 'Tear it down with: pnpm lab down %s\n' "$lab_id"
    else
      section "lab down"
      lab down "$lab_id" || rc=1
    fi
  fi
  if [[ $rc -eq 0 ]]; then bold "Demo finished: OK"; else bold "Demo FAILED (exit $rc)"; fi
  exit "$rc"
}
trap cleanup EXIT
trap interrupted INT TERM

# on HOST CMD...: runs CMD inside HOST with the host's environment (MESH_ROOT, roles, PATH).
on() {
  local host=$1
  shift
  lab exec "$host" --id "$lab_id" -- "$@"
}
# mesh HOST ARGS...: the real built CLI (`apps/cli/dist/mesh.cjs`), run inside HOST: through
# node on a bare host, through the `mesh` launcher on a systemd machine's PATH.
mesh() {
  local host=$1
  shift
  printf '%s$ mesh %s\n' "$host" "$*" >&2
  if [[ $MACHINES == systemd ]]; then on "$host" mesh "$@"; else on "$host" node "$REPO/apps/cli/dist/mesh.cjs" "$@"; fi
}

lab_up() { lab up "--$MACHINES" --hosts "$(IFS=, && echo "${HOSTS[*]}")" | tee "$up_log"; }
step "lab up: ${#HOSTS[@]} $MACHINES hosts (no daemons)" lab_up
lab_id=$(sed -n 's/^lab \([0-9a-f]\{6\}\) up in .*/\1/p' "$up_log")
[[ -n "$lab_id" ]] || fail "could not read the lab id"

# Each host's `/` as seen from here: a machine's root, or a bare host's MESH_ROOT. A path inside
# a host (a key file, the shared folder) is <root><path>.
declare -A ROOT=()
for h in "${HOSTS[@]}"; do
  ROOT[$h]=$(lab root "$h" --id "$lab_id")
  [[ -n "${ROOT[$h]}" ]] || fail "no root for $h"
done
shared() { echo "${ROOT[$1]}/opt/shared"; }
# The path a host's own programs use for <root><path>: on a bare host the full path.
inside() { if [[ $MACHINES == systemd ]]; then echo "$2"; else echo "${ROOT[$1]}$2"; fi; }

step "server: mesh server setup" mesh server server setup
# The first file the clients should receive, written on the server before they join.
on server sh -c 'echo "hello from the server" > "${MESH_ROOT:-}/opt/shared/welcome.txt"' ||
  fail "could not write welcome.txt on the server"
ok "wrote welcome.txt in the server's shared folder"

# --json keeps the key off the screen: it goes to a 0600 file the JSON names.
keygen() {
  local json
  json=$(mesh server server keygen --json) || return 1
  key_file=$(node -e 'const d = JSON.parse(process.argv[1]); if (!d.keyFile) process.exit(1); console.log(d.keyFile)' "$json") ||
    return 1
  # The JSON names the file as the server sees it.
  [[ $MACHINES == systemd ]] && key_file=${ROOT[server]}$key_file
  node -e 'const d = JSON.parse(process.argv[1]); console.log(`reusable: ${d.reusable}, expires: ${d.expiration}\nclient command: ${d.command}`)' "$json"
  [[ "$(stat -c %a "$key_file")" == 600 ]] || { echo "key file is not mode 0600" >&2; return 1; }
  ok "key saved (mode 0600) in $key_file"
}
key_file=""
step "server: mesh server keygen" keygen

declare -A SETUP_START=()
client_setup() {
  local c=$1
  # "Copy" the key to the client as a 0600 file in its own root; it never appears in argv.
  local f=${ROOT[$c]}/etc/mesh-join-key
  install -m 600 "$key_file" "$f"
  SETUP_START[$c]=$(now)
  mesh "$c" client setup --server "$SERVER_URL" --key-file "$(inside "$c" /etc/mesh-join-key)"
  local rc=$?
  rm -f "$f"
  return $rc
}
for c in "${CLIENTS[@]}"; do
  step "$c: mesh client setup" client_setup "$c"
done

# wait_file HOST FILE: waits until FILE is in HOST's shared folder; prints its time.
wait_file() {
  local deadline=$(($(date +%s) + SYNC_TIMEOUT))
  until [[ -f "$(shared "$1")/$2" ]]; do
    (($(date +%s) < deadline)) || { echo "$2 did not reach $1 within ${SYNC_TIMEOUT}s" >&2; return 1; }
    sleep 0.2
  done
}

section "first file on each client"
for c in "${CLIENTS[@]}"; do
  wait_file "$c" welcome.txt || fail "welcome.txt never reached $c"
  ms=$(ms_since "${SETUP_START[$c]}")
  ok "$c has welcome.txt: \"$(cat "$(shared "$c")/welcome.txt")\", $(secs "$ms") after its mesh client setup started"
  record "$c: client setup start -> first file" "$ms"
done

section "a file from each host reaches the other two"
t0=$(now)
for h in "${HOSTS[@]}"; do
  on "$h" sh -c "echo 'written on $h' > \"\${MESH_ROOT:-}/opt/shared/from-$h.txt\"" || fail "could not write on $h"
  echo "wrote from-$h.txt on $h"
done
for from in "${HOSTS[@]}"; do
  for to in "${HOSTS[@]}"; do
    [[ "$from" != "$to" ]] || continue
    wait_file "$to" "from-$from.txt" || fail "from-$from.txt never reached $to"
    text=$(cat "$(shared "$to")/from-$from.txt")
    [[ "$text" == "written on $from" ]] || fail "from-$from.txt on $to holds \"$text\""
    ok "$from -> $to: from-$from.txt arrived ($(secs "$(ms_since "$t0")") after the writes)"
  done
done
record "files from every host on every other host" "$(ms_since "$t0")"

for h in "${HOSTS[@]}"; do
  step "$h: mesh status" mesh "$h" status
done
step "server: mesh server status" mesh server server status

section "timings"
printf '%s\n' "${TIMES[@]}"
printf '  %-50s %8s\n' "total" "$(secs "$(ms_since "$start")")"
