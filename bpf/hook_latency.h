/* Types shared by hook_latency.bpf.c and the user side (fixtures/hook_probe). */
#ifndef NF_BENCH_HOOK_LATENCY_H
#define NF_BENCH_HOOK_LATENCY_H

/* log2 buckets of nanoseconds: slot i holds times in [2^i, 2^(i+1)), slot 0
 * also holds 0 and 1 ns. 2^32 ns (4.3 s) is far beyond any hook walk. */
#define HOOK_HIST_SLOTS 32

/* One per CPU (BPF_MAP_TYPE_PERCPU_ARRAY, key 0): no atomics on the hot path;
 * the user side sums the CPUs. Counters only grow; readers take differences. */
struct hook_stats {
	unsigned long long calls;    /* hook walks timed */
	unsigned long long sum_ns;   /* total time in the hook, ns */
	unsigned long long bytes;    /* sum of skb->len at hook entry */
	unsigned long long unpaired; /* exits without a matching entry (dropped) */
	unsigned long long hist[HOOK_HIST_SLOTS];
};

#endif
