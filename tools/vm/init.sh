#!/bin/busybox sh
# shellcheck shell=dash disable=SC3043  # busybox ash: has "local"
# /init of the nf_bench test VM (copied into the initramfs by run_in_vm.sh).
#
# Loads the modules listed in /modules.load (virtio + 9p + overlay, in
# dependency order), mounts the host's root read-only over 9p at /newroot,
# makes the few places tools write to writable (tmpfs / overlay on tmpfs),
# binds the guest kernel's modules at /lib/modules/$NFVM_KVER, mounts the
# pseudo file systems, then runs /nfvm/cmd.sh (written per run by
# run_in_vm.sh) with bash in a chroot: stdout on ttyS0, stderr on ttyS1.
# Markers "$NFVM_TOKEN START" and "$NFVM_TOKEN EXIT <status>" on ttyS0 tell
# the host where the command's output begins and how it ended.
#
# Per-run settings come from /nfvm/run.conf (appended cpio archive):
#   NFVM_TOKEN  unique marker prefix
#   NFVM_KVER   kernel version (e.g. 6.1.0-56-amd64)
#   NFVM_MODDIR host path of the extracted /lib/modules/$NFVM_KVER
#   NFVM_OUT    host path of the read-write scratch share ("" = none)

/bin/busybox --install -s /bin
export PATH=/bin

R=/newroot
NINEP_OPTS=trans=virtio,version=9p2000.L,msize=512000

die() {
    echo "nfvm-init: $*"
    sync
    poweroff -f
    echo o >/proc/sysrq-trigger
    sleep 10
}

mount_early() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev 2>/dev/null
}

load_modules() {
    local m
    for m in $(cat /modules.load); do
        insmod "/modules/$m" || die "insmod $m failed"
    done
}

# overlay_dir DIR: make $R/DIR writable, host content visible underneath,
# changes kept in RAM (upper dir on the /ovl tmpfs).
overlay_dir() {
    local d="$1" n
    [ -d "$R$d" ] || return 0
    n=$(echo "$d" | tr / _)
    mkdir -p "/ovl/$n/upper" "/ovl/$n/work"
    mount -t overlay overlay \
        -o "lowerdir=$R$d,upperdir=/ovl/$n/upper,workdir=/ovl/$n/work" "$R$d" ||
        mount -t tmpfs -o mode=1777 tmpfs "$R$d" ||
        die "cannot make $d writable"
}

mount_root() {
    mkdir -p $R
    mount -t 9p -o "ro,$NINEP_OPTS,cache=loose" hostroot $R ||
        die "cannot mount the host root over 9p"
    mkdir -p /ovl
    mount -t tmpfs -o mode=755 tmpfs /ovl
    mount -t tmpfs -o mode=755 tmpfs $R/run || die "cannot mount $R/run"
    mkdir -p $R/run/lock $R/run/nfvm
    local d
    for d in /tmp /var/tmp /var/lib /root; do overlay_dir $d; done
}

# /lib/modules/$NFVM_KVER inside the guest = the extracted package on the host.
mount_modules() {
    if [ -d $R/lib/modules ]; then
        mount -t tmpfs -o mode=755 tmpfs $R/lib/modules
    else
        overlay_dir /usr/lib     # host has no /lib/modules at all
    fi
    mkdir -p "$R/lib/modules/$NFVM_KVER"
    mount --bind "$R$NFVM_MODDIR" "$R/lib/modules/$NFVM_KVER" ||
        die "cannot bind the modules of $NFVM_KVER"
}

mount_out() {
    [ -n "$NFVM_OUT" ] || return 0
    mkdir -p "$R$NFVM_OUT" 2>/dev/null
    mount -t 9p -o "rw,$NINEP_OPTS,cache=none" vmout "$R$NFVM_OUT" ||
        die "cannot mount the output share at $NFVM_OUT"
}

# The kernel's module autoloading (request_module: iptable_filter, xt_*,
# veth ...) runs /proc/sys/kernel/modprobe (/sbin/modprobe) in PID 1's root,
# i.e. here in the initramfs, not in the chroot. Make the initramfs'
# /sbin/modprobe hand over to the real one in $R; the path stays the same,
# so iptables (which reads /proc/sys/kernel/modprobe) finds kmod's in $R.
setup_modprobe_helper() {
    rm -f /sbin/modprobe
    printf '#!/bin/sh\nexec chroot %s /sbin/modprobe "$@"\n' $R >/sbin/modprobe
    chmod 755 /sbin/modprobe
    echo /sbin/modprobe >/proc/sys/kernel/modprobe
}

mount_pseudo() {
    mount -t proc proc $R/proc
    mount -t sysfs sysfs $R/sys
    mount -t devtmpfs devtmpfs $R/dev
    mkdir -p $R/dev/pts $R/dev/shm
    mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
    mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
    ln -sf /proc/self/fd $R/dev/fd
    ln -sf /proc/self/fd/0 $R/dev/stdin
    ln -sf /proc/self/fd/1 $R/dev/stdout
    ln -sf /proc/self/fd/2 $R/dev/stderr
    mount -t bpf bpf $R/sys/fs/bpf
    mount -t debugfs debugfs $R/sys/kernel/debug
    mount -t tracefs tracefs $R/sys/kernel/tracing
    mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
}

run_command() {
    local rc
    cp /nfvm/cmd.sh $R/run/nfvm/cmd.sh
    # raw: no \n -> \r\n translation on the way out
    stty -F /dev/ttyS0 raw -echo
    stty -F /dev/ttyS1 raw -echo
    echo 1 >/proc/sys/kernel/printk    # keep kernel messages out of stdout
    printf '\n%s START\n' "$NFVM_TOKEN" >/dev/ttyS0
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root TERM=dumb LANG=C.UTF-8 \
        chroot $R /bin/bash --noprofile --norc /run/nfvm/cmd.sh \
        </dev/null >/dev/ttyS0 2>/dev/ttyS1
    rc=$?
    sync
    [ -n "$NFVM_OUT" ] && umount "$R$NFVM_OUT" 2>/dev/null
    printf '\n%s EXIT %d\n' "$NFVM_TOKEN" "$rc" >/dev/ttyS0
    # tcsetattr(TCSADRAIN): wait until both ports have sent everything
    stty -F /dev/ttyS1 raw
    stty -F /dev/ttyS0 raw
}

mount_early
. /nfvm/run.conf
load_modules
mount_root
mount_modules
mount_out
mount_pseudo
setup_modprobe_helper
ip link set lo up 2>/dev/null
hostname nfvm
run_command
poweroff -f
echo o >/proc/sysrq-trigger
