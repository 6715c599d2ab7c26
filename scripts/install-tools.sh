#!/usr/bin/env bash
# Installs every outside program Mesh's lab, tests and demo need, pinned and cached
# outside the repository so a second run takes seconds.
#
#   scripts/install-tools.sh            # everything
#   MESH_TOOLS=headscale scripts/install-tools.sh
#
# Besides the default version of each program, everything also brings the other versions of
# the matrix in README.md (Versions), each linked with its version in the name.
#
# Binaries land in $MESH_CACHE_DIR/tools/<name>/<version>/ and are linked into
# $MESH_CACHE_DIR/bin (the lab looks there first).
set -euo pipefail

# Pinned versions. headscale v0.29.2 supports Tailscale clients v1.80 to v1.98,
# so the client is the newest patch of the 1.98 line.
HEADSCALE_VERSION="${HEADSCALE_VERSION:-v0.29.2}"
HEADSCALE_PREV_VERSION="${HEADSCALE_PREV_VERSION:-v0.27.1}"
# The other minors the library supports (0.26 is its floor). 0.28.0 is the only 0.28 the
# module proxy serves.
HEADSCALE_026_VERSION="${HEADSCALE_026_VERSION:-v0.26.1}"
HEADSCALE_028_VERSION="${HEADSCALE_028_VERSION:-v0.28.0}"
TAILSCALE_VERSION="${TAILSCALE_VERSION:-v1.98.10}"
# The ends of the client range: headscale 0.29 refuses clients below capability version 113
# (hscontrol/capver MinSupportedCapabilityVersion = v1.80), and 1.104 needs go >= 1.27, so
# 1.102 is the newest this Go builds.
TAILSCALE_OLDEST_VERSION="${TAILSCALE_OLDEST_VERSION:-v1.80.3}"
# 1.90 is the first line with ts_omit_captiveportal; 1.80-1.88 probe public hosts for captive
# portals unless the server's policy gives them disable-captive-portal-detection (Headscale
# 0.29's nodeAttrs, which mesh server setup stores): the lab runs 1.80 on 0.29 only, and 1.90
# on the older minors.
TAILSCALE_QUIET_OLDEST_VERSION="${TAILSCALE_QUIET_OLDEST_VERSION:-v1.90.9}"
TAILSCALE_NEWEST_VERSION="${TAILSCALE_NEWEST_VERSION:-v1.102.5}"
# Newer Syncthing than bookworm's 1.19.2: trixie's package from the same mirror (pool files of
# a stable release stay until its next point release replaces them), and a Go build of the
# newest 1.x the module proxy serves (it serves no 2.x: that module path has no /v2).
SYNCTHING_DEB_VERSION="${SYNCTHING_DEB_VERSION:-1.29.5~ds1-2}"
SYNCTHING_DEB_SHA256="${SYNCTHING_DEB_SHA256:-fab3719b0233f530540859221a7ee969f07846e5ab509f2ea6daea5dd1cf4309}"
SYNCTHING_GO_VERSION="${SYNCTHING_GO_VERSION:-v1.30.0}"
SYNCTHING_GO_STAMP="${SYNCTHING_GO_STAMP:-1750411043}" # its release time, as build.go would stamp it
PNPM_VERSION="${PNPM_VERSION:-10.34.9}"
APT_PACKAGES=(syncthing iproute2 iptables procps psmisc ca-certificates curl postgresql socat openssh-server systemd systemd-container debootstrap shellcheck)
# The lab's systemd machines: a Debian 12 as a fresh server has it, plus what the lab needs to
# boot and enter it. Rebuilt when this list changes (the directory name is its hash).
ROOTFS_SUITE=bookworm
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,iproute2,openssh-server,sudo,ca-certificates,curl,procps,less

CACHE="${MESH_CACHE_DIR:-/var/cache/mesh}"
TOOLS="${MESH_TOOLS:-apt pnpm headscale tailscale headscale-prev headscale-0.26 headscale-0.28 tailscale-oldest tailscale-newest tailscale-quiet-oldest syncthing-versions rootfs packages}"
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

# go_build NAME VERSION MODULE_PKG [extra go args...]: a command of a release, built once.
# The proxy's checksum database lacks some pseudo-versions a release pins (headscale 0.28.0's
# tailsql: 404), and `go install m@v` ignores the release's go.sum. Resolving the command's
# dependencies inside the release, as its main module, checks each download against that
# go.sum; the install then reads only the module cache.
# FROM_SOURCE=1: `go build` in a writable copy of the release instead, for modules `go install`
# refuses (a replace directive in go.mod); GO_GENERATE=PKG first runs `go generate PKG` there
# (files a release build generates).
go_build() {
  local name=$1 version=$2 pkg=$3; shift 3
  local dir="$CACHE/tools/$name/$version" mod src
  if [[ -x "$dir/bin/$name" ]]; then
    log "$name $version: cached"
    return
  fi
  need_go
  local t0; t0=$(date +%s)
  log "$name $version: building $pkg@$version (first time only; several minutes)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
  mod=$(go_module_of "$pkg")
  src=$(module_source "$mod" "$version" "$dir.tmp/src")
  if [[ -n ${FROM_SOURCE:-} ]]; then
    if [[ -n ${GO_GENERATE:-} ]]; then (cd "$src" && go generate "$GO_GENERATE"); fi
    (cd "$src" && go build -mod=readonly -o "$dir.tmp/bin/$name" "$@" "./${pkg#"$mod"/}")
  else
    (cd "$src" && go list -mod=readonly -deps "$@" "./${pkg#"$mod"/}" >/dev/null)
    GOBIN="$dir.tmp/bin" GOPROXY="file://$GOMODCACHE/cache/download" GOSUMDB=off \
      go install "$@" "$pkg@$version"
  fi
  [[ -x "$dir.tmp/bin/$name" ]] || { log "ERROR: the build produced no $name"; exit 3; }
  rm -rf "$dir.tmp/src" "$dir" && mv "$dir.tmp" "$dir"
  log "$name $version: built in $(elapsed "$t0")"
}

need_go() {
  command -v go >/dev/null || { log "ERROR: go is not installed; install Go >= 1.26"; exit 3; }
}

# module_source MODULE VERSION DEST: a writable copy of a release's source (the module cache
# is read-only); prints DEST.
module_source() {
  local from
  from=$(go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $from ]] || { log "ERROR: no source for $1@$2"; exit 3; }
  rm -rf "$3" && cp -r "$from" "$3" && chmod -R u+w "$3"
  echo "$3"
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

# headscale_minor VERSION: a second headscale, linked as headscale-vMAJOR.MINOR.
headscale_minor() {
  local version=$1 args=()
  # Up to 0.26 the version comes from ldflags (in release builds' format, no "v"), from 0.27
  # from build info; without it 0.26 says "dev" and no version gate can work.
  if [[ $version == v0.2[0-6].* ]]; then
    args=(-ldflags "-X github.com/juanfont/headscale/hscontrol/types.Version=${version#v}")
  fi
  go_build headscale "$version" github.com/juanfont/headscale/cmd/headscale "${args[@]}"
  link "headscale-${version%.*}" "$CACHE/tools/headscale/$version/bin/headscale"
}

if want headscale-prev; then headscale_minor "$HEADSCALE_PREV_VERSION"; fi
if want headscale-0.26; then headscale_minor "$HEADSCALE_026_VERSION"; fi
if want headscale-0.28; then headscale_minor "$HEADSCALE_028_VERSION"; fi

# tailscale_pair VERSION [SUFFIX]: tailscaled and tailscale, linked as tailscale{d,}SUFFIX.
tailscale_pair() {
  local version=$1 suffix=${2:-} v=${1#v} p
  for p in tailscaled tailscale; do
    # ts_omit_captiveportal: the only build-time way to stop probes of public hosts (no env
    # knob). 1.80 predates the tag: only a server's nodeAttrs stop its probes.
    go_build "$p" "$version" "tailscale.com/cmd/$p" \
      -tags ts_omit_captiveportal \
      -ldflags "-X tailscale.com/version.longStamp=$v-mesh -X tailscale.com/version.shortStamp=$v"
    link "$p$suffix" "$CACHE/tools/$p/$version/bin/$p"
  done
}

if want tailscale; then tailscale_pair "$TAILSCALE_VERSION"; fi
if want tailscale-oldest; then tailscale_pair "$TAILSCALE_OLDEST_VERSION" "-${TAILSCALE_OLDEST_VERSION%.*}"; fi
if want tailscale-newest; then tailscale_pair "$TAILSCALE_NEWEST_VERSION" "-${TAILSCALE_NEWEST_VERSION%.*}"; fi
if want tailscale-quiet-oldest; then
  tailscale_pair "$TAILSCALE_QUIET_OLDEST_VERSION" "-${TAILSCALE_QUIET_OLDEST_VERSION%.*}"
fi

# The Debian mirror this machine already uses.
debian_mirror() {
  local found
  # `|| true`: a missing sources.list (deb822-only machines) must not end the script (pipefail).
  found=$({ grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/* \
    2>/dev/null || true; } | grep -v -- '-security' | awk 'NR == 1 {print $2}')
  echo "${found:-http://deb.debian.org/debian}"
}

# syncthing_deb VERSION SHA256: the binary from a Debian syncthing package of another release,
# taken straight from the mirror's pool (the machine's apt sources stay as they are).
syncthing_deb() {
  local version=$1 sha=$2 dir="$CACHE/tools/syncthing/$1" arch url
  if [[ -x "$dir/bin/syncthing" ]]; then
    log "syncthing $version: cached"
    return
  fi
  arch=$(dpkg --print-architecture)
  # The checksum pins one architecture's file.
  [[ $arch == amd64 ]] || { log "ERROR: syncthing $version is pinned for amd64, not $arch"; exit 3; }
  url="$(debian_mirror)/pool/main/s/syncthing/syncthing_${version}_$arch.deb"
  log "syncthing $version: downloading $url"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
  curl -fsSL --retry 2 -o "$dir.tmp/syncthing.deb" "$url" \
    || { log "ERROR: $url is gone from the mirror; pin a newer version and SHA256"; exit 3; }
  echo "$sha  $dir.tmp/syncthing.deb" | sha256sum -c --quiet - \
    || { log "ERROR: syncthing $version: checksum mismatch"; exit 3; }
  dpkg-deb -x "$dir.tmp/syncthing.deb" "$dir.tmp/root"
  mv "$dir.tmp/root/usr/bin/syncthing" "$dir.tmp/bin/syncthing"
  rm -rf "$dir.tmp/root" "$dir.tmp/syncthing.deb" "$dir" && mv "$dir.tmp" "$dir"
}

# Never linked as plain `syncthing`: the default stays the machine's own package.
if want syncthing-versions; then
  syncthing_deb "$SYNCTHING_DEB_VERSION" "$SYNCTHING_DEB_SHA256"
  link "syncthing-v$(cut -d. -f1,2 <<<"$SYNCTHING_DEB_VERSION")" \
    "$CACHE/tools/syncthing/$SYNCTHING_DEB_VERSION/bin/syncthing"
  # What `go run build.go -no-upgrade` does: the GUI assets generated into lib/api/auto, the
  # noupgrade tag and the -X stamps.
  FROM_SOURCE=1 GO_GENERATE=./lib/api/auto go_build syncthing "$SYNCTHING_GO_VERSION" github.com/syncthing/syncthing/cmd/syncthing \
    -tags noupgrade -ldflags "-X github.com/syncthing/syncthing/lib/build.Version=$SYNCTHING_GO_VERSION \
      -X github.com/syncthing/syncthing/lib/build.Stamp=$SYNCTHING_GO_STAMP \
      -X github.com/syncthing/syncthing/lib/build.User=mesh \
      -X github.com/syncthing/syncthing/lib/build.Host=install-tools \
      -X github.com/syncthing/syncthing/lib/build.Tags=noupgrade"
  link "syncthing-${SYNCTHING_GO_VERSION%.*}" "$CACHE/tools/syncthing/$SYNCTHING_GO_VERSION/bin/syncthing"
fi

if want rootfs; then
  key=$(printf '%s|%s' "$ROOTFS_SUITE" "$ROOTFS_PACKAGES" | sha256sum | cut -c1-12)
  dir="$CACHE/rootfs/$ROOTFS_SUITE-$key"
  if [[ -x "$dir/usr/lib/systemd/systemd" ]]; then
    log "rootfs $ROOTFS_SUITE-$key: cached"
  else
    mirror=$(debian_mirror)
    t0=$(date +%s)
    log "rootfs $ROOTFS_SUITE-$key: debootstrap from $mirror (first time only; about 2 minutes)"
    rm -rf "$dir.tmp" && mkdir -p "$CACHE/rootfs"
    debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$ROOTFS_SUITE" "$dir.tmp" \
      "$mirror" >"$CACHE/rootfs/debootstrap.log" 2>&1 \
      || { log "ERROR: debootstrap failed, see $CACHE/rootfs/debootstrap.log"; exit 3; }
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "rootfs $ROOTFS_SUITE-$key: built in $(elapsed "$t0")"
  fi
  ln -sfn "$dir" "$CACHE/rootfs/current"
fi

# The lab's package source: the pinned binaries laid out as Tailscale's, Headscale's and
# Syncthing's own servers lay out their releases, each with its checksum file, so mesh installs
# in the lab exactly as it does from the real ones. Rebuilt when a binary changes. (Syncthing's
# list is not PGP-signed here; mesh reads the digests of a signed or a plain list alike.)
if want packages; then
  ts_bin=$(readlink -f "$CACHE/bin/tailscale") tsd_bin=$(readlink -f "$CACHE/bin/tailscaled")
  hs_bin=$(readlink -f "$CACHE/bin/headscale")
  st_bin=$(readlink -f "$CACHE/bin/syncthing-${SYNCTHING_GO_VERSION%.*}")
  for b in "$ts_bin" "$tsd_bin" "$hs_bin" "$st_bin"; do
    [[ -x $b ]] || { log "ERROR: packages: a binary is missing ($b); build tailscale, headscale and syncthing-versions first"; exit 3; }
  done
  # The layout is part of the key: a change to it builds anew.
  key=$({ cat "$ts_bin" "$tsd_bin" "$hs_bin" "$st_bin"; echo layout-2; } | sha256sum | cut -c1-12)
  dir="$CACHE/packages/$key"
  if [[ -f "$dir/.complete" ]]; then
    log "packages $key: cached"
  else
    tsv=${TAILSCALE_VERSION#v} hsv=${HEADSCALE_VERSION#v}
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/tailscale/stable" "$dir.tmp/headscale/v$hsv"
    ts="tailscale_${tsv}_amd64"
    stage="$dir.tmp/stage/$ts"
    mkdir -p "$stage/systemd"
    install -m 0755 "$ts_bin" "$stage/tailscale"
    install -m 0755 "$tsd_bin" "$stage/tailscaled"
    printf '[Unit]\nDescription=Tailscale node agent\n\n[Service]\nExecStart=/usr/sbin/tailscaled\n\n[Install]\nWantedBy=multi-user.target\n' \
      >"$stage/systemd/tailscaled.service"
    printf 'PORT="41641"\nFLAGS=""\n' >"$stage/systemd/tailscaled.defaults"
    tar -C "$dir.tmp/stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$ts" \
      | gzip -n >"$dir.tmp/tailscale/stable/$ts.tgz"
    (cd "$dir.tmp/tailscale/stable" && sha256sum "$ts.tgz" | cut -d' ' -f1 >"$ts.tgz.sha256")
    hs="headscale_${hsv}_linux_amd64"
    install -m 0755 "$hs_bin" "$dir.tmp/headscale/v$hsv/$hs"
    (cd "$dir.tmp/headscale/v$hsv" && sha256sum "$hs" >checksums.txt)
    stv=${SYNCTHING_GO_VERSION#v} st="syncthing-linux-amd64-$SYNCTHING_GO_VERSION"
    mkdir -p "$dir.tmp/stage/$st" "$dir.tmp/syncthing/v$stv"
    install -m 0755 "$st_bin" "$dir.tmp/stage/$st/syncthing"
    tar -C "$dir.tmp/stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "$st" \
      | gzip -n >"$dir.tmp/syncthing/v$stv/$st.tar.gz"
    (cd "$dir.tmp/syncthing/v$stv" && sha256sum "$st.tar.gz" >sha256sum.txt.asc)
    rm -rf "$dir.tmp/stage" && touch "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "packages $key: built"
  fi
  ln -sfn "$dir" "$CACHE/packages/current"
fi

# Lab and tailnet addresses exist only inside lab namespaces: from the root namespace they would
# follow the default route out of the machine. Keep them here (the lab adds these too).
if [[ $(id -u) == 0 ]] && command -v ip >/dev/null; then
  ip -4 route replace unreachable 10.99.0.0/16
  ip -4 route replace unreachable 100.64.0.0/10
  ip -6 route replace unreachable fd7a:115c:a1e0::/48 2>/dev/null || true
fi

log "ready: $(ls "$CACHE/bin" | tr '\n' ' ')"
