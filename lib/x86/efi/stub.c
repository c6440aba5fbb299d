/*
 * x86_64-efi start code, EFI half (issue 13, specs/toolchain.md §3).
 *
 * A tiny EFI application that carries the test's own x86_64 ELF (the same
 * file the multiboot build boots) and starts it after the firmware is gone:
 *  1. load the ELF's PT_LOAD segments at their link addresses (4 MiB) in
 *     pages allocated there (AllocateAddress), zeroing .bss;
 *  2. read the load options (the QEMU -append text, UCS-2) into an ASCII
 *     command line "<test>.efi <options>" (the multiboot convention);
 *  3. find the Confidential Computing blob (EFI_CC_BLOB_GUID) in the
 *     configuration table; read SEV_STATUS and the C-bit position when
 *     CPUID 0x8000001F says SEV is there (the firmware's #VC handler still
 *     serves CPUID/RDMSR at this point);
 *  4. take the memory map and ExitBootServices (retried while the map key
 *     goes stale), convert the map (boot-services and conventional memory
 *     become usable RAM);
 *  5. jump to the payload's 64-bit EFI entry with RDI = the hand-off block.
 * The payload then installs its own GDT/IDT/page tables (C-bit when SEV is
 * active) and its #VC handler and calls main() (cstart64.S, setup.c).
 *
 * Debian's crt0-efi-x86_64.o calls efi_main with the SysV convention, so
 * efi_main is declared without EFIAPI (toolchain.md §3.1); calls into the
 * firmware go through the EFIAPI (ms_abi) function pointers.
 */
#include <efi.h>

#include "efi-boot.h"

extern const unsigned char vmc_payload[], vmc_payload_end[];
extern const char vmc_test_name[];

static struct vmc_efi_boot boot;
static UINT8 mmap_buf[96 * 1024] __attribute__((aligned(8)));

static const EFI_GUID cc_blob_guid = { 0x067b1f5f, 0xcf26, 0x44c5,
	{ 0x85, 0x54, 0x93, 0xd7, 0x77, 0x91, 0x2d, 0x42 } };
static const EFI_GUID loaded_image_guid = { 0x5B1B31A1, 0x9562, 0x11d2,
	{ 0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B } };

/* ---- output before ExitBootServices: COM1, like the payload ---- */
static void outb(UINT8 v, UINT16 port) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static void putc_serial(char c) { outb((UINT8)c, 0x3f8); }
static void puts_serial(const char *s) { while (*s) putc_serial(*s++); }
static void puthex(UINT64 v)
{
	puts_serial("0x");
	for (int i = 60; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 0xf]);
}
static EFI_STATUS fail(const char *why, UINT64 v)
{
	puts_serial("ABORT: x86_64-efi stub: ");
	puts_serial(why);
	puts_serial(" (");
	puthex(v);
	puts_serial(")\n");
	outb(0, 0xf4);	/* isa-debug-exit: QEMU exits 1; the runner sees no SUMMARY */
	return EFI_LOAD_ERROR;
}

static void *memset_(void *d, int c, UINTN n) { UINT8 *p = d; while (n--) *p++ = (UINT8)c; return d; }
static void memcpy_(void *d, const void *s, UINTN n) { UINT8 *p = d; const UINT8 *q = s; while (n--) *p++ = *q++; }
/* gcc may emit calls to these for struct copies and loops */
void *memset(void *d, int c, UINTN n) { return memset_(d, c, n); }
void *memcpy(void *d, const void *s, UINTN n) { memcpy_(d, s, n); return d; }

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	const UINT8 *p = (const UINT8 *)a, *q = (const UINT8 *)b;

	for (int i = 0; i < 16; i++)
		if (p[i] != q[i])
			return 0;
	return 1;
}

/* ---- the ELF64 loader (only what our own link produces) ---- */
struct ehdr { UINT8 ident[16]; UINT16 type, machine; UINT32 version; UINT64 entry, phoff, shoff;
	      UINT32 flags; UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx; };
struct phdr { UINT32 type, flags; UINT64 offset, vaddr, paddr, filesz, memsz, align; };

static EFI_STATUS load_payload(EFI_BOOT_SERVICES *bs, UINT64 *entry)
{
	const struct ehdr *eh = (const void *)vmc_payload;
	UINTN size = (UINTN)(vmc_payload_end - vmc_payload);
	UINT64 lo = ~0ull, hi = 0, pages;
	EFI_PHYSICAL_ADDRESS at;
	EFI_STATUS st;
	const UINT32 *h;

	if (size < sizeof(*eh) || eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->ident[4] != 2 ||
	    eh->machine != 62 || eh->phentsize != sizeof(struct phdr) ||
	    eh->phoff + (UINT64)eh->phnum * sizeof(struct phdr) > size)
		return fail("embedded payload is not our ELF64", size);
	const struct phdr *ph = (const void *)(vmc_payload + eh->phoff);
	for (UINT16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != 1 || !ph[i].memsz)
			continue;
		if (ph[i].offset + ph[i].filesz > size || ph[i].filesz > ph[i].memsz)
			return fail("PT_LOAD outside the payload", i);
		if (ph[i].paddr < lo)
			lo = ph[i].paddr;
		if (ph[i].paddr + ph[i].memsz > hi)
			hi = ph[i].paddr + ph[i].memsz;
	}
	if (!hi)
		return fail("payload has no PT_LOAD", 0);
	lo &= ~0xfffull;
	hi = (hi + 0xfff) & ~0xfffull;
	pages = (hi - lo) >> 12;
	at = lo;
	st = bs->AllocatePages(AllocateAddress, EfiLoaderData, pages, &at);
	if (EFI_ERROR(st))
		return fail("AllocatePages at the payload's link address failed; address", lo);
	memset_((void *)lo, 0, hi - lo);
	for (UINT16 i = 0; i < eh->phnum; i++)
		if (ph[i].type == 1 && ph[i].memsz)
			memcpy_((void *)ph[i].paddr, vmc_payload + ph[i].offset, ph[i].filesz);
	boot.image_lo = lo;
	boot.image_hi = hi;
	/* multiboot header (magic, flags, checksum), then "VEFI", version, entry */
	for (h = (const UINT32 *)lo; (UINT64)(h + 6) <= lo + 8192 && (UINT64)(h + 6) <= hi; h++) {
		if (h[0] == 0x1BADB002 && h[0] + h[1] + h[2] == 0 && h[3] == VMC_EFI_HDR_MAGIC &&
		    h[4] == VMC_EFI_VERSION) {
			*entry = h[5] | (UINT64)h[6] << 32;
			return EFI_SUCCESS;
		}
	}
	return fail("no VEFI header after the multiboot header", lo);
}

static void get_cmdline(EFI_BOOT_SERVICES *bs, EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;
	UINTN n = 0;
	const char *name = vmc_test_name;

	while (*name && n < 200)
		boot.cmdline[n++] = *name++;
	boot.cmdline[n++] = '.'; boot.cmdline[n++] = 'e'; boot.cmdline[n++] = 'f';
	boot.cmdline[n++] = 'i';
	if (!EFI_ERROR(bs->HandleProtocol(image, (EFI_GUID *)&loaded_image_guid, (void **)&li)) &&
	    li && li->LoadOptions && li->LoadOptionsSize >= 2) {
		const CHAR16 *o = li->LoadOptions;
		UINTN chars = li->LoadOptionsSize / 2;

		boot.cmdline[n++] = ' ';
		for (UINTN i = 0; i < chars && o[i] && n < sizeof(boot.cmdline) - 1; i++)
			boot.cmdline[n++] = o[i] < 0x80 && o[i] >= 0x20 ? (char)o[i] : ' ';
	}
	boot.cmdline[n] = 0;
}

static void cpuid(UINT32 leaf, UINT32 *a, UINT32 *b, UINT32 *c, UINT32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void get_sev(void)
{
	UINT32 a, b, c, d, lo, hi;

	cpuid(0x80000000, &a, &b, &c, &d);
	if (a < 0x8000001f)
		return;
	cpuid(0x8000001f, &a, &b, &c, &d);
	if (!(a & 2))	/* SEV not offered: SEV_STATUS may not exist (#GP) */
		return;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0010131));
	boot.sev_status = lo | (UINT64)hi << 32;
	boot.cbit = b & 0x3f;
	if (boot.sev_status & 2) {
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0010130));
		boot.ghcb_msr = lo | (UINT64)hi << 32;
	}
}

static UINT32 mem_type(UINT32 efi_type, UINT64 base)
{
	if (base == boot.image_lo)
		return 1;	/* the payload itself (EfiLoaderData) */
	switch (efi_type) {
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory:
		return 1;
	default:
		return 2;
	}
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_BOOT_SERVICES *bs = systab->BootServices;
	UINT64 entry = 0;
	UINTN size, key, dsize;
	UINT32 dver;
	EFI_STATUS st;
	int tries;

	boot.magic = VMC_EFI_BOOT_MAGIC;
	boot.version = VMC_EFI_VERSION;
	st = load_payload(bs, &entry);
	if (EFI_ERROR(st))
		return st;
	get_cmdline(bs, image);
	for (UINTN i = 0; i < systab->NumberOfTableEntries; i++)
		if (guid_eq(&systab->ConfigurationTable[i].VendorGuid, &cc_blob_guid))
			boot.cc_blob = (UINT64)(UINTN)systab->ConfigurationTable[i].VendorTable;
	get_sev();
	for (tries = 0; tries < 8; tries++) {
		size = sizeof(mmap_buf);
		st = bs->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)mmap_buf, &key, &dsize, &dver);
		if (EFI_ERROR(st))
			return fail("GetMemoryMap failed, status", st);
		st = bs->ExitBootServices(image, key);
		if (!EFI_ERROR(st))
			break;
	}
	if (EFI_ERROR(st))
		return fail("ExitBootServices kept failing, status", st);
	/* no firmware services from here on */
	__asm__ volatile("cli");
	for (UINTN off = 0; off + dsize <= size && boot.nmem < VMC_EFI_MAX_MEM; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *m = (const void *)(mmap_buf + off);
		struct vmc_efi_mem *e = &boot.mem[boot.nmem];
		UINT32 t = mem_type(m->Type, m->PhysicalStart);

		/* merge with the previous entry when adjacent and of the same kind */
		if (boot.nmem && e[-1].type == t && e[-1].base + e[-1].len == m->PhysicalStart) {
			e[-1].len += m->NumberOfPages << 12;
			continue;
		}
		e->base = m->PhysicalStart;
		e->len = m->NumberOfPages << 12;
		e->type = t;
		e->efi_type = m->Type;
		boot.nmem++;
	}
	((void (*)(struct vmc_efi_boot *))(UINTN)entry)(&boot);
	for (;;)
		__asm__ volatile("hlt");
}
