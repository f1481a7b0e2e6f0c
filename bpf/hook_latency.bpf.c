// SPDX-License-Identifier: GPL-2.0-only
/* Time per skb spent in the IPv4 LOCAL_OUT netfilter hook of one network
 * namespace. Three attachment strategies share one map; the user side
 * (fixtures/hook_probe.cpp) autoloads only the pair it chose:
 *
 *   fentry/fexit on nf_hook_slow      exact, cheapest; needs BPF trampolines
 *   kprobe/kretprobe on nf_hook_slow  needs CONFIG_KPROBES
 *   netfilter-link bracket            two BPF_PROG_TYPE_NETFILTER programs at
 *                                     the first and last priority of LOCAL_OUT
 *                                     (Linux >= 6.4); times every hook between
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "hook_latency.h"

#define NFPROTO_IPV4_ 2
#define NF_INET_LOCAL_OUT_ 3
#define NF_ACCEPT_ 1
#define EEXIST_ 17

char LICENSE[] SEC("license") = "GPL";

/* Inode number of the network namespace to time (fentry and kprobe only: a
 * netfilter link is already bound to one namespace). Set before load. */
const volatile __u32 target_netns_inum = 0;

/* Also count per process (nf_watch). Off for the benchmark: it costs a hash
 * update per walk. */
const volatile bool per_process = false;

/* Entry time of the hook walk in progress on this CPU. A per-CPU slot checked
 * by skb is cheaper than a hash map keyed by skb. */
struct entry_slot {
	__u64 skb;
	__u64 ts_ns; /* 0: no walk in progress */
	__u64 len;
	/* kprobe only: nf_hook_slow() calls open on this CPU, and the depth of
	 * ours. A softirq can walk another hook (the sender's LOCAL_IN for an
	 * incoming ACK) inside our walk; its return must not end ours. */
	__u32 depth;
	__u32 armed_depth;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct entry_slot);
} entry_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hook_stats);
} stats SEC(".maps");

/* The table's own time (--table_time): a second pair of programs around the
 * filter table alone, inside the walk; per-CPU like the walk's. */
struct table_slot {
	__u64 skb;
	__u64 ts_ns; /* 0: no table walk in progress */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table_slot);
} table_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table_stats);
} table_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, HOOK_MAX_PROCS);
	__type(key, struct hook_proc_key);
	__type(value, struct hook_proc_stats);
} proc_stats SEC(".maps");

/* Hook list on request (hook_latency.h); written only by the walk that
 * answers a new request, so the hot path pays one compare. */
volatile __u32 snapshot_request = 0;
struct hook_snapshot snapshot = {};

static __always_inline void read_hook(const struct nf_hook_entries *e, __u32 n,
				      __u32 i)
{
	/* hooks[n] is followed by the nf_hook_ops pointer of each hook */
	__u64 hooks = (__u64)e + bpf_core_field_offset(struct nf_hook_entries, hooks);
	struct nf_hook_entry entry = {};
	const struct nf_hook_ops *ops = NULL;
	struct hook_snapshot_entry *out = &snapshot.hooks[i];

	bpf_probe_read_kernel(&entry, sizeof(entry), (void *)(hooks + i * sizeof(entry)));
	bpf_probe_read_kernel(&ops, sizeof(ops),
			      (void *)(hooks + n * sizeof(entry) + i * sizeof(ops)));
	out->priority = BPF_CORE_READ(ops, priority);
	out->type = BPF_CORE_READ_BITFIELD_PROBED(ops, hook_ops_type);
	/* a BPF hook's private data is its program */
	out->bpf_prog_id = out->type == HOOK_TYPE_BPF ?
		BPF_CORE_READ((struct bpf_prog *)entry.priv, aux, id) : 0;
}

static __always_inline void maybe_snapshot(const struct nf_hook_state *state)
{
	__u32 request = snapshot_request;

	if (request == snapshot.generation)
		return;
	const struct nf_hook_entries *e =
		BPF_CORE_READ(state, net, nf.hooks_ipv4[NF_INET_LOCAL_OUT_]);
	__u32 n = e ? BPF_CORE_READ(e, num_hook_entries) : 0;

	for (__u32 i = 0; i < HOOK_SNAP_MAX && i < n; i++)
		read_hook(e, n, i);
	snapshot.count = n;
	snapshot.generation = request; /* last: the user side waits for it */
}

static __always_inline void on_entry(__u64 skb, __u32 len)
{
	__u32 zero = 0;
	struct entry_slot *slot = bpf_map_lookup_elem(&entry_slots, &zero);

	if (!slot)
		return;
	slot->skb = skb;
	slot->len = len;
	slot->ts_ns = bpf_ktime_get_ns();
}

/* The value at `key` of a hash map, added as `init` first when missing (the
 * helper of libbpf-tools' maps.bpf.h). Another CPU may add the same key
 * between the lookup and the update: its EEXIST is as good as ours. NULL when
 * the map cannot take the key. Arrays need none of this: their slots exist. */
static __always_inline void *lookup_or_try_init(void *map, const void *key,
						const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);
	long err;

	if (value)
		return value;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (err && err != -EEXIST_)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void count_process(__u64 delta)
{
	struct hook_proc_key key = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	const struct hook_proc_stats zero = {};
	struct hook_proc_stats *p;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	p = lookup_or_try_init(&proc_stats, &key, &zero);
	if (!p)
		return;
	__sync_fetch_and_add(&p->calls, 1);
	__sync_fetch_and_add(&p->sum_ns, delta);
}

/* skb == 0: the caller cannot see the skb (kretprobe); trust the slot. */
static __always_inline void on_exit(__u64 skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct entry_slot *slot = bpf_map_lookup_elem(&entry_slots, &zero);
	struct hook_stats *s = bpf_map_lookup_elem(&stats, &zero);

	if (!slot || !s)
		return;
	if (!slot->ts_ns || (skb && slot->skb != skb)) {
		s->unpaired++;
		return;
	}
	__u64 delta = now - slot->ts_ns;
	slot->ts_ns = 0;
	s->calls++;
	s->sum_ns += delta;
	s->bytes += slot->len;
	/* Check the very register that indexes: older verifiers (6.1) lose the
	 * bound when clang checks one copy and indexes with another. */
	__u32 bucket = hook_hist_slot(delta);
	asm volatile("" : "+r"(bucket));
	if (bucket < HOOK_HIST_SLOTS)
		s->hist[bucket]++;
	if (per_process)
		count_process(delta);
}

static __always_inline void table_entry(__u64 skb)
{
	__u32 zero = 0;
	struct table_slot *slot = bpf_map_lookup_elem(&table_slots, &zero);

	if (!slot)
		return;
	slot->skb = skb;
	slot->ts_ns = bpf_ktime_get_ns();
}

static __always_inline void table_exit(__u64 skb)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;
	struct table_slot *slot = bpf_map_lookup_elem(&table_slots, &zero);
	struct table_stats *s = bpf_map_lookup_elem(&table_stats, &zero);

	if (!slot || !s)
		return;
	if (!slot->ts_ns || slot->skb != skb) {
		s->unpaired++;
		return;
	}
	s->calls++;
	s->sum_ns += now - slot->ts_ns;
	slot->ts_ns = 0;
}

static __always_inline bool wanted(const struct nf_hook_state *state)
{
	if (BPF_CORE_READ(state, hook) != NF_INET_LOCAL_OUT_ ||
	    BPF_CORE_READ(state, pf) != NFPROTO_IPV4_)
		return false;
	return BPF_CORE_READ(state, net, ns.inum) == target_netns_inum;
}

/* ---- fentry/fexit ------------------------------------------------------ */

SEC("fentry/nf_hook_slow")
int BPF_PROG(fentry_nf_hook_slow, struct sk_buff *skb, struct nf_hook_state *state)
{
	if (wanted(state)) {
		maybe_snapshot(state);
		on_entry((__u64)skb, skb->len);
	}
	return 0;
}

SEC("fexit/nf_hook_slow")
int BPF_PROG(fexit_nf_hook_slow, struct sk_buff *skb, struct nf_hook_state *state)
{
	if (wanted(state))
		on_exit((__u64)skb);
	return 0;
}

/* ---- kprobe/kretprobe -------------------------------------------------- */

SEC("kprobe/nf_hook_slow")
int BPF_KPROBE(kprobe_nf_hook_slow, struct sk_buff *skb, struct nf_hook_state *state)
{
	__u32 zero = 0;
	struct entry_slot *slot = bpf_map_lookup_elem(&entry_slots, &zero);

	if (!slot)
		return 0;
	slot->depth++;
	if (wanted(state)) {
		maybe_snapshot(state);
		on_entry((__u64)skb, BPF_CORE_READ(skb, len));
		slot->armed_depth = slot->depth;
	}
	return 0;
}

/* No arguments at return: the depth says whether this return is ours. */
SEC("kretprobe/nf_hook_slow")
int BPF_KRETPROBE(kretprobe_nf_hook_slow)
{
	__u32 zero = 0;
	struct entry_slot *slot = bpf_map_lookup_elem(&entry_slots, &zero);

	if (!slot)
		return 0;
	if (slot->ts_ns && slot->armed_depth == slot->depth)
		on_exit(0);
	if (slot->depth) /* a return whose entry was missed must not underflow */
		slot->depth--;
	return 0;
}

/* ---- netfilter-link bracket -------------------------------------------- */

/* Layout of struct bpf_nf_ctx (uapi-stable since 6.4), declared here so the
 * object also builds against the BTF of older kernels. */
struct nf_ctx {
	const struct nf_hook_state *state;
	struct sk_buff *skb;
};

/* libbpf 1.1 predates SEC("netfilter"): the user side sets the program and
 * attach types before load. */
SEC("nf_bench/netfilter")
int nf_bracket_first(struct nf_ctx *ctx)
{
	struct sk_buff *skb = ctx->skb;

	maybe_snapshot(ctx->state);
	on_entry((__u64)skb, skb->len);
	return NF_ACCEPT_;
}

SEC("nf_bench/netfilter")
int nf_bracket_last(struct nf_ctx *ctx)
{
	on_exit((__u64)ctx->skb);
	return NF_ACCEPT_;
}

/* ---- the table's own time ------------------------------------------------ */

/* Bracket: linked just before and after the table's priority (0). */
SEC("nf_bench/netfilter")
int nf_table_first(struct nf_ctx *ctx)
{
	table_entry((__u64)ctx->skb);
	return NF_ACCEPT_;
}

SEC("nf_bench/netfilter")
int nf_table_last(struct nf_ctx *ctx)
{
	table_exit((__u64)ctx->skb);
	return NF_ACCEPT_;
}

/* fentry: the table's own function, x_tables' or nf_tables'. */
SEC("fentry/ipt_do_table")
int BPF_PROG(fentry_ipt_do_table, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state)
{
	if (wanted(state))
		table_entry((__u64)skb);
	return 0;
}

SEC("fexit/ipt_do_table")
int BPF_PROG(fexit_ipt_do_table, void *priv, struct sk_buff *skb,
	     const struct nf_hook_state *state)
{
	if (wanted(state))
		table_exit((__u64)skb);
	return 0;
}

SEC("fentry/nft_do_chain")
int BPF_PROG(fentry_nft_do_chain, struct nft_pktinfo *pkt, void *priv)
{
	if (wanted(BPF_CORE_READ(pkt, state)))
		table_entry((__u64)BPF_CORE_READ(pkt, skb));
	return 0;
}

SEC("fexit/nft_do_chain")
int BPF_PROG(fexit_nft_do_chain, struct nft_pktinfo *pkt, void *priv)
{
	if (wanted(BPF_CORE_READ(pkt, state)))
		table_exit((__u64)BPF_CORE_READ(pkt, skb));
	return 0;
}
