/*
 * hostile_chanrules: the channel's rules for blocks a careless or hostile
 * guest can build (docs/channel.md "How the harness handles a block"), a
 * harness self-test (tests/harness/check.sh runs it on both builds):
 *  - padding: every pad field of a request must be 0; a block that is
 *    valid but for a pad's first or last byte set is EINVAL in every family
 *    (core LOG, exit log MARK/READ/EXPECT, MSR ENABLE_CAP/SET_FILTER range/
 *    FILTER_INFO/COUNTERS, COAL_INFO, EXC_INJECT pad and set.pad[], EXC_GET,
 *    SLOT_FILL/MANY, SNP_PROBE, SNP_LAUNCH pad0/pad1), and the same
 *    block with the pad 0 is accepted (so the refusal is the pad's);
 *    SLOT_SET has no pad: its last word is the vm selector, whose bad values
 *    k420_bookkeeping checks;
 *  - an output buffer overlapping the request block (EXIT_READ, MSR_LAST),
 *    from inside, over its start or over its end, is EINVAL; buffers just
 *    before and just after the block work;
 *  - HELLO refuses a client_version other than VMC_CHAN_VERSION (EINVAL)
 *    and still names its own version;
 *  - argv[1] = "rewrite" (the harness runs with VMC_HARNESS_REWRITE_OP=1,
 *    which overwrites every HELLO block after the header with 0xa5 while
 *    it is served, as another vCPU could): only the op's output fields are
 *    written back, so client_version keeps the rewriter's 0xa5a5a5a5 and
 *    the outputs are the harness's answer.  The same for every op of the
 *    coalesced (0x05), exception (0x06), memslot (0x07) and SNP (0x08)
 *    families, which check.sh adds to VMC_HARNESS_REWRITE_OP: every byte
 *    after the header that is not one of the op's "out" fields of its ABI
 *    header (lib/coalesced-abi.h etc.) keeps 0xa5, the out fields hold an answer the
 *    guest can predict from what it asked (KVM's documented result or what
 *    it set up: e.g. an unaligned slot GPA is -EINVAL, no zone is left).
 * Expected values are the ABI's (lib/channel-abi.h) or what the guest set
 * up.  Without the harness: SKIP.
 */
#include "vmc.h"
#include "channel.h"
#include "msrfilter-abi.h"
#include "coalesced-abi.h"
#include "exception-abi.h"
#include "memslot-abi.h"
#include "snp-abi.h"

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

/* the block at blk() with byte pad_off = val (0: the pad left 0), then the call */
static int with_pad(uint32_t op, uint32_t argsz, size_t pad_off, uint8_t val,
		    void (*fill)(void *))
{
	uint8_t *b = blk();

	if (fill)
		fill(b);
	b[pad_off] = val;
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

/* valid blocks of the newer families (each accepted with its pads 0) */
static void fill_slot_set(void *b)
{
	struct vmc_slot_set *s = b;

	s->slot = 5;
	s->gpa = 0x90000001ull;	/* unaligned: KVM refuses it, the request is still served */
	s->size = 4096;
}

static void fill_slot_fill(void *b)
{
	((struct vmc_slot_fill *)b)->backing = 0;
}

static void fill_slot_many(void *b)
{
	struct vmc_slot_many *m = b;

	m->action = VMC_SLOT_MANY_CREATE;
	m->first = 200;		/* count 0: nothing to do */
}

#define PAD(type, field) offsetof(type, field), sizeof(((type *)0)->field)

static void pads(void)
{
	static const struct {
		const char *name;
		uint32_t op, argsz;
		size_t pad_off, pad_len;
		void (*fill)(void *);
		int also_ok;	/* with pad 0: >= 0 or this */
	} c[] = {
		{ "LOG", VMC_OP_LOG, sizeof(struct vmc_log), PAD(struct vmc_log, pad) },
		{ "EXIT_MARK", VMC_OP_EXIT_MARK, sizeof(struct vmc_exit_mark),
		  PAD(struct vmc_exit_mark, pad) },
		{ "EXIT_READ", VMC_OP_EXIT_READ, sizeof(struct vmc_exit_read),
		  PAD(struct vmc_exit_read, pad), fill_read },
		{ "EXPECT", VMC_OP_EXPECT, sizeof(struct vmc_expect), PAD(struct vmc_expect, pad) },
		{ "MSR_ENABLE_CAP", VMC_OP_MSR_ENABLE_CAP, sizeof(struct vmc_msr_enable_cap),
		  PAD(struct vmc_msr_enable_cap, pad), fill_cap },
		{ "MSR_SET_FILTER range 0", VMC_OP_MSR_SET_FILTER,
		  sizeof(struct vmc_msr_set_filter), PAD(struct vmc_msr_set_filter, ranges[0].pad) },
		{ "MSR_FILTER_INFO", VMC_OP_MSR_FILTER_INFO, sizeof(struct vmc_msr_filter_info),
		  PAD(struct vmc_msr_filter_info, pad) },
		{ "MSR_COUNTERS", VMC_OP_MSR_COUNTERS, sizeof(struct vmc_msr_counters),
		  PAD(struct vmc_msr_counters, pad) },
		{ "COAL_INFO", VMC_OP_COAL_INFO, sizeof(struct vmc_coal_info),
		  PAD(struct vmc_coal_info, pad) },
		{ "EXC_INJECT", VMC_OP_EXC_INJECT, sizeof(struct vmc_exc_inject),
		  PAD(struct vmc_exc_inject, pad) },
		{ "EXC_INJECT set.pad", VMC_OP_EXC_INJECT, sizeof(struct vmc_exc_inject),
		  PAD(struct vmc_exc_inject, set.pad) },
		{ "EXC_GET", VMC_OP_EXC_GET, sizeof(struct vmc_exc_get),
		  PAD(struct vmc_exc_get, pad) },
		{ "SLOT_FILL", VMC_OP_SLOT_FILL, sizeof(struct vmc_slot_fill),
		  PAD(struct vmc_slot_fill, pad), fill_slot_fill },
		{ "SLOT_MANY", VMC_OP_SLOT_MANY, sizeof(struct vmc_slot_many),
		  PAD(struct vmc_slot_many, pad), fill_slot_many },
		{ "SNP_PROBE", VMC_OP_SNP_PROBE, sizeof(struct vmc_snp_probe),
		  PAD(struct vmc_snp_probe, pad) },
		/* no SNP host: EOPNOTSUPP, decided after the pads */
		{ "SNP_LAUNCH pad0", VMC_OP_SNP_LAUNCH, sizeof(struct vmc_snp_launch),
		  PAD(struct vmc_snp_launch, pad0), NULL, -VMC_EOPNOTSUPP },
		{ "SNP_LAUNCH pad1", VMC_OP_SNP_LAUNCH, sizeof(struct vmc_snp_launch),
		  PAD(struct vmc_snp_launch, pad1), NULL, -VMC_EOPNOTSUPP },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		size_t lo = c[i].pad_off, hi = c[i].pad_off + c[i].pad_len - 1;
		int bad_lo = with_pad(c[i].op, c[i].argsz, lo, 1, c[i].fill);
		int bad_hi = with_pad(c[i].op, c[i].argsz, hi, 0x80, c[i].fill);
		int good = with_pad(c[i].op, c[i].argsz, lo, 0, c[i].fill);

		report(bad_lo == -VMC_EINVAL && bad_hi == -VMC_EINVAL &&
		       (good >= 0 || (c[i].also_ok && good == c[i].also_ok)),
		       "%s: pad first byte 1 / last byte 0x80 is EINVAL, pad 0 accepted "
		       "(%d, %d, %d)", c[i].name, bad_lo, bad_hi, good);
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

/* ---- the newer families under rewrite: fills and the answers they predict */
static void fill_zone_reg(void *b)
{
	struct vmc_coal_zone *z = b;

	z->action = VMC_COAL_REGISTER;
	z->addr = 0xd8000000ull;	/* an MMIO zone no access touches */
	z->size = 0x1000;
}

static void fill_zone_unreg(void *b)
{
	fill_zone_reg(b);
	((struct vmc_coal_zone *)b)->action = VMC_COAL_UNREGISTER;
}

static void fill_many_create(void *b)
{
	struct vmc_slot_many *m = b;

	m->action = VMC_SLOT_MANY_CREATE;
	m->first = 200;
	m->count = 1;
	m->gpa = 0x90000000ull;
}

static void fill_many_delete(void *b)
{
	fill_many_create(b);
	((struct vmc_slot_many *)b)->action = VMC_SLOT_MANY_DELETE;
}

/* KVM accepts registering and unregistering a zone (specs/kvm-x86.md §D.1) */
static bool ans_zone(const void *b, int r)
{
	return r == 0 && ((const struct vmc_coal_zone *)b)->kvm_ret == 0;
}

/* x86's ring page offset is 2; this guest left no zone and wrote none */
static bool ans_coal_info(const void *b, int r)
{
	const struct vmc_coal_info *c = b;

	return r == 0 && c->page_offset == 2 && c->zones == 0 && c->drained == 0 &&
	       c->mapped <= 1;
}

/* KVM_ENABLE_CAP(EXCEPTION_PAYLOAD, 0) succeeds wherever the cap exists */
static bool ans_exc_cap(const void *b, int r)
{
	return r == 0 && ((const struct vmc_exc_cap *)b)->kvm_ret == 0;
}

static bool no_exception(const struct vmc_exc_state *s)
{
	return !s->injected && !s->pending && !s->nr && !s->has_error_code;
}

/* a SET of "no exception" (all zero) is accepted and reads back as such */
static bool ans_exc_inject(const void *b, int r)
{
	const struct vmc_exc_inject *in = b;

	return r == 0 && in->set_ret == 0 && in->get_ret == 0 && no_exception(&in->got);
}

/*
 * nothing injected or pending; nr, has_error_code and error_code are not
 * looked at: KVM_GET_VCPU_EVENTS reports the last exception's vector and
 * error code whether or not one is pending (kvm_vcpu_ioctl_x86_get_vcpu_events,
 * arch/x86/kvm/x86.c), and the library takes a #BP at every CPL-3 call's
 * end (lib/x86/usermode.c)
 */
static bool ans_exc_get(const void *b, int r)
{
	const struct vmc_exc_get *g = b;

	return r == 0 && g->get_ret == 0 && !g->got.injected && !g->got.pending;
}

/* __kvm_set_memory_region: a GPA not page aligned is -EINVAL */
static bool ans_slot_set(const void *b, int r)
{
	return r == 0 && ((const struct vmc_slot_set *)b)->kvm_ret == -22;
}

static bool ans_ok(const void *b, int r)
{
	(void)b;
	return r == 0;
}

static bool ans_many(const void *b, int r)
{
	const struct vmc_slot_many *m = b;

	return r == 0 && m->done == 1 && m->kvm_ret == 0;
}

/*
 * x86 has 1 or 2 address spaces (SMM; the cap reads 0 on a kernel built with
 * one, as kvm_pvm is); the guest's slots were deleted
 */
static bool ans_slot_info(const void *b, int r)
{
	const struct vmc_slot_info *i = b;

	return r == 0 && i->nr_memslots > 0 && i->multi_as >= 0 && i->multi_as <= 2 &&
	       i->tdp <= 1 && i->slots == 0;
}

/* KVM_CREATE_VM(0) (the default type) works on every KVM host */
static bool ans_snp_probe(const void *b, int r)
{
	const struct vmc_snp_probe *p = b;

	return r == 0 && p->create_vm[0] == 0 && p->kernel_major >= 4;
}

/* no SNP host: EOPNOTSUPP, the out fields keep the request's zeros */
static bool ans_snp_launch(const void *b, int r)
{
	const struct vmc_snp_launch *l = b;

	if (r == -VMC_EOPNOTSUPP)
		return l->create_vm == 0 && l->big_consistent == 0 && l->finish_fw == 0;
	return r == 0 && l->create_vm == 0;
}

#define OUT(type, first, last) \
	{ offsetof(type, first), offsetof(type, last) + sizeof(((type *)0)->last) }

static const struct rw_case {
	const char *name;
	uint32_t op, argsz;
	void (*fill)(void *);
	bool (*answer)(const void *b, int r);
	struct { uint16_t off, end; } out[3];	/* the ABI's out fields; end 0 = none */
} rw[] = {
	{ "COAL_ZONE register", VMC_OP_COAL_ZONE, sizeof(struct vmc_coal_zone), fill_zone_reg,
	  ans_zone, { OUT(struct vmc_coal_zone, kvm_ret, kvm_ret) } },
	{ "COAL_ZONE unregister", VMC_OP_COAL_ZONE, sizeof(struct vmc_coal_zone),
	  fill_zone_unreg, ans_zone, { OUT(struct vmc_coal_zone, kvm_ret, kvm_ret) } },
	{ "COAL_INFO", VMC_OP_COAL_INFO, sizeof(struct vmc_coal_info), NULL, ans_coal_info,
	  { OUT(struct vmc_coal_info, page_offset, zones) } },
	{ "EXC_CAP", VMC_OP_EXC_CAP, sizeof(struct vmc_exc_cap), NULL, ans_exc_cap,
	  { OUT(struct vmc_exc_cap, kvm_ret, kvm_ret) } },
	{ "EXC_INJECT", VMC_OP_EXC_INJECT, sizeof(struct vmc_exc_inject), NULL, ans_exc_inject,
	  { OUT(struct vmc_exc_inject, set_ret, set_ret),
	    OUT(struct vmc_exc_inject, get_ret, get_ret),
	    OUT(struct vmc_exc_inject, got, got) } },
	{ "EXC_GET", VMC_OP_EXC_GET, sizeof(struct vmc_exc_get), NULL, ans_exc_get,
	  { OUT(struct vmc_exc_get, get_ret, get_ret), OUT(struct vmc_exc_get, got, got) } },
	{ "SLOT_SET", VMC_OP_SLOT_SET, sizeof(struct vmc_slot_set), fill_slot_set, ans_slot_set,
	  { OUT(struct vmc_slot_set, kvm_ret, kvm_ret) } },
	{ "SLOT_FILL", VMC_OP_SLOT_FILL, sizeof(struct vmc_slot_fill), fill_slot_fill, ans_ok,
	  { { 0, 0 } } },
	{ "SLOT_MANY create", VMC_OP_SLOT_MANY, sizeof(struct vmc_slot_many), fill_many_create,
	  ans_many, { OUT(struct vmc_slot_many, done, done),
		      OUT(struct vmc_slot_many, kvm_ret, kvm_ret) } },
	{ "SLOT_MANY delete", VMC_OP_SLOT_MANY, sizeof(struct vmc_slot_many), fill_many_delete,
	  ans_many, { OUT(struct vmc_slot_many, done, done),
		      OUT(struct vmc_slot_many, kvm_ret, kvm_ret) } },
	{ "SLOT_INFO", VMC_OP_SLOT_INFO, sizeof(struct vmc_slot_info), NULL, ans_slot_info,
	  { OUT(struct vmc_slot_info, nr_memslots, slots) } },
	{ "SNP_PROBE", VMC_OP_SNP_PROBE, sizeof(struct vmc_snp_probe), NULL, ans_snp_probe,
	  { OUT(struct vmc_snp_probe, kernel_major, param_sev_snp) } },
	{ "SNP_LAUNCH", VMC_OP_SNP_LAUNCH, sizeof(struct vmc_snp_launch), NULL, ans_snp_launch,
	  { OUT(struct vmc_snp_launch, create_vm, big_consistent),
	    OUT(struct vmc_snp_launch, bad_cpuid_ret, finish_fw) } },
};

static bool is_out(const struct rw_case *c, unsigned off)
{
	for (unsigned i = 0; i < ARRAY_SIZE(c->out); i++)
		if (off >= c->out[i].off && off < c->out[i].end)
			return true;
	return false;
}

/* the first out words, for the report line */
static const char *out_words(const struct rw_case *c, const uint8_t *b)
{
	static char buf[96];
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(c->out) && n < sizeof(buf) - 12; i++)
		for (unsigned off = c->out[i].off; off + 4 <= c->out[i].end &&
		     n < sizeof(buf) - 12 && off < c->out[i].off + 16; off += 4) {
			uint32_t w;

			memcpy(&w, b + off, 4);
			n += snprintf(buf + n, sizeof(buf) - n, " %#x", w);
		}
	return buf;
}

/*
 * The request as the harness got it at the OUT is fill()'s; the rewriter
 * turns every byte after the header into 0xa5 before the write-back.
 */
static void rewrite_families(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(rw); i++) {
		const struct rw_case *c = &rw[i];
		uint8_t *b = blk();
		unsigned changed = 0, first = 0, outs = 0, outs_a5 = 0;
		int r;

		if (c->fill)
			c->fill(b);
		r = call(b, c->argsz, c->op);
		for (unsigned off = sizeof(struct vmc_req_hdr); off < c->argsz; off++) {
			if (is_out(c, off)) {
				outs++;
				outs_a5 += b[off] == 0xa5;
			} else if (b[off] != 0xa5 && !changed++) {
				first = off;
			}
		}
		report(!changed && (!outs || outs_a5 < outs),
		       "%s rewritten while served: only its out fields are written back (%u other "
		       "bytes changed, the first at offset %u; %u of %u out bytes still 0xa5)",
		       c->name, changed, first, outs_a5, outs);
		report(c->answer(b, r), "%s rewritten while served: the out fields answer the "
		       "request as it was at the OUT (ret %d; out words %s)", c->name, r,
		       out_words(c, b));
	}
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
	if (argc > 1 && !strcmp(argv[1], "rewrite")) {
		rewrite();
		rewrite_families();
	}
	return report_summary();
}
