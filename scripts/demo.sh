#!/usr/bin/env bash
# Mesh end to end on one Linux machine (root): installs the pinned tools, builds, starts a lab of
# three hosts (server, wsl, windows) as network namespaces running real headscale, tailscaled and
# syncthing, shows that they reach each other over the tailnet, and tears everything down.
#
#   sudo bash scripts/demo.sh               # everything
#   MESH_DEMO_SKIP_SETUP=1 bash scripts/demo.sh   # tools and build already done
#   MESH_DEMO_KEEP=1 bash scripts/demo.sh   # leave the lab running (then: pnpm lab down)
#
# To show more, add a step to DEMO_STEPS in tooling/lab/src/demo.ts (it runs against the lab
# that `pnpm lab up` started), or add a `demo_step` call below.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s%N)
phase() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
declare -a TIMES=()
# demo_step TITLE CMD...: runs CMD, records its time.
demo_step() {
  local title=$1; shift
  phase "$title"
  local t0; t0=$(date +%s%N)
  "$@"
  TIMES+=("$(printf '%-28s %8s ms' "$title" "$(ms_since "$t0")")")
}

if [[ "${MESH_DEMO_SKIP_SETUP:-}" != 1 ]]; then
  demo_step "install tools" bash scripts/install-tools.sh
  demo_step "pnpm install" pnpm install --frozen-lockfile
  demo_step "pnpm build" pnpm build
fi

lab_id=""
cleanup() {
  local rc=$?
  if [[ -n "$lab_id" && "${MESH_DEMO_KEEP:-}" != 1 ]]; then
    phase "lab down"
    pnpm -s lab down "$lab_id" || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

up_log=$(mktemp)
demo_step "lab up" bash -c "set -o pipefail; pnpm -s lab up | tee '$up_log'"
lab_id=$(sed -n 's/^lab \([0-9a-f]\{6\}\) up in .*/\1/p' "$up_log")
rm -f "$up_log"
[[ -n "$lab_id" ]] || { echo "could not read the lab id" >&2; exit 1; }

demo_step "lab status" pnpm -s lab status --id "$lab_id"
demo_step "tailnet checks" pnpm -s lab demo --id "$lab_id"
# Mesh CLI steps go here, e.g.:
#   demo_step "mesh status on wsl" pnpm -s lab exec wsl --id "$lab_id" -- node apps/cli/bin/mesh.js status

phase "timings"
printf '%s\n' "${TIMES[@]}"
echo "total $(ms_since "$start") ms"
