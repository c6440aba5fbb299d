/*
 * mkbadelf DIR: write the harness's ELF-loader test corpus into DIR, made
 * fresh at test time (no committed binaries), and print a manifest line
 * per file: "<name>\t<expected exit>\t<substring of the expected message>".
 *
 * good32/good64 are valid multiboot ELFs (ELF32 i386 / ELF64 x86-64) whose
 * 32-bit code writes 0 to the exit port (harness exit 1): they prove the
 * corpus is built right, so each bad file fails for the one reason it was
 * made for.  Every bad file must give exit 2 and a message naming it.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE	0x100000u
#define CODE_OFF 0x100u
#define SHDR_OFF 0x180u	/* section header 0, for the PN_XNUM cases */
#define FILE_SZ	0x200u

static uint8_t img[FILE_SZ];
static const char *dir;

/* multiboot header + "mov $0,%eax; mov $0xf4,%dx; out %eax,%dx; 1: hlt; jmp 1b" */
static void put_code(void)
{
	static const uint8_t code[] = {
		0xb8, 0, 0, 0, 0, 0x66, 0xba, 0xf4, 0x00, 0xef, 0xf4, 0xeb, 0xfd,
	};
	uint32_t mb[3] = { 0x1BADB002u, 0, (uint32_t)-0x1BADB002u };

	memcpy(img + CODE_OFF, mb, sizeof(mb));
	memcpy(img + CODE_OFF + 12, code, sizeof(code));
}

static Elf32_Ehdr *eh32(void) { return (Elf32_Ehdr *)img; }
static Elf32_Phdr *ph32(int i) { return (Elf32_Phdr *)(img + sizeof(Elf32_Ehdr)) + i; }
static Elf64_Ehdr *eh64(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph64(int i) { return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i; }

static void ident(int cls)
{
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = (uint8_t)cls;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
}

static void good32(int nph)
{
	memset(img, 0, sizeof(img));
	ident(ELFCLASS32);
	eh32()->e_type = ET_EXEC;
	eh32()->e_machine = EM_386;
	eh32()->e_version = EV_CURRENT;
	eh32()->e_entry = BASE + 12;
	eh32()->e_phoff = sizeof(Elf32_Ehdr);
	eh32()->e_ehsize = sizeof(Elf32_Ehdr);
	eh32()->e_phentsize = sizeof(Elf32_Phdr);
	eh32()->e_phnum = (uint16_t)nph;
	for (int i = 0; i < nph; i++) {
		ph32(i)->p_type = PT_LOAD;
		ph32(i)->p_offset = CODE_OFF;
		ph32(i)->p_vaddr = ph32(i)->p_paddr = BASE + i * 0x10000u;
		ph32(i)->p_filesz = 0x20;
		ph32(i)->p_memsz = 0x1000;
		ph32(i)->p_flags = PF_R | PF_X;
		ph32(i)->p_align = 0x1000;
	}
	put_code();
}

static void good64(void)
{
	memset(img, 0, sizeof(img));
	ident(ELFCLASS64);
	eh64()->e_type = ET_EXEC;
	eh64()->e_machine = EM_X86_64;
	eh64()->e_version = EV_CURRENT;
	eh64()->e_entry = BASE + 12;
	eh64()->e_phoff = sizeof(Elf64_Ehdr);
	eh64()->e_ehsize = sizeof(Elf64_Ehdr);
	eh64()->e_phentsize = sizeof(Elf64_Phdr);
	eh64()->e_phnum = 1;
	ph64(0)->p_type = PT_LOAD;
	ph64(0)->p_offset = CODE_OFF;
	ph64(0)->p_vaddr = ph64(0)->p_paddr = BASE;
	ph64(0)->p_filesz = 0x20;
	ph64(0)->p_memsz = 0x1000;
	ph64(0)->p_flags = PF_R | PF_X;
	ph64(0)->p_align = 0x1000;
	put_code();
}

/* e_phnum = PN_XNUM: the count is section header 0's sh_info (gABI) */
static void xnum32(uint32_t count)
{
	Elf32_Shdr *sh = (Elf32_Shdr *)(img + SHDR_OFF);

	eh32()->e_phnum = PN_XNUM;
	eh32()->e_shoff = SHDR_OFF;
	eh32()->e_shentsize = sizeof(Elf32_Shdr);
	eh32()->e_shnum = 1;
	memset(sh, 0, sizeof(*sh));
	sh->sh_info = count;
}

static void emit(const char *name, size_t len, int rc, const char *want)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.elf", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	printf("%s\t%d\t%s\n", name, rc, want);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkbadelf DIR\n");
		return 2;
	}
	dir = argv[1];

	good32(1); emit("good32", FILE_SZ, 1, "");
	good64(); emit("good64", FILE_SZ, 1, "");
	good32(1); xnum32(1); emit("good32-xnum", FILE_SZ, 1, "");

	emit("empty", 0, 2, "empty file");
	good32(1); emit("magic-only", SELFMAG, 2, "truncated: 4 bytes");
	good32(1); emit("short", 10, 2, "truncated: 10 bytes");
	good32(1); emit("truncated-ehdr", 40, 2, "truncated ELF header");
	good32(1); emit("truncated-phdr", 60, 2, "truncated");
	good32(1); emit("truncated-data", CODE_OFF + 8, 2, "truncated");
	good32(1); img[1] = 'X'; emit("bad-magic", FILE_SZ, 2, "not an ELF");
	good32(1); img[EI_CLASS] = 5; emit("wrong-class", FILE_SZ, 2, "bad ELF class");
	good32(1); img[EI_DATA] = ELFDATA2MSB; emit("big-endian", FILE_SZ, 2, "data encoding");
	good32(1); eh32()->e_machine = EM_ARM; emit("wrong-machine", FILE_SZ, 2, "machine 40");
	good64(); eh64()->e_machine = EM_386; emit("elf64-em386", FILE_SZ, 2, "machine 3,");
	good32(1); eh32()->e_type = ET_DYN; emit("not-exec", FILE_SZ, 2, "ET_EXEC");
	good32(1); eh32()->e_phnum = 0xfff0; emit("phnum-huge", FILE_SZ, 2, "truncated");
	good32(1); eh32()->e_phnum = 0; emit("phnum-zero", FILE_SZ, 2, "no program headers (e_phnum 0)");
	good32(1); eh32()->e_phnum = PN_XNUM; emit("xnum-no-shdr", FILE_SZ, 2, "e_shoff is 0");
	good32(1); xnum32(0); emit("xnum-zero", FILE_SZ, 2, "sh_info 0: no program headers");
	good32(1); xnum32(0x10000);
	emit("xnum-huge", FILE_SZ, 2, "truncated: 65536 program headers");
	good32(1); xnum32(1); eh32()->e_shoff = FILE_SZ - 8;
	emit("xnum-shdr-past-end", FILE_SZ, 2, "section header 0 at offset");
	good32(1); eh32()->e_phentsize = 7; emit("bad-phentsize", FILE_SZ, 2, "e_phentsize");
	good32(1); ph32(0)->p_type = PT_NOTE; emit("no-load", FILE_SZ, 2, "no loadable");
	good32(1); ph32(0)->p_paddr = 0x8000000; emit("outside-ram", FILE_SZ, 2, "outside usable guest RAM");
	good32(1); ph32(0)->p_paddr = 0x1000; emit("boot-area", FILE_SZ, 2, "outside usable guest RAM");
	good32(1); ph32(0)->p_paddr = 0xa0000; emit("legacy-hole", FILE_SZ, 2, "legacy hole");
	good32(1); ph32(0)->p_paddr = 0xf0000; emit("bios-reserved", FILE_SZ, 2, "legacy hole");
	good32(1); ph32(0)->p_paddr = 0xff800; emit("straddle-1mib", FILE_SZ, 2, "legacy hole");
	good32(1); ph32(0)->p_paddr = 0x3fff800; emit("straddle-ram-end", FILE_SZ, 2, "outside usable guest RAM");
	good64(); ph64(0)->p_paddr = 0xfffffffffffff000ull; ph64(0)->p_memsz = 0x2000;
	emit("wrap64", FILE_SZ, 2, "outside usable guest RAM");
	good32(1); ph32(0)->p_memsz = 0xfffff000u; emit("huge-memsz", FILE_SZ, 2, "larger than guest RAM");
	good32(1); ph32(0)->p_filesz = 0x2000; emit("filesz-gt-memsz", FILE_SZ, 2, "filesz");
	good32(1); ph32(0)->p_offset = 0xfffffff0u; emit("offset-wrap", FILE_SZ, 2, "truncated");
	good32(2); ph32(1)->p_paddr = BASE + 0x800; emit("overlap", FILE_SZ, 2, "overlap");
	good32(1); eh32()->e_entry = 0x300000; emit("entry-outside", FILE_SZ, 2, "entry point");
	good32(1); img[CODE_OFF] ^= 1; emit("no-multiboot", FILE_SZ, 2, "multiboot");
	good32(1); img[CODE_OFF + 8] ^= 1; emit("bad-checksum", FILE_SZ, 2, "multiboot");
	return 0;
}
