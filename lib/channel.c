/*
 * vmconform guest library: harness channel client, arch-neutral part
 * (lib/channel.h).  Builds request blocks, sends them through the arch's
 * port (lib/<arch>/channel-io.c) and turns the answer into a return value.
 */
#include "vmc.h"
#include "channel.h"

#define barrier() __asm__ __volatile__("" : : : "memory")

static int present = -1;

bool harness_present(void)
{
	if (present < 0)
		present = chan_arch_probe() == VMC_CHAN_MAGIC;
	return present;
}

#ifndef __x86_64__
uint64_t harness_gpa(const void *p)
{
	return chan_arch_gpa(p);
}
#endif

void harness_submit_raw(uint64_t gpa)
{
	if (harness_present())
		chan_arch_submit(gpa);
}

int harness_call(void *block)
{
	volatile struct vmc_req_hdr *hdr = block;

	if (!harness_present())
		return -VMC_ENODEV;
	hdr->ret = VMC_RET_NOANSWER;
	barrier();
	chan_arch_submit(chan_arch_gpa(block));
	barrier();
	if (hdr->ret == VMC_RET_NOANSWER)
		return -VMC_ENODATA;
	return hdr->ret;
}

const char *harness_strerror(int ret)
{
	switch (-ret) {
	case 0: return "success";
	case VMC_EPERM: return "EPERM";
	case VMC_E2BIG: return "E2BIG (argsz too large for the op)";
	case VMC_EFAULT: return "EFAULT (address outside guest RAM)";
	case VMC_EBUSY: return "EBUSY";
	case VMC_EINVAL: return "EINVAL (bad argsz or field)";
	case VMC_ENOSPC: return "ENOSPC";
	case VMC_ENOSYS: return "ENOSYS (unknown op)";
	case VMC_EOPNOTSUPP: return "EOPNOTSUPP";
	case VMC_ENODEV: return "no harness";
	case VMC_ENODATA: return "no answer from the harness";
	default: return ret > 0 ? "success" : "unknown error";
	}
}

int harness_hello(struct vmc_hello *out)
{
	HARNESS_REQ_INIT(*out, VMC_OP_HELLO);
	out->client_version = VMC_CHAN_VERSION;
	return harness_call(out);
}

int harness_caps(uint32_t cap, uint32_t fd, int64_t *value)
{
	struct vmc_caps c;
	int r;

	HARNESS_REQ_INIT(c, VMC_OP_CAPS);
	c.cap = cap;
	c.fd = fd;
	r = harness_call(&c);
	if (r >= 0 && value)
		*value = c.value;
	return r;
}

/*
 * The request blocks below live on the caller's stack (about 1 KiB at
 * most), so every CPU can call these at once: no shared static buffer.
 */
int harness_log(const char *fmt, ...)
{
	struct {
		struct vmc_log l;
		char text[VMC_LOG_MAX];
	} req;
	va_list ap;
	int n;

	memset(&req, 0, sizeof(req.l));
	va_start(ap, fmt);
	n = vsnprintf(req.text, sizeof(req.text), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -VMC_EINVAL;
	if ((size_t)n >= sizeof(req.text))
		n = sizeof(req.text) - 1;
	req.l.hdr.argsz = sizeof(req.l) + n;
	req.l.hdr.op = VMC_OP_LOG;
	req.l.len = n;
	return harness_call(&req);
}

int harness_exit_mark(void)
{
	struct vmc_exit_mark m;

	HARNESS_REQ_INIT(m, VMC_OP_EXIT_MARK);
	return harness_call(&m);
}

int harness_exit_read(struct vmc_exit_rec *buf, uint32_t max, uint32_t flags,
		      uint32_t reason, uint32_t index, uint32_t *total, uint32_t *lost)
{
	struct vmc_exit_read r;
	int ret;

	HARNESS_REQ_INIT(r, VMC_OP_EXIT_READ);
	r.buf = chan_arch_gpa(buf);
	r.max_entries = max;
	r.read_flags = flags;
	r.filter_reason = reason;
	r.filter_index = index;
	ret = harness_call(&r);
	if (ret < 0)
		return ret;
	if (total)
		*total = r.total;
	if (lost)
		*lost = r.lost;
	return (int)r.count;
}

int harness_expect(const struct vmc_expect_ent *ent, uint32_t n)
{
	struct {
		struct vmc_expect e;
		struct vmc_expect_ent ent[VMC_EXPECT_MAX];
	} req;

	if (n > VMC_EXPECT_MAX)
		return -VMC_EINVAL;
	memset(&req, 0, sizeof(req));
	req.e.hdr.argsz = sizeof(req.e) + n * sizeof(struct vmc_expect_ent);
	req.e.hdr.op = VMC_OP_EXPECT;
	req.e.count = n;
	memcpy(req.ent, ent, n * sizeof(*ent));
	return harness_call(&req);
}

int harness_expect_result(struct vmc_expect_result *res)
{
	HARNESS_REQ_INIT(*res, VMC_OP_EXPECT_RESULT);
	return harness_call(res);
}
