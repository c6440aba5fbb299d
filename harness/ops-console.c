/*
 * vmc-harness channel op CONSOLE (0x0004, core range; docs/channel.md):
 * one request per console line instead of one COM1 OUT per byte.  The text
 * goes through console_text() (devices.c) into the same capped stdout
 * stream as COM1 bytes, so the output is byte for byte what the UART path
 * gives.  The handler zeroes len in the block (the text is taken) and the
 * block is remembered, so text the guest leaves pending there when it dies
 * (triple fault, deadline) is still printed at the end of the run.
 *
 * Transport: the guest library sends the block's GPA with a 32-bit OUT to
 * COM1's data port 0x3f8 (a width a UART byte write never has), so console
 * traffic stays on the console's port in the exit log and the channel port
 * shows only the test's own requests; the block goes through the channel's
 * normal checks.  Only CONSOLE is accepted there.  The op also works on
 * the channel port like any other.
 *
 * --console=bytes answers EOPNOTSUPP: the guest library then falls back to
 * COM1 byte by byte (tests/harness compares the two).
 */
#include <stddef.h>

#include "harness.h"

static int32_t op_console(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_console *c = block;
	uint32_t cap = argsz - (uint32_t)sizeof(*c);

	if (opts.console_bytes)
		return -VMC_EOPNOTSUPP;
	if (c->pad || c->len > cap)
		return -VMC_EINVAL;
	console_text(ctx->vcpu, ctx->gpa, argsz, c->text, c->len);
	stats_console_request(ctx->vcpu);
	c->len = 0;
	return 0;
}

void console_request(struct vcpu *v, uint64_t gpa, uint64_t seq)
{
	struct vmc_req_hdr hdr;
	int32_t ret = -VMC_EINVAL;

	if (gpa_read(v->vm, gpa, &hdr, sizeof(hdr)) < 0)
		return;		/* nowhere to answer; the guest sees NOANSWER */
	if (hdr.op == VMC_OP_CONSOLE) {
		channel_request(v, gpa, seq);
		return;
	}
	gpa_write(v->vm, gpa + offsetof(struct vmc_req_hdr, ret), &ret, sizeof(ret));
}

static const struct chan_op console_ops[] = {
	{ VMC_OP_CONSOLE, "CONSOLE", sizeof(struct vmc_console),
	  sizeof(struct vmc_console) + VMC_CONSOLE_MAX, op_console },
};

const struct chan_family ops_console_family = {
	.name = "console",
	.ops = console_ops,
	.nr_ops = ARRAY_SIZE(console_ops),
};
