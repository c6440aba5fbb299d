/*
 * vmc-harness: migration (docs/migration.md; channel op family 0x04).
 *
 * A migration is requested by the guest (MIGRATE op) or by --migrate-every
 * N (every Nth channel request).  It happens at a migration point in the
 * vCPU loop (migrate_point(), never inside a channel request, so no channel
 * lock is held): the first vCPU thread that sees the request leads, kicks
 * the others out of KVM_RUN and waits until each has parked.  Every vCPU
 * first re-enters KVM_RUN once with immediate_exit = 1, so KVM completes the
 * I/O exit it is in (api.rst: guest state is consistent only after that).
 * The leader then saves everything into a stream (migstream.h, the same
 * bytes --save writes), destroys the VM, builds a new one in this process
 * and restores it from the stream: memory, kvmclock, irqchip, each family's
 * kept state (chan_family.reapply), then per vCPU CPUID, sregs, regs, XCRs,
 * XSAVE, every MSR of KVM_GET_MSR_INDEX_LIST that reads back, LAPIC, MP
 * state, vCPU events, debug registers.  A restore ioctl that fails ends the
 * run as ERROR naming the state.  --restore FILE builds the VM from a saved
 * stream at start (migrate_restore_file()).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "migrate-abi.h"
#include "migstream.h"

static pthread_mutex_t mig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mig_cond = PTHREAD_COND_INITIALIZER;
static int mig_requested;		/* atomic */
static int leader = -1;
static int parked;
static unsigned gen;
static uint64_t migrations;
static uint64_t requests;		/* channel requests, for --migrate-every */
static uint32_t *msr_list;
static uint32_t msr_list_n;

void migrate_request(void)
{
	__atomic_store_n(&mig_requested, 1, __ATOMIC_SEQ_CST);
}

void migrate_note_request(void)
{
	pthread_mutex_lock(&mig_lock);
	requests++;
	if (opts.migrate_every && requests % opts.migrate_every == 0)
		migrate_request();
	pthread_mutex_unlock(&mig_lock);
}

static int32_t op_migrate(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_migrate *m = block;

	CHAN_OUT(ctx, struct vmc_migrate, migrations, migrations);
	(void)argsz;
	if (m->flags || m->pad)
		return -VMC_EINVAL;
	pthread_mutex_lock(&mig_lock);
	m->migrations = migrations;
	pthread_mutex_unlock(&mig_lock);
	migrate_request();
	return 0;
}

/* ---- save ---- */

static void load_msr_list(struct vm *vm)
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

static void save_vcpu(struct mig_buf *b, struct vm *vm, struct vcpu *v)
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

/* guest RAM: only pages that are resident and not all zero */
static void save_memory(struct mig_buf *b, struct vm *vm)
{
	static const uint8_t zero[4096];
	uint64_t pages = vm->mem_size >> 12;
	unsigned char *vec = xcalloc(1, pages);
	uint8_t rec[16 + 4096];

	TEST_ASSERT(mincore(vm->mem, vm->mem_size, vec) == 0, "mincore of guest RAM");
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t gpa = p << 12, flags;

		if (!(vec[p] & 1) || !memcmp(vm->mem + gpa, zero, 4096))
			continue;
		flags = hypercall_page_encrypted(p) ? MIG_MEM_F_ENCRYPTED : 0;
		memcpy(rec, &gpa, 8);
		memcpy(rec + 8, &flags, 8);
		memcpy(rec + 16, vm->mem + gpa, 4096);
		mig_put(b, MIG_MEM, 0, rec, sizeof(rec));
	}
	free(vec);
}

static void save_vm(struct mig_buf *b, struct vm *vm)
{
	struct mig_vm mv = {
		.mem_size = vm->mem_size, .nr_vcpus = (uint32_t)vm->nr_vcpus,
		.irqchip = vm->irqchip, .kvm_pv_features = opts.kvm_pv_features,
		.migrations = migrations,
	};
	struct kvm_clock_data clock;

	load_msr_list(vm);
	mig_begin(b);
	mig_put(b, MIG_VM, 0, &mv, sizeof(mv));
	memset(&clock, 0, sizeof(clock));
	TEST_ASSERT(ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) == 0, "migration: KVM_GET_CLOCK");
	mig_put(b, MIG_CLOCK, 0, &clock, sizeof(clock));
	if (vm->irqchip)
		for (uint32_t chip = 0; chip < 3; chip++) {
			struct kvm_irqchip ic = { .chip_id = chip };

			TEST_ASSERT(ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &ic) == 0,
				    "migration: KVM_GET_IRQCHIP %u", chip);
			mig_put(b, MIG_IRQCHIP, chip, &ic, sizeof(ic));
		}
	for (int i = 0; i < vm->nr_vcpus; i++)
		save_vcpu(b, vm, &vm->vcpus[i]);
	families_save(b);
	save_memory(b, vm);
	mig_finish(b);
}

void families_save(struct mig_buf *b)
{
	hypercall_save(b);
	msrfilter_save(b);
	msrexit_save(b);
}

static bool families_walk(const uint8_t *p, size_t len, bool apply, char *err, size_t errsz)
{
	struct mig_vm mv = { 0 };
	struct mig_rec r;
	size_t off = 0;
	bool seen[MIG_FAM_MAX] = { false };

	while (mig_next(p, len, &off, &r)) {
		bool ok;

		if (r.type == MIG_VM && r.len == sizeof(mv))
			memcpy(&mv, r.data, sizeof(mv));
		if (r.type != MIG_FAMILY)
			continue;
		if (r.vcpu == 0 || r.vcpu >= MIG_FAM_MAX || seen[r.vcpu]) {
			snprintf(err, errsz, "family record %u unknown or repeated", r.vcpu);
			return false;
		}
		seen[r.vcpu] = true;
		if (r.vcpu == MIG_FAM_HYPERCALL)
			ok = hypercall_load(r.data, r.len, mv.mem_size, apply, err, errsz);
		else if (r.vcpu == MIG_FAM_MSRFILTER)
			ok = msrfilter_load(r.data, r.len, apply, err, errsz);
		else
			ok = msrexit_load(r.data, r.len, apply, err, errsz);
		if (!ok)
			return false;
	}
	return true;
}

bool families_check(const uint8_t *p, size_t len, char *err, size_t errsz)
{
	return families_walk(p, len, false, err, errsz);
}

bool families_load(const uint8_t *p, size_t len, char *err, size_t errsz)
{
	return families_walk(p, len, true, err, errsz);
}

/* ---- restore ---- */

static void fail_restore(const char *what, int id)
{
	char who[32] = "the VM";

	if (id >= 0)
		snprintf(who, sizeof(who), "vcpu%d", id);
	run_finish(HX_ERROR, "migration: could not restore %s of %s in the new VM: %s", what,
		   who, strerror(errno));
}

#define SET(fd, req, ptr, what, id) do {		\
	if (ioctl(fd, req, ptr) < 0) {			\
		fail_restore(what, id);			\
		return false;				\
	}						\
} while (0)

static bool want_len(const struct mig_rec *r, uint64_t len, char *err, size_t errsz)
{
	if (r->len == len)
		return true;
	snprintf(err, errsz, "record type %u has %llu bytes, want %llu", r->type,
		 (unsigned long long)r->len, (unsigned long long)len);
	return false;
}

/*
 * Everything about the stream that can be checked without KVM: record
 * sizes, vCPU ids, memory inside RAM.  On failure a message in err.
 */
static bool check_records(const uint8_t *p, size_t len, struct mig_vm *mv, char *err,
			  size_t errsz)
{
	struct mig_rec r;
	size_t off = 0;
	bool have_vm = false;

	while (mig_next(p, len, &off, &r)) {
		if (!have_vm && r.type != MIG_VM) {
			snprintf(err, errsz, "the first record is type %u, not the VM record", r.type);
			return false;
		}
		switch (r.type) {
		case MIG_VM:
			if (have_vm || !want_len(&r, sizeof(*mv), err, errsz))
				return false;
			memcpy(mv, r.data, sizeof(*mv));
			if (mv->mem_size < (2ull << 20) || mv->mem_size > (3072ull << 20) ||
			    (mv->mem_size & 0xfffff) || mv->nr_vcpus < 1 ||
			    mv->nr_vcpus > MAX_VCPUS || mv->irqchip > 1 ||
			    (mv->nr_vcpus > 1 && !mv->irqchip) || (mv->kvm_pv_features & ~0x30000u)) {
				snprintf(err, errsz, "VM record out of range (RAM %llu bytes, %u vCPUs)",
					 (unsigned long long)mv->mem_size, mv->nr_vcpus);
				return false;
			}
			have_vm = true;
			continue;
		case MIG_MEM: {
			uint64_t gpa;

			if (!want_len(&r, 16 + 4096, err, errsz))
				return false;
			memcpy(&gpa, r.data, 8);
			if ((gpa & 0xfff) || gpa >= mv->mem_size) {
				snprintf(err, errsz, "memory page at GPA 0x%llx is outside the VM's RAM",
					 (unsigned long long)gpa);
				return false;
			}
			continue;
		}
		case MIG_FAMILY:
			continue;	/* families check their own bytes */
		case MIG_CLOCK:
			if (!want_len(&r, sizeof(struct kvm_clock_data), err, errsz))
				return false;
			continue;
		case MIG_IRQCHIP:
			if (!want_len(&r, sizeof(struct kvm_irqchip), err, errsz))
				return false;
			if (r.vcpu > 2 || !mv->irqchip) {
				snprintf(err, errsz, "irqchip record %u without that irqchip", r.vcpu);
				return false;
			}
			continue;
		}
		if (r.vcpu >= mv->nr_vcpus) {
			snprintf(err, errsz, "record type %u for vcpu%u, the VM has %u", r.type, r.vcpu,
				 mv->nr_vcpus);
			return false;
		}
		switch (r.type) {
		case MIG_REGS: if (!want_len(&r, sizeof(struct kvm_regs), err, errsz)) return false; break;
		case MIG_SREGS: if (!want_len(&r, sizeof(struct kvm_sregs), err, errsz)) return false; break;
		case MIG_XCRS: if (!want_len(&r, sizeof(struct kvm_xcrs), err, errsz)) return false; break;
		case MIG_DEBUGREGS:
			if (!want_len(&r, sizeof(struct kvm_debugregs), err, errsz))
				return false;
			break;
		case MIG_LAPIC:
			if (!want_len(&r, sizeof(struct kvm_lapic_state), err, errsz))
				return false;
			break;
		case MIG_EVENTS:
			if (!want_len(&r, sizeof(struct kvm_vcpu_events), err, errsz))
				return false;
			break;
		case MIG_MP_STATE:
			if (!want_len(&r, sizeof(struct kvm_mp_state), err, errsz))
				return false;
			break;
		case MIG_TSC_OFFSET:
			if (!want_len(&r, 8, err, errsz))
				return false;
			break;
		case MIG_XSAVE:
			if (r.len < sizeof(struct kvm_xsave) || r.len > (1u << 20) || (r.len & 3)) {
				snprintf(err, errsz, "XSAVE record of %llu bytes", (unsigned long long)r.len);
				return false;
			}
			break;
		case MIG_MSRS:
			if (r.len % sizeof(struct kvm_msr_entry) || r.len > 4096 * 16) {
				snprintf(err, errsz, "MSR record of %llu bytes", (unsigned long long)r.len);
				return false;
			}
			break;
		default:
			snprintf(err, errsz, "record type %u is not known", r.type);
			return false;
		}
	}
	if (!have_vm) {
		snprintf(err, errsz, "no VM record");
		return false;
	}
	return true;
}

bool migrate_check_stream(const uint8_t *p, size_t len, char *err, size_t errsz)
{
	struct mig_vm mv;

	return mig_validate(p, len, err, errsz) && check_records(p, len, &mv, err, errsz) &&
	       families_check(p, len, err, errsz);
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
			fail_restore("the MSRs (KVM_SET_MSRS)", v->id);
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
			fail_restore(what, v->id);
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

static bool restore_vcpu_rec(struct vm *vm, struct vcpu *v, const struct mig_rec *r)
{
	void *copy = xcalloc(1, r->len + sizeof(struct kvm_msrs));
	bool ok = true;

	memcpy(copy, r->data, r->len);
	switch (r->type) {
	case MIG_REGS:
		if (ioctl(v->fd, KVM_SET_REGS, copy) < 0)
			ok = false, fail_restore("the registers (KVM_SET_REGS)", v->id);
		break;
	case MIG_SREGS:
		if (ioctl(v->fd, KVM_SET_SREGS, copy) < 0)
			ok = false, fail_restore("the segment/control registers (KVM_SET_SREGS)",
						 v->id);
		break;
	case MIG_XCRS:
		if (ioctl(v->fd, KVM_SET_XCRS, copy) < 0)
			ok = false, fail_restore("the XCRs (KVM_SET_XCRS)", v->id);
		break;
	case MIG_XSAVE:
		if (ioctl(v->fd, KVM_SET_XSAVE, copy) < 0)
			ok = false, fail_restore("the FPU/XSAVE state (KVM_SET_XSAVE)", v->id);
		break;
	case MIG_MSRS:
		ok = restore_msrs(v, r);
		break;
	case MIG_LAPIC:
		if (ioctl(v->fd, KVM_SET_LAPIC, copy) < 0)
			ok = false, fail_restore("the LAPIC (KVM_SET_LAPIC)", v->id);
		break;
	case MIG_MP_STATE:
		if (ioctl(v->fd, KVM_SET_MP_STATE, copy) < 0)
			ok = false, fail_restore("the MP state (KVM_SET_MP_STATE)", v->id);
		break;
	case MIG_EVENTS:
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, copy) < 0)
			ok = false, fail_restore("the vCPU events (KVM_SET_VCPU_EVENTS)", v->id);
		break;
	case MIG_DEBUGREGS:
		if (ioctl(v->fd, KVM_SET_DEBUGREGS, copy) < 0)
			ok = false, fail_restore("the debug registers (KVM_SET_DEBUGREGS)", v->id);
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
			ok = false, fail_restore("the TSC offset (KVM_VCPU_TSC_OFFSET)", v->id);
		break;
	}
	}
	(void)vm;
	free(copy);
	return ok;
}

/* the order KVM needs: CPUID (at creation), sregs, regs, XCRs, XSAVE, MSRs, LAPIC, MP, events, DRs */
static const uint32_t vcpu_order[] = {
	MIG_SREGS, MIG_REGS, MIG_XCRS, MIG_XSAVE, MIG_MSRS, MIG_LAPIC, MIG_MP_STATE,
	MIG_EVENTS, MIG_DEBUGREGS, MIG_TSC_OFFSET,
};

/*
 * Build vm (fresh, not yet created) from a validated stream: the VM, its
 * memory, clock, irqchip, family state, then every vCPU (vcpus[] must
 * already hold nr_vcpus entries).  false: run_finish() was called.
 */
static bool restore(struct vm *vm, const uint8_t *p, size_t len, bool load_families)
{
	struct mig_vm mv;
	struct mig_rec r;
	size_t off = 0;
	const char *fam = NULL;
	char err[256];
	int e;

	if (!check_records(p, len, &mv, err, sizeof(err))) {
		run_finish(HX_ERROR, "migration: bad stream: %s", err);
		return false;
	}
	vm_create(vm, mv.mem_size, mv.irqchip);
	vm->nr_vcpus = (int)mv.nr_vcpus;
	while (mig_next(p, len, &off, &r)) {
		if (r.type == MIG_MEM) {
			uint64_t gpa;

			memcpy(&gpa, r.data, 8);
			memcpy(vm->mem + gpa, r.data + 16, 4096);
		} else if (r.type == MIG_CLOCK) {
			struct kvm_clock_data c;

			memcpy(&c, r.data, sizeof(c));
			c.flags = 0;
			SET(vm->vm_fd, KVM_SET_CLOCK, &c, "kvmclock (KVM_SET_CLOCK)", -1);
		} else if (r.type == MIG_IRQCHIP) {
			struct kvm_irqchip ic;

			memcpy(&ic, r.data, sizeof(ic));
			SET(vm->vm_fd, KVM_SET_IRQCHIP, &ic, "the irqchip (KVM_SET_IRQCHIP)", -1);
		}
	}
	if (load_families && !families_load(p, len, err, sizeof(err))) {
		run_finish(HX_ERROR, "migration: bad family state: %s", err);
		return false;
	}
	e = channel_reapply(vm, &fam);
	if (e) {
		errno = -e;
		snprintf(err, sizeof(err), "the %s family's state", fam);
		fail_restore(err, -1);
		return false;
	}
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_create_bare(vm, &vm->vcpus[i], i);
	for (size_t k = 0; k < ARRAY_SIZE(vcpu_order); k++) {
		/* another process may be on another host: its TSC offset means nothing */
		if (vcpu_order[k] == MIG_TSC_OFFSET && load_families)
			continue;
		off = 0;
		while (mig_next(p, len, &off, &r))
			if (r.type == vcpu_order[k] &&
			    !restore_vcpu_rec(vm, &vm->vcpus[r.vcpu], &r))
				return false;
	}
	return true;
}

/* what is left of an old VM once its vCPUs no longer point at it */
struct remains {
	int nfd;
	int fds[MAX_VCPUS + 2];
	void *runs[MAX_VCPUS];
	int run_size;
	uint8_t *mem;
	uint64_t mem_size;
};

/* tearing a VM down is slow in a nested kernel: done beside the new one */
static void *reap(void *arg)
{
	struct remains *r = arg;

	for (int i = 0; i < r->nfd - 2; i++)
		munmap(r->runs[i], r->run_size);
	for (int i = 0; i < r->nfd; i++)
		close(r->fds[i]);
	munmap(r->mem, r->mem_size);
	free(r);
	return NULL;
}

static void vm_destroy(struct vm *vm)
{
	struct remains *r = xcalloc(1, sizeof(*r));
	pthread_t t;

	run_lock_vcpus(true);
	for (int i = 0; i < vm->nr_vcpus; i++) {
		r->runs[i] = vm->vcpus[i].run;
		r->fds[r->nfd++] = vm->vcpus[i].fd;
		/* run_finish() kicks under the run lock and skips a NULL run */
		__atomic_store_n(&vm->vcpus[i].run, NULL, __ATOMIC_SEQ_CST);
	}
	run_lock_vcpus(false);
	r->fds[r->nfd++] = vm->vm_fd;
	r->fds[r->nfd++] = vm->kvm_fd;
	r->run_size = vm->run_size;
	r->mem = vm->mem;
	r->mem_size = vm->mem_size;
	if (pthread_create(&t, NULL, reap, r) == 0)
		pthread_detach(t);
	else
		reap(r);
}

static void write_file(const struct mig_buf *b)
{
	char tmp[4096];
	int fd;
	size_t done = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", opts.save_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	TEST_ASSERT(fd >= 0, "--save: cannot create %s", tmp);
	while (done < b->len) {
		ssize_t w = write(fd, b->p + done, b->len - done);

		TEST_ASSERT(w > 0 || errno == EINTR, "--save: writing %s", tmp);
		if (w > 0)
			done += (size_t)w;
	}
	TEST_ASSERT(close(fd) == 0 && rename(tmp, opts.save_file) == 0,
		    "--save: renaming %s to %s", tmp, opts.save_file);
	if (verbose)
		warnx_h("saved %zu bytes of migration stream to %s", b->len, opts.save_file);
}

/* the leader, every other vCPU parked: save, destroy, rebuild */
static void migrate_now(void)
{
	struct vm *vm = &the_vm;
	struct mig_buf b = { 0 };
	uint64_t t0 = now_ns();

	uint64_t t1, t2;

	save_vm(&b, vm);
	if (opts.save_file)
		write_file(&b);
	t1 = now_ns();
	vm_destroy(vm);
	t2 = now_ns();
	restore(vm, b.p, b.len, false);
	migrations++;
	if (verbose)
		warnx_h("migration %llu: %zu bytes, %.1f ms (save %.1f, destroy %.1f, restore %.1f)",
			(unsigned long long)migrations, b.len, (now_ns() - t0) / 1e6,
			(t1 - t0) / 1e6, (t2 - t1) / 1e6, (now_ns() - t2) / 1e6);
	mig_free(&b);
}

/* KVM_RUN with immediate_exit: KVM completes the exit v is in, runs nothing */
static void complete_exit(struct vcpu *v)
{
	int r;

	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	r = ioctl(v->fd, KVM_RUN, 0);
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	if (r == 0 || (errno != EINTR && errno != EAGAIN))
		run_finish(HX_ERROR, "migration: vcpu%d: completing its last exit with "
			   "immediate_exit returned %d (%s), not EINTR", v->id, r,
			   r ? strerror(errno) : "an exit");
}

static void timed_wait(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&mig_cond, &mig_lock, &ts);
}

bool migrate_point(struct vcpu *v)
{
	if (!__atomic_load_n(&mig_requested, __ATOMIC_SEQ_CST) || run_done())
		return false;
	vcpu_hold_kicks(true);	/* a new VM's ioctls, --save's writes: not interrupted */
	complete_exit(v);
	pthread_mutex_lock(&mig_lock);
	if (leader < 0 && __atomic_load_n(&mig_requested, __ATOMIC_SEQ_CST)) {
		uint64_t deadline = now_ns() + 10000000000ull;

		leader = v->id;
		for (int i = 0; i < the_vm.nr_vcpus; i++)
			if (i != v->id)
				vcpu_kick(&the_vm.vcpus[i]);
		while (parked < the_vm.nr_vcpus - 1 && !run_done() && now_ns() < deadline)
			timed_wait();
		if (parked < the_vm.nr_vcpus - 1 && !run_done())
			run_finish(HX_ERROR, "migration: only %d of %d other vCPUs stopped within 10 s",
				   parked, the_vm.nr_vcpus - 1);
		if (!run_done())
			migrate_now();
		__atomic_store_n(&mig_requested, 0, __ATOMIC_SEQ_CST);
		leader = -1;
		gen++;
		pthread_cond_broadcast(&mig_cond);
	} else if (leader >= 0) {
		unsigned g = gen;

		parked++;
		pthread_cond_broadcast(&mig_cond);
		while (gen == g && !run_done())
			timed_wait();
		parked--;
	}
	pthread_mutex_unlock(&mig_lock);
	vcpu_hold_kicks(false);
	return true;
}

/* --restore FILE: read, validate (exit 2 on any problem), build the_vm */
void migrate_restore_file(const char *path)
{
	struct mig_vm mv;
	struct mig_buf b = { 0 };
	char err[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;

	if (fd < 0)
		die(HX_USAGE, "--restore %s: %s", path, strerror(errno));
	size = lseek(fd, 0, SEEK_END);
	if (size < 0 || (uint64_t)size > MIG_MAX_BYTES)
		die(HX_USAGE, "--restore %s: not a regular file of at most 8 GiB", path);
	b.len = (size_t)size;
	b.p = xcalloc(1, b.len ? b.len : 1);
	if (pread(fd, b.p, b.len, 0) != (ssize_t)b.len)
		die(HX_USAGE, "--restore %s: short read", path);
	close(fd);
	if (!migrate_check_stream(b.p, b.len, err, sizeof(err)))
		die(HX_USAGE, "--restore %s: %s", path, err);
	check_records(b.p, b.len, &mv, err, sizeof(err));
	opts.smp = (int)mv.nr_vcpus;
	opts.kvm_pv_features = mv.kvm_pv_features;
	opts.mem_mib = mv.mem_size >> 20;
	migrations = mv.migrations;
	the_vm.vcpus = xcalloc(mv.nr_vcpus, sizeof(struct vcpu));
	if (!restore(&the_vm, b.p, b.len, true))
		exit(HX_ERROR);
	mig_free(&b);
}

static const struct chan_op migrate_ops[] = {
	{ VMC_OP_MIGRATE, "MIGRATE", sizeof(struct vmc_migrate), sizeof(struct vmc_migrate),
	  op_migrate },
};

const struct chan_family ops_migrate_family = {
	.name = "migrate",
	.ops = migrate_ops,
	.nr_ops = ARRAY_SIZE(migrate_ops),
};
