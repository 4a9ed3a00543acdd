#!/usr/bin/env bash
# Builds the container image without a Docker engine or an image registry: buildah with
# chroot isolation, and a base image made here from Debian packages.
#
#   image.sh install        installs buildah and debootstrap from Debian packages (root; skips
#                           what is present)
#   image.sh prepare        install, then makes the Debian root of the base (no Node needed yet:
#                           .ci/run starts it while npm ci runs)
#   image.sh base           prints the name of the test base image, making it when missing
#   image.sh build TAG      builds the Dockerfile of the checkout as TAG on the test base
#   image.sh buildah ARG... runs buildah on this script's image store
#
# The test base stands in for the official Node image (the Dockerfile's default, which needs
# a registry): a minimal Debian bookworm root (debootstrap --variant=minbase) with the
# packages the Dockerfile's runtime stage installs, Node from the npm `node` package of the
# checkout at /usr/local/bin/node and npm at /usr/local/lib/node_modules/npm, as in the
# official image. Cached in $REGIONCTL_IMAGE_CACHE (default ~/.cache/regionctl-image), keyed
# by its inputs: the debootstrap root as a tar, the image in the store. A cold base took
# 2.5 minutes on an idle machine, 4.5 on a loaded one (debootstrap, mostly downloading);
# a warm one is reused at once (remove the cache dir to take newer Debian packages). A build
# on a warm base takes 1.5 minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${REGIONCTL_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/regionctl-image}"
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=git,ca-certificates,openssh-client,tini
NPM_VERSION=11.21.2
# Bump when base_ changes what goes into the base.
BASE_RECIPE=2
# overlay where the kernel has it (this VM's does); vfs, which copies every layer, elsewhere.
if grep -qw overlay /proc/filesystems; then DRIVER="${REGIONCTL_IMAGE_STORAGE_DRIVER:-overlay}"; else DRIVER="${REGIONCTL_IMAGE_STORAGE_DRIVER:-vfs}"; fi

# This script's own image store (another checkout's cache dir gets its own run root too).
STORE=(--root "$CACHE/storage-$DRIVER" --runroot "/run/regionctl-buildah-$(printf '%s' "$CACHE" | sha256sum | cut -c1-12)-$DRIVER" --storage-driver "$DRIVER")

buildah_() {
  buildah "${STORE[@]}" "$@"
}

install_() {
  local missing=()
  command -v buildah >/dev/null || missing+=(buildah)
  # debian-archive-keyring: debootstrap checks the mirror's signature with it.
  command -v debootstrap >/dev/null || missing+=(debootstrap debian-archive-keyring)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "image.sh: ${missing[*]} missing and not root: cannot install them" >&2
    return 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_binary() {
  readlink -f "$ROOT/node_modules/node/bin/node"
}

# The debootstrap root as a tar, made once per (suite, mirror, packages).
rootfs_tar() {
  local key tar work
  key=$(printf '%s\n' "$SUITE" "$MIRROR" "$PACKAGES" minbase | sha256sum | cut -c1-16)
  tar="$CACHE/rootfs-$SUITE-$key.tar"
  if [ ! -s "$tar" ]; then
    mkdir -p "$CACHE"
    work=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
    echo "image.sh: debootstrap $SUITE ($PACKAGES) into $work" >&2
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/root" "$MIRROR" >"$work/log" 2>&1; then
      tail -20 "$work/log" >&2
      rm -rf "$work"
      return 1
    fi
    rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/*
    tar -C "$work/root" -cf "$tar.partial" .
    mv "$tar.partial" "$tar"
    rm -rf "$work"
  fi
  echo "$tar"
}

base_() {
  local tar node npm_tgz key image ctr mnt
  tar=$(rootfs_tar)
  node=$(node_binary)
  [ -x "$node" ] || { echo "image.sh: no Node binary at node_modules/node/bin/node (run npm ci)" >&2; return 1; }
  npm_tgz="$CACHE/npm-$NPM_VERSION.tgz"
  if [ ! -s "$npm_tgz" ]; then
    (cd "$CACHE" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  fi
  key=$( { basename "$tar"; "$node" --version; echo "$NPM_VERSION" "$BASE_RECIPE"; } | sha256sum | cut -c1-16)
  image="localhost/regionctl-test-base:$key"
  if buildah_ inspect --type image "$image" >/dev/null 2>&1; then
    echo "$image"
    return 0
  fi
  echo "image.sh: making $image" >&2
  ctr=$(buildah_ from scratch)
  mnt=$(buildah_ mount "$ctr")
  tar -C "$mnt" -xf "$tar"
  install -m 0755 "$node" "$mnt/usr/local/bin/node"
  mkdir -p "$mnt/usr/local/lib/node_modules/npm"
  tar -C "$mnt/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$npm_tgz"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  # As the official images' Debian base (debuerreotype) does: apt keeps no package caches in a
  # layer, dpkg skips fsync, and the slim variant has no documentation or translations.
  printf 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' >"$mnt/etc/apt/apt.conf.d/docker-clean"
  echo force-unsafe-io >"$mnt/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  rm -rf "$mnt"/usr/share/doc/* "$mnt"/usr/share/man/* "$mnt"/usr/share/locale/* "$mnt"/usr/share/info/*
  buildah_ umount "$ctr" >/dev/null
  buildah_ config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd node "$ctr"
  buildah_ commit --quiet --rm "$ctr" "$image" >/dev/null
  # Bases made from earlier inputs (another Node, an older script) are not used any more.
  local old
  for old in $(buildah_ images --format '{{.Name}}:{{.Tag}}' | grep '^localhost/regionctl-test-base:' | grep -v ":$key\$"); do
    buildah_ rmi "$old" >/dev/null 2>&1 || true
  done
  echo "$image"
}

build_() {
  local tag="$1" base previous current
  base=$(base_)
  previous=$(buildah_ inspect --type image --format '{{.FromImageID}}' "$tag" 2>/dev/null || true)
  # The build stage's `npm ci` installs from the host's npm cache only (CI's own `npm ci` fills
  # it): offline, it needs neither the registry nor the host's TLS trust inside the build.
  local npm_cache="${npm_config_cache:-$(npm config get cache)}"
  mkdir -p "$npm_cache"
  printf 'offline=true\nupdate-notifier=false\n' >"$CACHE/npmrc"
  buildah_ bud --isolation chroot --layers=false --format docker --quiet \
    --build-arg "NODE_IMAGE=$base" \
    --volume "$npm_cache:/root/.npm" --volume "$CACHE/npmrc:/root/.npmrc:ro" \
    --tag "$tag" --file "$ROOT/Dockerfile" "$ROOT" >/dev/null
  # The image this build replaced under the same tag is left untagged: remove it.
  current=$(buildah_ inspect --type image --format '{{.FromImageID}}' "$tag")
  if [ -n "$previous" ] && [ "$previous" != "$current" ]; then buildah_ rmi "$previous" >/dev/null 2>&1 || true; fi
  echo "$tag"
}

case "${1:-}" in
  install) install_ ;;
  prepare) install_ && rootfs_tar >/dev/null ;;
  base) base_ ;;
  build) build_ "${2:?image.sh build TAG}" ;;
  buildah) shift; exec buildah "${STORE[@]}" "$@" ;;
  *) echo "usage: image.sh install | prepare | base | build TAG | buildah ARG..." >&2; exit 64 ;;
esac
