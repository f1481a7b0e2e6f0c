#!/usr/bin/env bash
# run_in_vm.sh — run one command as root inside a throw-away qemu VM that boots
# Debian 12's stock kernel (linux-image-amd64, 6.1) on top of this machine's
# own root file system. nf_bench uses it to test the probe paths this host's
# kernel cannot attach (fentry/fexit, kprobe/kretprobe on nf_hook_slow).
#
# Usage (as root):
#   tools/vm/run_in_vm.sh [--timeout=SECONDS] [--mem=MiB] [--smp=N] -- COMMAND [ARGS...]
#   e.g. tools/vm/run_in_vm.sh -- uname -r
#        NF_VM_OUT=$PWD/vm-out tools/vm/run_in_vm.sh -- sh -c 'nf_bench ... > $NF_VM_OUT/r.json'
#
# How it works:
#   * qemu-system-x86_64 -accel tcg (a KVM guest hangs on the CI hosts), q35,
#     no network (-nic none), -no-reboot; the host's "/" is shared read-only
#     over 9p and becomes the guest's root (a small busybox initramfs mounts
#     it, see init.sh next to this script).
#   * COMMAND runs with bash in the caller's working directory (which must be
#     visible in the host root; /tmp is visible too), with a clean environment
#     plus the caller's NF_VM_* and NF_BENCH_* variables. Its stdout comes back
#     on ttyS0 (between marker lines that this script strips), its stderr on
#     ttyS1; nothing is forwarded to its stdin.
#   * Writable in the guest (RAM only, discarded): /run (empty tmpfs),
#     /tmp, /var/tmp, /var/lib, /root (overlays on the host's content).
#     The host is never written, except NF_VM_OUT: a read-write 9p share
#     mounted at the same path inside. Set NF_VM_OUT=DIR (existing) to keep
#     what the command writes there; by default it is a fresh temp dir that is
#     deleted on exit.
#   * modprobe works: /lib/modules/<version> in the guest is the kernel
#     package extracted on the host. bpffs, debugfs, tracefs, cgroup2 mounted.
#
# Exit status: COMMAND's; 124 on timeout (qemu killed); 126 when the guest
# kernel reported a soft lockup or a panic (qemu killed at once: under TCG
# emulation a BPF trampoline update can lock the guest up); 125 when the VM could
# not boot or run the command (with a "run_in_vm: ..." message and the tail of
# the console log on stderr).
#
# Needs: root, Debian 12 apt sources. Installs if missing (and says so):
# qemu-system-x86, busybox-static, kmod, cpio, xz-utils. The kernel is NOT
# installed: its package (what linux-image-amd64 depends on, or
# NF_VM_KERNEL_PKG) is fetched with `apt-get download`, extracted and
# depmod'ed under NF_VM_CACHE (default /var/cache/nf_bench-vm) together with
# the initramfs; both are reused until deleted.
set -euo pipefail

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SELF_DIR
readonly CACHE=${NF_VM_CACHE:-/var/cache/nf_bench-vm}
# virtio + 9p to mount the root, overlay for the writable dirs (dependencies
# are added from modules.dep; names that are built in or absent are skipped)
readonly INITRD_MODULES="virtio virtio_ring virtio_pci_modern_dev \
virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

timeout_s=900
mem_mib=2048
smp=2
run_dir=""
qemu_pid=""
err_pid=""

msg() { echo "run_in_vm: $*" >&2; }
fail() { msg "$*"; exit 125; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 125
}

parse_args() {
    while (($#)); do
        case $1 in
            --timeout=*) timeout_s=${1#*=} ;;
            --mem=*) mem_mib=${1#*=} ;;
            --smp=*) smp=${1#*=} ;;
            --) shift; break ;;
            -h|--help) usage ;;
            *) msg "unknown option $1"; usage ;;
        esac
        shift
    done
    (($#)) || { msg "no COMMAND given"; usage; }
    [[ $timeout_s =~ ^[0-9]+$ && $mem_mib =~ ^[0-9]+$ && $smp =~ ^[0-9]+$ ]] ||
        fail "--timeout, --mem and --smp take whole numbers"
    COMMAND=("$@")
}

# --- host tools -------------------------------------------------------------

ensure_tools() {
    local missing=() pair
    for pair in qemu-system-x86_64:qemu-system-x86 cpio:cpio xz:xz-utils \
                depmod:kmod; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    # the initramfs needs a static busybox (the dynamic one would need libc)
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q ' installed' ||
        missing+=(busybox-static)
    ((${#missing[@]})) || return 0
    msg "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
        { apt-get update >&2 &&
          apt-get install -y --no-install-recommends "${missing[@]}" >&2; } ||
        fail "could not install ${missing[*]}"
}

# --- kernel -----------------------------------------------------------------

# Name of the kernel image package linux-image-amd64 depends on.
kernel_package() {
    local pkg
    if [[ -n ${NF_VM_KERNEL_PKG:-} ]]; then echo "$NF_VM_KERNEL_PKG"; return; fi
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '/Depends: linux-image-[0-9]/ {print $2; exit}') || true
    if [[ -z $pkg ]]; then
        apt-get update >&2 || true
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
              awk '/Depends: linux-image-[0-9]/ {print $2; exit}') || true
    fi
    if [[ -z $pkg ]]; then  # offline: fall back to what is cached already
        local d
        for d in "$CACHE"/linux-image-*/root/.done; do
            [[ -f $d ]] && pkg=$(basename "${d%/root/.done}")
        done
    fi
    [[ -n $pkg ]] || fail "cannot resolve the kernel package of linux-image-amd64"
    echo "$pkg"
}

# Download, extract and depmod PKG into $CACHE/PKG/root (once).
prepare_kernel() {
    local pkg=$1 dir=$CACHE/$1 tmp kver
    [[ -f $dir/root/.done ]] && return 0
    msg "fetching $pkg into $dir"
    tmp=$(mktemp -d "$CACHE/.tmp.XXXXXX")
    (cd "$tmp" && apt-get download "$pkg" >&2) 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true
    ls "$tmp"/*.deb >/dev/null 2>&1 || { rm -rf "$tmp"; fail "apt-get download $pkg failed"; }
    mkdir "$tmp/root"
    dpkg-deb -x "$tmp"/*.deb "$tmp/root"
    kver=$(ls "$tmp/root/lib/modules")
    depmod -b "$tmp/root" "$kver"
    basename "$tmp"/*.deb >"$tmp/root/.deb"
    rm -f "$tmp"/*.deb
    touch "$tmp/root/.done"
    rm -rf "$dir"
    mkdir -p "$dir"
    mv "$tmp/root" "$dir/root"
    rmdir "$tmp"
}

# --- initramfs --------------------------------------------------------------

# Print the modules.dep paths of MODULE and its dependencies, dependencies
# first (depth-first post-order), each once. Built-in/absent names print nothing.
module_closure() {
    local dep=$1 name=$2 line path d
    line=$(grep -E "(^|/)${name//_/[-_]}\.ko(\.[gx]z|\.zst)?:" "$dep") || return 0
    path=${line%%:*}
    [[ " ${seen[*]} " == *" $path "* ]] && return 0
    seen+=("$path")
    for d in ${line#*:}; do
        module_closure "$dep" "$(basename "${d%%.ko*}")"
    done
    echo "$path"
}

# Build $CACHE/PKG/initramfs.cpio.gz: busybox, /init, the 9p/virtio modules.
build_initramfs() {
    local pkg=$1 root=$CACHE/$1/root out=$CACHE/$1/initramfs.cpio.gz
    local kver stage m path seen=()
    # rebuilt when this script or init.sh changed
    [[ -f $out && $out -nt $SELF_DIR/init.sh && $out -nt $SELF_DIR/run_in_vm.sh ]] && return 0
    msg "building $out"
    kver=$(ls "$root/lib/modules")
    stage=$(mktemp -d "$CACHE/.initramfs.XXXXXX")
    mkdir -p "$stage"/{bin,sbin,dev,proc,sys,modules,nfvm}
    cp /bin/busybox "$stage/bin/busybox"
    install -m 755 "$SELF_DIR/init.sh" "$stage/init"
    mknod "$stage/dev/console" c 5 1
    for m in $INITRD_MODULES; do
        module_closure "$root/lib/modules/$kver/modules.dep" "$m"
    done | while read -r path; do
        m=$(basename "$path")
        case $m in
            *.xz) xz -dc "$root/lib/modules/$kver/$path" >"$stage/modules/${m%.xz}"; m=${m%.xz} ;;
            *.gz) gzip -dc "$root/lib/modules/$kver/$path" >"$stage/modules/${m%.gz}"; m=${m%.gz} ;;
            *.zst) zstd -qdc "$root/lib/modules/$kver/$path" >"$stage/modules/${m%.zst}"; m=${m%.zst} ;;
            *) cp "$root/lib/modules/$kver/$path" "$stage/modules/$m" ;;
        esac
        echo "$m" >>"$stage/modules.load"
    done
    (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
    # the per-run cpio is appended: the kernel wants it 4-byte aligned
    truncate -s %4 "$out.tmp"
    mv "$out.tmp" "$out"
    rm -rf "$stage"
}

# --- one run ----------------------------------------------------------------

# q: shell-quote for bash (cmd.sh) and busybox ash (run.conf; plain paths)
q() { printf '%q' "$1"; }

# The per-run part of the initramfs: run.conf for /init, cmd.sh for bash.
write_run_files() {
    local kver=$1 moddir=$2 v
    mkdir -p "$run_dir/cpio/nfvm"
    {
        echo "NFVM_TOKEN=$token"
        echo "NFVM_KVER=$(q "$kver")"
        echo "NFVM_MODDIR=$(q "$moddir")"
        echo "NFVM_OUT=$(q "$NF_VM_OUT")"
    } >"$run_dir/cpio/nfvm/run.conf"
    {
        for v in $(compgen -e | grep -E '^NF_(VM|BENCH)_' || true); do
            echo "export $v=$(q "${!v}")"
        done
        # the directory as a quoted value, used only through "$nfvm_dir"
        echo "nfvm_dir=$(q "$PWD")"
        # shellcheck disable=SC2016  # expanded in the guest, not here
        echo 'cd -- "$nfvm_dir" || { echo "run_in_vm: cannot cd to $nfvm_dir in the VM" >&2; exit 125; }'
        printf 'exec'
        printf ' %q' "${COMMAND[@]}"
        echo
    } >"$run_dir/cpio/nfvm/cmd.sh"
}

start_qemu() {
    local kernel=$1 initrd=$2
    # qemu splits -fsdev at commas; ",," is a literal comma in a value
    local out_path=${NF_VM_OUT//,/,,}
    : >"$run_dir/ttyS0"
    : >"$run_dir/ttyS1"
    timeout --kill-after=5 "$timeout_s" \
        qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp "$smp" -m "$mem_mib" \
        -nographic -nodefaults -no-reboot -nic none \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev "local,id=vmout,path=$out_path,security_model=none,multidevs=remap" \
        -device virtio-9p-pci,fsdev=vmout,mount_tag=vmout \
        -serial "file:$run_dir/ttyS0" -serial "file:$run_dir/ttyS1" \
        </dev/null >"$run_dir/qemu.log" 2>&1 &
    qemu_pid=$!
    # the command's stderr, live, until qemu is gone
    tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$run_dir/ttyS1" >&2 &
    err_pid=$!
}

# Follow ttyS0 (a file qemu writes) until qemu exits: log everything before
# START, pass the command's output through, stop at "<token> EXIT n". The last line before the EXIT marker is the
# command's unterminated last line (init prints "\n" before the marker).
# Writes the exit status to $run_dir/rc; started=1 once START is seen.
relay_stdout() {
    local line held="" have_held=0 started=0
    while IFS= read -r line || [[ -n $line ]]; do
        if ((started == 0)); then
            [[ $line == *"$token START" ]] && { started=1; touch "$run_dir/started"; continue; }
            printf '%s\n' "$line" >>"$run_dir/console.log"
            continue
        fi
        if [[ $line =~ ^$token\ EXIT\ ([0-9]+)$ ]]; then
            ((have_held)) && printf '%s' "$held"
            echo "${BASH_REMATCH[1]}" >"$run_dir/rc"
            cat >/dev/null          # drain until qemu exits
            return 0
        fi
        if [[ $line == *"BUG: soft lockup"* || $line == *"Kernel panic"* ]]; then
            printf '%s\n' "$line" >"$run_dir/lockup"
            kill "$qemu_pid" 2>/dev/null || true
        fi
        ((have_held)) && printf '%s\n' "$held"
        held=$line have_held=1
    done < <(tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$run_dir/ttyS0")
    ((have_held)) && printf '%s\n' "$held"
    return 0
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    local pid
    for pid in $qemu_pid $err_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n $run_dir ]]; then rm -rf "$run_dir"; fi
    return 0
}

# Never fails: under set -e a missing log (no console when qemu did not
# start) would end the script with 1 instead of the 125 callers look for.
show_boot_log() {
    {
        echo "---- qemu ----"; tail -n 20 "$run_dir/qemu.log" 2>/dev/null || true
        echo "---- console (last 40 lines) ----"
        tail -n 40 "$run_dir/console.log" 2>/dev/null || echo "(none)"
    } >&2
}

main() {
    parse_args "$@"
    ((EUID == 0)) || fail "must run as root"
    ensure_tools
    mkdir -p "$CACHE"
    local pkg kroot kver status
    pkg=$(
        exec 8>"$CACHE/.lock"; flock 8
        p=$(kernel_package); prepare_kernel "$p"; build_initramfs "$p"; echo "$p"
    ) || exit 125
    kroot=$CACHE/$pkg/root
    kver=$(ls "$kroot/lib/modules")

    run_dir=$(mktemp -d /tmp/nf_vm_run.XXXXXX)
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    if [[ -n ${NF_VM_OUT:-} ]]; then
        [[ -d $NF_VM_OUT ]] || fail "NF_VM_OUT=$NF_VM_OUT is not a directory"
        NF_VM_OUT=$(cd "$NF_VM_OUT" && pwd -P)
    else
        NF_VM_OUT=$run_dir/out
        mkdir "$NF_VM_OUT"
    fi
    export NF_VM_OUT
    token=NFVM_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    write_run_files "$kver" "$kroot/lib/modules/$kver"
    # the kernel unpacks concatenated cpio archives in order
    { cat "$CACHE/$pkg/initramfs.cpio.gz"
      (cd "$run_dir/cpio" && find . | cpio -o -H newc --quiet); } >"$run_dir/initrd"

    start_qemu "$kroot/boot/vmlinuz-$kver" "$run_dir/initrd"
    relay_stdout
    status=0
    wait "$qemu_pid" || status=$?
    qemu_pid=""
    wait "$err_pid" 2>/dev/null || true
    err_pid=""

    if [[ -f $run_dir/lockup ]]; then
        msg "the guest kernel locked up, qemu killed: $(cat "$run_dir/lockup")"
        exit 126
    elif [[ -f $run_dir/rc ]]; then
        exit "$(cat "$run_dir/rc")"
    elif ((status == 124 || status == 137)); then
        msg "timed out after ${timeout_s}s (qemu killed)"
        [[ -f $run_dir/started ]] || show_boot_log
        exit 124
    elif [[ -f $run_dir/started ]]; then
        msg "the VM stopped before the command finished (qemu status $status)"
        show_boot_log
        exit 125
    else
        msg "the VM did not boot (qemu status $status)"
        show_boot_log
        exit 125
    fi
}

main "$@"
