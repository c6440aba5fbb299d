/*
 * vmc-harness: vCPUs.  Creation and the multiboot register state, one
 * thread per vCPU running KVM_RUN, the per-KVM_RUN watchdog, exit decoding
 * and the register dump.
 *
 * Watchdog: each vCPU thread has a periodic timer (TICK_MS) that sends
 * KICK_SIG to the thread itself; vcpu_kick() sends it too.  KICK_SIG is
 * blocked in the main thread and unblocked in each vCPU thread, and its
 * handler sets the thread's kvm_run->immediate_exit (api.rst: the way to
 * kick a vCPU without KVM_SET_SIGNAL_MASK, which costs KVM two
 * sigprocmask() calls per KVM_RUN).  A kick that lands inside KVM_RUN
 * makes it return EINTR; one that lands while the thread is in user space
 * makes the next KVM_RUN return EINTR at entry, and the loop also sees the
 * handler's flag (tls_kicked) after an ordinary exit.  The handler has
 * SA_RESTART, so the thread's ordinary system calls are restarted, not cut
 * short (a console write() to a full pipe; tests/harness checks it);
 * KVM_RUN returns -EINTR, which is never restarted.  Around the rare paths that
 * make KVM or file system calls (channel ops other than CONSOLE, a
 * migration point, SNP memory faults and hypercalls) the thread blocks
 * KICK_SIG (vcpu_hold_kicks), and a kick that arrives then is delivered
 * when it is unblocked.  run_finish() also sets kvm_run->immediate_exit.  No KVM_RUN
 * lasts longer than one tick, even when the guest spins inside the kernel
 * (a VMCALL on kvm_pvm, spec E.3).  On each tick the thread checks
 * progress: a runnable vCPU with no exits and an unchanged RIP for --stall
 * seconds ends the run as TIMEOUT; main.c enforces the deadline.
 *
 * A TEST_ASSERT on a vCPU thread (vcpu_assert_hook) ends the run as ERROR
 * with the assertion as the reason, dumps this vCPU and leaves the thread
 * through the same vcpu_thread_leave() as a normal stop (util.h).
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "x86/boot-abi.h"

#define KICK_SIG	SIGUSR1
#define TICK_MS		200

static __thread struct vcpu *tls_vcpu;	/* the vCPU this thread runs */
static __thread int tls_vcpu_id = -1;
static __thread timer_t tls_timer;
static __thread bool tls_timer_ok, tls_leaving;
static __thread int tls_kicked;		/* set by kick_handler, cleared by the loop */
static struct kvm_cpuid2 *cpuid;
/* v->thread and v->started: written by vcpu_start, read by vcpu_kick */
static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;

int current_vcpu_id(void)
{
	return tls_vcpu_id;
}

/*
 * A kick: the next (or current) KVM_RUN of this thread's vCPU returns
 * EINTR.  Only the thread's own signal reaches it (SIGEV_THREAD_ID timer,
 * pthread_kill); it runs on a vCPU thread only, where tls_vcpu is set
 * before KICK_SIG is unblocked.  v->run is replaced by a migration only
 * while this thread holds its kicks (migrate_point).
 */
static void kick_handler(int sig)
{
	struct vcpu *v = tls_vcpu;

	(void)sig;
	__atomic_store_n(&tls_kicked, 1, __ATOMIC_RELAXED);
	if (v && v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void vcpu_thread_leave(struct vcpu *v);

/* test_assert_hook: a TEST_ASSERT on a vCPU thread ends the run, not the process */
static void vcpu_assert_hook(const char *line)
{
	struct vcpu *v = tls_vcpu;

	if (!v || tls_leaving)
		return;		/* not a vCPU thread, or asserting while leaving */
	run_finish(HX_ERROR, "%s", line);
	vcpu_thread_leave(v);
	pthread_exit(NULL);
}

void vcpu_signals_init(void)
{
	struct sigaction sa;
	sigset_t set;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* KVM_RUN returns -EINTR all the same; other system calls restart */
	sa.sa_flags = SA_RESTART;
	TEST_ASSERT(sigaction(KICK_SIG, &sa, NULL) == 0, "sigaction");
	/* blocked here, inherited by every vCPU thread; vcpu_thread unblocks it */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIG);
	r = pthread_sigmask(SIG_BLOCK, &set, NULL);
	errno = r;
	TEST_ASSERT(r == 0, "pthread_sigmask(SIG_BLOCK, KICK_SIG)");
	test_assert_hook = vcpu_assert_hook;
}

void vcpu_hold_kicks(bool hold)
{
	sigset_t set;
	int r;

	if (!tls_vcpu)
		return;		/* not a vCPU thread: KICK_SIG stays blocked */
	sigemptyset(&set);
	sigaddset(&set, KICK_SIG);
	r = pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
	errno = r;
	TEST_ASSERT(r == 0, "pthread_sigmask(%s, KICK_SIG)", hold ? "SIG_BLOCK" : "SIG_UNBLOCK");
}

static void load_cpuid(struct vm *vm)
{
	int n = 128;

	for (;;) {
		cpuid = xcalloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		cpuid->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return;
		TEST_ASSERT(errno == E2BIG && n < 4096, "KVM_GET_SUPPORTED_CPUID");
		free(cpuid);
		n *= 2;
	}
}

static void set_cpuid(struct vcpu *v)
{
	size_t sz = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
	struct kvm_cpuid2 *c = xcalloc(1, sz);

	memcpy(c, cpuid, sz);
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | ((uint32_t)v->id << 24);
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = (uint32_t)v->id;
		/* the PV feature bits a test asked for (--kvm-pv-features) */
		if (e->function == 0x40000001)
			e->eax |= opts.kvm_pv_features;
	}
	TEST_ASSERT(ioctl(v->fd, KVM_SET_CPUID2, c) == 0, "KVM_SET_CPUID2 (vcpu%d)", v->id);
	free(c);
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->db = 1;
	s->s = 1;
	s->g = 1;
}

/* multiboot v1 machine state: flat 32-bit protected mode, paging off */
static void set_boot_state(struct vcpu *v, const struct boot_info *bi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	TEST_ASSERT(ioctl(v->fd, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	set_seg(&sregs.cs, 0x08, 0xb);
	set_seg(&sregs.ds, 0x10, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = bi->gdt;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = 0x11;	/* PE | ET */
	sregs.cr4 = 0;
	sregs.efer = 0;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = bi->entry;
	regs.rflags = 0x2;
	regs.rax = 0x2BADB002;
	regs.rbx = bi->mbi;
	regs.rsp = 0x7000;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
}

/*
 * The direct 64-bit entry (x86/boot-abi.h): the state the guest's 32-bit
 * path builds before it jumps to 64-bit code, set before the first KVM_RUN;
 * the registers multiboot defines are as in set_boot_state().
 */
static void set_boot_state64(struct vcpu *v, const struct boot_info *bi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	TEST_ASSERT(ioctl(v->fd, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	sregs.cs = bi->cs;
	sregs.ds = bi->ds;
	sregs.es = sregs.ss = sregs.ds;
	/*
	 * FS = GS = 0, the null selector, as the 32-bit path's MOV loads them:
	 * base 0 and unusable (KVM_GET_SREGS shows that after the MOV), not
	 * DS's descriptor with selector 0 (a usable DPL-0 data segment: loads
	 * through it worked in 32-bit code, an IRETQ to CPL 3 would null it)
	 */
	memset(&sregs.fs, 0, sizeof(sregs.fs));
	sregs.fs.unusable = 1;
	sregs.gs = sregs.fs;
	sregs.gdt.base = bi->gdt64_base;
	sregs.gdt.limit = bi->gdt64_limit;
	sregs.cr3 = bi->cr3;
	sregs.cr4 = VMC_BOOT_CR4;
	sregs.efer = VMC_BOOT_EFER;
	sregs.cr0 = VMC_BOOT_CR0;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS (64-bit entry)");
	memset(&regs, 0, sizeof(regs));
	regs.rip = bi->entry64;
	regs.rflags = 0x2;
	regs.rax = 0x2BADB002;
	regs.rbx = bi->mbi;
	regs.rsp = 0x7000;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
}

bool vcpu_supported_cpuid(struct vm *vm, uint32_t fn, uint32_t *eax)
{
	if (!cpuid)
		load_cpuid(vm);
	*eax = 0;
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == fn && cpuid->entries[i].index == 0) {
			*eax = cpuid->entries[i].eax;
			return true;
		}
	return false;
}

void vcpu_create_bare(struct vm *vm, struct vcpu *v, int id)
{
	v->vm = vm;
	v->id = id;
	if (!cpuid)
		load_cpuid(vm);
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	TEST_ASSERT(v->fd >= 0, "KVM_CREATE_VCPU %d", id);
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	TEST_ASSERT(v->run != MAP_FAILED, "mmap of kvm_run (vcpu%d)", id);
	set_cpuid(v);
	if (vm->sync_regs)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
}

void vcpu_create(struct vm *vm, struct vcpu *v, int id, const struct boot_info *bi)
{
	vcpu_create_bare(vm, v, id);
	if (id == 0 && bi->direct64) {
		set_boot_state64(v, bi);
	} else if (id == 0) {
		set_boot_state(v, bi);
	} else {
		/* an AP waits for INIT/SIPI from the guest via the in-kernel LAPIC */
		struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_INIT_RECEIVED };

		TEST_ASSERT(ioctl(v->fd, KVM_SET_MP_STATE, &mp) == 0,
			    "KVM_SET_MP_STATE INIT_RECEIVED (vcpu%d)", id);
	}
	if (id == 0 && snp_vm_active())
		snp_vm_launch(vm, v, bi);	/* its registers go into the VMSA */
}

uint64_t vcpu_rip(struct vcpu *v)
{
	struct kvm_regs regs;

	if (v->vm->sync_regs)
		return v->run->s.regs.regs.rip;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return ~0ull;
	return regs.rip;
}

/*
 * On v's own thread (run_finish() from an exit handler) the thread is not
 * inside KVM_RUN, and immediate_exit alone makes its next KVM_RUN return
 * EINTR: no signal to itself (a signal frame and sigreturn per run).
 */
void vcpu_kick(struct vcpu *v)
{
	if (v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v == tls_vcpu)
		return;
	pthread_mutex_lock(&start_lock);
	if (v->started)
		pthread_kill(v->thread, KICK_SIG);
	pthread_mutex_unlock(&start_lock);
}

/* guest bytes at linear address lin (paging-aware through KVM_TRANSLATE) */
static int read_linear(struct vcpu *v, uint64_t lin, uint8_t *buf, unsigned len)
{
	struct kvm_translation tr = { .linear_address = lin };
	uint64_t gpa = lin;

	if (ioctl(v->fd, KVM_TRANSLATE, &tr) == 0) {
		if (!tr.valid)
			return -1;
		gpa = tr.physical_address;
	}
	if (!gpa_range_ok(v->vm, gpa, len))
		return -1;
	memcpy(buf, v->vm->mem + gpa, len);
	return 0;
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s sel=%04x base=%016llx limit=%08x type=%x dpl=%u p=%u db=%u "
		"l=%u g=%u\n", name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->dpl, s->present, s->db, s->l, s->g);
}

void vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t code[16];

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "vcpu%d: registers unavailable: %s\n", v->id, strerror(errno));
		return;
	}
	fprintf(stderr, "vcpu%d registers (%llu exits):\n", v->id, (unsigned long long)v->exits);
	fprintf(stderr, "  RIP=%016llx RFLAGS=%016llx\n", (unsigned long long)r.rip,
		(unsigned long long)r.rflags);
	fprintf(stderr, "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		(unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx);
	fprintf(stderr, "  RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n",
		(unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.rsp);
	fprintf(stderr, "  R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n",
		(unsigned long long)r.r8, (unsigned long long)r.r9,
		(unsigned long long)r.r10, (unsigned long long)r.r11);
	fprintf(stderr, "  R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n",
		(unsigned long long)r.r12, (unsigned long long)r.r13,
		(unsigned long long)r.r14, (unsigned long long)r.r15);
	fprintf(stderr, "  CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx EFER=%llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer);
	dump_seg("CS", &s.cs);
	dump_seg("SS", &s.ss);
	dump_seg("DS", &s.ds);
	fprintf(stderr, "  GDT=%016llx/%x IDT=%016llx/%x\n", (unsigned long long)s.gdt.base,
		s.gdt.limit, (unsigned long long)s.idt.base, s.idt.limit);
	if (v->vm->irqchip) {
		struct kvm_mp_state mp;

		if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0)
			fprintf(stderr, "  mp_state=%u\n", mp.mp_state);
	}
	if (read_linear(v, s.cs.base + r.rip, code, sizeof(code)) == 0) {
		fprintf(stderr, "  code at RIP:");
		for (unsigned i = 0; i < sizeof(code); i++)
			fprintf(stderr, " %02x", code[i]);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "  code at RIP: not in guest RAM\n");
	}
}

static const char *internal_suberror(uint32_t e)
{
	switch (e) {
	case KVM_INTERNAL_ERROR_EMULATION: return "EMULATION";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "SIMUL_EX";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "DELIVERY_EV";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "UNEXPECTED_EXIT_REASON";
	default: return "?";
	}
}

/* "INTERNAL_ERROR EMULATION ..., insn bytes ..." */
static void describe_internal(struct vcpu *v, char *buf, size_t sz)
{
	struct kvm_run *run = v->run;
	size_t n;
	uint32_t nd = run->internal.ndata;

	n = snprintf(buf, sz, "KVM_EXIT_INTERNAL_ERROR suberror %u (%s), ndata %u",
		     run->internal.suberror, internal_suberror(run->internal.suberror), nd);
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		unsigned isz = run->emulation_failure.insn_size;

		if (isz > sizeof(run->emulation_failure.insn_bytes))
			isz = sizeof(run->emulation_failure.insn_bytes);
		n += snprintf(buf + n, n < sz ? sz - n : 0, ", flags 0x%llx, insn bytes:",
			      (unsigned long long)run->emulation_failure.flags);
		for (unsigned i = 0; i < isz && n < sz; i++)
			n += snprintf(buf + n, sz - n, " %02x", run->emulation_failure.insn_bytes[i]);
		return;
	}
	if (nd > ARRAY_SIZE(run->internal.data))
		nd = ARRAY_SIZE(run->internal.data);
	for (uint32_t i = 0; i < nd && n < sz; i++)
		n += snprintf(buf + n, sz - n, "%s0x%llx", i ? " " : ", data ",
			      (unsigned long long)run->internal.data[i]);
}

/* why an exit nobody claimed ends the run: only built on that cold path */
static void describe_exit(struct vcpu *v, char *why, size_t sz)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		snprintf(why, sz, "MMIO %s at GPA 0x%llx, %u bytes: no device there",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		snprintf(why, sz, "%s of MSR 0x%x (reason %u) with no MSR handler",
			 run->exit_reason == KVM_EXIT_X86_WRMSR ? "WRMSR" : "RDMSR",
			 run->msr.index, run->msr.reason);
		break;
	case KVM_EXIT_HYPERCALL:
		snprintf(why, sz, "HYPERCALL nr %llu args 0x%llx 0x%llx 0x%llx with no "
			 "hypercall handler", (unsigned long long)run->hypercall.nr,
			 (unsigned long long)run->hypercall.args[0],
			 (unsigned long long)run->hypercall.args[1],
			 (unsigned long long)run->hypercall.args[2]);
		break;
	case KVM_EXIT_HLT:
		snprintf(why, sz, "HLT without an in-kernel irqchip: nothing can wake the vCPU");
		break;
	case KVM_EXIT_SHUTDOWN:
		snprintf(why, sz, "SHUTDOWN (triple fault)");
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sz, "FAIL_ENTRY, hardware entry failure reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		describe_internal(v, why, sz);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		snprintf(why, sz, "SYSTEM_EVENT type %u", run->system_event.type);
		break;
	default:
		snprintf(why, sz, "exit reason %u (%s) not handled", run->exit_reason,
			 exit_reason_name(run->exit_reason));
		break;
	}
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vmc_exit_rec rec = { .reason = run->exit_reason };
	char why[512];

	if (run->exit_reason == KVM_EXIT_IO) {
		if (devices_pio(v) || coalesced_claim_pio(v))
			return;
		run_finish(HX_ERROR, "unhandled exit IO on vcpu%d: %s port 0x%x size %u "
			   "count %u, no device at that port", v->id,
			   run->io.direction == KVM_EXIT_IO_OUT ? "OUT" : "IN",
			   run->io.port, run->io.size, run->io.count);
		return;
	}
	rec.rip = vcpu_rip(v);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		rec.index = (uint32_t)run->mmio.phys_addr;
		rec.size = (uint8_t)run->mmio.len;
		rec.flags = run->mmio.is_write ? VMC_EXITF_OUT : 0;
		memcpy(&rec.data, run->mmio.data, rec.size <= 8 ? rec.size : 8);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		rec.index = run->msr.index;
		rec.data = run->msr.data;
		rec.size = (uint8_t)run->msr.reason;	/* MSR exits: size = msr.reason */
		rec.flags = run->exit_reason == KVM_EXIT_X86_WRMSR ? VMC_EXITF_OUT : 0;
		break;
	case KVM_EXIT_HYPERCALL:
		rec.index = (uint32_t)run->hypercall.nr;
		rec.data = run->hypercall.args[0];
		break;
	case KVM_EXIT_FAIL_ENTRY:
		rec.data = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		rec.index = run->internal.suberror;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		rec.index = run->system_event.type;
		break;
	}
	exitlog_record(v, &rec);
	if (run->exit_reason == KVM_EXIT_HYPERCALL) {
		/* SNP page-state changes make KVM calls: not interrupted by a kick */
		bool done;

		vcpu_hold_kicks(true);
		done = channel_handle_exit(v, &rec);
		vcpu_hold_kicks(false);
		if (done)
			return;
	} else if (channel_handle_exit(v, &rec)) {
		return;
	}
	describe_exit(v, why, sizeof(why));
	run_finish(HX_ERROR, "unhandled exit %s on vcpu%d at RIP 0x%llx: %s",
		   exit_reason_name(run->exit_reason), v->id, (unsigned long long)rec.rip, why);
}

static void watchdog_tick(struct vcpu *v, uint64_t *last_ns, uint64_t *stalled_ns)
{
	struct kvm_regs regs;
	uint64_t now = now_ns();
	uint64_t dt = now - *last_ns;
	bool idle = false;

	*last_ns = now;
	if (opts.stall_s <= 0)
		return;
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return;
	if (v->vm->irqchip) {
		struct kvm_mp_state mp;

		/* halted or waiting for SIPI is waiting, not spinning */
		idle = ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 &&
		       mp.mp_state != KVM_MP_STATE_RUNNABLE;
	}
	if (!idle && v->exits == v->exits_at_tick && regs.rip == v->rip_at_tick)
		*stalled_ns += dt;
	else
		*stalled_ns = 0;
	v->exits_at_tick = v->exits;
	v->rip_at_tick = regs.rip;
	if (*stalled_ns >= (uint64_t)(opts.stall_s * 1e9))
		run_finish(HX_TIMEOUT, "vcpu%d made no progress for %.1f s (no exits, RIP "
			   "stuck at 0x%llx)", v->id, *stalled_ns / 1e9,
			   (unsigned long long)regs.rip);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct sigevent sev;
	struct itimerspec its = {
		.it_interval = { 0, TICK_MS * 1000000L },
		.it_value = { 0, TICK_MS * 1000000L },
	};
	uint64_t last_ns = now_ns(), stalled_ns = 0;

	tls_vcpu = v;
	tls_vcpu_id = v->id;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = KICK_SIG;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	TEST_ASSERT(timer_create(CLOCK_MONOTONIC, &sev, &tls_timer) == 0, "timer_create");
	tls_timer_ok = true;
	TEST_ASSERT(timer_settime(tls_timer, 0, &its, NULL) == 0, "timer_settime");
	v->exits_at_tick = ~0ull;
	vcpu_hold_kicks(false);

	while (!run_done()) {
		int r;
		uint64_t t_in;
		bool kicked;

		/* a migration replaces v->fd and v->run (migrate.c) */
		if (migrate_point(v))
			continue;
		t_in = stats_on ? now_ns() : 0;
		r = ioctl(v->fd, KVM_RUN, 0);
		int err = errno;

		if (stats_on)
			stats_run(v, t_in, now_ns(), r == 0);
		/*
		 * immediate_exit first, then the flag: a kick between the two
		 * leaves immediate_exit set, so none is lost.
		 */
		if (__atomic_load_n(&v->run->immediate_exit, __ATOMIC_RELAXED))
			__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		kicked = __atomic_load_n(&tls_kicked, __ATOMIC_RELAXED);
		if (kicked)
			__atomic_store_n(&tls_kicked, 0, __ATOMIC_RELAXED);
		if (run_done())
			break;
		if (r < 0 && err == EFAULT && v->run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
			bool converted;

			vcpu_hold_kicks(true);
			converted = snp_vm_memory_fault(v);
			vcpu_hold_kicks(false);
			if (converted)
				continue;	/* --vm-type=snp: the range was converted */
		}
		if (r < 0) {
			if (err == EINTR || err == EAGAIN) {
				watchdog_tick(v, &last_ns, &stalled_ns);
				continue;
			}
			run_finish(HX_ERROR, "KVM_RUN on vcpu%d failed: %s", v->id, strerror(err));
			break;
		}
		if (kicked)	/* the kick landed after KVM_RUN had exited */
			watchdog_tick(v, &last_ns, &stalled_ns);
		v->exits++;
		coalesced_drain(v);	/* ring entries precede the exit that follows them */
		handle_exit(v);
	}
	vcpu_thread_leave(v);
	return NULL;
}

/* the end of every vCPU thread, normal or through vcpu_assert_hook */
static void vcpu_thread_leave(struct vcpu *v)
{
	tls_leaving = true;
	if (tls_timer_ok)
		timer_delete(tls_timer);
	tls_timer_ok = false;
	run_vcpu_stopped(v);
}

void vcpu_start(struct vcpu *v)
{
	int r;

	pthread_mutex_lock(&start_lock);
	r = pthread_create(&v->thread, NULL, vcpu_thread, v);
	v->started = r == 0;
	pthread_mutex_unlock(&start_lock);
	errno = r;
	TEST_ASSERT(r == 0, "pthread_create for vcpu%d", v->id);
}
