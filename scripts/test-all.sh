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
# What `pnpm release` would publish, packed and checked; nothing is sent.
gate "release dry run" pnpm run release:dry-run
# Before the tests: the binaries' test runs them (and in CI fails when they are missing).
gate "single-file binaries" pnpm --filter @mesh/cli build:binaries

find . -path ./node_modules -prune -o -path '*/.vitest/report.json' -print -delete >/dev/null
rm -f .vitest-summary
gate "tests" pnpm run test
gate "test summary" node scripts/test-summary.mjs

# The version matrix beyond what `pnpm test` runs (README, Versions): the Syncthing client
# against newer Syncthings, and the Headscale nodes suite with the newest Tailscale client.
for v in v1.29 v1.30; do
  gate "syncthing-client integration on Syncthing $v" env MESH_SYNCTHING_BIN="$cache/bin/syncthing-$v" \
    pnpm --filter @mesh/syncthing-client exec vitest run test/integration.test.ts
done
gate "headscale nodes on loopback, Tailscale v1.102" env MESH_TAILSCALED_BIN="$cache/bin/tailscaled-v1.102" \
  MESH_TAILSCALE_BIN="$cache/bin/tailscale-v1.102" pnpm --filter @mesh/headscale exec vitest run test/node.loopback.test.ts

# The supported Node lines beyond the machine's own (20, above): the fast suites and the built
# CLI on each Node from scripts/node-versions.sh. Lab suites need no second run: they drive
# the same bundle through the same daemons.
# on_node MAJOR CMD...: runs CMD with that Node first on PATH (child `node`s too); the
# machine's own Node when it is of that line.
on_node() {
  local node
  if [[ $(node -p 'process.versions.node.split(".")[0]') == "$1" ]]; then
    node=$(command -v node)
  else
    node=$(bash scripts/node-versions.sh path "$1") || return 1
  fi
  shift
  PATH="$(dirname "$node"):$PATH" "$@"
}
# cli_runs MAJOR: the built CLI answers --version with its version and --help with its commands.
cli_runs() {
  local want version help
  want=$(node -p 'require("./apps/cli/package.json").version')
  version=$(on_node "$1" node apps/cli/bin/mesh.cjs --version) || return 1
  help=$(on_node "$1" node apps/cli/bin/mesh.cjs --help) || return 1
  printf 'Node %s: mesh --version = %s\n' "$(on_node "$1" node --version)" "$version"
  [[ $version == "$want" && $help == *"mesh server"* && $help == *"mesh client"* ]]
}
gate "mesh --version and --help on Node 20" cli_runs 20
for major in 22 24; do
  gate "mesh --version and --help on Node $major" cli_runs "$major"
  gate "fast tests on Node $major" on_node "$major" env -u MESH_REQUIRE_LAB MESH_SKIP_LAB=1 \
    node node_modules/vitest/vitest.mjs run --exclude '**/*.lab.test.ts'
done

step "done"
if ((${#failed[@]})); then
  printf 'FAILED gates: %s\n' "${failed[*]}"
else
  echo "all gates passed"
fi
# The tests' closing line comes last, where CI reads it.
[[ -f .vitest-summary ]] && cat .vitest-summary
((${#failed[@]} == 0))
