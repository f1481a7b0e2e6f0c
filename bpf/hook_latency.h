// SPDX-License-Identifier: GPL-2.0-only
/* Types and the histogram's slot function, shared by hook_latency.bpf.c and
 * the user side (fixtures/hook_probe, fixtures/hook_stats): one definition,
 * tested in tests/unit/hook_stats_test.cpp. Plain C for both compilers. */
#ifndef NF_BENCH_HOOK_LATENCY_H
#define NF_BENCH_HOOK_LATENCY_H

/* A log2 histogram of nanoseconds with linear sub-buckets (as in HDR
 * histograms): each power of two [2^k, 2^(k+1)) is split into
 * HOOK_HIST_SUB equal buckets, so a bucket is at most 1/8 of its value wide
 * and percentiles read from it are good to a few percent, where plain log2
 * buckets (runqlat's) are only good to a factor of two.
 *   ns < HOOK_HIST_SUB:  slot = ns (width 1)
 *   otherwise, k = floor(log2(ns)), sub = the HOOK_HIST_SUB_BITS bits below
 *   the leading one:     slot = (k - HOOK_HIST_SUB_BITS + 1) * HOOK_HIST_SUB + sub
 * Times of 2^(HOOK_HIST_MAX_LOG2 + 1) ns (68 s) and more share the last slot. */
#define HOOK_HIST_SUB_BITS 3
#define HOOK_HIST_SUB (1 << HOOK_HIST_SUB_BITS)
#define HOOK_HIST_MAX_LOG2 35
#define HOOK_HIST_SLOTS \
	((HOOK_HIST_MAX_LOG2 - HOOK_HIST_SUB_BITS + 2) * HOOK_HIST_SUB)

/* floor(log2(v)) for v > 0, branch-free (the verifier needs no loop). */
static inline __attribute__((always_inline)) unsigned int
hook_log2_floor(unsigned long long v)
{
	unsigned int r = 0, shift;

	shift = (unsigned int)(v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (unsigned int)(v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (unsigned int)(v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (unsigned int)(v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (unsigned int)(v > 0x3) << 1; v >>= shift; r |= shift;
	return r | (unsigned int)(v >> 1);
}

/* The slot of a walk that took `ns` nanoseconds (layout above). */
static inline __attribute__((always_inline)) unsigned int
hook_hist_slot(unsigned long long ns)
{
	if (ns < HOOK_HIST_SUB)
		return (unsigned int)ns;
	unsigned int k = hook_log2_floor(ns);
	if (k > HOOK_HIST_MAX_LOG2)
		return HOOK_HIST_SLOTS - 1;
	unsigned int sub =
		(unsigned int)(ns >> (k - HOOK_HIST_SUB_BITS)) & (HOOK_HIST_SUB - 1);
	return (k - HOOK_HIST_SUB_BITS + 1) * HOOK_HIST_SUB + sub;
}

/* One per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, key 0): no atomics on the hot path;
 * the user side sums the CPUs. Counters only grow; readers take differences. */
struct hook_stats {
	unsigned long long calls;    /* hook walks timed */
	unsigned long long sum_ns;   /* total time in the hook, ns */
	unsigned long long bytes;    /* sum of skb->len at hook entry */
	unsigned long long unpaired; /* exits without a matching entry (dropped) */
	unsigned long long hist[HOOK_HIST_SLOTS];
};

/* The filter table's own walks (--table_time), per CPU like hook_stats. */
struct table_stats {
	unsigned long long calls;
	unsigned long long sum_ns;
	unsigned long long unpaired;
};

/* Per-process totals (nf_watch): who sent the packets the hook saw. Keyed by
 * the task that was current when the walk ended (the sender, in process
 * context; the interrupted task, for a walk in softirq). */
#define HOOK_COMM_LEN 16
struct hook_proc_key {
	unsigned int tgid;
	char comm[HOOK_COMM_LEN];
};

struct hook_proc_stats {
	unsigned long long calls;
	unsigned long long sum_ns;
};

#define HOOK_MAX_PROCS 4096

/* The hooks registered at IPv4 LOCAL_OUT of the namespace, as one walk the
 * probe timed found them: how nf_bench finds observers (another BPF program
 * in the same walk). The user side raises snapshot_request; the next walk
 * copies the list and sets generation to it. */
#define HOOK_SNAP_MAX 24
/* enum nf_hook_ops_type: NF_HOOK_OP_BPF (Linux >= 6.4) */
#define HOOK_TYPE_BPF 2

struct hook_snapshot_entry {
	int priority;
	unsigned int type;        /* enum nf_hook_ops_type */
	unsigned int bpf_prog_id; /* HOOK_TYPE_BPF: the program's id */
};

struct hook_snapshot {
	unsigned int generation; /* the request this answers */
	unsigned int count;      /* hooks at the point (may exceed HOOK_SNAP_MAX) */
	struct hook_snapshot_entry hooks[HOOK_SNAP_MAX];
};

#endif
