/*
 * hostile_chanrules: the channel's rules for blocks a careless or hostile
 * guest can build (docs/channel.md "How the harness handles a block"), a
 * harness self-test (tests/harness/check.sh runs it on both builds):
 *  - padding: every 32-bit pad field of a request must be 0; a block that
 *    is valid but for pad = 1 is EINVAL in every family that has one
 *    (core LOG, exit log MARK/READ/EXPECT, MSR ENABLE_CAP/SET_FILTER range/
 *    FILTER_INFO/COUNTERS), and the same block with pad = 0 is accepted
 *    (so the refusal is the pad's);
 *  - an output buffer overlapping the request block (EXIT_READ, MSR_LAST),
 *    from inside, over its start or over its end, is EINVAL; buffers just
 *    before and just after the block work;
 *  - HELLO refuses a client_version other than VMC_CHAN_VERSION (EINVAL)
 *    and still names its own version;
 *  - argv[1] = "rewrite" (the harness runs with VMC_HARNESS_REWRITE_OP=1,
 *    which overwrites every HELLO block after the header with 0xa5 while
 *    it is served, as another vCPU could): only the op's output fields are
 *    written back, so client_version keeps the rewriter's 0xa5a5a5a5 and
 *    the outputs are the harness's answer.
 * Expected values are the ABI's (lib/channel-abi.h) or what the guest set
 * up.  Without the harness: SKIP.
 */
#include "vmc.h"
#include "channel.h"
#include "msrfilter-abi.h"

static uint8_t area[4096] __attribute__((aligned(64)));
#define BLK_OFF 1024	/* the request block inside area; buffers around it */

static void *blk(void)
{
	memset(area, 0, sizeof(area));
	return area + BLK_OFF;
}

static int call(void *b, uint32_t argsz, uint32_t op)
{
	struct vmc_req_hdr *h = b;

	h->argsz = argsz;
	h->op = op;
	return harness_call(b);
}

/* the block at blk() with its u32 at pad_off = pad, then the call */
static int with_pad(uint32_t op, uint32_t argsz, size_t pad_off, uint32_t pad,
		    void (*fill)(void *))
{
	void *b = blk();

	if (fill)
		fill(b);
	memcpy((uint8_t *)b + pad_off, &pad, sizeof(pad));
	return call(b, argsz, op);
}

static void fill_read(void *b)
{
	struct vmc_exit_read *r = b;

	r->buf = harness_gpa(area);
	r->max_entries = 4;
}

static void fill_cap(void *b)
{
	((struct vmc_msr_enable_cap *)b)->cap = 188;	/* KVM_CAP_X86_USER_SPACE_MSR, mask 0 */
}

static void pads(void)
{
	static const struct {
		const char *name;
		uint32_t op, argsz;
		size_t pad_off;
		void (*fill)(void *);
	} c[] = {
		{ "LOG", VMC_OP_LOG, sizeof(struct vmc_log), offsetof(struct vmc_log, pad) },
		{ "EXIT_MARK", VMC_OP_EXIT_MARK, sizeof(struct vmc_exit_mark),
		  offsetof(struct vmc_exit_mark, pad) },
		{ "EXIT_READ", VMC_OP_EXIT_READ, sizeof(struct vmc_exit_read),
		  offsetof(struct vmc_exit_read, pad), fill_read },
		{ "EXPECT", VMC_OP_EXPECT, sizeof(struct vmc_expect),
		  offsetof(struct vmc_expect, pad) },
		{ "MSR_ENABLE_CAP", VMC_OP_MSR_ENABLE_CAP, sizeof(struct vmc_msr_enable_cap),
		  offsetof(struct vmc_msr_enable_cap, pad), fill_cap },
		{ "MSR_SET_FILTER range 0", VMC_OP_MSR_SET_FILTER,
		  sizeof(struct vmc_msr_set_filter),
		  offsetof(struct vmc_msr_set_filter, ranges[0].pad) },
		{ "MSR_FILTER_INFO", VMC_OP_MSR_FILTER_INFO, sizeof(struct vmc_msr_filter_info),
		  offsetof(struct vmc_msr_filter_info, pad) },
		{ "MSR_COUNTERS", VMC_OP_MSR_COUNTERS, sizeof(struct vmc_msr_counters),
		  offsetof(struct vmc_msr_counters, pad) },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		int bad = with_pad(c[i].op, c[i].argsz, c[i].pad_off, 1, c[i].fill);
		int good = with_pad(c[i].op, c[i].argsz, c[i].pad_off, 0, c[i].fill);

		report(bad == -VMC_EINVAL && good >= 0,
		       "%s: pad 1 is EINVAL, pad 0 accepted (%d, %d)", c[i].name, bad, good);
	}
}

/* buffer at block offset off (may be negative), len bytes: the op's answer */
static int read_at(long off, uint32_t max)
{
	struct vmc_exit_read *r = blk();

	r->buf = harness_gpa(area + BLK_OFF + off);
	r->max_entries = max;
	return call(r, sizeof(*r), VMC_OP_EXIT_READ);
}

static int last_at(long off, uint32_t max)
{
	struct vmc_msr_last *l = blk();

	l->buf = harness_gpa(area + BLK_OFF + off);
	l->max_entries = max;
	return call(l, sizeof(*l), VMC_OP_MSR_LAST);
}

static void overlaps(void)
{
	const long rs = sizeof(struct vmc_exit_read), es = sizeof(struct vmc_exit_rec);
	const long ls = sizeof(struct vmc_msr_last), ms = sizeof(struct vmc_msr_exit);
	int in = read_at(0, 1), mid = read_at(rs - 8, 1), start = read_at(-es + 8, 1);
	int before = read_at(-es, 1), after = read_at(rs, 1), span = read_at(-es, 4);

	report(in == -VMC_EINVAL && mid == -VMC_EINVAL && start == -VMC_EINVAL &&
	       span == -VMC_EINVAL,
	       "EXIT_READ into a buffer overlapping its own block is EINVAL (at the block %d, "
	       "over its end %d, over its start %d, around it %d)", in, mid, start, span);
	report(before >= 0 && after >= 0,
	       "EXIT_READ into buffers right before and right after the block works (%d, %d)",
	       before, after);
	in = last_at(0, 1);
	mid = last_at(ls - 8, 1);
	start = last_at(-ms + 8, 1);
	before = last_at(-ms, 1);
	after = last_at(ls, 1);
	report(in == -VMC_EINVAL && mid == -VMC_EINVAL && start == -VMC_EINVAL,
	       "MSR_LAST into a buffer overlapping its own block is EINVAL (%d, %d, %d)",
	       in, mid, start);
	report(before >= 0 && after >= 0,
	       "MSR_LAST into buffers right before and right after the block works (%d, %d)",
	       before, after);
}

static void versions(void)
{
	static const uint32_t bad[] = { 0, VMC_CHAN_VERSION + 1, 0xffffffffu };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vmc_hello *h = blk();
		int r;

		h->client_version = bad[i];
		r = call(h, sizeof(*h), VMC_OP_HELLO);
		report(r == -VMC_EINVAL && h->version == VMC_CHAN_VERSION && h->features == 0,
		       "HELLO from client version %u is EINVAL and names version %u (%d, "
		       "version %u, features 0x%llx)", bad[i], VMC_CHAN_VERSION, r, h->version,
		       (unsigned long long)h->features);
	}
}

static void rewrite(void)
{
	struct vmc_hello *h = blk();
	int r;

	h->client_version = VMC_CHAN_VERSION;
	r = call(h, sizeof(*h), VMC_OP_HELLO);
	report(r == 0 && h->hdr.argsz == sizeof(*h) && h->hdr.op == VMC_OP_HELLO,
	       "HELLO rewritten while served still answers 0 in an intact header (%d)", r);
	report(h->client_version == 0xa5a5a5a5u,
	       "the input field keeps what was written during the request (0x%x)",
	       h->client_version);
	report(h->version == VMC_CHAN_VERSION && h->max_argsz == VMC_CHAN_MAX_ARGSZ &&
	       h->nr_vcpus == 1,
	       "the output fields hold the answer (version %u, max_argsz %u, nr_vcpus %u)",
	       h->version, h->max_argsz, h->nr_vcpus);
}

int main(int argc, char **argv)
{
	if (!harness_present()) {
		report_skip("channel rules %s", HARNESS_SKIP_REASON);
		return report_summary();
	}
	pads();
	overlaps();
	versions();
	if (argc > 1 && !strcmp(argv[1], "rewrite"))
		rewrite();
	return report_summary();
}
