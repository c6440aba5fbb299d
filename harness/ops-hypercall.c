/*
 * vmc-harness channel ops, hypercall family (docs/channel.md; wire format in
 * lib/hypercall-abi.h):
 *   HC_CONFIG  KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, mask) on the VM, the
 *              value to answer hypercall exits with, and a fresh record
 *   HC_READ    one recorded KVM_EXIT_HYPERCALL, with every argument
 * and the exit hook that answers KVM_EXIT_HYPERCALL once the guest asked for
 * the exits: the exit is recorded (nr, args, long-mode flag, RIP) and
 * hypercall.ret gets the configured answer, which KVM puts in the guest's
 * RAX when the vCPU re-enters (specs/kvm-x86.md §B.3).  After any successful
 * HC_CONFIG (also mask 0) every hypercall exit is recorded and answered, so a
 * test can count exits that should not have happened; before the first one
 * a hypercall exit stays unhandled and the run ends as ERROR.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "hypercall-abi.h"

static pthread_mutex_t hc_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hc_configured;
static uint64_t hc_answer;
static uint32_t hc_total;
static struct vmc_hc_rec hc_ring[VMC_HC_RING];

static int32_t op_config(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_config *c = block;
	struct kvm_enable_cap cap = { .cap = VMC_KVM_CAP_EXIT_HYPERCALL };
	int r;

	CHAN_OUT(ctx, struct vmc_hc_config, supported, supported);
	(void)argsz;
	r = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, VMC_KVM_CAP_EXIT_HYPERCALL);
	c->supported = r < 0 ? -errno : r;
	if (r <= 0)
		return -VMC_EOPNOTSUPP;
	cap.args[0] = c->mask;
	/*
	 * hc_lock across the ioctl: another vCPU's hypercall exit that the new
	 * mask allows must find the family configured, not end the run as an
	 * unclaimed exit in between.
	 */
	pthread_mutex_lock(&hc_lock);
	if (ioctl(ctx->vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		r = -errno;
		pthread_mutex_unlock(&hc_lock);
		return r;
	}
	/* from now on the guest owns hypercall exits, even with mask 0 */
	hc_configured = true;
	hc_answer = c->answer;
	hc_total = 0;
	pthread_mutex_unlock(&hc_lock);
	return 0;
}

static int32_t op_read(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_read *r = block;
	int32_t ret = 0;

	CHAN_OUT(ctx, struct vmc_hc_read, total, rec);
	(void)ctx;
	(void)argsz;
	pthread_mutex_lock(&hc_lock);
	r->total = hc_total;
	if (r->index >= hc_total || hc_total - r->index > VMC_HC_RING)
		ret = -VMC_EINVAL;
	else
		r->rec = hc_ring[r->index % VMC_HC_RING];
	pthread_mutex_unlock(&hc_lock);
	return ret;
}

static bool hc_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;
	struct vmc_hc_rec *h;

	if (rec->reason != KVM_EXIT_HYPERCALL)
		return false;
	pthread_mutex_lock(&hc_lock);
	if (!hc_configured) {
		pthread_mutex_unlock(&hc_lock);
		return false;
	}
	h = &hc_ring[hc_total % VMC_HC_RING];
	h->nr = run->hypercall.nr;
	for (int i = 0; i < 6; i++)
		h->args[i] = run->hypercall.args[i];
	h->ret_in = run->hypercall.ret;
	h->answered = hc_answer;
	h->rip = rec->rip;
	/* 6.1 UAPI: __u32 longmode; newer: union with __u64 flags, bit 0 */
	h->flags = (run->hypercall.longmode & 1) ? VMC_HC_F_LONG_MODE : 0;
	h->vcpu = (uint32_t)v->id;
	hc_total++;
	run->hypercall.ret = hc_answer;
	pthread_mutex_unlock(&hc_lock);
	return true;
}

static const struct chan_op hypercall_ops[] = {
	{ VMC_OP_HC_CONFIG, "HC_CONFIG", sizeof(struct vmc_hc_config),
	  sizeof(struct vmc_hc_config), op_config },
	{ VMC_OP_HC_READ, "HC_READ", sizeof(struct vmc_hc_read), sizeof(struct vmc_hc_read),
	  op_read },
};

const struct chan_family ops_hypercall_family = {
	.name = "hypercall",
	.ops = hypercall_ops,
	.nr_ops = ARRAY_SIZE(hypercall_ops),
	.handle_exit = hc_exit,
};
