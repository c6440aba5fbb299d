/*
 * ipa: RAM and MMIO at the top of the configured guest-physical (IPA)
 * space work (specs/arm64.md §4.1, §6 items 7 and 9).  Why: kvm-4.20 made
 * the stage-2 IPA size configurable (32 .. the host's limit, KVM_CREATE_VM
 * type bits 7:0); QEMU places RAM, the device-memory (maxmem) area and the
 * high PCIe windows and asks KVM for 64 - clz(highest address) bits.  A VMM
 * or stage-2 that truncates addresses shows up as RAM that does not keep
 * its contents near the top, or an MMIO window that does not answer.  The
 * IPA size does not change PARange (api.rst), so the guest touches memory
 * instead of reading ID registers.  Rules, under the cfg's -m / maxmem /
 * highmem settings:
 *  - the last RAM page /memory reports, and the first page above 4 GiB when
 *    RAM covers it, keep distinct patterns (no aliasing with the first RAM
 *    page);
 *  - the PCIe ECAM window the DT gives answers a config read of 00:00.0
 *    with a vendor ID (not 0xffff / 0);
 *  - when the PCIe MMIO window is the highest region (highmem=on), a load
 *    from its last 8 bytes reaches the PCIe bus and reads all-ones (no
 *    device decodes it: master abort, PCIe base spec 2.3.2) instead of an
 *    address-size / translation fault or another region's data;
 *  - args highmem=off: every DT region lies below 4 GiB (32-bit IPA);
 *    args maxmem=<GiB>: the ECAM window starts above the RAM base + maxmem
 *    (room for hotplugged memory, which needs the larger IPA);
 * The IPA bits the layout needs are printed.  On an arm64 KVM host a
 * setting above KVM_CAP_ARM_VM_IPA_SIZE is refused by QEMU and the run
 * SKIPs naming both numbers (scripts/common.sh vmc_arm64_qemu_skip).
 */
#include "vmc.h"
#include "arm64.h"

#define SZ_4G (1UL << 32)
#define PAT_LAST	0xa5a5a5a5deadbeefUL	/* the last RAM page (~ in its last word) */
#define PAT_4G		0x5a5a5a5a01234567UL	/* the first page above 4 GiB */
#define PAT_FIRST	0x1111111111111111UL	/* a page alloc_page() gave: must not change */

static unsigned int bits_for(uint64_t top)
{
	unsigned int b = 0;

	while (b < 64 && (top >> b))
		b++;
	return b < 32 ? 32 : b;
}

static long arg_val(int argc, char **argv, const char *key)
{
	size_t l = strlen(key);
	int i;

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, l) && argv[i][l] == '=')
			return strtol(argv[i] + l + 1, NULL, 0);
	return -1;
}

/* write pat / ~pat to the first / last word of the page at pa; store what reads back */
static bool pattern_ok(uint64_t pa, uint64_t pat, uint64_t *lo, uint64_t *hi)
{
	volatile uint64_t *p = (volatile uint64_t *)pa;

	p[0] = pat;
	p[511] = ~pat;
	dsb(sy);
	*lo = p[0];
	*hi = p[511];
	return *lo == pat && *hi == ~pat;
}

static void check_ram(void)
{
	uint64_t top = 0, base = 0, last, lo, hi, f;
	volatile uint64_t *first;
	bool ok;
	unsigned int i;

	report_prefix_push("ram");
	for (i = 0; i < dt.nmem; i++)
		if (dt.mem_base[i] + dt.mem_size[i] > top) {
			top = dt.mem_base[i] + dt.mem_size[i];
			base = dt.mem_base[i];
		}
	if (!top)
		report_abort("no /memory in the device tree");
	last = top - PAGE_SIZE;
	first = alloc_page();
	if (first)
		*first = PAT_FIRST;
	ok = pattern_ok(last, PAT_LAST, &lo, &hi);
	f = first ? *first : 0;
	report(ok && (!first || f == PAT_FIRST),
	       "the last RAM page %#lx (RAM %#lx..%#lx) keeps its pattern and does not alias "
	       "another RAM page (read %#lx/%#lx, want %#lx/~; page %#lx from alloc_page() "
	       "holds %#lx, want %#lx)", last, base, top, lo, hi, PAT_LAST,
	       (unsigned long)first, f, PAT_FIRST);
	if (base < SZ_4G && top > SZ_4G + PAGE_SIZE) {
		ok = pattern_ok(SZ_4G, PAT_4G, &lo, &hi);
		f = first ? *first : 0;
		report(ok && (!first || f == PAT_FIRST),
		       "the first page above 4 GiB keeps its pattern (no 32-bit truncation) (read "
		       "%#lx/%#lx, want %#lx/~; page %#lx from alloc_page() holds %#lx)",
		       lo, hi, PAT_4G, (unsigned long)first, f);
	} else
		report_skip("RAM above 4 GiB (RAM ends at %#lx: run with -m 4G or more, "
			    "cfg arm64-ipa-4g)", top);
	if (first)
		free_page((void *)first);
	report_prefix_pop();
}

static void check_mmio(int argc, char **argv)
{
	volatile uint32_t *cfg;
	uint32_t id;
	long maxmem = arg_val(argc, argv, "maxmem");
	bool highmem_off = false;
	int i;

	report_prefix_push("mmio");
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "highmem=off"))
			highmem_off = 1;
	report_info("DT: highest region end %#lx -> %u IPA bits; PCIe ECAM %#lx (+%#lx)",
		    dt.max_reg_end, bits_for(dt.max_reg_end - 1), dt.pcie_ecam_base,
		    dt.pcie_ecam_size);
	if (!dt.pcie_ecam_size) {
		report_skip("PCIe ECAM config read (no pci-host-ecam-generic node in the DT: "
			    "needs QEMU -M virt's PCIe host)");
	} else if (mmu_map(dt.pcie_ecam_base, PAGE_SIZE, MAP_DEVICE)) {
		report(false, "the ECAM window %#lx can be mapped", dt.pcie_ecam_base);
	} else {
		cfg = (volatile uint32_t *)dt.pcie_ecam_base;
		id = cfg[0];
		report((id & 0xffff) != 0xffff && (id & 0xffff) != 0,
		       "a config read of 00:00.0 at ECAM %#lx returns a vendor ID "
		       "(vendor %#x device %#x)", dt.pcie_ecam_base, id & 0xffff, id >> 16);
	}
	if (highmem_off)
		report(dt.max_reg_end <= SZ_4G,
		       "highmem=off: every DT region ends at or below 4 GiB (%#lx)", dt.max_reg_end);
	if (maxmem > 0)
		report(dt.pcie_ecam_base >= dt.mem_base[0] + ((uint64_t)maxmem << 30),
		       "maxmem=%ld GiB: the ECAM window %#lx lies above RAM base + maxmem %#lx",
		       maxmem, dt.pcie_ecam_base, dt.mem_base[0] + ((uint64_t)maxmem << 30));
	/* the highest address of the layout: the top of the high PCIe window */
	if (dt.pcie_top && dt.pcie_top == dt.max_reg_end) {
		uint64_t a = dt.pcie_top - 8, v = 0;
		struct fault f;

		mmu_map(a & ~((1UL << 21) - 1), 1UL << 21, MAP_DEVICE);
		fault_arm();
		asm volatile(FAULT_INSN("ldr %0, [%1]") : "+r"(v) : "r"(a));
		f = fault_take();
		report(!f.raised && v == ~0UL,
		       "a load from the top of the PCIe window %#lx (the top of the %u-bit layout) "
		       "reaches the PCIe bus: all-ones, no device there (raised %d, EC %#x, ISS %#lx, "
		       "value %#lx)", a, bits_for(dt.max_reg_end - 1), f.raised, f.vector,
		       (unsigned long)f.error_code, v);
	} else {
		report_skip("load from the top of the PCIe window (it is not the highest region "
			    "here: top %#lx, PCIe %#lx; highmem=on layouts have it)",
			    dt.max_reg_end, dt.pcie_top);
	}
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	report_prefix_push("ipa");
	check_ram();
	check_mmio(argc, argv);
	report_prefix_pop();
	return report_summary();
}
