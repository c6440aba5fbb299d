/*
 * vmc-harness channel ops, exit-log family (docs/channel.md):
 *   EXIT_MARK      remember the position after this request (per vCPU)
 *   EXIT_READ      copy the exits since the mark into a guest buffer
 *   EXPECT         declare the next exits this vCPU should cause
 *   EXPECT_RESULT  how the declared exits compared with what happened
 */
#include "harness.h"

#define READ_MAX 65536u	/* at most this many entries per EXIT_READ */

static int32_t op_mark(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_exit_mark *m = block;

	CHAN_OUT(ctx, struct vmc_exit_mark, mark, mark);
	if (m->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	(void)argsz;
	exitlog_lock();
	ctx->vcpu->mark = ctx->seq + 1;
	exitlog_unlock();
	m->mark = (uint32_t)(ctx->seq + 1);
	return 0;
}

static int32_t op_read(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_exit_read *r = block;
	uint32_t cap = r->max_entries < READ_MAX ? r->max_entries : READ_MAX;
	uint64_t bytes = (uint64_t)cap * sizeof(struct vmc_exit_rec);
	void *out;
	bool lost;
	int32_t err;

	CHAN_OUT(ctx, struct vmc_exit_read, count, lost);
	if (r->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	(void)argsz;
	if (r->read_flags & ~(VMC_READ_F_REASON | VMC_READ_F_INDEX | VMC_READ_F_ALL_VCPUS))
		return -VMC_EINVAL;
	/*
	 * The whole buffer the guest claims must be RAM, even past READ_MAX,
	 * and must not overlap this block.
	 */
	if (!chan_out_buf(ctx, r->buf, (uint64_t)r->max_entries * sizeof(struct vmc_exit_rec),
			  &err))
		return err;
	out = gpa_ptr(ctx->vm, r->buf, bytes);
	if (!out)
		return -VMC_EFAULT;
	exitlog_lock();
	r->total = exitlog_read(ctx->vcpu->mark, ctx->seq, ctx->vcpu->id, r->read_flags,
				r->filter_reason, r->filter_index, out, cap, &r->count,
				&lost);
	exitlog_unlock();
	r->lost = lost;
	return 0;
}

static int32_t op_expect(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_expect *e = block;
	struct expect_state *x = &ctx->vcpu->expect;

	CHAN_NO_OUT(ctx);
	if (e->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	if (e->count > VMC_EXPECT_MAX)
		return -VMC_EINVAL;
	if (argsz < sizeof(*e) + e->count * sizeof(struct vmc_expect_ent))
		return -VMC_EINVAL;
	exitlog_lock();
	memset(x, 0, sizeof(*x));
	x->count = e->count;
	x->state = e->count ? VMC_EXPECT_PENDING : VMC_EXPECT_NONE;
	memcpy(x->ent, e->ent, e->count * sizeof(struct vmc_expect_ent));
	exitlog_unlock();
	return 0;
}

static int32_t op_expect_result(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_expect_result *res = block;
	const struct expect_state *x = &ctx->vcpu->expect;

	CHAN_OUT(ctx, struct vmc_expect_result, state, got);
	(void)argsz;
	exitlog_lock();
	res->state = x->state;
	res->count = x->count;
	res->matched = x->state == VMC_EXPECT_MISMATCH ? x->mismatch_at : x->next;
	res->mismatch_at = x->mismatch_at;
	memset(&res->expected, 0, sizeof(res->expected));
	memset(&res->got, 0, sizeof(res->got));
	if (x->state == VMC_EXPECT_MISMATCH) {
		res->expected = x->bad_expected;
		res->got = x->bad_got;
	}
	exitlog_unlock();
	return 0;
}

static const struct chan_op exitlog_ops[] = {
	{ VMC_OP_EXIT_MARK, "EXIT_MARK", sizeof(struct vmc_exit_mark),
	  sizeof(struct vmc_exit_mark), op_mark },
	{ VMC_OP_EXIT_READ, "EXIT_READ", sizeof(struct vmc_exit_read),
	  sizeof(struct vmc_exit_read), op_read },
	{ VMC_OP_EXPECT, "EXPECT", sizeof(struct vmc_expect),
	  sizeof(struct vmc_expect) + VMC_EXPECT_MAX * sizeof(struct vmc_expect_ent),
	  op_expect },
	{ VMC_OP_EXPECT_RESULT, "EXPECT_RESULT", sizeof(struct vmc_expect_result),
	  sizeof(struct vmc_expect_result), op_expect_result },
};

const struct chan_family ops_exitlog_family = {
	.name = "exitlog",
	.ops = exitlog_ops,
	.nr_ops = ARRAY_SIZE(exitlog_ops),
};
