/*
 * hostile_badreq: a hostile guest throws malformed channel requests at the
 * harness, which must answer each with a documented error (or success)
 * and keep serving, never crash (docs/channel.md "Errors"; the harness
 * tests in tests/harness/ also run this under ASan/UBSan).
 * Checks: fixed cases (argsz 0/15/0xffffffff, unknown ops in every family,
 * flags set, buffers outside RAM, wrapping past 2^64, straddling the end of
 * RAM, a block straddling the end of RAM, block headers outside RAM, a GPA
 * of 0xffffffff) and 500 pseudo-random blocks; every ret is 0, one of the
 * documented -VMC_E* codes, or "no answer" only where the header itself is
 * unreachable; HELLO still works at the end.  Without the harness: SKIP.
 */
#include "vmc.h"
#include "channel.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static bool documented(int r)
{
	return r >= 0 || r == -VMC_EINVAL || r == -VMC_EFAULT || r == -VMC_ENOSYS ||
	       r == -VMC_E2BIG || r == -VMC_EOPNOTSUPP || r == -VMC_EPERM;
}

static uint8_t blk[8192] __attribute__((aligned(16)));

int main(int argc, char **argv)
{
	static const uint32_t ops[] = {
		VMC_OP_HELLO, VMC_OP_CAPS, VMC_OP_LOG, VMC_OP_EXIT_MARK, VMC_OP_EXIT_READ,
		VMC_OP_EXPECT, VMC_OP_EXPECT_RESULT, 0, 0x00ff, 0x0105, 0x0201, 0x0301,
		0x0401, 0x0501, 0x0601, 0xffff, 0x7fffffff, 0xffffffff,
	};
	struct vmc_req_hdr *h = (struct vmc_req_hdr *)blk;
	struct vmc_exit_read *rd = (struct vmc_exit_read *)blk;
	struct vmc_hello hello;
	uint64_t end;
	unsigned bad = 0, odd = 0;
	int r;

	(void)argc;
	(void)argv;
	if (!harness_present()) {
		report_skip("hostile requests %s", HARNESS_SKIP_REASON);
		return report_summary();
	}
	r = harness_hello(&hello);
	if (!report(r == 0, "HELLO works before the attack (%d)", r))
		return report_summary();
	end = hello.ram_size;

	/* argsz extremes for every op */
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		static const uint32_t sizes[] = { 0, 1, 15, 16, 17, 8192, 65537, 0xffffffffu };

		for (unsigned j = 0; j < ARRAY_SIZE(sizes); j++) {
			memset(blk, 0, sizeof(blk));
			h->argsz = sizes[j];
			h->op = ops[i];
			r = harness_call(blk);
			if (!documented(r)) {
				bad++;
				printf("INFO: op 0x%x argsz %u -> %d\n", ops[i], sizes[j], r);
			}
			if (sizes[j] > sizeof(blk) && r != -VMC_ENOSYS && r != -VMC_E2BIG &&
			    r != -VMC_EFAULT && r != -VMC_EINVAL)
				odd++;
		}
	}
	report(bad == 0, "every argsz/op combination gets a documented answer (%u not)", bad);
	report(odd == 0, "no argsz beyond the block was accepted (%u were)", odd);

	/* EXIT_READ buffers: outside, wrapping, straddling, huge counts */
	{
		static const uint64_t bufs[] = {
			0, 1, 0xfffffffffffffff0ull, 0x8000000000000000ull, 0xffffffffull,
		};
		static const uint32_t maxes[] = { 1, 2, 0x7ffffff, 0xffffffffu };

		bad = 0;
		for (unsigned i = 0; i < ARRAY_SIZE(bufs) + 2; i++)
			for (unsigned j = 0; j < ARRAY_SIZE(maxes); j++) {
				uint64_t b = i < ARRAY_SIZE(bufs) ? bufs[i] :
					     i == ARRAY_SIZE(bufs) ? end - 32 : end;

				memset(blk, 0, sizeof(*rd));
				rd->hdr.argsz = sizeof(*rd);
				rd->hdr.op = VMC_OP_EXIT_READ;
				rd->buf = b;
				rd->max_entries = maxes[j];
				r = harness_call(rd);
				/* anything reaching past RAM must be EFAULT */
				if ((b >= end || maxes[j] > (end - b) / 32) ? r != -VMC_EFAULT :
				    r < 0) {
					bad++;
					printf("INFO: EXIT_READ buf 0x%llx max %u -> %d\n",
					       (unsigned long long)b, maxes[j], r);
				}
			}
		report(bad == 0, "EXIT_READ buffers reaching outside RAM are EFAULT, others work "
		       "(%u wrong)", bad);
	}

	/* unreachable and odd block addresses: the harness must just survive */
	harness_submit_raw(0xffffffffull);
	harness_submit_raw(0xfffffff0ull);
	harness_submit_raw(end);
	harness_submit_raw(end - 1);
	harness_submit_raw(0);

	/* random blocks */
	bad = 0;
	for (unsigned n = 0; n < 500; n++) {
		uint32_t *w = (uint32_t *)blk;

		for (unsigned i = 0; i < 64; i++)
			w[i] = rnd();
		h->op = ops[rnd() % ARRAY_SIZE(ops)];
		h->argsz = rnd() % 3 ? rnd() % 300 : rnd();
		h->flags = rnd() % 4 ? 0 : rnd();
		if (h->op == VMC_OP_EXIT_READ && rnd() % 2)
			rd->buf = harness_gpa(blk + 1024), rd->max_entries = rnd() % 200;
		r = harness_call(blk);
		if (!documented(r))
			bad++;
	}
	report(bad == 0, "500 random blocks get documented answers (%u not)", bad);

	harness_expect(NULL, 0);
	r = harness_hello(&hello);
	report(r == 0 && hello.version == VMC_CHAN_VERSION,
	       "HELLO still works after the attack (%d)", r);
	return report_summary();
}
