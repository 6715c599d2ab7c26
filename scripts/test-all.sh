#!/usr/bin/env bash
# The one command that sets up and runs every test: tools, dependencies, build, lint,
# typecheck, package checks and the test suites (the lab suites need root).
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$*" "$(( $(date +%s) - t0 ))"; }

step "tools"
bash scripts/install-tools.sh
export PATH="${MESH_CACHE_DIR:-/var/cache/mesh}/bin:$PATH"
# In CI the lab suites must run: a skipped lab test fails the run instead of passing quietly.
if [[ "${CI:-}" == "true" ]]; then export MESH_REQUIRE_LAB=1; fi

step "dependencies"
pnpm install --frozen-lockfile
step "build"
pnpm run build
step "lint"
pnpm run lint
step "typecheck"
pnpm run typecheck
step "package checks (publint, attw)"
pnpm run check:packages
step "tests"
find . -path ./node_modules -prune -o -name report.json -path '*/.vitest/*' -print -delete >/dev/null
status=0
pnpm run test || status=$?
node scripts/test-summary.mjs || status=1
step "done"
exit "$status"
