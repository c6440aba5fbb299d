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
 * The leader drains the coalesced ring into the exit log, saves everything
 * into a stream (migstream.h, the same bytes --save writes; every family's
 * guest-visible state is a MIG_FAMILY record), destroys the VM, builds a
 * new one in this process and restores it from the stream: the MSR filter
 * (before the VM has RAM), memory, kvmclock, irqchip, each family's kept
 * state (chan_family.reapply), then per vCPU CPUID, sregs, regs, XCRs,
 * XSAVE, every MSR of KVM_GET_MSR_INDEX_LIST that reads back, LAPIC, MP
 * state, vCPU events, debug registers (that per-vCPU half is in
 * migrate-vcpu.c).  A restore ioctl that fails ends the run as ERROR naming
 * the state.  --restore FILE builds the VM from a saved stream at start
 * (migrate_restore_file()).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "migrate-abi.h"
#include "migstream.h"
#include "migrate-int.h"

static pthread_mutex_t mig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mig_cond = PTHREAD_COND_INITIALIZER;
static int mig_requested;		/* atomic */
static int leader = -1;
static int parked;
static unsigned gen;
static uint64_t migrations;
static uint64_t requests;		/* channel requests, for --migrate-every */

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

	mig_load_msr_list(vm);
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
		mig_save_vcpu(b, vm, &vm->vcpus[i]);
	families_save(b, vm);
	save_memory(b, vm);
	mig_finish(b);
}

void families_save(struct mig_buf *b, const struct vm *vm)
{
	hypercall_save(b);
	msrfilter_save(b);
	msrexit_save(b);
	exitlog_save(b, vm);
	coalesced_save(b);
	exception_save(b);
	memslot_save(b);
	devices_save(b, vm);
}

static const char *const fam_names[MIG_FAM_MAX] = {
	[MIG_FAM_HYPERCALL] = "hypercall", [MIG_FAM_MSRFILTER] = "MSR filter",
	[MIG_FAM_MSREXIT] = "MSR exit", [MIG_FAM_EXITLOG] = "exit log/EXPECT",
	[MIG_FAM_COALESCED] = "coalesced I/O", [MIG_FAM_EXCEPTION] = "exception",
	[MIG_FAM_MEMSLOT] = "memslot", [MIG_FAM_DEVICES] = "COM1/console",
};

static bool families_walk(const uint8_t *p, size_t len, bool apply, struct vcpu *vcpus,
			  char *err, size_t errsz)
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
		switch (r.vcpu) {
		case MIG_FAM_HYPERCALL:
			ok = hypercall_load(r.data, r.len, mv.mem_size, apply, err, errsz);
			break;
		case MIG_FAM_MSRFILTER:
			ok = msrfilter_load(r.data, r.len, apply, err, errsz);
			break;
		case MIG_FAM_MSREXIT:
			ok = msrexit_load(r.data, r.len, apply, err, errsz);
			break;
		case MIG_FAM_EXITLOG:
			ok = exitlog_load(r.data, r.len, mv.nr_vcpus, vcpus, apply, err, errsz);
			break;
		case MIG_FAM_COALESCED:
			ok = coalesced_load(r.data, r.len, apply, err, errsz);
			break;
		case MIG_FAM_EXCEPTION:
			ok = exception_load(r.data, r.len, apply, err, errsz);
			break;
		case MIG_FAM_MEMSLOT:
			ok = memslot_load(r.data, r.len, apply, err, errsz);
			break;
		default:
			ok = devices_load(r.data, r.len, mv.nr_vcpus, apply, err, errsz);
			break;
		}
		if (!ok)
			return false;
	}
	for (int f = 1; f < MIG_FAM_MAX; f++)
		if (!seen[f]) {
			snprintf(err, errsz, "no %s state (family record %d) in the stream",
				 fam_names[f], f);
			return false;
		}
	return true;
}

bool families_check(const uint8_t *p, size_t len, char *err, size_t errsz)
{
	return families_walk(p, len, false, NULL, err, errsz);
}

bool families_load(const uint8_t *p, size_t len, struct vcpu *vcpus, char *err, size_t errsz)
{
	return families_walk(p, len, true, vcpus, err, errsz);
}

/* ---- restore ---- */

void mig_fail_restore(const char *what, int id)
{
	char who[32] = "the VM";

	if (id >= 0)
		snprintf(who, sizeof(who), "vcpu%d", id);
	run_finish(HX_ERROR, "migration: could not restore %s of %s in the new VM: %s", what,
		   who, strerror(errno));
}

#define SET(fd, req, ptr, what, id) do {	\
	if (ioctl(fd, req, ptr) < 0) {		\
		mig_fail_restore(what, id);	\
		return false;			\
	}					\
} while (0)

bool mig_want_len(const struct mig_rec *r, uint64_t len, char *err, size_t errsz)
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
			if (have_vm || !mig_want_len(&r, sizeof(*mv), err, errsz))
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

			if (!mig_want_len(&r, 16 + 4096, err, errsz))
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
			if (!mig_want_len(&r, sizeof(struct kvm_clock_data), err, errsz))
				return false;
			continue;
		case MIG_IRQCHIP:
			if (!mig_want_len(&r, sizeof(struct kvm_irqchip), err, errsz))
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
		if (!mig_check_vcpu_rec(&r, err, errsz))
			return false;
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
	/*
	 * The MSR filter goes in first, in a VM without RAM or irqchip: its
	 * ioctl waits for an SRCU grace period, expedited (~20 us) in a fresh
	 * VM but a full one (13-20 ms here) right after the memslot and
	 * irqchip ioctls' own expedited ones.  It touches neither.
	 */
	vm_open(vm);
	if (load_families && !families_load(p, len, vm->vcpus, err, sizeof(err))) {
		run_finish(HX_ERROR, "migration: bad family state: %s", err);
		return false;
	}
	e = msrfilter_reapply(vm);
	if (e) {
		errno = -e;
		mig_fail_restore("the msrfilter family's state", -1);
		return false;
	}
	vm_setup(vm, mv.mem_size, mv.irqchip);
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
	e = channel_reapply(vm, &fam);
	if (e) {
		errno = -e;
		snprintf(err, sizeof(err), "the %s family's state", fam);
		mig_fail_restore(err, -1);
		return false;
	}
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_create_bare(vm, &vm->vcpus[i], i);
	return mig_restore_vcpus(vm, p, len, !load_families);
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
static void migrate_now(struct vcpu *v)
{
	struct vm *vm = &the_vm;
	struct mig_buf b = { 0 };
	uint64_t t0 = now_ns(), t1, t2;

	/*
	 * Coalesced ring entries can be pending: a vCPU kicked out of KVM_RUN
	 * (EINTR) has not drained what it wrote since its last exit.  They go
	 * into the exit log now, as at that vCPU's next exit; the old VM's
	 * ring dies with it.
	 */
	coalesced_drain(v);
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
	cond_wait_ns(&mig_cond, &mig_lock, 50000000ull);
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
			migrate_now(v);
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
