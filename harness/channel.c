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
 * Only ret (and the op's output fields, via the copy) are written back.
 */
#include <stddef.h>

#include "harness.h"

static const struct chan_family *const families[] = {
	&ops_core_family,
	&ops_exitlog_family,
	&ops_hypercall_family,
	&ops_msrfilter_family,
	&ops_msrexit_family,
	&ops_migrate_family,
};

static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned noanswer_warnings;	/* rate limit for hostile guests */

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
	int32_t ret;
	void *copy;

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
	ret = op->handler(ctx, copy, hdr->argsz);
	((struct vmc_req_hdr *)copy)->ret = ret;
	gpa_write(ctx->vm, ctx->gpa, copy, hdr->argsz);
	free(copy);
	return ret;
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

void channel_request(struct vcpu *v, uint64_t gpa, uint64_t seq)
{
	struct chan_ctx ctx = { .vm = v->vm, .vcpu = v, .gpa = gpa, .seq = seq };
	struct vmc_req_hdr hdr;
	const struct chan_op *op;
	int32_t ret;

	pthread_mutex_lock(&chan_lock);
	if (gpa_read(v->vm, gpa, &hdr, sizeof(hdr)) < 0) {
		/* nowhere to put an answer: ret stays VMC_RET_NOANSWER */
		if (noanswer_warnings++ < 10)
			warnx_h("channel: vcpu%d: request block header at GPA 0x%llx is "
				"outside guest RAM; no answer", v->id, (unsigned long long)gpa);
		pthread_mutex_unlock(&chan_lock);
		return;
	}
	ret = dispatch(&ctx, &hdr, &op);
	gpa_write(v->vm, gpa + offsetof(struct vmc_req_hdr, ret), &ret, sizeof(ret));
	if (verbose || (ret < 0 && !op && noanswer_warnings++ < 10))
		warnx_h("channel: vcpu%d: op 0x%x (%s) argsz %u -> %d", v->id, hdr.op,
			op ? op->name : "unknown", hdr.argsz, ret);
	pthread_mutex_unlock(&chan_lock);
	migrate_note_request();
}
