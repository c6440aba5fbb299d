/*
 * vmc-harness: migration, the per-vCPU half (docs/migration.md "What is
 * carried", per vCPU rows).  migrate.c runs a migration and handles the
 * VM-wide state; this file saves one vCPU's state into the stream, checks
 * the size of a per-vCPU record, and restores every vCPU of a new VM from
 * a validated stream in the order KVM needs.  A restore ioctl that fails
 * ends the run as ERROR naming the state (mig_fail_restore()).
 */
#include <sys/ioctl.h>

#include "harness.h"
#include "migstream.h"
#include "migrate-int.h"

static uint32_t *msr_list;
static uint32_t msr_list_n;

void mig_load_msr_list(struct vm *vm)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;

	if (msr_list)
		return;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) == 0 || errno != E2BIG)
		probe.nmsrs = 0;
	l = xcalloc(1, sizeof(*l) + (probe.nmsrs + 1) * sizeof(uint32_t));
	l->nmsrs = probe.nmsrs;
	TEST_ASSERT(probe.nmsrs == 0 || ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, l) == 0,
		    "KVM_GET_MSR_INDEX_LIST");
	msr_list_n = l->nmsrs;
	msr_list = xcalloc(msr_list_n + 1, sizeof(uint32_t));
	memcpy(msr_list, l->indices, msr_list_n * sizeof(uint32_t));
	free(l);
}

static int xsave_size(struct vm *vm)
{
	int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	return r > (int)sizeof(struct kvm_xsave) ? r : (int)sizeof(struct kvm_xsave);
}

/* KVM_GET_MSRS of one MSR; true if KVM read it */
static bool get_one_msr(int fd, uint32_t index, uint64_t *val)
{
	union {
		struct kvm_msrs m;
		uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} u;

	memset(&u, 0, sizeof(u));
	u.m.nmsrs = 1;
	u.m.entries[0].index = index;
	if (ioctl(fd, KVM_GET_MSRS, &u.m) != 1)
		return false;
	*val = u.m.entries[0].data;
	return true;
}

#define GET(fd, req, ptr, what, id) \
	TEST_ASSERT(ioctl(fd, req, ptr) == 0, "migration: saving %s of vcpu%d", what, id)

void mig_save_vcpu(struct mig_buf *b, struct vm *vm, struct vcpu *v)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	struct kvm_vcpu_events ev;
	int xsz = xsave_size(vm);
	struct kvm_xsave *xs = xcalloc(1, xsz);
	struct kvm_msr_entry *msrs = xcalloc(msr_list_n + 1, sizeof(*msrs));
	uint32_t n = 0, id = (uint32_t)v->id;

	GET(v->fd, KVM_GET_REGS, &regs, "registers (KVM_GET_REGS)", v->id);
	mig_put(b, MIG_REGS, id, &regs, sizeof(regs));
	GET(v->fd, KVM_GET_SREGS, &sregs, "segment/control registers (KVM_GET_SREGS)", v->id);
	mig_put(b, MIG_SREGS, id, &sregs, sizeof(sregs));
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0) {
		GET(v->fd, KVM_GET_XCRS, &xcrs, "XCRs (KVM_GET_XCRS)", v->id);
		mig_put(b, MIG_XCRS, id, &xcrs, sizeof(xcrs));
	}
	GET(v->fd, xsz > (int)sizeof(struct kvm_xsave) ? KVM_GET_XSAVE2 : KVM_GET_XSAVE, xs,
	    "FPU/XSAVE state (KVM_GET_XSAVE)", v->id);
	mig_put(b, MIG_XSAVE, id, xs, xsz);
	free(xs);
	for (uint32_t i = 0; i < msr_list_n; i++) {
		uint64_t val;

		if (get_one_msr(v->fd, msr_list[i], &val)) {
			msrs[n].index = msr_list[i];
			msrs[n++].data = val;
		}
	}
	mig_put(b, MIG_MSRS, id, msrs, n * sizeof(*msrs));
	free(msrs);
	if (vm->irqchip) {
		struct kvm_lapic_state lapic;
		struct kvm_mp_state mp;

		GET(v->fd, KVM_GET_LAPIC, &lapic, "LAPIC (KVM_GET_LAPIC)", v->id);
		mig_put(b, MIG_LAPIC, id, &lapic, sizeof(lapic));
		GET(v->fd, KVM_GET_MP_STATE, &mp, "MP state (KVM_GET_MP_STATE)", v->id);
		mig_put(b, MIG_MP_STATE, id, &mp, sizeof(mp));
	}
	GET(v->fd, KVM_GET_VCPU_EVENTS, &ev, "vCPU events (KVM_GET_VCPU_EVENTS)", v->id);
	mig_put(b, MIG_EVENTS, id, &ev, sizeof(ev));
	GET(v->fd, KVM_GET_DEBUGREGS, &dregs, "debug registers (KVM_GET_DEBUGREGS)", v->id);
	mig_put(b, MIG_DEBUGREGS, id, &dregs, sizeof(dregs));
	{
		uint64_t off;
		struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
					     .attr = KVM_VCPU_TSC_OFFSET, .addr = (uintptr_t)&off };

		if (ioctl(v->fd, KVM_HAS_DEVICE_ATTR, &a) == 0) {
			GET(v->fd, KVM_GET_DEVICE_ATTR, &a, "the TSC offset (KVM_VCPU_TSC_OFFSET)",
			    v->id);
			mig_put(b, MIG_TSC_OFFSET, id, &off, sizeof(off));
		}
	}
}

/* the size of a per-vCPU record (its vCPU id is checked by the caller) */
bool mig_check_vcpu_rec(const struct mig_rec *r, char *err, size_t errsz)
{
	uint64_t want;

	switch (r->type) {
	case MIG_REGS: want = sizeof(struct kvm_regs); break;
	case MIG_SREGS: want = sizeof(struct kvm_sregs); break;
	case MIG_XCRS: want = sizeof(struct kvm_xcrs); break;
	case MIG_DEBUGREGS: want = sizeof(struct kvm_debugregs); break;
	case MIG_LAPIC: want = sizeof(struct kvm_lapic_state); break;
	case MIG_EVENTS: want = sizeof(struct kvm_vcpu_events); break;
	case MIG_MP_STATE: want = sizeof(struct kvm_mp_state); break;
	case MIG_TSC_OFFSET: want = 8; break;
	case MIG_XSAVE:
		if (r->len < sizeof(struct kvm_xsave) || r->len > (1u << 20) || (r->len & 3)) {
			snprintf(err, errsz, "XSAVE record of %llu bytes", (unsigned long long)r->len);
			return false;
		}
		return true;
	case MIG_MSRS:
		if (r->len % sizeof(struct kvm_msr_entry) || r->len > 4096 * 16) {
			snprintf(err, errsz, "MSR record of %llu bytes", (unsigned long long)r->len);
			return false;
		}
		return true;
	default:
		snprintf(err, errsz, "record type %u is not known", r->type);
		return false;
	}
	return mig_want_len(r, want, err, errsz);
}

/*
 * KVM_SET_MSRS stops at the first MSR it refuses.  An MSR this KVM lists
 * and reads but will not take back (kvm_pvm: MSR_KVM_POLL_CONTROL) is only
 * carried if the new vCPU already holds the saved value; otherwise ERROR.
 */
static bool restore_msrs(struct vcpu *v, const struct mig_rec *r)
{
	uint32_t n = (uint32_t)(r->len / sizeof(struct kvm_msr_entry));
	const struct kvm_msr_entry *saved = (const void *)r->data;
	struct kvm_msrs *m = xcalloc(1, sizeof(*m) + r->len);
	uint64_t now;
	uint32_t i = 0;
	bool ok = true;

	while (i < n && ok) {
		int done;

		m->nmsrs = n - i;
		memcpy(m->entries, saved + i, (n - i) * sizeof(struct kvm_msr_entry));
		done = ioctl(v->fd, KVM_SET_MSRS, m);
		if (done < 0) {
			mig_fail_restore("the MSRs (KVM_SET_MSRS)", v->id);
			ok = false;
			break;
		}
		i += (uint32_t)done;
		if (i >= n)
			break;
		if (!get_one_msr(v->fd, saved[i].index, &now) || now != saved[i].data) {
			char what[128];

			snprintf(what, sizeof(what), "MSR 0x%x = 0x%llx (KVM_SET_MSRS refused it)",
				 saved[i].index, (unsigned long long)saved[i].data);
			errno = EINVAL;
			mig_fail_restore(what, v->id);
			ok = false;
		} else if (verbose > 1) {
			warnx_h("migration: vcpu%d: KVM refuses MSR 0x%x back, the new vCPU has its "
				"value already", v->id, saved[i].index);
		}
		i++;
	}
	free(m);
	return ok;
}

static bool restore_vcpu_rec(struct vcpu *v, const struct mig_rec *r)
{
	void *copy = xcalloc(1, r->len + sizeof(struct kvm_msrs));
	bool ok = true;

	memcpy(copy, r->data, r->len);
	switch (r->type) {
	case MIG_REGS:
		if (ioctl(v->fd, KVM_SET_REGS, copy) < 0)
			ok = false, mig_fail_restore("the registers (KVM_SET_REGS)", v->id);
		break;
	case MIG_SREGS:
		if (ioctl(v->fd, KVM_SET_SREGS, copy) < 0)
			ok = false, mig_fail_restore("the segment/control registers (KVM_SET_SREGS)",
						 v->id);
		break;
	case MIG_XCRS:
		if (ioctl(v->fd, KVM_SET_XCRS, copy) < 0)
			ok = false, mig_fail_restore("the XCRs (KVM_SET_XCRS)", v->id);
		break;
	case MIG_XSAVE:
		if (ioctl(v->fd, KVM_SET_XSAVE, copy) < 0)
			ok = false, mig_fail_restore("the FPU/XSAVE state (KVM_SET_XSAVE)", v->id);
		break;
	case MIG_MSRS:
		ok = restore_msrs(v, r);
		break;
	case MIG_LAPIC:
		if (ioctl(v->fd, KVM_SET_LAPIC, copy) < 0)
			ok = false, mig_fail_restore("the LAPIC (KVM_SET_LAPIC)", v->id);
		break;
	case MIG_MP_STATE:
		if (ioctl(v->fd, KVM_SET_MP_STATE, copy) < 0)
			ok = false, mig_fail_restore("the MP state (KVM_SET_MP_STATE)", v->id);
		break;
	case MIG_EVENTS:
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, copy) < 0)
			ok = false, mig_fail_restore("the vCPU events (KVM_SET_VCPU_EVENTS)", v->id);
		break;
	case MIG_DEBUGREGS:
		if (ioctl(v->fd, KVM_SET_DEBUGREGS, copy) < 0)
			ok = false, mig_fail_restore("the debug registers (KVM_SET_DEBUGREGS)", v->id);
		break;
	case MIG_TSC_OFFSET: {
		/*
		 * Same host: the offset carries the TSC exactly.  (A host-initiated
		 * IA32_TSC write within a second of the vCPU's creation is taken as
		 * a "synchronize" by 6.1 kvm_synchronize_tsc() and lost.)
		 */
		struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
					     .attr = KVM_VCPU_TSC_OFFSET, .addr = (uintptr_t)copy };

		if (ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a) < 0)
			ok = false, mig_fail_restore("the TSC offset (KVM_VCPU_TSC_OFFSET)", v->id);
		break;
	}
	}
	free(copy);
	return ok;
}

/* the order KVM needs: CPUID (at creation), sregs, regs, XCRs, XSAVE, MSRs, LAPIC, MP, events, DRs */
static const uint32_t vcpu_order[] = {
	MIG_SREGS, MIG_REGS, MIG_XCRS, MIG_XSAVE, MIG_MSRS, MIG_LAPIC, MIG_MP_STATE,
	MIG_EVENTS, MIG_DEBUGREGS, MIG_TSC_OFFSET,
};

/*
 * Every vCPU's records, in vcpu_order (vm->vcpus[] created bare); the TSC
 * offset only if the stream comes from this host (a live migration).
 * false: run_finish() was called.
 */
bool mig_restore_vcpus(struct vm *vm, const uint8_t *p, size_t len, bool same_host)
{
	struct mig_rec r;
	size_t off;

	for (size_t k = 0; k < ARRAY_SIZE(vcpu_order); k++) {
		/* another process may be on another host: its TSC offset means nothing */
		if (vcpu_order[k] == MIG_TSC_OFFSET && !same_host)
			continue;
		off = 0;
		while (mig_next(p, len, &off, &r))
			if (r.type == vcpu_order[k] &&
			    !restore_vcpu_rec(&vm->vcpus[r.vcpu], &r))
				return false;
	}
	return true;
}
