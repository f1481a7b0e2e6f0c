#!/usr/bin/env bash
# Installs the Debian 12 packages nf_bench builds, runs and tests with, if any
# is missing. Needs root (apt-get).
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang llvm bpftool
  libclang-rt-14-dev # libFuzzer (tools/fuzz.sh); clang only recommends it
  libbpf-dev libelf-dev zlib1g-dev
  libip4tc-dev iptables libnftables-dev nftables ipset
  libiperf-dev
  libfmt-dev nlohmann-json3-dev libbenchmark-dev libbenchmark-tools
  libgtest-dev googletest
  iproute2 iputils-ping util-linux bpftrace
  python3 python3-numpy python3-matplotlib python3-scipy python3-yaml
  qemu-system-x86 busybox-static kmod cpio xz-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install_deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "install_deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
