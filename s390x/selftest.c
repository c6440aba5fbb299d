/*
 * s390x selftest: the framework's own guest side works on s390x, so other
 * s390x tests can be believed.  Rules checked, and why:
 *  - boot: we run in 64-bit addressing mode (PSW EA+BA), supervisor state,
 *    DAT and I/O/external interruptions off, prefix 0, with CR0 AFP and the
 *    service-signal subclass on, because cstart.S promises that state and the
 *    other tests assume it;
 *  - printf: snprintf gives the C99 result for conversions and length
 *    modifiers (big-endian here, so the va_arg widths matter), because every
 *    message goes through it;
 *  (the report API itself is checked on the host, tests/libc/report_test.c);
 *  - argv: the -append text reaches main() as argv[1..] and argv[0] is the
 *    test name (expects "arg1 arg2=x" after the runner's mem=128, from
 *    "memory = 128" and "args = arg1 arg2=x" in unittests.cfg;
 *    without arguments the argument check is skipped);
 *  - memory: mem_size() from SCLP read-SCP-info equals the RAM size given as
 *    mem=<MiB>, and the allocator hands out writable RAM after the image;
 *  - STFLE: facility 1 (z/Architecture installed) and 2 (z/Architecture
 *    active) are set, since we are running in z/Architecture mode;
 *  - expected faults: FAULT_INSN + fault_arm/fault_take report operation
 *    (0x01), privileged-operation (0x02, from problem state), specification
 *    (0x06) and addressing (0x05) with the architectural program-interruption
 *    code and instruction length, resume after the instruction with the
 *    registers intact, and report nothing when nothing faulted.  Every other
 *    s390x test's negative checks rely on this.
 */
#include "vmc.h"
#include "selftest-common.h"
#include "argv.h"
#include "s390x.h"
#include "fault-asm.h"

extern char __image_end[];

/* ---- boot state ---- */

static uint32_t stpx(void)
{
	uint32_t p;

	asm volatile("stpx %0" : "=Q"(p));
	return p;
}

static void check_boot_state(void)
{
	uint64_t mask = extract_psw_mask(), cr0 = stctg0();

	report_prefix_push("boot");
	report((mask & PSW_MASK_64) == PSW_MASK_64,
	       "PSW EA and BA are set: 64-bit addressing (mask %#lx)", mask);
	report(!(mask & (PSW_MASK_PSTATE | PSW_MASK_DAT | PSW_MASK_IO | PSW_MASK_EXT)),
	       "PSW: supervisor state, DAT, I/O and external interruptions off (mask %#lx)",
	       mask);
	report(stpx() == 0, "the boot CPU's prefix is 0 (prefix %#x)", stpx());
	report((cr0 & (CR0_AFP | CR0_SERVICE_SIGNAL)) == (CR0_AFP | CR0_SERVICE_SIGNAL),
	       "CR0 has AFP and the service-signal subclass mask set (CR0 %#lx)", cr0);
	report(sclp_cpu_count() >= 1 && sclp_cpu_addr(0) == stap(),
	       "SCLP lists %u CPU(s), the first is this CPU (address %u, STAP %u)",
	       sclp_cpu_count(), sclp_cpu_addr(0), stap());
	report(test_facility(1) && test_facility(2),
	       "STFLE: facility 1 (z/Architecture installed) and 2 (active) are set (got %d %d)",
	       test_facility(1), test_facility(2));
	report_prefix_pop();
}

/* ---- argv, memory ---- */

static void check_memory(long mem_mib)
{
	uintptr_t img = ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE);
	volatile uint64_t *p = alloc_page(), *q = alloc_page();

	report_prefix_push("memory");
	if (mem_mib <= 0)
		report_skip("mem_size() matches the guest RAM size (no mem=<MiB> argument: "
			    "set memory = 128 in its unittests.cfg section: the runner passes -m 128 and "
			    "mem=128)");
	else
		report(mem_size() == (uint64_t)mem_mib << 20,
		       "mem_size() from SCLP read SCP info is mem=%ld MiB (%lu bytes)",
		       mem_mib, (unsigned long)mem_size());
	report(p && q && p != q && !((uintptr_t)p & (PAGE_SIZE - 1)) &&
	       (uintptr_t)p >= img && (uintptr_t)p + PAGE_SIZE <= mem_size(),
	       "alloc_page() gives distinct page-aligned pages between the image end %#lx "
	       "and the RAM end (%p, %p)", img, p, q);
	if (p) {
		uint64_t first, last;

		p[0] = 0x0123456789abcdefULL;
		p[511] = ~p[0];
		first = p[0];
		last = p[511];
		report(first == 0x0123456789abcdefULL && last == ~0x0123456789abcdefULL,
		       "an allocated page is writable (first word %#lx, last %#lx)",
		       (unsigned long)first, (unsigned long)last);
		free_page((void *)p);
	}
	if (q)
		free_page((void *)q);
	report_prefix_pop();
}

/* ---- expected faults ---- */

struct where { uintptr_t insn, next; };

static void check_fault(const char *what, struct fault f, struct where w,
			unsigned int code, unsigned int ilen, uintptr_t want_addr)
{
	report(f.raised && f.vector == code && f.error_code == ilen &&
	       f.addr == want_addr,
	       "%s: program interruption %#x, instruction length %u, old PSW %#lx "
	       "(raised %d, code %#x, length %lu, old PSW %#lx; insn at %#lx)",
	       what, code, ilen, want_addr, f.raised, f.vector,
	       (unsigned long)f.error_code, (unsigned long)f.addr, w.insn);
}

static void check_faults(void)
{
	struct fault f;
	struct where w;
	uint64_t r6, val;
	uint64_t bad = mem_size() + (1UL << 20);

	report_prefix_push("fault");

	/* nothing faults */
	fault_arm();
	asm volatile(FAULT_INSN("lghi %[v],7")
		     : [v] "=d"(val));
	f = fault_take();
	report(!f.raised && val == 7,
	       "an instruction that does not fault gives raised = 0 (raised %d)", f.raised);

	/* operation: opcode 0x00 is unassigned (2-byte format) */
	r6 = 0x5a5a5a5a12345678UL;
	fault_arm();
	asm volatile(FAULT_INSN(".insn e,0x0000")
		     "	larl	%[i],661b\n"
		     "	larl	%[n],662b\n"
		     : [i] "=a"(w.insn), [n] "=a"(w.next), [r6] "+d"(r6));
	f = fault_take();
	check_fault("opcode 0x00", f, w, PGM_OPERATION, 2, w.next);
	report(r6 == 0x5a5a5a5a12345678UL,
	       "registers survive the handled interruption (r6 %#lx)", r6);

	/* privileged operation: STCTG in problem state */
	fault_arm();
	enter_pstate();
	asm volatile(FAULT_INSN("stctg 0,0,%[v]")
		     "	larl	%[i],661b\n"
		     "	larl	%[n],662b\n"
		     : [i] "=a"(w.insn), [n] "=a"(w.next), [v] "=Q"(val));
	r6 = in_pstate();
	leave_pstate();
	f = fault_take();
	check_fault("STCTG in problem state", f, w, PGM_PRIVILEGED, 6, w.next);
	report(r6 == 1 && !in_pstate(),
	       "enter_pstate() runs in problem state and leave_pstate() returns to "
	       "supervisor state (was %lu, now %d)", r6, in_pstate());

	/* specification: DIVIDE (DR) with an odd R1 */
	fault_arm();
	asm volatile("	lghi	%%r1,99\n"
		     "	lghi	%%r2,3\n"
		     FAULT_INSN(".insn rr,0x1d00,1,2")
		     "	larl	%[i],661b\n"
		     "	larl	%[n],662b\n"
		     "	lgr	%[v],%%r1\n"
		     : [i] "=a"(w.insn), [n] "=a"(w.next), [v] "=d"(val)
		     : : "r1", "r2");
	f = fault_take();
	check_fault("DR with odd R1", f, w, PGM_SPECIFICATION, 2, w.next);
	report(val == 99, "the suppressed DR left R1 unchanged (r1 %lu)", val);

	/* addressing: a load from above the end of RAM */
	fault_arm();
	asm volatile(FAULT_INSN("lg %[v],0(%[a])")
		     "	larl	%[i],661b\n"
		     "	larl	%[n],662b\n"
		     : [i] "=a"(w.insn), [n] "=a"(w.next), [v] "=d"(val)
		     : [a] "a"(bad));
	f = fault_take();
	report(f.raised && f.vector == PGM_ADDRESSING && f.error_code == 6 &&
	       (f.addr == w.next || f.addr == w.insn),
	       "LG from %#lx (1 MiB above RAM): program interruption %#x, length 6, "
	       "old PSW at the LG or after it (raised %d, code %#x, length %lu, old PSW %#lx)",
	       bad, PGM_ADDRESSING, f.raised, f.vector,
	       (unsigned long)f.error_code, (unsigned long)f.addr);

	/* the record is cleared by fault_take() */
	f = fault_take();
	report(!f.raised && !f.vector, "fault_take() cleared the record (raised %d, code %#x)",
	       f.raised, f.vector);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	long mem_mib = 0;

	check_boot_state();
	selftest_printf();
	selftest_args(argc, argv, NULL, &mem_mib, "args = arg1 arg2=x");
	check_memory(mem_mib);
	check_faults();
	return report_summary();
}
