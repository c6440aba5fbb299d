/*
 * vmc-harness: the channel (docs/channel.md).  The guest OUTs the GPA of a
 * request block to port 0xf8; this file checks the block and dispatches it
 * through the one table of op families below.  A new family is a new
 * ops-<name>.c with a struct chan_family plus one line in families[]; the
 * request path itself never changes.
 *
 * Trust: the header is copied out of guest memory before it is looked at;
 * argsz is checked against the op's min/max and the block must lie inside
 * RAM (no wrap, no straddling the end); the handler works on a host copy.
 * Only the op's output fields and ret are written back, so a block the
 * guest rewrites (from another vCPU) while it is served is handled on the
 * snapshot taken at the OUT and keeps every byte the op does not define.
 */
#include <stddef.h>

#include "harness.h"

extern const struct chan_family ops_snp_family;	/* ops-snp.c (family 0x08) */

static const struct chan_family *const families[] = {
	&ops_core_family,
	&ops_exitlog_family,
	&ops_console_family,
	&ops_hypercall_family,
	&ops_msrfilter_family,
	&ops_msrexit_family,
	&ops_coalesced_family,
	&ops_exception_family,
	&ops_memslot_family,
	&ops_snp_family,
	&ops_migrate_family,
	&ops_snpvm_family,	/* snp-vm.c (family 0x08, --vm-type=snp) */
};

static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned noanswer_warnings;	/* rate limit for hostile guests */
static uint64_t nr_requests;		/* requests served (chan_lock) */

/*
 * tests/harness only: VMC_HARNESS_REWRITE_OP=<op>[,<op>...] (up to 16 ops)
 * makes the harness itself fill the guest's copy of every block of those
 * ops after the header with 0xa5 between the handler and the write-back, as
 * another vCPU rewriting the block while it is served would; the guest then
 * checks that only the op's output fields were written back
 * (tests/guests/hostile_chanrules.c).  Read once.
 */
static bool rewrite_op(uint32_t op)
{
	static int parsed;
	static long ops[16];
	static unsigned nr;
	const char *e;
	char *end;

	if (!parsed) {
		parsed = 1;
		e = getenv("VMC_HARNESS_REWRITE_OP");
		while (e && *e && nr < ARRAY_SIZE(ops)) {
			ops[nr] = strtol(e, &end, 0);
			if (end == e)
				break;
			nr++;
			e = *end == ',' ? end + 1 : end;
		}
	}
	for (unsigned i = 0; i < nr; i++)
		if (ops[i] == (long)op)
			return true;
	return false;
}

static void inject_rewrite(const struct chan_ctx *ctx)
{
	struct vmc_req_hdr hdr;
	uint8_t *p;

	if (gpa_read(ctx->vm, ctx->gpa, &hdr, sizeof(hdr)) < 0 || !rewrite_op(hdr.op))
		return;
	p = gpa_ptr(ctx->vm, ctx->gpa, ctx->argsz);
	if (p)
		memset(p + sizeof(hdr), 0xa5, ctx->argsz - sizeof(hdr));
}

void chan_out_range(struct chan_ctx *ctx, uint32_t off, uint32_t end)
{
	TEST_ASSERT(ctx->nr_out < CHAN_OUT_MAX && off < end,
		    "channel: an op declares more than %d output ranges or an empty one",
		    CHAN_OUT_MAX);
	ctx->out[ctx->nr_out].off = off;
	ctx->out[ctx->nr_out].end = end;
	ctx->nr_out++;
	ctx->out_declared = true;
}

static const struct chan_op *find_op(uint32_t op)
{
	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		for (size_t i = 0; i < families[f]->nr_ops; i++)
			if (families[f]->ops[i].op == op)
				return &families[f]->ops[i];
	return NULL;
}

static int32_t dispatch(struct chan_ctx *ctx, const struct vmc_req_hdr *hdr,
			const struct chan_op **opp)
{
	const struct chan_op *op = find_op(hdr->op);
	uint32_t lo, hi;
	int32_t ret;
	void *copy;
	bool quiet;

	*opp = op;
	if (hdr->argsz < sizeof(*hdr))
		return -VMC_EINVAL;
	if (!op)
		return -VMC_ENOSYS;
	if (hdr->flags)
		return -VMC_EINVAL;
	if (hdr->argsz < op->min_argsz)
		return -VMC_EINVAL;
	if (hdr->argsz > op->max_argsz)
		return -VMC_E2BIG;
	if (!gpa_range_ok(ctx->vm, ctx->gpa, hdr->argsz))
		return -VMC_EFAULT;
	copy = xcalloc(1, hdr->argsz);
	gpa_read(ctx->vm, ctx->gpa, copy, hdr->argsz);
	/* the copy's header is what the handler may rely on */
	memcpy(copy, hdr, sizeof(*hdr));
	ctx->argsz = hdr->argsz;
	ctx->out_declared = false;
	ctx->nr_out = 0;
	/*
	 * Ops make KVM and file calls: a kick waits until the op is done
	 * (vcpu.c).  Not CONSOLE, a line to stdout on every console line,
	 * whose write() SA_RESTART restarts.
	 */
	quiet = op->op != VMC_OP_CONSOLE;
	if (quiet)
		vcpu_hold_kicks(true);
	ret = op->handler(ctx, copy, hdr->argsz);
	if (quiet)
		vcpu_hold_kicks(false);
	if (!ctx->out_declared) {
		/* declared nothing: the whole block after the header */
		ctx->out[0].off = sizeof(*hdr);
		ctx->out[0].end = hdr->argsz;
		ctx->nr_out = 1;
	}
	inject_rewrite(ctx);
	for (uint32_t i = 0; i < ctx->nr_out; i++) {
		lo = ctx->out[i].off < sizeof(*hdr) ? sizeof(*hdr) : ctx->out[i].off;
		hi = ctx->out[i].end > hdr->argsz ? hdr->argsz : ctx->out[i].end;
		if (lo < hi)
			gpa_write(ctx->vm, ctx->gpa + lo, (uint8_t *)copy + lo, hi - lo);
	}
	free(copy);
	return ret;
}

void *chan_out_buf(const struct chan_ctx *ctx, uint64_t gpa, uint64_t len, int32_t *err)
{
	void *p = gpa_ptr(ctx->vm, gpa, len);

	if (!p) {
		*err = -VMC_EFAULT;
		return NULL;
	}
	if (len && gpa < ctx->gpa + ctx->argsz && ctx->gpa < gpa + len) {
		*err = -VMC_EINVAL;
		return NULL;
	}
	return p;
}

bool channel_handle_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	for (size_t f = 0; f < ARRAY_SIZE(families); f++)
		if (families[f]->handle_exit && families[f]->handle_exit(v, rec))
			return true;
	return false;
}

int channel_reapply(struct vm *vm, const char **family)
{
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		int r = families[f]->reapply ? families[f]->reapply(vm) : 0;

		if (r) {
			*family = families[f]->name;
			return r;
		}
	}
	return 0;
}

static void chan_unlock(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&chan_lock);
}

/*
 * tests/harness only: VMC_HARNESS_FAIL_AT=chan:N makes the N-th channel
 * request (counting from 1) fail a TEST_ASSERT on its vCPU thread with the
 * channel lock held, to check that such an assertion ends the run through
 * the normal path (util.h).  Read once; anything else in it is ignored.
 */
static uint64_t fail_at_request(void)
{
	static int parsed;
	static uint64_t at;
	const char *e;

	if (!parsed) {
		parsed = 1;
		e = getenv("VMC_HARNESS_FAIL_AT");
		if (e && !strncmp(e, "chan:", 5))
			at = strtoull(e + 5, NULL, 10);
	}
	return at;
}

static void serve(struct vcpu *v, uint64_t gpa, uint64_t seq)
{
	struct chan_ctx ctx = { .vm = v->vm, .vcpu = v, .gpa = gpa, .seq = seq };
	struct vmc_req_hdr hdr;
	const struct chan_op *op;
	int32_t ret;

	nr_requests++;
	TEST_ASSERT(nr_requests != fail_at_request(),
		    "channel request %llu: failure injected by VMC_HARNESS_FAIL_AT",
		    (unsigned long long)nr_requests);
	if (gpa_read(v->vm, gpa, &hdr, sizeof(hdr)) < 0) {
		/* nowhere to put an answer: ret stays VMC_RET_NOANSWER */
		if (noanswer_warnings++ < 10)
			warnx_h("channel: vcpu%d: request block header at GPA 0x%llx is "
				"outside guest RAM; no answer", v->id, (unsigned long long)gpa);
		return;
	}
	ret = dispatch(&ctx, &hdr, &op);
	gpa_write(v->vm, gpa + offsetof(struct vmc_req_hdr, ret), &ret, sizeof(ret));
	if (verbose || (ret < 0 && !op && noanswer_warnings++ < 10))
		warnx_h("channel: vcpu%d: op 0x%x (%s) argsz %u -> %d", v->id, hdr.op,
			op ? op->name : "unknown", hdr.argsz, ret);
}

void channel_request(struct vcpu *v, uint64_t gpa, uint64_t seq)
{
	pthread_mutex_lock(&chan_lock);
	/* a TEST_ASSERT in a handler ends this thread: release the lock then */
	pthread_cleanup_push(chan_unlock, NULL);
	serve(v, gpa, seq);
	pthread_cleanup_pop(1);
	migrate_note_request();
}
