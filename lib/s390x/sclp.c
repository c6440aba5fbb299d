/*
 * SCLP: console output through "write event data" (ASCII console event,
 * type 0x1a) and "read SCP info" (memory size, CPU list).
 *
 * SERVICE CALL (B220) takes a command word and the real address of a
 * page-aligned SCCB below 2 GiB.  QEMU completes the command at once, real
 * firmware later; either way completion is signalled by a service-signal
 * external interruption, so every call waits for it (enabled wait PSW) before
 * the SCCB is read or reused.
 */
#include "vmc.h"
#include "s390x.h"

#define SCLP_CMD_READ_SCP_INFO		0x00020001U
#define SCLP_CMD_READ_SCP_INFO_FORCED	0x00120001U
#define SCLP_CMD_WRITE_EVENT_DATA	0x00760005U

#define SCLP_RC_NORMAL_READ		0x0010
#define SCLP_RC_NORMAL_COMPLETION	0x0020

#define EVENT_TYPE_ASCII_CONSOLE	0x1a

struct sccb_header {
	uint16_t length;
	uint8_t function_code;
	uint8_t control_mask[3];
	uint16_t response_code;
} __attribute__((packed));

static uint8_t sccb_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static int sclp_lock;
volatile int sclp_busy;

/* the service-signal interruption for our SCCB arrived (interrupt.c) */
void sclp_handle_ext(uint32_t param)
{
	(void)param;
	sclp_busy = 0;
}

static volatile int sclp_timed_out;
static bool sclp_dead;	/* a wait timed out: do not wait 10 s per line again */

void sclp_handle_timeout(void)
{
	sclp_timed_out = 1;
}

/* SET CPU TIMER: bit 51 is 1 us, so 4096 units per microsecond */
static inline void set_cpu_timer(uint64_t v)
{
	asm volatile("spt %0" : : "Q"(v) : "memory");
}

#define SCLP_WAIT_LIMIT	(10ull * 1000000 * 4096)	/* 10 s of CPU timer */

static void lock(void)
{
	while (__atomic_exchange_n(&sclp_lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_store_n(&sclp_lock, 0, __ATOMIC_RELEASE);
}

static int servc(uint32_t cmd, void *sccb)
{
	int cc;

	asm volatile(
		"	.insn	rre,0xb2200000,%[cmd],%[sccb]\n"	/* SERVC */
		"	ipm	%[cc]\n"
		"	srl	%[cc],28\n"
		: [cc] "=d"(cc)
		: [cmd] "d"((uint64_t)cmd), [sccb] "a"((uintptr_t)sccb)
		: "cc", "memory");
	return cc;
}

/*
 * Wait with external interruptions enabled until sclp_busy is cleared.
 * Bounded: the CPU timer (subclass enabled only for this wait) ends it
 * after SCLP_WAIT_LIMIT, so an SCLP that never signals makes the console
 * write fail (and the run end without its EXIT line: ERROR) instead of
 * stopping the CPU in a wait for good.  Returns false on timeout.
 */
static bool wait_service_signal(void)
{
	struct psw wait_psw;
	uint64_t mask = extract_psw_mask() & ~PSW_MASK_PSTATE;
	uint64_t cr0 = stctg0();
	long spins = 0;

	sclp_timed_out = 0;
	set_cpu_timer(SCLP_WAIT_LIMIT);
	lctlg0(cr0 | CR0_CPU_TIMER);
	while (sclp_busy && !sclp_timed_out) {
		/*
		 * Enabled wait; the handler clears the wait and external bits
		 * in the old PSW, so we continue disabled after the LPSWE.
		 */
		wait_psw.mask = mask | PSW_MASK_EXT | PSW_MASK_WAIT;
		asm volatile(
			"	larl	%%r1,0f\n"
			"	stg	%%r1,8(%[p])\n"
			"	lpswe	0(%[p])\n"
			"0:\n"
			: : [p] "a"(&wait_psw) : "r1", "memory", "cc");
		if (++spins > 1000000)
			break;
	}
	lctlg0(cr0);
	return !sclp_busy;
}

/* one command on the shared SCCB page; call with the lock held */
static bool sclp_call(uint32_t cmd)
{
	struct sccb_header *h = (struct sccb_header *)sccb_page;
	int cc, tries = 0;

	if (sclp_dead)
		return false;
	do {
		sclp_busy = 1;
		cc = servc(cmd, sccb_page);
		if (cc == 0 && !wait_service_signal()) {
			sclp_busy = 0;
			sclp_dead = true;
			return false;	/* no service signal within the bound */
		} else if (cc != 0) {
			sclp_busy = 0;
		}
	} while (cc == 2 && ++tries < 1000);	/* busy: try again */
	if (cc != 0)
		return false;
	return h->response_code == SCLP_RC_NORMAL_COMPLETION ||
	       h->response_code == SCLP_RC_NORMAL_READ;
}

bool sclp_console_write(const char *buf, unsigned long len)
{
	struct sccb_header *h = (struct sccb_header *)sccb_page;
	uint8_t *ev = sccb_page + sizeof(*h);
	const unsigned long max = 2048;
	bool ok = true;

	/* the SCCB lives in the lowcore-independent image; the CPU can't be
	 * in problem state here (SERVC is privileged) */
	lock();
	while (len && ok) {
		unsigned long n = len < max ? len : max;
		uint16_t evlen = 6 + n;

		memset(sccb_page, 0, sizeof(*h) + 6);
		h->length = sizeof(*h) + evlen;
		ev[0] = evlen >> 8;
		ev[1] = evlen & 0xff;
		ev[2] = EVENT_TYPE_ASCII_CONSOLE;
		memcpy(ev + 6, buf, n);
		ok = sclp_call(SCLP_CMD_WRITE_EVENT_DATA);
		buf += n;
		len -= n;
	}
	unlock();
	return ok;
}

/* read SCP info: offsets of the SCCB fields used (big-endian) */
#define RI_RNMAX	8	/* u16 number of storage increments */
#define RI_RNSIZE	10	/* u8 increment size in MiB */
#define RI_CPU_ENTRIES	16	/* u16 */
#define RI_CPU_OFFSET	18	/* u16 offset of the CPU list */
#define RI_RNSIZE2	100	/* u32 */
#define RI_RNMAX2	104	/* u64 */
#define RI_CPU_ENTRY_SIZE 16	/* entry: u8 CPU address, ... */

static uint64_t mem_bytes;
static unsigned int ncpus;
static uint16_t cpu_addrs[SMP_MAX_CPUS];

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | *p++;
	return v;
}

void sclp_read_info(void)
{
	struct sccb_header *h = (struct sccb_header *)sccb_page;
	uint64_t rnmax, rnsize;
	unsigned int i, off;
	bool ok;

	lock();
	memset(sccb_page, 0, sizeof(sccb_page));
	h->length = sizeof(sccb_page);
	ok = sclp_call(SCLP_CMD_READ_SCP_INFO_FORCED);
	if (!ok) {
		memset(sccb_page, 0, sizeof(sccb_page));
		h->length = sizeof(sccb_page);
		ok = sclp_call(SCLP_CMD_READ_SCP_INFO);
	}
	if (ok) {
		rnmax = be(sccb_page + RI_RNMAX, 2);
		if (!rnmax)
			rnmax = be(sccb_page + RI_RNMAX2, 8);
		rnsize = sccb_page[RI_RNSIZE];
		if (!rnsize)
			rnsize = be(sccb_page + RI_RNSIZE2, 4);
		mem_bytes = rnmax * rnsize << 20;
		ncpus = be(sccb_page + RI_CPU_ENTRIES, 2);
		off = be(sccb_page + RI_CPU_OFFSET, 2);
		if (ncpus > SMP_MAX_CPUS)
			ncpus = SMP_MAX_CPUS;
		for (i = 0; i < ncpus; i++) {
			if (off + (i + 1) * RI_CPU_ENTRY_SIZE > sizeof(sccb_page)) {
				ncpus = i;
				break;
			}
			cpu_addrs[i] = sccb_page[off + i * RI_CPU_ENTRY_SIZE];
		}
	}
	unlock();
	if (!ncpus) {
		ncpus = 1;
		cpu_addrs[0] = stap();
	}
}

uint64_t sclp_memory_size(void)
{
	return mem_bytes;
}

unsigned int sclp_cpu_count(void)
{
	return ncpus;
}

uint16_t sclp_cpu_addr(unsigned int i)
{
	return i < ncpus ? cpu_addrs[i] : 0xffff;
}
