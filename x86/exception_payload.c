/*
 * exception_payload: KVM_CAP_EXCEPTION_PAYLOAD and KVM_{GET,SET}_VCPU_EVENTS
 * (specs/kvm-x86.md §D.2, §E.4; F items 34-37).
 *
 * Why: a VMM that migrates or emulates a nested guest must be able to hold
 * a #PF or #DB *pending*, with its payload (the faulting address, the new
 * DR6 bits) kept apart, and KVM must write CR2/DR6 only when it delivers
 * the exception.  The harness (family 0x06) makes the ioctls on this vCPU
 * with the raw fields the guest gives, so KVM's own validation answers,
 * and KVM delivers what it accepted right after the request; the guest's
 * handlers record vector, error code, CR2 and DR6.  Checked: cap 164 = 1;
 * GET flags 0xd without the cap and 0x1d with it; cap off: VALID_PAYLOAD is
 * EINVAL and an injected #PF leaves CR2 alone (F34); cap on: a pending #PF
 * with payload X reads back pending 1 / injected 0 / has_payload 1 /
 * payload X and the handler sees CR2 = X; a pending #DB with payload B0
 * (or BS) gives DR6 0xffff0ff1 (0xffff4ff0) (F35); vector 2 or > 31 is
 * EINVAL; pending + injected both set leaves injected 0, and an injected
 * exception loses its payload (F36); the pending exception survives a
 * migration (F37, needs the harness migration op).  With the argument
 * "fep" (cfg section exception_payload-fep, kvm.force_emulation_prefix=1)
 * the same CR2/DR6 rules are checked for a #PF and a single-step #DB that
 * KVM's instruction emulator raises itself, with the cap on and off.
 * Expected values come from the spec or from what the guest set.
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "msrfilter.h"
#include "kvm420.h"
#include "migrate.h"

#define PAYLOAD		VMC_VCPUEVENT_VALID_PAYLOAD
#define FLAGS_OFF	(VMC_VCPUEVENT_VALID_NMI_PENDING | VMC_VCPUEVENT_VALID_SHADOW | \
			 VMC_VCPUEVENT_VALID_SMM)		/* 0xd */
#define CR2_BEFORE	0x1234000ul
#define DR6_INIT	0xffff0ff0ul	/* DR6 reset value (SDM 17.2.3) */
#define DR6_B0		0x1ul
#define DR6_BS		0x4000ul
#define EINVAL_K	(-VMC_EINVAL)
#define UNMAPPED	0x100005000ul	/* above the 4 GiB identity map */
#define FEP		".byte 0x0f, 0x0b, 0x6b, 0x76, 0x6d\n\t"

static struct seen {
	unsigned count;
	unsigned vector;
	uint64_t error_code, cr2, dr6, rip;
} seen;

static inline uint64_t read_dr6(void)
{
	uint64_t v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(uint64_t v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

static void on_exception(struct ex_regs *r)
{
	seen.count++;
	seen.vector = r->vector;
	seen.error_code = r->error_code;
	seen.cr2 = read_cr2();
	seen.dr6 = read_dr6();
	seen.rip = r->rip;
	r->rflags &= ~X86_EFLAGS_TF;	/* a single-step #DB must not repeat */
}

static void handlers(bool on)
{
	handle_exception(PF_VECTOR, on ? on_exception : NULL);
	handle_exception(DB_VECTOR, on ? on_exception : NULL);
}

static struct vmc_exc_state exc(uint32_t flags, uint8_t nr, bool pending, bool injected,
				bool has_ec, uint32_t ec, bool has_payload, uint64_t payload)
{
	struct vmc_exc_state s;

	memset(&s, 0, sizeof(s));
	s.flags = flags;
	s.nr = nr;
	s.pending = pending;
	s.injected = injected;
	s.has_error_code = has_ec;
	s.error_code = ec;
	s.has_payload = has_payload;
	s.payload = payload;
	return s;
}

/* SET + GET through the harness; the exception (if any) is delivered on return */
static int inject(struct vmc_exc_state s, struct vmc_exc_inject *req)
{
	int r;

	memset(&seen, 0, sizeof(seen));
	write_cr2(CR2_BEFORE);
	write_dr6(DR6_INIT);
	r = exc_inject(&s, 0, req);
	if (r < 0) {
		report_info("EXC_INJECT: %s", harness_strerror(r));
		return r;
	}
	if (req->get_ret)
		report_info("GET_VCPU_EVENTS after the SET: %d", req->get_ret);
	return req->set_ret;
}

static uint32_t get_flags(void)
{
	struct vmc_exc_state g;
	int gr = 1;

	if (exc_get(&g, &gr) < 0 || gr)
		return ~0u;
	return g.flags;
}

static void cap_off(void)
{
	struct vmc_exc_inject req;
	int r;

	report_prefix_push("cap off");
	report(get_flags() == FLAGS_OFF, "GET_VCPU_EVENTS flags = 0xd (NMI_PENDING | SHADOW | "
	       "SMM) (got %#x)", get_flags());
	r = inject(exc(PAYLOAD, PF_VECTOR, true, false, true, 2, true, 0xdead000), &req);
	report(r == EINVAL_K && seen.count == 0, "SET with VALID_PAYLOAD is EINVAL and "
	       "delivers nothing (ret %d, %u exceptions)", r, seen.count);
	r = inject(exc(0, PF_VECTOR, false, true, true, 2, false, 0), &req);
	report(r == 0 && seen.count == 1 && seen.vector == PF_VECTOR && seen.error_code == 2,
	       "an injected #PF(2) is delivered (ret %d, %u exceptions, vector %u, error %#lx)",
	       r, seen.count, seen.vector, seen.error_code);
	report(seen.cr2 == CR2_BEFORE, "... and leaves CR2 as it was (%#lx, was %#lx)",
	       seen.cr2, CR2_BEFORE);
	report_prefix_pop();
}

static void pending_pf(uint32_t inject_flags, const char *what)
{
	struct vmc_exc_inject req;
	const struct vmc_exc_state *g = &req.got;
	uint64_t x = 0xdead000;
	int r;

	memset(&seen, 0, sizeof(seen));
	write_cr2(CR2_BEFORE);
	{
		struct vmc_exc_state s = exc(PAYLOAD, PF_VECTOR, true, false, true, 2, true, x);

		r = exc_inject(&s, inject_flags, &req);
	}
	if (r == -VMC_EOPNOTSUPP) {
		report_skip("%s: needs the harness migration op (VMC_OP_MIGRATE)", what);
		return;
	}
	if (r < 0)
		report_info("EXC_INJECT: %s", harness_strerror(r));
	report(r == 0 && req.set_ret == 0 && req.get_ret == 0 && g->pending == 1 &&
	       g->injected == 0 && g->nr == PF_VECTOR && g->has_error_code == 1 &&
	       g->error_code == 2 && g->has_payload == 1 && g->payload == x &&
	       (g->flags & PAYLOAD),
	       "%s: pending #PF with payload %#lx reads back pending 1, injected 0, "
	       "has_payload 1, payload %#lx (set %d, get %d: pending %u injected %u nr %u "
	       "has_payload %u flags %#x)", what, x, g->payload, req.set_ret, req.get_ret,
	       g->pending, g->injected, g->nr, g->has_payload, g->flags);
	report(seen.count == 1 && seen.vector == PF_VECTOR && seen.error_code == 2 &&
	       seen.cr2 == x, "%s: the handler gets #PF(2) with CR2 = payload %#lx "
	       "(%u exceptions, vector %u, error %#lx, CR2 %#lx)", what, x, seen.count,
	       seen.vector, seen.error_code, seen.cr2);
}

static void pending_db(uint64_t payload, uint64_t want)
{
	struct vmc_exc_inject req;
	int r = inject(exc(PAYLOAD, DB_VECTOR, true, false, false, 0, true, payload), &req);

	report(r == 0 && seen.count == 1 && seen.vector == DB_VECTOR && seen.dr6 == want,
	       "pending #DB with payload %#lx gives DR6 = %#lx in the handler (ret %d, "
	       "%u exceptions, vector %u, DR6 %#lx)", payload, want, r, seen.count, seen.vector,
	       seen.dr6);
}

static void cap_on(void)
{
	struct vmc_exc_inject req;
	int r, kr = 1;

	report_prefix_push("cap on");
	r = exc_cap(true, &kr);
	report(r == 0 && kr == 0, "KVM_ENABLE_CAP(164, 1) succeeds (ret %d, ioctl %d)", r, kr);
	report(get_flags() == (FLAGS_OFF | PAYLOAD), "GET_VCPU_EVENTS flags = 0x1d (got %#x)",
	       get_flags());
	/* F35 */
	pending_pf(0, "F35");
	pending_db(DR6_B0, DR6_INIT | DR6_B0);
	pending_db(DR6_BS, DR6_INIT | DR6_BS);
	/* F36 */
	r = inject(exc(PAYLOAD, NMI_VECTOR, true, false, false, 0, false, 0), &req);
	report(r == EINVAL_K && seen.count == 0, "pending vector 2 (NMI) is EINVAL (ret %d, "
	       "%u delivered)", r, seen.count);
	r = inject(exc(PAYLOAD, 32, true, false, false, 0, false, 0), &req);
	report(r == EINVAL_K && seen.count == 0, "pending vector 32 is EINVAL (ret %d, "
	       "%u delivered)", r, seen.count);
	r = inject(exc(0, 255, false, true, false, 0, false, 0), &req);
	report(r == EINVAL_K && seen.count == 0, "injected vector 255 is EINVAL (ret %d, "
	       "%u delivered)", r, seen.count);
	r = inject(exc(PAYLOAD, PF_VECTOR, true, true, true, 0, true, 0xbeef000), &req);
	report(r == 0 && req.got.pending == 1 && req.got.injected == 0,
	       "pending + injected both set: GET shows pending 1, injected 0 (ret %d, pending %u,"
	       " injected %u)", r, req.got.pending, req.got.injected);
	report(seen.count == 1 && seen.vector == PF_VECTOR && seen.cr2 == 0xbeef000,
	       "... and it is delivered as pending: CR2 = payload 0xbeef000 (%u exceptions, "
	       "CR2 %#lx)", seen.count, seen.cr2);
	r = inject(exc(PAYLOAD, PF_VECTOR, false, true, true, 0, true, 0xbeef000), &req);
	report(r == 0 && req.got.injected == 1 && req.got.has_payload == 0 &&
	       seen.count == 1 && seen.cr2 == CR2_BEFORE,
	       "injected #PF with a payload: has_payload forced to 0, CR2 left as it was "
	       "(ret %d, injected %u, has_payload %u, %u exceptions, CR2 %#lx)", r,
	       req.got.injected, req.got.has_payload, seen.count, seen.cr2);
	/* F37 */
	{
		struct vmc_hello h;
		uint64_t n0 = 0, n1 = 0;

		if (harness_hello(&h) == 0 && (h.features & VMC_FEAT_MIGRATE) &&
		    harness_migrate(&n0) == 0) {
			pending_pf(VMC_EXC_F_MIGRATE, "F37 migrated");
			/*
			 * n0 + 1: the MIGRATE just sent; + 1: the one EXC_INJECT
			 * asked for.  The harness's own count, so not a check of
			 * KVM (tests/guests/k420_bookkeeping.c checks it): only the
			 * precondition that makes the two F37 checks above mean
			 * anything.  --migrate-every adds migrations of its own.
			 */
			r = harness_migrate(&n1);
			if (!(h.features & VMC_FEAT_MIGRATE_EVERY) && (r != 0 || n1 != n0 + 2))
				report_abort("F37: the harness did not migrate the pending #PF into "
					     "a new VM (MIGRATE %d, migrations %lu before, %lu "
					     "after, want +2)", r, n0, n1);
			report_info("F37: migrations %lu before, %lu after the pending #PF", n0,
				    n1);
		} else {
			report_skip("F37: needs the harness migration op (VMC_OP_MIGRATE)");
		}
	}
	r = exc_cap(false, &kr);
	report(r == 0 && kr == 0 && get_flags() == FLAGS_OFF,
	       "KVM_ENABLE_CAP(164, 0) turns it off again: flags 0xd (ioctl %d, flags %#x)", kr,
	       get_flags());
	report_prefix_pop();
}

/* a read of an unmapped address through KVM's emulator: #PF, CR2 = address */
static struct fault fep_read(uint64_t addr)
{
	uint64_t v;

	fault_arm();
	asm volatile(FEP FAULT_INSN("movq (%1), %0") : "=r"(v) : "r"(addr) : "memory");
	return fault_take();
}

static void fep_pass(bool cap)
{
	struct fault f;
	int kr = 1;

	report_prefix_push(cap ? "fep cap on" : "fep cap off");
	if (exc_cap(cap, &kr) < 0 || kr)
		report_info("KVM_ENABLE_CAP(164, %d): %d", cap, kr);
	handlers(false);
	write_cr2(CR2_BEFORE);
	f = fep_read(UNMAPPED);
	report(f.raised && f.vector == PF_VECTOR && f.error_code == 0 && f.aux == UNMAPPED,
	       "an emulated read of unmapped %#lx raises #PF(0) with CR2 = the address "
	       "(vector %u, error %#lx, CR2 %#lx)", UNMAPPED, f.raised ? f.vector : 0,
	       f.error_code, f.aux);
	handlers(true);
	memset(&seen, 0, sizeof(seen));
	write_dr6(DR6_INIT);
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     FEP "nop\n\t"
		     "nop" : : : "memory", "cc");
	report(seen.count == 1 && seen.vector == DB_VECTOR && seen.dr6 == (DR6_INIT | DR6_BS),
	       "an emulated NOP with TF set raises one #DB with DR6 = %#lx (%u exceptions, "
	       "vector %u, DR6 %#lx)", DR6_INIT | DR6_BS, seen.count, seen.vector, seen.dr6);
	exc_cap(false, NULL);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	bool fep = false;
	const char *why;
	int64_t sys = -1, vm = -1;

	report_prefix_push("exception_payload");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "fep"))
			fep = true;
	if (!k420_available(VMC_FEAT_EXC_INJECT, &why)) {
		report_skip("exception payload: %s", why);
		return report_summary();
	}
	harness_caps(VMC_KVM_CAP_EXCEPTION_PAYLOAD, VMC_CAPS_SYSTEM, &sys);
	harness_caps(VMC_KVM_CAP_EXCEPTION_PAYLOAD, VMC_CAPS_VM, &vm);
	report(sys == 1 && vm == 1, "CHECK_EXTENSION(164) = 1 (system fd %ld, VM fd %ld)", sys,
	       vm);
	handlers(true);
	if (fep) {
		if (!msrf_fep_available()) {
			report_skip("forced emulation: %s", MSRF_FEP_SKIP_REASON);
		} else {
			fep_pass(false);
			fep_pass(true);
		}
	} else {
		cap_off();
		cap_on();
	}
	handlers(false);
	report_prefix_pop();
	return report_summary();
}
