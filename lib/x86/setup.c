/*
 * x86_64 boot setup: runs once on the boot CPU in long mode, before main().
 *
 * Multiboot info (v1):
 *  - memory: the mmap (flags bit 6) if present, else mem_lower/mem_upper
 *    (bit 0).  mem_size() = bytes of RAM marked available (type 1); the page
 *    allocator gets the available region holding the image, from the image
 *    end up to the region end, capped at 4 GiB (what cstart64.S maps).
 *  - command line (bit 2).  Convention, as QEMU -kernel and GRUB do it: the
 *    multiboot command line is "<payload path> [args...]".  The harness
 *    must pass it the same way.  argv[0] = the test name = last path
 *    component of the first word without a ".flat"/".elf" suffix;
 *    boot_cmdline() = everything after the first word (leading blanks
 *    removed) = the arguments; argv[1..] = parse_cmdline(boot_cmdline()).
 * x86_64-efi (setup_x86_efi, entered from start64_efi): the same, from the
 * EFI stub's hand-off block (efi-boot.h): its memory map (usable = type 1)
 * and its command line "<test>.efi <load options>"; plus our page tables
 * (C-bit when SEV is active, sev.c) and, for SEV-ES/SNP, the #VC handler
 * and the GHCB.
 * Everything needed from the info is copied before the allocator is set up,
 * because loaders put the info right after the image, i.e. in the RAM the
 * allocator hands out.
 */
#include "vmc.h"
#include "argv.h"
#include "processor.h"
#include "desc.h"
#include "efi-boot.h"
#include "sev.h"
#include "usermode.h"

#define MB_BOOT_MAGIC	0x2BADB002
#define MBI_MEM		(1u << 0)
#define MBI_CMDLINE	(1u << 2)
#define MBI_MMAP	(1u << 6)
#define MAX_ARGS	64
#define FOUR_GIB	0x100000000ull

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap {
	uint32_t size;
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

extern char __image_end[];

unsigned int x86_cpus_online = 1;
const struct vmc_efi_boot *efi_boot_info;	/* NULL under multiboot */
int __argc;
char *__argv[MAX_ARGS + 1];

static uint64_t ram_bytes;
static char cmdline_copy[4096];
static const char *args_start = "";
static char test_name[64];

uint64_t mem_size(void)
{
	return ram_bytes;
}

const char *boot_cmdline(void)
{
	return args_start;
}

static void boot_fail(const char *why, uint64_t v)
{
	printf("ABORT: x86 boot: %s (%#lx)\n", why, v);
	exit(VMC_STATUS_ERROR);
}

/*
 * The parsing half of the boot (command line, memory map, allocator, argv):
 * pure computation, run through x86_user_call (at CPL 3 where it can:
 * usermode.c).  A failure is recorded here and reported by the caller at
 * CPL 0 (boot_fail prints and exits through port I/O).
 */
struct boot_job {
	const struct mb_info *mbi;		/* multiboot, or */
	const struct vmc_efi_boot *efi;		/* x86_64-efi */
	const char *why;			/* NULL: no failure */
	uint64_t v;
};

static long boot_parse(void *p);

static bool job_fail(struct boot_job *j, const char *why, uint64_t v)
{
	j->why = why;
	j->v = v;
	return false;
}

/* RAM from the image end to the end of the available region holding it */
static bool setup_memory(struct boot_job *j, const struct mb_info *mbi)
{
	uint64_t img = (uintptr_t)__image_end, free_end = 0;

	if (mbi->flags & MBI_MMAP) {
		uintptr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;

		while (p + sizeof(struct mb_mmap) <= end) {
			const struct mb_mmap *m = (const struct mb_mmap *)p;

			if (m->type == 1 && m->len) {
				ram_bytes += m->len;
				if (m->base <= img && img < m->base + m->len)
					free_end = m->base + m->len;
			}
			if (m->size < 20)
				return job_fail(j, "bad multiboot mmap entry size", m->size);
			p += m->size + 4;
		}
	} else if (mbi->flags & MBI_MEM) {
		ram_bytes = ((uint64_t)mbi->mem_lower + mbi->mem_upper) * 1024;
		free_end = 0x100000 + (uint64_t)mbi->mem_upper * 1024;
	} else {
		return job_fail(j, "multiboot info has neither mmap nor mem_upper, flags",
				mbi->flags);
	}
	if (free_end > FOUR_GIB)
		free_end = FOUR_GIB;
	if (free_end <= img)
		return job_fail(j, "no RAM after the image, image end", img);
	alloc_init(img, free_end);
	return true;
}

/* four characters as the little-endian word a 4-byte load of them gives */
#define SFX4(s)	((uint32_t)(unsigned char)(s)[0] | (uint32_t)(unsigned char)(s)[1] << 8 | \
		 (uint32_t)(unsigned char)(s)[2] << 16 | (uint32_t)(unsigned char)(s)[3] << 24)

/* isspace() of the C locale, inlined: the command line is scanned at every boot */
static inline bool blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * End of the word at p: the first NUL or blank.  Eight bytes at a time
 * while none of them is below 0x21 (the usual "has a byte less than n"
 * test: exact as a yes/no), then byte by byte; cmdline_copy is a 4 KiB
 * static buffer, so the 8-byte loads stay inside it.  The command line is
 * scanned at every boot, and boot code may run in the host's instruction
 * emulator (kvm_pvm), where each instruction costs microseconds.
 */
static char *word_end(char *p)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;

	while (p + 8 <= cmdline_copy + sizeof(cmdline_copy)) {
		uint64_t x, m;

		__builtin_memcpy(&x, p, 8);	/* one load, not a call */
		m = (x - 0x21 * ones) & ~x & highs;
		if (m) {
			/*
			 * borrows run only upward, so the lowest flagged byte
			 * is the first one below 0x21: straight to it
			 */
			p += __builtin_ctzll(m) >> 3;
			break;
		}
		p += 8;
	}
	while (*p && !blank(*p))
		p++;
	return p;
}

static bool setup_cmdline(struct boot_job *j, const char *src)
{
	char *p = cmdline_copy, *word, *base;
	size_t n = strnlen(src, sizeof(cmdline_copy));

	if (n == sizeof(cmdline_copy))
		return job_fail(j, "command line too long, bytes", n);
	memcpy(cmdline_copy, src, n + 1);

	/* first word: the payload path */
	while (*p && blank(*p))
		p++;
	word = p;
	p = word_end(p);
	n = p - word;
	while (*p && blank(*p))
		p++;
	args_start = p;

	/*
	 * the last component: back from the word's end to its last '/', eight
	 * bytes at a time (an exact zero-byte test on x ^ "////////": no
	 * borrow crosses bytes, so the highest flagged byte is the last '/'),
	 * then byte by byte for the first < 8 bytes of the word
	 */
	base = word + n;
	while (base - 8 >= word) {
		const uint64_t lows = 0x7f7f7f7f7f7f7f7full;
		uint64_t x, m;

		__builtin_memcpy(&x, base - 8, 8);
		x ^= 0x2f2f2f2f2f2f2f2full;
		m = ~(((x & lows) + lows) | x) & ~lows;
		if (m) {
			base += ((63 - __builtin_clzll(m)) >> 3) - 7;
			goto found;
		}
		base -= 8;
	}
	while (base > word && base[-1] != '/')
		base--;
found:
	n -= base - word;
	if (n >= sizeof(test_name))
		n = sizeof(test_name) - 1;
	memcpy(test_name, base, n);
	test_name[n] = '\0';
	/*
	 * a ".flat", ".elf" or ".efi" suffix (what follows the last '.' is one
	 * of them exactly: none holds a '.'), compared as words at the known end
	 */
	if (n >= 5) {
		uint32_t w;

		__builtin_memcpy(&w, test_name + n - 5, 4);
		if (w == SFX4(".fla") && test_name[n - 1] == 't') {
			test_name[n - 5] = '\0';
			return true;
		}
	}
	if (n >= 4) {
		uint32_t w;

		__builtin_memcpy(&w, test_name + n - 4, 4);
		if (w == SFX4(".elf") || w == SFX4(".efi"))
			test_name[n - 4] = '\0';
	}
	return true;
}

void setup_x86(uint32_t magic, uint32_t info);
void setup_x86(uint32_t magic, uint32_t info)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info;

	struct boot_job j = { .mbi = mbi };

	setup_idt();
	setup_tss(0);
	if (magic != MB_BOOT_MAGIC)
		boot_fail("EAX is not the multiboot magic 0x2BADB002", magic);
	x86_user_call(boot_parse, &j);
	if (j.why)
		boot_fail(j.why, j.v);
}

/* RAM from the image end to the end of the usable EFI region holding it */
static bool setup_memory_efi(struct boot_job *j, const struct vmc_efi_boot *b)
{
	uint64_t img = (uintptr_t)__image_end, free_end = 0;
	uint32_t n = b->nmem > VMC_EFI_MAX_MEM ? VMC_EFI_MAX_MEM : b->nmem;

	for (uint32_t i = 0; i < n; i++) {
		const struct vmc_efi_mem *m = &b->mem[i];

		if (m->type != 1 || !m->len)
			continue;
		ram_bytes += m->len;
		if (m->base <= img && img < m->base + m->len)
			free_end = m->base + m->len;
	}
	if (free_end > FOUR_GIB)
		free_end = FOUR_GIB;
	if (free_end <= img)
		return job_fail(j, "no usable EFI memory after the image, image end", img);
	alloc_init(img, free_end);
	return true;
}

/* the command line, the memory map, argv (struct boot_job) */
static long boot_parse(void *p)
{
	struct boot_job *j = p;
	const struct mb_info *mbi = j->mbi;
	bool ok;

	if (mbi)
		ok = setup_cmdline(j, (mbi->flags & MBI_CMDLINE) ?
				   (const char *)(uintptr_t)mbi->cmdline : "") &&
		     setup_memory(j, mbi);
	else
		ok = setup_cmdline(j, j->efi->cmdline) && setup_memory_efi(j, j->efi);
	if (!ok)
		return -1;
	__argv[0] = test_name;
	__argc = 1 + parse_cmdline(args_start, __argv + 1, MAX_ARGS);
	return 0;
}

void setup_x86_efi(const struct vmc_efi_boot *b);
void setup_x86_efi(const struct vmc_efi_boot *b)
{
	struct boot_job j = { .efi = b };

	setup_idt();
	/* page tables first: under SEV every later access needs the C-bit right */
	sev_boot_init(b);
	setup_tss(0);
	if (b->magic != VMC_EFI_BOOT_MAGIC || b->version != VMC_EFI_VERSION)
		boot_fail("bad x86_64-efi hand-off block, magic", b->magic);
	efi_boot_info = b;
	x86_user_call(boot_parse, &j);
	if (j.why)
		boot_fail(j.why, j.v);
}
