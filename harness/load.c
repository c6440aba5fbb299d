/*
 * vmc-harness: load the x86 multiboot ELF that QEMU boots with -kernel
 * (build/x86_64/x86/<t>.flat: ELF32 i386 from objcopy; ELF64 x86-64 also
 * accepted) and build the multiboot v1 hand-off data.
 *
 * Nothing in the file is trusted: every header, segment and the entry point
 * are checked against the file size and guest RAM before anything is
 * copied.  Any problem ends the harness with a message naming it, exit 2.
 *
 * Guest-physical layout below 640 KiB (the image must load at or above
 * 1 MiB: [640 KiB, 1 MiB) is the legacy hole the memory map leaves out or
 * marks reserved, so a segment there would sit in memory the guest is told
 * it must not use):
 *   0x0800  boot GDT (null, 0x08 flat code32, 0x10 flat data32)
 *   0x9000  multiboot info, 0x9100 memory map, 0x9200 boot loader name,
 *   0x9400  command line (up to CMDLINE_MAX bytes)
 * The command line is "<payload path> <args>", built exactly like QEMU's
 * multiboot loader does (hw/i386/multiboot.c: "%s %s" of the kernel file
 * name and -append), so the guest's argv parsing sees the same string.
 */
#include <fcntl.h>
#include <stddef.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "x86/boot-abi.h"

#define LOAD_MIN	0x100000ull	/* segments load at or above 1 MiB (first usable map entry) */
#define GDT_ADDR	0x800u
#define MBI_ADDR	0x9000u
#define MMAP_ADDR	0x9100u
#define LOADER_ADDR	0x9200u
#define CMDLINE_ADDR	0x9400u
#define CMDLINE_MAX	(0x9fc00u - CMDLINE_ADDR)
#define MAX_SEGS	64
#define MAX_FILE	(1ull << 30)

#define MB_HEADER_MAGIC	0x1BADB002u
#define MB_SEARCH	8192
/* multiboot info flags, the same set QEMU passes */
#define MBI_F_MEM	(1u << 0)
#define MBI_F_BOOTDEV	(1u << 1)
#define MBI_F_CMDLINE	(1u << 2)
#define MBI_F_MODS	(1u << 3)
#define MBI_F_MMAP	(1u << 6)
#define MBI_F_LOADER	(1u << 9)

struct seg {
	uint64_t offset, filesz, paddr, vaddr, memsz;
};

struct image {
	struct seg seg[MAX_SEGS];
	int nseg;
	uint64_t entry_phys;
	uint32_t mb_flags;
	bool has_boot_hdr;
	struct vmc_boot_header boot;	/* checked by check_boot_header() */
};

static char errbuf[512];

#define FAIL(...) do {						\
	snprintf(errbuf, sizeof(errbuf), __VA_ARGS__);		\
	goto out;						\
} while (0)

static const char *find_multiboot(const uint8_t *buf, size_t len, uint32_t *flags)
{
	size_t lim = len < MB_SEARCH ? len : MB_SEARCH;

	for (size_t off = 0; off + 12 <= lim; off += 4) {
		uint32_t w[3];

		memcpy(w, buf + off, sizeof(w));
		if (w[0] == MB_HEADER_MAGIC && (uint32_t)(w[0] + w[1] + w[2]) == 0) {
			*flags = w[1];
			return NULL;
		}
	}
	return "no multiboot v1 header (magic 0x1BADB002 with a valid checksum) "
	       "in the first 8 KiB";
}

/*
 * The program header count: e_phnum, or with e_phnum = PN_XNUM the sh_info
 * of section header 0 (gABI).  Read here from the file, not through
 * elf_getphdrnum(): libelf clamps the count to what fits in the file, so a
 * huge count would surface later as an unreadable header.  Returns nonzero
 * with errbuf set when there is no usable count.
 */
static int get_phnum(const uint8_t *buf, size_t len, const GElf_Ehdr *eh, size_t *phnum)
{
	bool is32 = buf[EI_CLASS] == ELFCLASS32;
	size_t shsz = is32 ? sizeof(Elf32_Shdr) : sizeof(Elf64_Shdr);
	size_t info_off = is32 ? offsetof(Elf32_Shdr, sh_info) : offsetof(Elf64_Shdr, sh_info);
	uint32_t info;

	*phnum = eh->e_phnum;
	if (eh->e_phnum == 0) {
		snprintf(errbuf, sizeof(errbuf), "no program headers (e_phnum 0)");
		return -1;
	}
	if (eh->e_phnum != PN_XNUM)
		return 0;
	if (eh->e_shoff == 0) {
		snprintf(errbuf, sizeof(errbuf), "e_phnum is PN_XNUM (0xffff), which puts the "
			 "program header count in section header 0, but e_shoff is 0 (no "
			 "section headers)");
		return -1;
	}
	if (eh->e_shoff > len || shsz > len - eh->e_shoff) {
		snprintf(errbuf, sizeof(errbuf), "truncated: e_phnum is PN_XNUM (0xffff) and "
			 "section header 0 at offset %llu, which holds the program header count, "
			 "runs past the end of the %zu-byte file",
			 (unsigned long long)eh->e_shoff, len);
		return -1;
	}
	memcpy(&info, buf + eh->e_shoff + info_off, sizeof(info));
	*phnum = info;
	if (info == 0) {
		snprintf(errbuf, sizeof(errbuf), "e_phnum is PN_XNUM (0xffff) but section header "
			 "0 gives sh_info 0: no program headers");
		return -1;
	}
	return 0;
}

/* parse and validate; fills img; returns NULL or the problem */
static const char *parse_image(uint8_t *buf, size_t len, uint64_t mem_size,
			       struct image *img)
{
	Elf *e = NULL;
	GElf_Ehdr eh;
	size_t phnum, phent;
	const char *err = errbuf;
	const char *mb;
	bool entry_ok = false;

	memset(img, 0, sizeof(*img));
	errbuf[0] = 0;
	if (len == 0)
		FAIL("empty file (0 bytes)");
	if (memcmp(buf, ELFMAG, len < SELFMAG ? len : SELFMAG) || len < SELFMAG)
		FAIL("not an ELF file (%zu bytes, no \\x7fELF magic)", len);
	if (len < EI_NIDENT)
		FAIL("truncated: %zu bytes, shorter than the %d-byte ELF identification",
		     len, EI_NIDENT);
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64)
		FAIL("bad ELF class %u (want ELFCLASS32 or ELFCLASS64)", buf[EI_CLASS]);
	if (buf[EI_DATA] != ELFDATA2LSB)
		FAIL("bad ELF data encoding %u (want little-endian)", buf[EI_DATA]);
	if (len < (buf[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr)))
		FAIL("truncated ELF header (%zu bytes)", len);
	elf_version(EV_CURRENT);
	e = elf_memory((char *)buf, len);
	if (!e || elf_kind(e) != ELF_K_ELF)
		FAIL("not an ELF file: %s", elf_errmsg(-1));
	if (!gelf_getehdr(e, &eh))
		FAIL("truncated or corrupt ELF header: %s", elf_errmsg(-1));
	if (buf[EI_CLASS] == ELFCLASS32 && eh.e_machine != EM_386)
		FAIL("ELF32 file for machine %u, want EM_386 (3)", eh.e_machine);
	if (buf[EI_CLASS] == ELFCLASS64 && eh.e_machine != EM_X86_64)
		FAIL("ELF64 file for machine %u, want EM_X86_64 (62)", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		FAIL("ELF type %u is not ET_EXEC", eh.e_type);
	phent = buf[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	if (get_phnum(buf, len, &eh, &phnum))
		goto out;
	if (eh.e_phentsize != phent)
		FAIL("bad e_phentsize %u (want %zu)", eh.e_phentsize, phent);
	if (eh.e_phoff > len || phnum > (len - eh.e_phoff) / phent)
		FAIL("truncated: %zu program headers at offset %llu run past the end of the "
		     "%zu-byte file", phnum, (unsigned long long)eh.e_phoff, len);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		struct seg *s;

		if (!gelf_getphdr(e, (int)i, &ph))
			FAIL("program header %zu unreadable: %s", i, elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->nseg == MAX_SEGS)
			FAIL("more than %d loadable segments", MAX_SEGS);
		if (ph.p_filesz > ph.p_memsz)
			FAIL("segment %zu: filesz 0x%llx > memsz 0x%llx", i,
			     (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
		if (add_overflows(ph.p_offset, ph.p_filesz) || ph.p_offset + ph.p_filesz > len)
			FAIL("truncated: segment %zu data [0x%llx, +0x%llx) runs past the end of "
			     "the %zu-byte file", i, (unsigned long long)ph.p_offset,
			     (unsigned long long)ph.p_filesz, len);
		if (ph.p_memsz > mem_size)
			FAIL("segment %zu: memsz 0x%llx is larger than guest RAM (%llu MiB)", i,
			     (unsigned long long)ph.p_memsz,
			     (unsigned long long)(mem_size >> 20));
		if (add_overflows(ph.p_paddr, ph.p_memsz) || ph.p_paddr < LOAD_MIN ||
		    ph.p_paddr + ph.p_memsz > mem_size)
			FAIL("segment %zu: [0x%llx, +0x%llx) lies outside usable guest RAM [1 MiB, "
			     "%llu MiB) (below 1 MiB are the boot data and the legacy hole the "
			     "memory map marks reserved)", i, (unsigned long long)ph.p_paddr,
			     (unsigned long long)ph.p_memsz,
			     (unsigned long long)(mem_size >> 20));
		s = &img->seg[img->nseg++];
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->paddr = ph.p_paddr;
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
	}
	if (img->nseg == 0)
		FAIL("no loadable (PT_LOAD) segment");
	for (int i = 0; i < img->nseg; i++)
		for (int j = i + 1; j < img->nseg; j++) {
			const struct seg *a = &img->seg[i], *b = &img->seg[j];

			if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz)
				FAIL("loadable segments %d [0x%llx, +0x%llx) and %d [0x%llx, "
				     "+0x%llx) overlap", i, (unsigned long long)a->paddr,
				     (unsigned long long)a->memsz, j,
				     (unsigned long long)b->paddr, (unsigned long long)b->memsz);
		}
	for (int i = 0; i < img->nseg; i++) {
		const struct seg *s = &img->seg[i];

		if (eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz) {
			img->entry_phys = eh.e_entry - s->vaddr + s->paddr;
			entry_ok = true;
			break;
		}
	}
	if (!entry_ok)
		FAIL("entry point 0x%llx is outside every loadable segment",
		     (unsigned long long)eh.e_entry);
	if (img->entry_phys >= (1ull << 32))
		FAIL("entry point 0x%llx is above 4 GiB", (unsigned long long)img->entry_phys);
	mb = find_multiboot(buf, len, &img->mb_flags);
	if (mb)
		FAIL("%s", mb);
	err = NULL;
out:
	if (e)
		elf_end(e);
	return err;
}

/* exactly n bytes at file offset off into dst; a short file is a usage error */
static void pread_all(int fd, const char *path, uint8_t *dst, uint64_t off, uint64_t n)
{
	while (n) {
		ssize_t r = pread(fd, dst, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(HX_USAGE, "%s: read: %s", path, r ? strerror(errno) : "short file");
		dst += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
}

/* bytes [off, off + n) of the file into buf + off, clipped to the file's len */
static void read_span(int fd, const char *path, uint8_t *buf, size_t len, uint64_t off,
		      uint64_t n)
{
	if (off >= len)
		return;
	pread_all(fd, path, buf + off, off, n > len - off ? len - off : n);
}

/*
 * The payload file while load_validate() runs (read_file() reads only its
 * headers); -1 for a buffer that holds the whole file (tests/fuzz).
 */
static int loaded_fd = -1;
static const char *loaded_path;

/* make buf's bytes [off, off + n) the file's, where read_file() skipped them */
static void need_bytes(uint8_t *buf, size_t len, uint64_t off, uint64_t n)
{
	if (loaded_fd >= 0)
		read_span(loaded_fd, loaded_path, buf, len, off, n);
}

/*
 * The vmconform boot header (x86/boot-abi.h): optional.  Absent (no magic
 * with a valid checksum in the first 8 KiB) means multiboot only.  Present
 * but naming addresses outside the loaded image / RAM is a bad ELF.
 */
static const struct seg *seg_of(const struct image *img, uint64_t gpa, uint64_t len,
				bool in_file)
{
	for (int i = 0; i < img->nseg; i++) {
		const struct seg *s = &img->seg[i];
		uint64_t lim = in_file ? s->filesz : s->memsz;

		if (gpa >= s->paddr && gpa - s->paddr <= lim && len <= lim - (gpa - s->paddr))
			return s;
	}
	return NULL;
}

static const char *check_boot_header(uint8_t *buf, size_t len, uint64_t mem_size,
				     struct image *img)
{
	size_t lim = len < MB_SEARCH ? len : MB_SEARCH;
	struct vmc_boot_header *h = &img->boot;
	const struct seg *s;

	for (size_t off = 0; off + sizeof(*h) <= lim; off += 8) {
		memcpy(h, buf + off, sizeof(*h));
		if (h->magic == VMC_BOOT_MAGIC &&
		    (uint32_t)(h->magic + h->version + h->checksum) == 0) {
			img->has_boot_hdr = true;
			break;
		}
	}
	if (!img->has_boot_hdr)
		return NULL;
	snprintf(errbuf, sizeof(errbuf), "vmconform boot header: ");
	if (h->version != VMC_BOOT_VERSION)
		return strcat(errbuf, "unknown version (want 1)");
	if (h->entry64 >= (1ull << 32) || !seg_of(img, h->entry64, 1, false))
		return strcat(errbuf, "entry64 is outside every loadable segment below 4 GiB");
	if ((h->cr3 & 0xfff) || h->cr3 >= mem_size || mem_size - h->cr3 < 4096)
		return strcat(errbuf, "cr3 is not a 4 KiB-aligned page inside guest RAM");
	if (h->gdt_base >= mem_size || mem_size - h->gdt_base < (uint64_t)h->gdt_limit + 1)
		return strcat(errbuf, "the GDT is not inside guest RAM");
	if ((h->cs & 7) || (h->ds & 7) || !h->cs || !h->ds ||
	    h->cs + 7u > h->gdt_limit || h->ds + 7u > h->gdt_limit)
		return strcat(errbuf, "cs/ds are not GDT selectors with RPL 0 inside the limit");
	if (h->console) {
		struct vmc_console c;

		s = seg_of(img, h->console, sizeof(c), true);
		if (!s)
			return strcat(errbuf, "the console block is not in the file's data");
		need_bytes(buf, len, s->offset + (h->console - s->paddr), sizeof(c));
		memcpy(&c, buf + s->offset + (h->console - s->paddr), sizeof(c));
		if (c.hdr.op != VMC_OP_CONSOLE || c.hdr.argsz < sizeof(c) ||
		    c.hdr.argsz > sizeof(c) + VMC_CONSOLE_MAX ||
		    !seg_of(img, h->console, c.hdr.argsz, false))
			return strcat(errbuf, "the console block is no CONSOLE request block "
				      "inside a loadable segment");
	}
	return NULL;
}

/* a KVM segment from the GDT descriptor the guest would load for sel */
static bool seg_from_gdt(struct vm *vm, const struct vmc_boot_header *h, uint16_t sel,
			 struct kvm_segment *seg)
{
	uint64_t d;

	if (gpa_read(vm, h->gdt_base + sel, &d, sizeof(d)) < 0)
		return false;
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
	seg->limit = (uint32_t)((d & 0xffff) | (d >> 48 & 0xf) << 16);
	seg->type = d >> 40 & 0xf;
	seg->s = d >> 44 & 1;
	seg->dpl = d >> 45 & 3;
	seg->present = d >> 47 & 1;
	seg->avl = d >> 52 & 1;
	seg->l = d >> 53 & 1;
	seg->db = d >> 54 & 1;
	seg->g = d >> 55 & 1;
	if (seg->g)
		seg->limit = seg->limit << 12 | 0xfff;
	return seg->present && seg->s && seg->dpl == 0;
}

/*
 * After the image is in RAM: offer the direct 64-bit entry (unless
 * --boot=multiboot) and take the console block (unless --console=bytes).
 * The descriptors come from the guest's own GDT as loaded, so the hidden
 * segment state is what the guest's far jump would have produced.
 */
static void apply_boot_header(struct vm *vm, const struct image *img, struct boot_info *bi)
{
	const struct vmc_boot_header *h = &img->boot;

	if (!img->has_boot_hdr)
		return;
	if (h->console && !opts.console_bytes) {
		int32_t zero = 0;
		uint32_t argsz;

		TEST_ASSERT(gpa_read(vm, h->console, &argsz, sizeof(argsz)) == 0,
			    "console block");
		TEST_ASSERT(gpa_write(vm, h->console + offsetof(struct vmc_req_hdr, ret), &zero,
				      sizeof(zero)) == 0, "console block");
		console_register(h->console, argsz);
	}
	if (opts.boot_multiboot)
		return;
	if (!seg_from_gdt(vm, h, h->cs, &bi->cs) || !bi->cs.l || bi->cs.db ||
	    !(bi->cs.type & 8) || !seg_from_gdt(vm, h, h->ds, &bi->ds) || (bi->ds.type & 8) ||
	    !(bi->ds.type & 2))
		die(HX_USAGE, "%s: bad ELF: vmconform boot header: GDT entries 0x%x/0x%x are "
		    "not a present DPL-0 64-bit code and writable data segment", opts.payload,
		    h->cs, h->ds);
	bi->direct64 = true;
	bi->entry64 = h->entry64;
	bi->cr3 = h->cr3;
	bi->gdt64_base = h->gdt_base;
	bi->gdt64_limit = h->gdt_limit;
	if (verbose)
		warnx_h("load: direct 64-bit entry at 0x%llx (cr3 0x%llx)",
			(unsigned long long)h->entry64, (unsigned long long)h->cr3);
}

/*
 * The file's headers into a zeroed buffer of its length (issue 15: a
 * test's debug sections are most of its ELF, and reading the whole file
 * cost a trivial test's boot ~0.4 ms): the first MB_SEARCH bytes (ELF
 * header, multiboot and boot headers) and the program and section header
 * tables (what libelf reads of an ELF in memory).  Offsets and sizes come
 * from the raw headers, clipped to the file; parse_image() then checks the
 * same headers against the full length, as for a file read whole.  The
 * file stays open (*fdp): load_payload() reads each PT_LOAD segment's file
 * bytes straight into guest RAM.
 */
static uint8_t *read_file(const char *path, size_t *lenp, int *fdp)
{
	struct stat st;
	uint8_t *buf;
	size_t len;
	uint64_t phoff, shoff, phnum, shnum, phent, shent;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(HX_USAGE, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(HX_USAGE, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > MAX_FILE)
		die(HX_USAGE, "%s: bad ELF: file too large (%lld bytes)", path,
		    (long long)st.st_size);
	len = (size_t)st.st_size;
	buf = xcalloc(1, len + 1);
	*lenp = len;
	read_span(fd, path, buf, len, 0, MB_SEARCH);
	if (len >= sizeof(Elf64_Ehdr) && buf[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum, phent = eh.e_phentsize;
		shoff = eh.e_shoff, shnum = eh.e_shnum, shent = eh.e_shentsize;
	} else if (len >= sizeof(Elf32_Ehdr) && buf[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum, phent = eh.e_phentsize;
		shoff = eh.e_shoff, shnum = eh.e_shnum, shent = eh.e_shentsize;
	} else {
		goto out;	/* parse_image() says what is wrong */
	}
	/* section header 0 holds the counts that do not fit the ELF header */
	read_span(fd, path, buf, len, shoff, shent);
	if (shoff && shoff < len && shent && len - shoff >= shent &&
	    shent >= (buf[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr))) {
		if (buf[EI_CLASS] == ELFCLASS64) {
			Elf64_Shdr sh;

			memcpy(&sh, buf + shoff, sizeof(sh));
			shnum = shnum ? shnum : sh.sh_size;
			phnum = phnum == PN_XNUM ? sh.sh_info : phnum;
		} else {
			Elf32_Shdr sh;

			memcpy(&sh, buf + shoff, sizeof(sh));
			shnum = shnum ? shnum : sh.sh_size;
			phnum = phnum == PN_XNUM ? sh.sh_info : phnum;
		}
	}
	/* counts up to the file's length: the products cannot overflow */
	if (shent && shnum <= len / shent)
		read_span(fd, path, buf, len, shoff, shnum * shent);
	else
		read_span(fd, path, buf, len, shoff, len);
	if (!phent || phnum > len / phent) {
		read_span(fd, path, buf, len, phoff, len);
		goto out;
	}
	read_span(fd, path, buf, len, phoff, phnum * phent);
out:
	*fdp = fd;
	return buf;
}

static void put32(struct vm *vm, uint64_t gpa, uint32_t v)
{
	TEST_ASSERT(gpa_write(vm, gpa, &v, 4) == 0, "boot data at 0x%llx outside RAM",
		    (unsigned long long)gpa);
}

static void put64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	TEST_ASSERT(gpa_write(vm, gpa, &v, 8) == 0, "boot data at 0x%llx outside RAM",
		    (unsigned long long)gpa);
}

static void write_boot_data(struct vm *vm, const char *cmdline, struct boot_info *bi)
{
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffull,	/* 0x08: code, base 0, 4 GiB, 32-bit */
		0x00cf93000000ffffull,	/* 0x10: data, base 0, 4 GiB, 32-bit */
	};
	static const char loader[] = "vmconform harness";
	/* one e820-style map like QEMU's: low RAM, two holes, RAM above 1 MiB */
	const uint64_t map[][3] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 },
		{ 0x100000, vm->mem_size - 0x100000, 1 },
	};
	size_t clen = strlen(cmdline) + 1;
	uint32_t a = MMAP_ADDR;

	if (clen > CMDLINE_MAX)
		die(HX_USAGE, "guest command line too long (%zu bytes, max %u)", clen,
		    CMDLINE_MAX);
	TEST_ASSERT(gpa_write(vm, GDT_ADDR, gdt, sizeof(gdt)) == 0, "GDT");
	for (size_t i = 0; i < ARRAY_SIZE(map); i++, a += 24) {
		put32(vm, a, 20);
		put64(vm, a + 4, map[i][0]);
		put64(vm, a + 12, map[i][1]);
		put32(vm, a + 20, (uint32_t)map[i][2]);
	}
	TEST_ASSERT(gpa_write(vm, LOADER_ADDR, loader, sizeof(loader)) == 0, "loader");
	TEST_ASSERT(gpa_write(vm, CMDLINE_ADDR, cmdline, clen) == 0, "cmdline");
	put32(vm, MBI_ADDR + 0, MBI_F_MEM | MBI_F_BOOTDEV | MBI_F_CMDLINE | MBI_F_MODS |
	      MBI_F_MMAP | MBI_F_LOADER);
	put32(vm, MBI_ADDR + 4, 640);				/* mem_lower KiB */
	put32(vm, MBI_ADDR + 8, (uint32_t)(vm->mem_size / 1024 - 1024));	/* mem_upper */
	put32(vm, MBI_ADDR + 12, 0x8000ffff);			/* boot_device */
	put32(vm, MBI_ADDR + 16, CMDLINE_ADDR);
	put32(vm, MBI_ADDR + 20, 0);				/* mods_count */
	put32(vm, MBI_ADDR + 24, 0);				/* mods_addr */
	put32(vm, MBI_ADDR + 44, a - MMAP_ADDR);		/* mmap_length */
	put32(vm, MBI_ADDR + 48, MMAP_ADDR);
	put32(vm, MBI_ADDR + 64, LOADER_ADDR);
	bi->mbi = MBI_ADDR;
	bi->gdt = GDT_ADDR;
}

static struct image loaded;
static uint8_t *loaded_buf;

void load_validate(const char *path, uint64_t mem_size)
{
	size_t len;
	const char *err;

	if (mem_size < (2u << 20))
		die(HX_USAGE, "guest RAM must be at least 2 MiB");
	loaded_path = path;
	loaded_buf = read_file(path, &len, &loaded_fd);
	err = parse_image(loaded_buf, len, mem_size, &loaded);
	if (!err)
		err = check_boot_header(loaded_buf, len, mem_size, &loaded);
	if (err)
		die(HX_USAGE, "%s: bad ELF: %s", path, err);
}

void load_payload(struct vm *vm, const char *cmdline, struct boot_info *bi)
{
	TEST_ASSERT(loaded_buf, "load_validate() not called");
	memset(bi, 0, sizeof(*bi));
	bi->image_lo = ~0ull;
	for (int i = 0; i < loaded.nseg; i++) {
		const struct seg *s = &loaded.seg[i];
		uint8_t *dst = gpa_ptr(vm, s->paddr, s->memsz);

		TEST_ASSERT(dst, "validated segment outside RAM");
		/* validated: [offset, offset + filesz) lies inside the file */
		pread_all(loaded_fd, loaded_path, dst, s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		if (s->paddr < bi->image_lo)
			bi->image_lo = s->paddr;
		if (s->paddr + s->memsz > bi->image_hi)
			bi->image_hi = s->paddr + s->memsz;
		if (verbose)
			warnx_h("load: segment %d: file 0x%llx+0x%llx -> GPA 0x%llx+0x%llx", i,
				(unsigned long long)s->offset, (unsigned long long)s->filesz,
				(unsigned long long)s->paddr, (unsigned long long)s->memsz);
	}
	bi->entry = (uint32_t)loaded.entry_phys;
	if (verbose)
		warnx_h("load: entry 0x%x, multiboot header flags 0x%x", bi->entry,
			loaded.mb_flags);
	free(loaded_buf);
	loaded_buf = NULL;
	close(loaded_fd);
	loaded_fd = -1;
	write_boot_data(vm, cmdline, bi);
	apply_boot_header(vm, &loaded, bi);
}
