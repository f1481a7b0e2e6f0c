#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# check_bt.sh — compile nf_bench's bpftrace scripts without attaching them, to
# catch syntax and type errors (struct fields via kernel BTF) in CI.
#
# USAGE: tools/check_bt.sh [SCRIPT.bt ...]     (default: bpf/*.bt of this repo)
#
# Each script must also look like bpftrace's own tools: line 1 the shebang,
# line 2 the SPDX line, a USAGE line, and real example output beside it in
# <script>_example.txt (with the command that made it: `# ./<script> ...`).
#
# Each script is compiled with `bpftrace --emit-elf` (a dry run: programs are
# generated and written to an ELF file, nothing is loaded or attached), with
# every positional parameter it uses set to 0. Prints one OK line per script;
# on any failure prints the script's name and bpftrace's errors and exits 1.
# Needs root (bpftrace probes kernel features even in a dry run).
#
# kfunc/kretfunc scripts on hosts that cannot load BPF tracing programs:
# bpftrace 0.17 refuses to compile them there ("kfunc/kretfunc not available
# for your kernel version", found by loading a test BPF_PROG_TYPE_TRACING
# program, which fails with EPERM), and it also wants to read
# /sys/kernel/tracing/available_filter_functions. Then, and only then, the
# script is compiled again in a private mount namespace where that file lists
# the script's kfunc targets, with a small LD_PRELOAD shim that answers that
# one feature probe with success. --emit-elf loads nothing else, so the check
# still type-checks args->... against the kernel's BTF; whether the programs
# load and attach is for a real run (the qemu VM). Such scripts are reported
# as "OK (kfunc support faked ...)".
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	set -- "$repo"/bpf/*.bt
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "check_bt: needs root (bpftrace probes kernel features); skipped"
	exit 77
fi
if ! command -v bpftrace >/dev/null; then
	echo "check_bt: bpftrace not found (apt-get install bpftrace)" >&2
	exit 2
fi

work=$(mktemp -d /tmp/check_bt.XXXXXX)
trap 'rm -rf "$work"' EXIT

# bpftrace prints these on a host where only attaching is impossible; they
# say nothing about the script.
noise='RLIMIT_MEMLOCK|is not traceable \(either non-existing'

build_shim() {
	[ -f "$work/shim.so" ] && return 0
	cat >"$work/shim.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
/* Answer bpftrace's BPF_PROG_TYPE_TRACING feature probe with a dummy fd. */
long syscall(long n, ...)
{
	static long (*real)(long, ...);
	va_list ap;
	long a[6];
	int i;

	va_start(ap, n);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (n == SYS_bpf && a[0] == BPF_PROG_LOAD &&
	    ((union bpf_attr *)a[1])->prog_type == BPF_PROG_TYPE_TRACING)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
SHIM
	${CC:-cc} -shared -fPIC -O2 -o "$work/shim.so" "$work/shim.c" -ldl \
		2>"$work/shim.err"
}

fail=0
for script in "$@"; do
	name=$(basename "$script")
	if [ ! -r "$script" ]; then
		echo "FAIL $name: cannot read $script"
		fail=1
		continue
	fi
	header_fail=""
	[ "$(sed -n 1p "$script")" = "#!/usr/bin/env bpftrace" ] ||
		header_fail+=" line 1 is not '#!/usr/bin/env bpftrace';"
	sed -n 2p "$script" | grep -qE '^// SPDX-License-Identifier: [A-Za-z0-9.+-]+$' ||
		header_fail+=" line 2 is not '// SPDX-License-Identifier: ...';"
	grep -qE "^// USAGE: $name( |\$)" "$script" ||
		header_fail+=" no '// USAGE: $name ...' line;"
	example="${script%.bt}_example.txt"
	grep -qF "# ./$name" "$example" 2>/dev/null ||
		header_fail+=" no $(basename "$example") with a '# ./$name ...' run;"
	if [ -n "$header_fail" ]; then
		echo "FAIL $name:$header_fail"
		fail=1
		continue
	fi
	# One 0 for every positional parameter the script uses ($1 .. $N).
	n=$(grep -oE '\$[0-9]+' "$script" | tr -d '$' | sort -n | tail -n1)
	params=()
	for ((i = 0; i < ${n:-0}; i++)); do params+=(0); done
	elf="$work/${name%.bt}.o"
	err="$work/${name%.bt}.err"

	rm -f "$elf"
	bpftrace --emit-elf "$elf" "$script" "${params[@]}" >/dev/null 2>"$err"
	rc=$?
	how=""
	if [ $rc -ne 0 ] &&
	   grep -qE '\b(kfunc|kretfunc):[A-Za-z0-9_]+' "$script" &&
	   grep -qE 'kfunc/kretfunc not available|could not read traceable functions' "$err"; then
		if ! build_shim; then
			echo "FAIL $name: this host cannot compile kfunc scripts and the fallback shim did not build:"
			cat "$work/shim.err"
			fail=1
			continue
		fi
		mkdir -p "$work/tracefs"
		grep -oE '\b(kfunc|kretfunc):[A-Za-z0-9_]+' "$script" | cut -d: -f2 |
			sort -u >"$work/tracefs/available_filter_functions"
		rm -f "$elf"
		unshare -m /bin/sh -c '
			mount --bind "$1" /sys/kernel/tracing || exit 97
			export LD_PRELOAD="$2"
			shift 2
			exec bpftrace --emit-elf "$@"
		' sh "$work/tracefs" "$work/shim.so" "$elf" "$script" "${params[@]}" \
			>/dev/null 2>"$err"
		rc=$?
		how=" (kfunc support faked: this host cannot load BPF tracing programs)"
	fi
	if [ $rc -eq 0 ] && [ -s "$elf" ]; then
		echo "OK   $name$how"
	else
		echo "FAIL $name (bpftrace exit $rc):"
		grep -vE "$noise" "$err" | sed 's/^/    /'
		fail=1
	fi
done
exit $fail
