/*
 * A small reader of the flattened device tree QEMU passes in x0
 * (devicetree specification v0.3 §5): it walks the structure block once and
 * copies what the library and the tests need into `dt` (memory, CPUs, the
 * PSCI conduit, the PMU node and interrupt, the PCIe ECAM window, the
 * highest address any root-level node claims, /chosen/bootargs).  The blob
 * itself may be overwritten afterwards (it lies in RAM the allocator hands
 * out).  Every offset and length is checked against the header's sizes.
 */
#include "vmc.h"
#include "arm64.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9
#define MAX_DEPTH	16

struct dt_info dt;
static char bootargs[1024];

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* n (1 or 2) cells at p as one number */
static uint64_t cells(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--) {
		v = v << 32 | be32(p);
		p += 4;
	}
	return v;
}

/* does the string list (len bytes) contain s? */
static bool strlist_has(const char *list, uint32_t len, const char *s)
{
	size_t l = strlen(s);
	uint32_t i = 0;

	while (i < len) {
		size_t n = strnlen(list + i, len - i);

		if (n == l && !memcmp(list + i, s, l))
			return true;
		i += n + 1;
	}
	return false;
}

static bool name_is(const char *name, const char *base)
{
	size_t l = strlen(base);

	return !strncmp(name, base, l) && (name[l] == '\0' || name[l] == '@');
}

struct node {
	const char *name;
	unsigned int acells, scells;	/* #address-cells / #size-cells for children */
	bool pmu, ecam, cpu_dev;
	const uint8_t *reg, *intr;
	uint32_t reg_len, intr_len;
};

static void max_end(uint64_t base, uint64_t size)
{
	if (size && base + size > dt.max_reg_end)
		dt.max_reg_end = base + size;
}

/* a node ends: use what its properties said (parent = the node above) */
static void node_done(const struct node *n, const struct node *parent, unsigned int depth)
{
	unsigned int ac = parent->acells, sc = parent->scells, stride = 4 * (ac + sc);
	uint32_t off;

	if (!n->reg || ac < 1 || ac > 2 || sc > 2)
		goto intr;
	for (off = 0; off + stride <= n->reg_len; off += stride) {
		uint64_t base = cells(n->reg + off, ac);
		uint64_t size = sc ? cells(n->reg + off + 4 * ac, sc) : 0;

		if (depth == 2 && name_is(n->name, "memory") && dt.nmem < FDT_MAX_MEM) {
			dt.mem_base[dt.nmem] = base;
			dt.mem_size[dt.nmem++] = size;
		}
		if (depth == 2)
			max_end(base, size);
		if (n->ecam && off == 0) {
			dt.pcie_ecam_base = base;
			dt.pcie_ecam_size = size;
		}
		if (depth == 3 && name_is(parent->name, "cpus") && name_is(n->name, "cpu") &&
		    off == 0 && dt.ncpus < MAX_CPUS)
			dt.cpu_mpidr[dt.ncpus++] = base;
	}
intr:
	if (n->pmu) {
		dt.has_pmu = true;
		if (n->intr) {
			dt.pmu_irq_cells = n->intr_len / 4 > 3 ? 3 : n->intr_len / 4;
			for (off = 0; off < dt.pmu_irq_cells; off++)
				dt.pmu_irq[off] = be32(n->intr + 4 * off);
		}
	}
}

/* PCIe "ranges": (3 child cells, parent address, size) -> highest parent end */
static void pcie_ranges(const uint8_t *p, uint32_t len, const struct node *parent)
{
	unsigned int ac = parent->acells, sc = 2, stride = 4 * (3 + ac + sc);
	uint32_t off;

	if (ac < 1 || ac > 2)
		return;
	for (off = 0; off + stride <= len; off += stride) {
		uint64_t base = cells(p + off + 12, ac), size = cells(p + off + 12 + 4 * ac, sc);

		max_end(base, size);
		if (size && base + size > dt.pcie_top)
			dt.pcie_top = base + size;
	}
}

int fdt_parse(const void *blob)
{
	const uint8_t *b = blob;
	uint32_t total, off_struct, off_strings, size_strings, size_struct, pos, end;
	struct node stack[MAX_DEPTH];
	unsigned int depth = 0;

	memset(&dt, 0, sizeof(dt));
	dt.bootargs = "";
	if (!b || ((uintptr_t)b & 3) || be32(b) != FDT_MAGIC)
		return -1;
	total = be32(b + 4);
	off_struct = be32(b + 8);
	off_strings = be32(b + 12);
	size_strings = be32(b + 32);
	size_struct = be32(b + 36);
	if (total > (16u << 20) || off_struct > total || size_struct > total - off_struct ||
	    off_strings > total || size_strings > total - off_strings || (off_struct & 3))
		return -2;
	pos = off_struct;
	end = off_struct + size_struct;
	while (pos + 4 <= end) {
		uint32_t tok = be32(b + pos);

		pos += 4;
		if (tok == FDT_BEGIN_NODE) {
			const char *name = (const char *)b + pos;
			size_t n = strnlen(name, end - pos);
			struct node *nd;

			if (n == end - pos || depth >= MAX_DEPTH)
				return -3;
			pos = ALIGN_UP(pos + (uint32_t)n + 1, 4);
			nd = &stack[depth++];
			memset(nd, 0, sizeof(*nd));
			nd->name = name;
			nd->acells = 2;
			nd->scells = 1;
		} else if (tok == FDT_END_NODE) {
			if (!depth)
				return -4;
			if (depth >= 2)
				node_done(&stack[depth - 1], &stack[depth - 2], depth);
			depth--;
		} else if (tok == FDT_PROP) {
			uint32_t len, nameoff;
			const char *pname;
			const uint8_t *val;
			struct node *nd;

			if (pos + 8 > end || !depth)
				return -5;
			len = be32(b + pos);
			nameoff = be32(b + pos + 4);
			pos += 8;
			if (len > end - pos || nameoff >= size_strings)
				return -6;
			pname = (const char *)b + off_strings + nameoff;
			if (strnlen(pname, size_strings - nameoff) == size_strings - nameoff)
				return -7;
			val = b + pos;
			pos = ALIGN_UP(pos + len, 4);
			nd = &stack[depth - 1];
			if (!strcmp(pname, "#address-cells") && len == 4)
				nd->acells = be32(val);
			else if (!strcmp(pname, "#size-cells") && len == 4)
				nd->scells = be32(val);
			else if (!strcmp(pname, "reg")) {
				nd->reg = val;
				nd->reg_len = len;
			} else if (!strcmp(pname, "interrupts")) {
				nd->intr = val;
				nd->intr_len = len;
			} else if (!strcmp(pname, "compatible")) {
				nd->pmu = strlist_has((const char *)val, len, "arm,armv8-pmuv3");
				nd->ecam = strlist_has((const char *)val, len, "pci-host-ecam-generic");
				if (depth == 2 && name_is(nd->name, "psci")) {
					dt.psci_0_2 = strlist_has((const char *)val, len, "arm,psci-0.2");
					dt.psci_1_0 = strlist_has((const char *)val, len, "arm,psci-1.0");
				}
			} else if (!strcmp(pname, "ranges") && depth == 2 && name_is(nd->name, "pcie")) {
				pcie_ranges(val, len, &stack[0]);
			} else if (!strcmp(pname, "method") && depth == 2 && name_is(nd->name, "psci")) {
				size_t l = strnlen((const char *)val, len);

				if (l < sizeof(dt.psci_method)) {
					memcpy(dt.psci_method, val, l);
					dt.psci_method[l] = 0;
				}
			} else if (!strcmp(pname, "bootargs") && depth == 2 && name_is(nd->name, "chosen")) {
				size_t l = strnlen((const char *)val, len);

				if (l >= sizeof(bootargs))
					l = sizeof(bootargs) - 1;
				memcpy(bootargs, val, l);
				bootargs[l] = 0;
				dt.bootargs = bootargs;
			}
		} else if (tok == FDT_NOP) {
			continue;
		} else if (tok == FDT_END) {
			return depth ? -8 : 0;
		} else {
			return -9;
		}
	}
	return -10;
}
