#!/usr/bin/env bash
# The one command that sets up and runs every test: tools, dependencies, build, lint,
# typecheck, package checks and the test suites (the lab suites need root).
# Every gate runs even when an earlier one failed, so one run shows every problem;
# the exit code is non-zero if any gate failed.
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
failed=()
step() { printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - t0))"; }
# gate NAME CMD...: runs a gate, remembers a failure and goes on.
gate() {
  local name=$1; shift
  step "$name"
  "$@" || { failed+=("$name"); printf '=== FAILED: %s\n' "$name"; }
}
# must NAME CMD...: a step nothing after it can do without.
must() {
  local name=$1; shift
  step "$name"
  "$@" || { printf '=== FAILED: %s (cannot go on)\n' "$name"; exit 1; }
}

must "tools" bash scripts/install-tools.sh
cache="${MESH_CACHE_DIR:-/var/cache/mesh}"
export PATH="$cache/bin:$PATH"
# turbo's cache lives beside the tool cache, so a fresh clone reuses earlier builds and checks.
export TURBO_CACHE_DIR="$cache/turbo"
# In CI the lab suites must run: a skipped lab test fails the run instead of passing quietly.
if [[ "${CI:-}" == "true" ]]; then export MESH_REQUIRE_LAB=1; fi

must "dependencies" pnpm install --frozen-lockfile
must "build" pnpm run build
# The action runs its committed bundle as is: the build must not have changed it.
gate "action bundle is committed and fresh" git diff --exit-code --stat -- apps/action/dist
gate "lint" pnpm run lint
gate "typecheck" pnpm run typecheck
gate "package checks (publint, attw)" pnpm run check:packages

find . -path ./node_modules -prune -o -path '*/.vitest/report.json' -print -delete >/dev/null
rm -f .vitest-summary
gate "tests" pnpm run test
gate "test summary" node scripts/test-summary.mjs

step "done"
if ((${#failed[@]})); then
  printf 'FAILED gates: %s\n' "${failed[*]}"
else
  echo "all gates passed"
fi
# The tests' closing line comes last, where CI reads it.
[[ -f .vitest-summary ]] && cat .vitest-summary
((${#failed[@]} == 0))
