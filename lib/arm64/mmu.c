/*
 * Stage-1 identity map for EL1: 4 KiB granule, 48-bit VA (T0SZ = 16),
 * TTBR1 walks off.  MAIR attr 0 = Device-nGnRnE, attr 1 = Normal
 * write-back.  1 GiB blocks where a range covers a whole aligned GiB, else
 * 2 MiB blocks.  Tables come from a static pool (the boot map is made
 * before the page allocator runs), then from alloc_page().  Only
 * invalid -> valid changes are made, so no TLB maintenance is needed after
 * the MMU is on (a DSB + ISB makes new entries visible to the walker).
 */
#include "vmc.h"
#include "arm64.h"

#define PTE_VALID	1UL
#define PTE_TABLE	3UL
#define PTE_BLOCK	1UL
#define PTE_ATTR(i)	((uint64_t)(i) << 2)
#define PTE_SH_INNER	(3UL << 8)
#define PTE_AF		(1UL << 10)
#define PTE_PXN		(1UL << 53)
#define PTE_UXN		(1UL << 54)
#define PTE_ADDR	0x0000fffffffff000UL
#define SZ_2M		(1UL << 21)
#define SZ_1G		(1UL << 30)
#define POOL_PAGES	16

static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned int pool_used;
static uint64_t *l0;

/* read by secondary_entry with its MMU still off (cstart.S) */
struct { uint64_t mair, tcr, ttbr0, sctlr; } mmu_regs __attribute__((aligned(64)));

static uint64_t *new_table(void)
{
	uint64_t *t;

	if (pool_used < POOL_PAGES)
		t = pool[pool_used++];
	else
		t = alloc_page();	/* zeroed */
	return t;
}

static uint64_t *next_level(uint64_t *table, unsigned int idx)
{
	uint64_t e = table[idx];
	uint64_t *t;

	if ((e & 3) == PTE_TABLE)
		return (uint64_t *)(e & PTE_ADDR);
	if (e & PTE_VALID)
		return NULL;		/* a block covers it already */
	t = new_table();
	if (!t)
		return NULL;
	memset(t, 0, PAGE_SIZE);
	dsb(ishst);
	table[idx] = (uintptr_t)t | PTE_TABLE;
	return t;
}

int mmu_map(uint64_t pa, uint64_t size, int type)
{
	uint64_t attr = PTE_AF | PTE_BLOCK, a, end;

	if (type == MAP_NORMAL)
		attr |= PTE_ATTR(1) | PTE_SH_INNER;
	else
		attr |= PTE_ATTR(0) | PTE_PXN | PTE_UXN;
	if (!l0)
		l0 = new_table();
	a = pa & ~(SZ_2M - 1);
	end = ALIGN_UP(pa + size, SZ_2M);
	if (end > (1UL << 48) || end < a)
		return -1;
	while (a < end) {
		uint64_t *l1 = next_level(l0, (a >> 39) & 511), *l2;

		if (!l1)
			return -2;
		if (!(a & (SZ_1G - 1)) && end - a >= SZ_1G) {
			if (!(l1[(a >> 30) & 511] & PTE_VALID))
				l1[(a >> 30) & 511] = a | attr;
			a += SZ_1G;
			continue;
		}
		l2 = next_level(l1, (a >> 30) & 511);
		if (l2 && !(l2[(a >> 21) & 511] & PTE_VALID))
			l2[(a >> 21) & 511] = a | attr;
		a += SZ_2M;
	}
	dsb(ish);
	isb();
	return 0;
}

bool mmu_enabled(void)
{
	return read_sysreg(sctlr_el1) & 1;
}

void mmu_enable(void)
{
	uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;
	uint64_t ips = parange > 5 ? 5 : parange;

	mmu_regs.mair = 0x00UL | 0xffUL << 8;
	/* T0SZ 16, IRGN0/ORGN0 WBWA, SH0 inner, TG0 4K, EPD1, IPS */
	mmu_regs.tcr = 16 | 1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 23 | ips << 32;
	mmu_regs.ttbr0 = (uintptr_t)l0;
	/* RES1 bits + M, C, I */
	mmu_regs.sctlr = 0x30d00800UL | 1 | 1UL << 2 | 1UL << 12;
	write_sysreg(mair_el1, mmu_regs.mair);
	write_sysreg(tcr_el1, mmu_regs.tcr);
	write_sysreg(ttbr0_el1, mmu_regs.ttbr0);
	isb();
	asm volatile("tlbi vmalle1\n\tdsb nsh" : : : "memory");
	write_sysreg(sctlr_el1, mmu_regs.sctlr);
	isb();
	/* the secondaries read mmu_regs with their MMU off: clean it to PoC */
	asm volatile("dc civac, %0\n\tdsb sy" : : "r"(&mmu_regs) : "memory");
}
