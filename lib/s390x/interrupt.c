/*
 * s390x interruption handling: program interruptions go through the
 * expected-fault table (lib/fault.h) or end the run as ERROR with a dump;
 * external interruptions serve the SCLP service signal; machine checks,
 * I/O and restart on a CPU that did not ask for one are unexpected.
 */
#include "vmc.h"
#include "s390x.h"

extern char pgm_int_entry[], ext_int_entry[], svc_int_entry[];
extern char mcck_int_entry[], io_int_entry[], restart_int_entry[];
extern void stop_now(void) __attribute__((noreturn));
void sclp_handle_ext(uint32_t param);
void sclp_handle_timeout(void);

static void set_new_psw(unsigned long off, void *handler)
{
	LC_PSW(off).mask = PSW_MASK_64;
	LC_PSW(off).addr = (uintptr_t)handler;
}

void lowcore_init_new_psws(void)
{
	set_new_psw(LC_PGM_NEW_PSW, pgm_int_entry);
	set_new_psw(LC_EXT_NEW_PSW, ext_int_entry);
	set_new_psw(LC_SVC_NEW_PSW, svc_int_entry);
	set_new_psw(LC_MCCK_NEW_PSW, mcck_int_entry);
	set_new_psw(LC_IO_NEW_PSW, io_int_entry);
	set_new_psw(LC_RESTART_NEW_PSW, restart_int_entry);
	LC_U64(LC_IN_PGM) = 0;
}

void dump_interrupt_state(const char *what, const volatile struct psw *old,
			  const volatile uint64_t *gprs)
{
	int i;

	printf("UNEXPECTED EXCEPTION %s on CPU %u\n", what, stap());
	printf("  old PSW %016lx %016lx\n", old->mask, old->addr);
	printf("  program code %04x ILC %u, ext code %04x, TEID %016lx\n",
	       LC_U16(LC_PGM_CODE), LC_U16(LC_PGM_ILC),
	       LC_U16(LC_EXT_INT_CODE), LC_U64(LC_TRANS_EXC_ID));
	printf("  CR0 %016lx\n", stctg0());
	for (i = 0; i < 16; i += 4)
		printf("  r%-2d %016lx %016lx %016lx %016lx\n", i,
		       gprs[i], gprs[i + 1], gprs[i + 2], gprs[i + 3]);
}

void handle_pgm_int(void)
{
	volatile struct psw *old = &LC_PSW(LC_PGM_OLD_PSW);
	unsigned int code = LC_U16(LC_PGM_CODE) & ~0x80;	/* no PER bit */
	unsigned int ilen = LC_U16(LC_PGM_ILC) & 0x6;
	uintptr_t pc = old->addr;

	if (LC_U64(LC_IN_PGM)) {
		/* a fault inside this handler: no printing, just stop */
		stop_now();
	}
	LC_U64(LC_IN_PGM) = 1;
	if (fault_fixup(&pc, code, ilen, LC_U64(LC_TRANS_EXC_ID))) {
		old->addr = pc;
		LC_U64(LC_IN_PGM) = 0;
		return;
	}
	/* print from supervisor state (SERVC is privileged) */
	dump_interrupt_state(code == PGM_OPERATION ? "program (operation)" :
			     "program", old,
			     (volatile uint64_t *)(lowcore_base() + LC_PGM_GPRS));
	exit(VMC_STATUS_ERROR);
}

void handle_ext_int(void)
{
	volatile struct psw *old = &LC_PSW(LC_EXT_OLD_PSW);
	uint16_t code = LC_U16(LC_EXT_INT_CODE);

	if (code == EXT_SERVICE_SIGNAL) {
		sclp_handle_ext(LC_U32(LC_EXT_PARAMS));
		/* resume after the enabled wait, disabled again */
		old->mask &= ~(PSW_MASK_WAIT | PSW_MASK_EXT);
		return;
	}
	if (code == EXT_CPU_TIMER && (stctg0() & CR0_CPU_TIMER)) {
		/* the bound of an SCLP wait ran out (lib/s390x/sclp.c) */
		lctlg0(stctg0() & ~CR0_CPU_TIMER);
		sclp_handle_timeout();
		old->mask &= ~(PSW_MASK_WAIT | PSW_MASK_EXT);
		return;
	}
	dump_interrupt_state("external", old,
			     (volatile uint64_t *)(lowcore_base() + LC_EXT_GPRS));
	exit(VMC_STATUS_ERROR);
}

void handle_unexpected_int(long kind)
{
	static const char *const names[] = { "machine check", "I/O", "restart" };
	static const unsigned long olds[] = {
		LC_MCCK_OLD_PSW, LC_IO_OLD_PSW, LC_RESTART_OLD_PSW
	};

	if (kind < 0 || kind > 2)
		kind = 2;
	dump_interrupt_state(names[kind], &LC_PSW(olds[kind]),
			     (volatile uint64_t *)(lowcore_base() + LC_PGM_GPRS));
	exit(VMC_STATUS_ERROR);
}
