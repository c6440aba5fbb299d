/*
 * s390x C start-up and the arch hooks of lib/vmc.h.
 *
 * argv: QEMU's -kernel loader copies the -append text to 0x10480 (our
 * ipl_cmdline, see cstart.S); it is split into argv[1..]; argv[0] is the
 * test name, linked in by s390x/Makefile.inc.  Exit: print "EXIT: STATUS=v", stop the other CPUs, and load
 * a disabled-wait PSW whose address ends in 0xfff, which QEMU treats as a
 * shutdown request (target/s390x s390_handle_wait()) and exits at once; the
 * runner takes the status from the EXIT line.
 */
#include "vmc.h"
#include "s390x.h"
#include "argv.h"

extern const char vmc_test_name[];	/* made at link time (s390x/Makefile.inc) */
extern char ipl_cmdline[IPL_CMDLINE_SIZE];
extern char __image_end[];
extern void stop_now(void) __attribute__((noreturn));

int main(int argc, char **argv);
void s390x_start(void) __attribute__((noreturn));
void secondary_start(void) __attribute__((noreturn));

#define MAX_ARGS 32
static char *argv_buf[MAX_ARGS + 1];

void console_write(const char *buf, size_t len)
{
	sclp_console_write(buf, len);
}

uint64_t mem_size(void)
{
	return sclp_memory_size();
}

const char *boot_cmdline(void)
{
	/* the loader writes a NUL-terminated string; make sure of the end */
	ipl_cmdline[IPL_CMDLINE_SIZE - 1] = 0;
	return ipl_cmdline;
}

void stfle_read(uint64_t list[STFLE_DWORDS])
{
	register uint64_t r0 asm("0") = STFLE_DWORDS - 1;
	int i;

	for (i = 0; i < STFLE_DWORDS; i++)
		list[i] = 0;
	asm volatile("stfle %[list]"
		     : [list] "=Q"(*(uint64_t (*)[STFLE_DWORDS])list), "+d"(r0)
		     : : "cc");
}

bool test_facility(unsigned int nr)
{
	uint64_t list[STFLE_DWORDS];

	if (nr >= 64 * STFLE_DWORDS)
		return false;
	stfle_read(list);
	return (list[nr / 64] >> (63 - nr % 64)) & 1;
}

int sigp_retry(uint16_t addr, uint8_t order, uint64_t param, uint32_t *status)
{
	int cc, tries = 0;

	do {
		cc = sigp(addr, order, param, status);
	} while (cc == SIGP_CC_BUSY && ++tries < 1000000);
	return cc;
}

void exit(int status)
{
	printf("EXIT: STATUS=%d\n", status);
	smp_stop_others();
	stop_now();
}

void s390x_start(void)
{
	uintptr_t heap = ALIGN_UP((uintptr_t)__image_end, PAGE_SIZE);
	uint64_t top;
	int argc;

	lowcore_init_new_psws();
	sclp_read_info();
	top = mem_size();
	if (!top || top < heap + PAGE_SIZE)
		top = heap + 64 * PAGE_SIZE;	/* SCLP said nothing useful */
	alloc_init(heap, top);
	argv_buf[0] = (char *)vmc_test_name;
	argc = 1 + parse_cmdline(boot_cmdline(), argv_buf + 1, MAX_ARGS);
	exit(main(argc, argv_buf));
}

void secondary_start(void)
{
	void (*fn)(void) = (void (*)(void))LC_U64(LC_CPU_FN);

	fn();
	/* done: stop this CPU; SIGP STOP on self does not return */
	for (;;)
		sigp(stap(), SIGP_STOP, 0, NULL);
}
