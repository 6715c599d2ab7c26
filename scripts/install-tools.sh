#!/usr/bin/env bash
# Installs every outside program Mesh's lab, tests and demo need, pinned and cached
# outside the repository so a second run takes seconds.
#
#   scripts/install-tools.sh            # everything
#   MESH_TOOLS=headscale scripts/install-tools.sh
#
# Binaries land in $MESH_CACHE_DIR/tools/<name>/<version>/ and are linked into
# $MESH_CACHE_DIR/bin (the lab looks there first).
set -euo pipefail

# Pinned versions. headscale v0.29.2 supports Tailscale clients v1.80 to v1.98,
# so the client is the newest patch of the 1.98 line.
HEADSCALE_VERSION="${HEADSCALE_VERSION:-v0.29.2}"
HEADSCALE_PREV_VERSION="${HEADSCALE_PREV_VERSION:-v0.27.1}"
TAILSCALE_VERSION="${TAILSCALE_VERSION:-v1.98.10}"
PNPM_VERSION="${PNPM_VERSION:-10.34.9}"
APT_PACKAGES=(syncthing iproute2 iptables procps psmisc ca-certificates curl postgresql socat openssh-server systemd systemd-container debootstrap)
# The lab's systemd machines: a Debian 12 as a fresh server has it, plus what the lab needs to
# boot and enter it. Rebuilt when this list changes (the directory name is its hash).
ROOTFS_SUITE=bookworm
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,iproute2,openssh-server,sudo,ca-certificates,curl,procps,less

CACHE="${MESH_CACHE_DIR:-/var/cache/mesh}"
TOOLS="${MESH_TOOLS:-apt pnpm headscale tailscale headscale-prev rootfs}"
export GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/pkg/mod" GOCACHE="$CACHE/go-build"
export GOFLAGS="-trimpath" CGO_ENABLED=0 GOTOOLCHAIN=local
# The proxy refuses some modules' version lists (403), which `go install m@v` reads to look
# for deprecation notices. `|` makes any error fall through to the module cache, which is a
# valid file proxy and already holds the version downloaded explicitly below.
export GOPROXY="${MESH_GOPROXY:-https://proxy.golang.org}|file://$GOMODCACHE/cache/download"
mkdir -p "$CACHE/bin" "$CACHE/tools"

log() { printf '[install-tools] %s\n' "$*" >&2; }
want() { [[ " $TOOLS " == *" $1 "* ]]; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# go_build NAME VERSION MODULE_PKG [extra go install args...]
go_build() {
  local name=$1 version=$2 pkg=$3; shift 3
  local dir="$CACHE/tools/$name/$version"
  if [[ -x "$dir/bin/$name" ]]; then
    log "$name $version: cached"
  else
    command -v go >/dev/null || { log "ERROR: go is not installed; install Go >= 1.26"; exit 3; }
    local t0; t0=$(date +%s)
    log "$name $version: building $pkg@$version (first time only; several minutes)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
    go mod download "$(go_module_of "$pkg")@$version"
    GOBIN="$dir.tmp/bin" go install "$@" "$pkg@$version"
    [[ -x "$dir.tmp/bin/$name" ]] || { log "ERROR: go install produced no $name"; exit 3; }
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "$name $version: built in $(elapsed "$t0")"
  fi
}

# The module a command lives in: the path up to /cmd/.
go_module_of() { echo "${1%%/cmd/*}"; }

link() { ln -sfn "$2" "$CACHE/bin/$1"; }

if want apt; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Install only: no package may start a daemon (sshd, postgresql) on this machine.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts a cluster on install; the tests start their own PostgreSQL.
    if command -v pg_lsclusters >/dev/null; then
      pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v c; do
        pg_ctlcluster "$v" "$c" stop 2>/dev/null || true
      done
    fi
  else
    log "apt: all present"
  fi
fi

if want pnpm; then
  if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
    log "pnpm: installing $PNPM_VERSION"
    npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
  else
    log "pnpm $PNPM_VERSION: present"
  fi
fi

if want headscale; then
  go_build headscale "$HEADSCALE_VERSION" github.com/juanfont/headscale/cmd/headscale
  link headscale "$CACHE/tools/headscale/$HEADSCALE_VERSION/bin/headscale"
fi

if want headscale-prev; then
  # Up to 0.26 the version comes from ldflags; from 0.27 from build info.
  go_build headscale "$HEADSCALE_PREV_VERSION" github.com/juanfont/headscale/cmd/headscale
  link "headscale-${HEADSCALE_PREV_VERSION%.*}" "$CACHE/tools/headscale/$HEADSCALE_PREV_VERSION/bin/headscale"
fi

if want tailscale; then
  v=${TAILSCALE_VERSION#v}
  # ts_omit_captiveportal: the only way to stop probes of public hosts (no env knob).
  go_build tailscaled "$TAILSCALE_VERSION" tailscale.com/cmd/tailscaled \
    -tags ts_omit_captiveportal \
    -ldflags "-X tailscale.com/version.longStamp=$v-mesh -X tailscale.com/version.shortStamp=$v"
  go_build tailscale "$TAILSCALE_VERSION" tailscale.com/cmd/tailscale \
    -tags ts_omit_captiveportal \
    -ldflags "-X tailscale.com/version.longStamp=$v-mesh -X tailscale.com/version.shortStamp=$v"
  link tailscaled "$CACHE/tools/tailscaled/$TAILSCALE_VERSION/bin/tailscaled"
  link tailscale "$CACHE/tools/tailscale/$TAILSCALE_VERSION/bin/tailscale"
fi

if want rootfs; then
  key=$(printf '%s|%s' "$ROOTFS_SUITE" "$ROOTFS_PACKAGES" | sha256sum | cut -c1-12)
  dir="$CACHE/rootfs/$ROOTFS_SUITE-$key"
  if [[ -x "$dir/usr/lib/systemd/systemd" ]]; then
    log "rootfs $ROOTFS_SUITE-$key: cached"
  else
    # The Debian mirror this machine already uses.
    mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
      | grep -v -- '-security' | head -n 1 | awk '{print $2}')
    t0=$(date +%s)
    log "rootfs $ROOTFS_SUITE-$key: debootstrap from ${mirror:-?} (first time only; about 2 minutes)"
    rm -rf "$dir.tmp" && mkdir -p "$CACHE/rootfs"
    debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$ROOTFS_SUITE" "$dir.tmp" \
      "${mirror:-http://deb.debian.org/debian}" >"$CACHE/rootfs/debootstrap.log" 2>&1 \
      || { log "ERROR: debootstrap failed, see $CACHE/rootfs/debootstrap.log"; exit 3; }
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "rootfs $ROOTFS_SUITE-$key: built in $(elapsed "$t0")"
  fi
  ln -sfn "$dir" "$CACHE/rootfs/current"
fi

# Lab and tailnet addresses exist only inside lab namespaces: from the root namespace they would
# follow the default route out of the machine. Keep them here (the lab adds these too).
if [[ $(id -u) == 0 ]] && command -v ip >/dev/null; then
  ip -4 route replace unreachable 10.99.0.0/16
  ip -4 route replace unreachable 100.64.0.0/10
  ip -6 route replace unreachable fd7a:115c:a1e0::/48 2>/dev/null || true
fi

log "ready: $(ls "$CACHE/bin" | tr '\n' ' ')"
