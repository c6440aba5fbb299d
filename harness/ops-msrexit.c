/*
 * vmc-harness channel ops, family 0x02 part 2: user-space MSR exits
 * (docs/channel.md "MSR filter and user-space MSR exits"; wire format in
 * lib/x86/msrfilter-abi.h).
 *
 *   MSR_POLICY    how RDMSR/WRMSR exits of an index are answered: fixed
 *                 value, the index itself, store-on-write/return-on-read,
 *                 accept/refuse writes by value, refuse (error = 1 -> #GP)
 *   MSR_COUNTERS  exits per index, direction and reason; resettable
 *   MSR_LAST      the latest exits in full (reason, index, data, pad, RIP,
 *                 answer)
 *
 * KVM_EXIT_X86_RDMSR/WRMSR are answered here, through the family's
 * handle_exit hook (vcpu.c records the exit in the exit log, which also
 * feeds the guest's EXPECT list, then offers it to the families).
 * Built-in: MSR_KVM_MIGRATION_CONTROL (0x4b564d08), which KVM does not
 * implement (specs/kvm-x86.md B.1): reset value 1 (no encrypted memory),
 * bit 0 writable, other bits #GP.  It reaches the harness only when a
 * filter denies it and FILTER is in the exit mask.
 */
#include "harness.h"
#include "x86/msrfilter-abi.h"
#include "migstream.h"

#define MAX_POLICIES	64
#define MAX_COUNTED	128

struct policy {
	bool used;
	uint32_t index, rd, wr;
	uint64_t value, wr_arg, stored;
};

struct counted {
	bool used;
	uint32_t index;
	uint32_t rd[4], wr[4], rd_refused, wr_refused, odd;
};

static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy policies[MAX_POLICIES];
static struct policy default_policy;	/* .used = a default is set */
static struct counted counted[MAX_COUNTED];
static struct counted totals;
static struct vmc_msr_exit ring[VMC_MSRL_RING];
static uint64_t ring_total;
static bool builtins_done;
/*
 * The slot the last lookup of each table found (-1: none): exits of one
 * index come in runs, and a hit skips the linear search.  Only a search
 * sets a hint and every write to a table drops it, so a hint is always the
 * first match, as the search would find it.  exit_lock.
 */
static int policy_hint = -1, counted_hint = -1;

/* caller holds exit_lock */
static void install_builtins(void)
{
	policy_hint = -1;
	memset(policies, 0, sizeof(policies));
	memset(&default_policy, 0, sizeof(default_policy));
	policies[0] = (struct policy){
		.used = true, .index = VMC_MSR_KVM_MIGRATION_CONTROL,
		.rd = VMC_MSR_RD_STORED, .wr = VMC_MSR_WR_STORE_MASK,
		.value = 1, .wr_arg = 1, .stored = 1,
	};
	builtins_done = true;
}

static struct policy *find_policy(uint32_t index)
{
	if (!builtins_done)
		install_builtins();
	if (policy_hint >= 0 && policies[policy_hint].used &&
	    policies[policy_hint].index == index)
		return &policies[policy_hint];
	for (int i = 0; i < MAX_POLICIES; i++)
		if (policies[i].used && policies[i].index == index) {
			policy_hint = i;
			return &policies[i];
		}
	return NULL;
}

static struct counted *find_counted(uint32_t index, bool create)
{
	struct counted *free_slot = NULL;

	if (counted_hint >= 0 && counted[counted_hint].used &&
	    counted[counted_hint].index == index)
		return &counted[counted_hint];
	for (int i = 0; i < MAX_COUNTED; i++) {
		if (counted[i].used && counted[i].index == index) {
			counted_hint = i;
			return &counted[i];
		}
		if (!counted[i].used && !free_slot)
			free_slot = &counted[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->index = index;
	return free_slot;
}

static int reason_slot(uint32_t reason)
{
	switch (reason) {
	case VMC_MSR_REASON_INVAL: return 1;
	case VMC_MSR_REASON_UNKNOWN: return 2;
	case VMC_MSR_REASON_FILTER: return 3;
	default: return -1;
	}
}

static void count(struct counted *c, bool wr, int slot, bool refused)
{
	uint32_t *a = wr ? c->wr : c->rd;

	a[0]++;
	if (slot > 0)
		a[slot]++;
	else
		c->odd++;
	if (refused)
		(*(wr ? &c->wr_refused : &c->rd_refused))++;
}

/* the answer of policy p; returns the error byte (0 = success) */
static uint8_t answer(struct policy *p, uint32_t index, bool wr, uint64_t data,
		      uint64_t *out)
{
	*out = 0;
	if (!p)
		return 1;
	if (!wr) {
		switch (p->rd) {
		case VMC_MSR_RD_FIXED: *out = p->value; return 0;
		case VMC_MSR_RD_INDEX: *out = index; return 0;
		case VMC_MSR_RD_STORED: *out = p->stored; return 0;
		default: return 1;
		}
	}
	switch (p->wr) {
	case VMC_MSR_WR_ACCEPT_MASK: return (data & ~p->wr_arg) ? 1 : 0;
	case VMC_MSR_WR_ACCEPT_EQ: return data == p->wr_arg ? 0 : 1;
	case VMC_MSR_WR_STORE_MASK:
		if (data & ~p->wr_arg)
			return 1;
		p->stored = data;
		return 0;
	default: return 1;
	}
}

static bool msrexit_handle(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;
	bool wr = rec->reason == KVM_EXIT_X86_WRMSR;
	struct vmc_msr_exit *e;
	struct policy *p;
	struct counted *c;
	uint64_t out;
	uint8_t err;
	bool pad_nz = false;

	if (rec->reason != KVM_EXIT_X86_RDMSR && !wr)
		return false;
	for (size_t i = 0; i < sizeof(run->msr.pad); i++)
		pad_nz |= run->msr.pad[i] != 0;
	pthread_mutex_lock(&exit_lock);
	p = find_policy(run->msr.index);
	if (!p && default_policy.used)
		p = &default_policy;
	err = answer(p, run->msr.index, wr, run->msr.data, &out);
	c = find_counted(run->msr.index, true);
	if (c)
		count(c, wr, reason_slot(run->msr.reason), err);
	count(&totals, wr, reason_slot(run->msr.reason), err);
	e = &ring[ring_total++ % VMC_MSRL_RING];
	memset(e, 0, sizeof(*e));
	e->exit_reason = run->exit_reason;
	e->reason = run->msr.reason;
	e->index = run->msr.index;
	e->error_in = run->msr.error;
	e->pad_nonzero = pad_nz;
	e->vcpu = (uint16_t)v->id;
	e->data = run->msr.data;
	e->answer = wr || err ? 0 : out;
	e->rip = rec->rip;
	e->seq = rec->seq;
	e->error_out = err;
	pthread_mutex_unlock(&exit_lock);
	if (verbose > 1)
		warnx_h("vcpu%d: %s 0x%x reason %u data 0x%llx -> error %u answer 0x%llx",
			v->id, wr ? "WRMSR" : "RDMSR", run->msr.index, run->msr.reason,
			(unsigned long long)run->msr.data, err, (unsigned long long)out);
	run->msr.error = err;
	if (!wr && !err)
		run->msr.data = out;
	return true;
}

static int32_t op_policy(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_policy *m = block;
	struct policy *p;
	int32_t ret = 0;

	CHAN_NO_OUT(ctx);
	(void)ctx;
	(void)argsz;
	if (m->flags & ~VMC_MSRP_F_VALID)
		return -VMC_EINVAL;
	if (!(m->flags & (VMC_MSRP_F_CLEAR | VMC_MSRP_F_CLEAR_ALL)) &&
	    (m->rd >= VMC_MSR_RD_MAX || m->wr >= VMC_MSR_WR_MAX))
		return -VMC_EINVAL;
	pthread_mutex_lock(&exit_lock);
	if (!builtins_done || (m->flags & VMC_MSRP_F_CLEAR_ALL)) {
		install_builtins();
		if (m->flags & VMC_MSRP_F_CLEAR_ALL)
			goto out;
	}
	if (m->flags & VMC_MSRP_F_DEFAULT) {
		p = &default_policy;
	} else {
		p = find_policy(m->index);
		if (!p && !(m->flags & VMC_MSRP_F_CLEAR)) {
			for (int i = 0; i < MAX_POLICIES && !p; i++)
				if (!policies[i].used)
					p = &policies[i];
			if (!p) {
				ret = -VMC_ENOSPC;
				goto out;
			}
		}
	}
	policy_hint = -1;
	if (m->flags & VMC_MSRP_F_CLEAR) {
		if (p)
			memset(p, 0, sizeof(*p));
		goto out;
	}
	*p = (struct policy){
		.used = true, .index = m->index, .rd = m->rd, .wr = m->wr,
		.value = m->value, .wr_arg = m->wr_arg, .stored = m->value,
	};
out:
	pthread_mutex_unlock(&exit_lock);
	return ret;
}

static int32_t op_counters(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_counters *m = block;
	struct counted *c, zero = { 0 };

	CHAN_OUT(ctx, struct vmc_msr_counters, rd, odd_reason);
	if (m->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	(void)ctx;
	(void)argsz;
	if (m->flags & ~VMC_MSRC_F_VALID)
		return -VMC_EINVAL;
	pthread_mutex_lock(&exit_lock);
	c = m->flags & VMC_MSRC_F_ALL ? &totals : find_counted(m->index, false);
	if (!c)
		c = &zero;
	memcpy(m->rd, c->rd, sizeof(m->rd));
	memcpy(m->wr, c->wr, sizeof(m->wr));
	m->rd_refused = c->rd_refused;
	m->wr_refused = c->wr_refused;
	m->odd_reason = c->odd;
	m->pad = 0;
	if (m->flags & VMC_MSRC_F_RESET) {
		counted_hint = -1;
		if (m->flags & VMC_MSRC_F_ALL) {
			memset(counted, 0, sizeof(counted));
			memset(&totals, 0, sizeof(totals));
		} else if (c != &zero) {
			memset(c, 0, sizeof(*c));
		}
	}
	pthread_mutex_unlock(&exit_lock);
	return 0;
}

static int32_t op_last(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_last *m = block;
	uint64_t bytes = (uint64_t)m->max_entries * sizeof(struct vmc_msr_exit);
	void *out;
	uint64_t have, first;
	int32_t err;

	CHAN_OUT(ctx, struct vmc_msr_last, count, total);
	(void)argsz;
	if (m->flags & ~VMC_MSRL_F_RESET)
		return -VMC_EINVAL;
	/* in RAM (EFAULT) and not overlapping this block (EINVAL) */
	out = chan_out_buf(ctx, m->buf, bytes, &err);
	if (m->max_entries && !out)
		return err;
	pthread_mutex_lock(&exit_lock);
	have = ring_total < VMC_MSRL_RING ? ring_total : VMC_MSRL_RING;
	if (have > m->max_entries)
		have = m->max_entries;
	first = ring_total - have;
	/* memcpy: the guest's buffer need not be aligned */
	for (uint64_t i = 0; i < have; i++)
		memcpy((uint8_t *)out + i * sizeof(struct vmc_msr_exit),
		       &ring[(first + i) % VMC_MSRL_RING], sizeof(struct vmc_msr_exit));
	m->count = (uint32_t)have;
	m->total = (uint32_t)ring_total;
	if (m->flags & VMC_MSRL_F_RESET)
		ring_total = 0;
	pthread_mutex_unlock(&exit_lock);
	return 0;
}

/* stream form: u32 builtins_done, pad, then 65 x struct pol_saved (policies, default) */
struct pol_saved {
	uint32_t used, index, rd, wr;
	uint64_t value, wr_arg, stored;
};

/*
 * ... then what MSR_COUNTERS and MSR_LAST read back: MAX_COUNTED + 1 x
 * struct cnt_saved (per index, then the totals), u64 ring_total, the ring.
 */
struct cnt_saved {
	uint32_t used, index, rd[4], wr[4], rd_refused, wr_refused, odd, pad;
};

#define POL_BYTES	(8 + (MAX_POLICIES + 1) * sizeof(struct pol_saved))
#define CNT_BYTES	((MAX_COUNTED + 1) * sizeof(struct cnt_saved))
#define EXIT_BYTES	(POL_BYTES + CNT_BYTES + 8 + sizeof(ring))

static void cnt_to(const struct counted *c, struct cnt_saved *s)
{
	*s = (struct cnt_saved){ .used = c->used, .index = c->index, .rd_refused = c->rd_refused,
				 .wr_refused = c->wr_refused, .odd = c->odd };
	memcpy(s->rd, c->rd, sizeof(s->rd));
	memcpy(s->wr, c->wr, sizeof(s->wr));
}

static void cnt_from(const struct cnt_saved *s, struct counted *c)
{
	*c = (struct counted){ .used = s->used, .index = s->index, .rd_refused = s->rd_refused,
			       .wr_refused = s->wr_refused, .odd = s->odd };
	memcpy(c->rd, s->rd, sizeof(c->rd));
	memcpy(c->wr, s->wr, sizeof(c->wr));
}

void msrexit_save(struct mig_buf *b)
{
	uint32_t head[2] = { 0, 0 };
	uint8_t *d = xcalloc(1, EXIT_BYTES);

	pthread_mutex_lock(&exit_lock);
	head[0] = builtins_done;
	memcpy(d, head, 8);
	for (int i = 0; i <= MAX_POLICIES; i++) {
		const struct policy *p = i < MAX_POLICIES ? &policies[i] : &default_policy;
		struct pol_saved s = { p->used, p->index, p->rd, p->wr, p->value, p->wr_arg,
				       p->stored };

		memcpy(d + 8 + i * sizeof(s), &s, sizeof(s));
	}
	for (int i = 0; i <= MAX_COUNTED; i++) {
		struct cnt_saved c;

		cnt_to(i < MAX_COUNTED ? &counted[i] : &totals, &c);
		memcpy(d + POL_BYTES + i * sizeof(c), &c, sizeof(c));
	}
	memcpy(d + POL_BYTES + CNT_BYTES, &ring_total, 8);
	memcpy(d + POL_BYTES + CNT_BYTES + 8, ring, sizeof(ring));
	pthread_mutex_unlock(&exit_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_MSREXIT, d, EXIT_BYTES);
	free(d);
}

bool msrexit_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz)
{
	uint32_t head[2];

	if (len != EXIT_BYTES) {
		snprintf(err, errsz, "MSR policy state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(head, d, 8);
	if (head[0] > 1 || head[1])
		goto bad;
	for (int i = 0; i <= MAX_POLICIES; i++) {
		struct pol_saved s;

		memcpy(&s, d + 8 + i * sizeof(s), sizeof(s));
		if (s.used > 1 || s.rd >= VMC_MSR_RD_MAX || s.wr >= VMC_MSR_WR_MAX)
			goto bad;
	}
	for (int i = 0; i <= MAX_COUNTED; i++) {
		struct cnt_saved c;

		memcpy(&c, d + POL_BYTES + i * sizeof(c), sizeof(c));
		if (c.used > 1 || c.pad)
			goto bad;
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&exit_lock);
	policy_hint = -1;
	builtins_done = head[0];
	for (int i = 0; i <= MAX_POLICIES; i++) {
		struct policy *p = i < MAX_POLICIES ? &policies[i] : &default_policy;
		struct pol_saved s;

		memcpy(&s, d + 8 + i * sizeof(s), sizeof(s));
		*p = (struct policy){ .used = s.used, .index = s.index, .rd = s.rd, .wr = s.wr,
				      .value = s.value, .wr_arg = s.wr_arg, .stored = s.stored };
	}
	for (int i = 0; i <= MAX_COUNTED; i++) {
		struct cnt_saved c;

		memcpy(&c, d + POL_BYTES + i * sizeof(c), sizeof(c));
		cnt_from(&c, i < MAX_COUNTED ? &counted[i] : &totals);
	}
	memcpy(&ring_total, d + POL_BYTES + CNT_BYTES, 8);
	memcpy(ring, d + POL_BYTES + CNT_BYTES + 8, sizeof(ring));
	pthread_mutex_unlock(&exit_lock);
	return true;
bad:
	snprintf(err, errsz, "MSR policy/counter state is malformed");
	return false;
}

static const struct chan_op msrexit_ops[] = {
	{ VMC_OP_MSR_POLICY, "MSR_POLICY", sizeof(struct vmc_msr_policy),
	  sizeof(struct vmc_msr_policy), op_policy },
	{ VMC_OP_MSR_COUNTERS, "MSR_COUNTERS", sizeof(struct vmc_msr_counters),
	  sizeof(struct vmc_msr_counters), op_counters },
	{ VMC_OP_MSR_LAST, "MSR_LAST", sizeof(struct vmc_msr_last),
	  sizeof(struct vmc_msr_last), op_last },
};

const struct chan_family ops_msrexit_family = {
	.name = "msrexit",
	.ops = msrexit_ops,
	.nr_ops = ARRAY_SIZE(msrexit_ops),
	.handle_exit = msrexit_handle,
};
