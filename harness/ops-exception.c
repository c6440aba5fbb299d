/*
 * vmc-harness channel ops, family 0x06: exception injection with payload
 * (docs/channel.md "Exception injection"; wire format lib/exception-abi.h;
 * KVM side specs/kvm-x86.md §D.2).
 *
 *   EXC_CAP     KVM_ENABLE_CAP(KVM_CAP_EXCEPTION_PAYLOAD, enable)
 *   EXC_INJECT  KVM_SET_VCPU_EVENTS with the guest's exception fields, then
 *               KVM_GET_VCPU_EVENTS; KVM delivers at the vCPU's next entry
 *   EXC_GET     KVM_GET_VCPU_EVENTS
 *
 * Requests run on the thread of the vCPU that sent them, between two
 * KVM_RUNs, so the vCPU-event ioctls are made on the caller's own vCPU.
 * Everything but the exception part of kvm_vcpu_events comes from a GET
 * just before the SET, so only what the guest asked for changes.  The
 * guest's fields reach KVM unchecked (KVM's validation is under test).
 */
#include <sys/ioctl.h>

#include "harness.h"
#include "exception-abi.h"
#include "migstream.h"

static pthread_mutex_t exc_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cap_kept;		/* the payload cap is on (last successful EXC_CAP) */

static void to_state(const struct kvm_vcpu_events *e, struct vmc_exc_state *s)
{
	memset(s, 0, sizeof(*s));
	s->flags = e->flags;
	s->injected = e->exception.injected;
	s->nr = e->exception.nr;
	s->has_error_code = e->exception.has_error_code;
	s->pending = e->exception.pending;
	s->error_code = e->exception.error_code;
	s->has_payload = e->exception_has_payload;
	s->payload = e->exception_payload;
}

static int get_events(struct vcpu *v, struct kvm_vcpu_events *e)
{
	memset(e, 0, sizeof(*e));
	return ioctl(v->fd, KVM_GET_VCPU_EVENTS, e) ? -errno : 0;
}

static int32_t op_cap(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_exc_cap *c = block;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD };

	CHAN_OUT(ctx, struct vmc_exc_cap, kvm_ret, kvm_ret);
	(void)argsz;
	cap.args[0] = c->enable;
	pthread_mutex_lock(&exc_lock);
	c->kvm_ret = ioctl(ctx->vm->vm_fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
	if (c->kvm_ret == 0)
		cap_kept = c->enable != 0;
	pthread_mutex_unlock(&exc_lock);
	return 0;
}

static int32_t op_inject(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_exc_inject *in = block;
	const struct vmc_exc_state *s = &in->set;
	struct kvm_vcpu_events e;
	int r;

	/* out: set_ret, get_ret, got (set, pad and inject_flags are the guest's) */
	CHAN_OUT(ctx, struct vmc_exc_inject, set_ret, set_ret);
	CHAN_OUT(ctx, struct vmc_exc_inject, get_ret, get_ret);
	CHAN_OUT(ctx, struct vmc_exc_inject, got, got);
	(void)argsz;
	if (in->inject_flags & ~VMC_EXC_F_MIGRATE || in->pad ||
	    s->pad[0] || s->pad[1] || s->pad[2])
		return -VMC_EINVAL;
	r = get_events(ctx->vcpu, &e);
	if (r) {
		in->set_ret = r;
		in->get_ret = r;
		memset(&in->got, 0, sizeof(in->got));
		return 0;
	}
	e.flags = s->flags;
	e.exception.injected = s->injected;
	e.exception.nr = s->nr;
	e.exception.has_error_code = s->has_error_code;
	e.exception.pending = s->pending;
	e.exception.error_code = s->error_code;
	e.exception_has_payload = s->has_payload;
	e.exception_payload = s->payload;
	in->set_ret = ioctl(ctx->vcpu->fd, KVM_SET_VCPU_EVENTS, &e) ? -errno : 0;
	in->get_ret = get_events(ctx->vcpu, &e);
	to_state(&e, &in->got);
	if (in->set_ret == 0 && (in->inject_flags & VMC_EXC_F_MIGRATE)) {
		/* the new VM takes over before this vCPU re-enters (F37) */
		migrate_request();
	}
	return 0;
}

static int32_t op_get(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_exc_get *g = block;
	struct kvm_vcpu_events e;

	CHAN_OUT(ctx, struct vmc_exc_get, get_ret, get_ret);
	CHAN_OUT(ctx, struct vmc_exc_get, got, got);
	(void)argsz;
	if (g->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	g->get_ret = get_events(ctx->vcpu, &e);
	to_state(&e, &g->got);
	return 0;
}

/* enable the payload cap in a migration's new VM if the old one had it */
static int exception_reapply(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args = { 1 } };
	int r = 0;

	pthread_mutex_lock(&exc_lock);
	if (cap_kept && ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
		r = -errno;
	pthread_mutex_unlock(&exc_lock);
	return r;
}

/*
 * Migration stream (MIG_FAMILY MIG_FAM_EXCEPTION): u32 cap on, u32 pad.
 * A pending or injected exception is vCPU state (MIG_EVENTS); the cap must
 * be on in the new VM before KVM_SET_VCPU_EVENTS takes its payload flag.
 */
void exception_save(struct mig_buf *b)
{
	uint32_t s[2] = { 0, 0 };

	pthread_mutex_lock(&exc_lock);
	s[0] = cap_kept;
	pthread_mutex_unlock(&exc_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_EXCEPTION, s, sizeof(s));
}

bool exception_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz)
{
	uint32_t s[2];

	if (len != sizeof(s)) {
		snprintf(err, errsz, "exception state of %llu bytes, want 8", (unsigned long long)len);
		return false;
	}
	memcpy(s, d, sizeof(s));
	if (s[0] > 1 || s[1]) {
		snprintf(err, errsz, "exception state malformed (cap %u, pad %u)", s[0], s[1]);
		return false;
	}
	if (apply) {
		pthread_mutex_lock(&exc_lock);
		cap_kept = s[0];
		pthread_mutex_unlock(&exc_lock);
	}
	return true;
}

static const struct chan_op exception_ops[] = {
	{ VMC_OP_EXC_CAP, "EXC_CAP", sizeof(struct vmc_exc_cap), sizeof(struct vmc_exc_cap),
	  op_cap },
	{ VMC_OP_EXC_INJECT, "EXC_INJECT", sizeof(struct vmc_exc_inject),
	  sizeof(struct vmc_exc_inject), op_inject },
	{ VMC_OP_EXC_GET, "EXC_GET", sizeof(struct vmc_exc_get), sizeof(struct vmc_exc_get),
	  op_get },
};

const struct chan_family ops_exception_family = {
	.name = "exception",
	.ops = exception_ops,
	.nr_ops = ARRAY_SIZE(exception_ops),
	.reapply = exception_reapply,
};
