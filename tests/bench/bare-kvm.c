/*
 * bare-kvm: the reference VMM for scripts/bench.sh's exit round-trip
 * benchmark.  It boots the same x86 multiboot payload the harness boots
 * (tests/guests/bench_exits.flat) in the same 32-bit protected-mode state,
 * and then answers exits with nothing else: no exit log, no watchdog, no
 * channel, no validation beyond what keeps it from crashing.  The guest
 * measures cycles per exit round trip in both VMMs; the difference is what
 * the harness's per-exit logic costs.
 *
 * Exits answered: OUT/IN to COM1 (console to stdout, LSR says "empty"),
 * the scratch port 0xf9 (OUT stores, IN returns the last value), the exit
 * port 0xf4 (ends the run with status (v << 1) | 1, like isa-debug-exit);
 * every other IN reads all-ones (so the guest sees "no harness"), other
 * OUTs are dropped.  KVM_CAP_X86_USER_SPACE_MSR is enabled for reason
 * UNKNOWN; RDMSR of BENCH_MSR returns BENCH_VALUE, every other MSR exit
 * gets error = 1 (#GP).  Anything else ends the run with status 4.
 *
 * -d: the harness's fast path with the same bare loop: start at the direct
 * 64-bit entry of the payload's vmconform boot header (lib/x86/boot-abi.h:
 * long mode, its page tables and GDT) and take console lines as CONSOLE
 * blocks (32-bit OUT of the block's GPA to 0x3f8; the header's block gets
 * hdr.ret = 0 so the guest library sends them), so scripts/bench.sh can
 * compare boot -> verdict with the same entry on both sides.
 *
 * -n: no payload, the floor of any boot -> verdict on this host: open
 * /dev/kvm, KVM_CREATE_VM, one memory slot, KVM_CREATE_VCPU, the same vCPU
 * setup ioctls, and one KVM_RUN of two guest instructions (xor %eax,%eax;
 * out %al,$0xf4 at GPA 0x1000, 32-bit flat mode): exit status 1.
 *
 * -s: the floor of the slot-limit fill (x86/memslots.c "limit"): in a fresh
 * VM (no vCPU), KVM_CHECK_EXTENSION(KVM_CAP_NR_MEMSLOTS) on the VM fd, then
 * that many one-page slots (ids 0..N-1 at 4 GiB + 4 KiB * id, all backed by
 * one page), then close the VM fd with every slot still in it; prints
 * "slots N" and exits 1 (as -n does: the status of a passing run).
 *
 * Usage: bare-kvm [-d] PAYLOAD.flat [guest args...]   (64 MiB, 1 vCPU, 60 s cap)
 *        bare-kvm -n | -s
 * Exit: guest status (v << 1) | 1; -s: 1; 2 bad usage/payload; 4 unexpected
 * exit or failed ioctl; 77 /dev/kvm not usable.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot-abi.h"

#define MEM_SIZE	(64ull << 20)
#define GDT_ADDR	0x800u
#define MBI_ADDR	0x9000u
#define MMAP_ADDR	0x9100u
#define CMDLINE_ADDR	0x9400u
#define CMDLINE_MAX	0x1000u
#define BENCH_MSR	0x4b564dbeu	/* = tests/guests/bench_exits.c */
#define BENCH_VALUE	0x600dbe4cull
#define MSR_EXIT_UNKNOWN (1u << 1)	/* KVM_MSR_EXIT_REASON_UNKNOWN */

static uint8_t *mem;
static int direct;			/* -d */
static int null_vm;			/* -n */
static struct vmc_boot_header boot;	/* -d: the payload's boot header */

static void die(int code, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "bare-kvm: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
	exit(code);
}

static void put32(uint32_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint32_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

/* copy the PT_LOAD segments of an ELF32 i386 file; returns the entry point */
static uint32_t load_elf32(const char *path)
{
	struct stat st;
	Elf32_Ehdr eh;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		die(2, path);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf || read(fd, buf, st.st_size) != st.st_size)
		die(2, "read payload");
	close(fd);
	errno = 0;
	if ((size_t)st.st_size < sizeof(eh))
		die(2, "payload too short for an ELF header");
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
	    eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > (uint64_t)st.st_size)
		die(2, "payload is not an ELF32 file with readable program headers");
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;

		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || (uint64_t)ph.p_offset + ph.p_filesz > (uint64_t)st.st_size ||
		    ph.p_paddr < 0x100000 || (uint64_t)ph.p_paddr + ph.p_memsz > MEM_SIZE)
			die(2, "payload segment outside the file or guest RAM");
		memcpy(mem + ph.p_paddr, buf + ph.p_offset, ph.p_filesz);
		memset(mem + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	for (size_t off = 0; direct && off + sizeof(boot) <= 8192 &&
	     off + sizeof(boot) <= (size_t)st.st_size; off += 8) {
		memcpy(&boot, buf + off, sizeof(boot));
		if (boot.magic == VMC_BOOT_MAGIC && boot.magic + boot.version + boot.checksum == 0)
			break;
		boot.magic = 0;
	}
	free(buf);
	if (direct && (boot.magic != VMC_BOOT_MAGIC || boot.entry64 >= MEM_SIZE ||
		       boot.cr3 >= MEM_SIZE || boot.gdt_base >= MEM_SIZE ||
		       boot.console >= MEM_SIZE - 32))
		die(2, "-d: no usable vmconform boot header in the payload");
	if (direct && boot.console)
		memset(mem + boot.console + 12, 0, 4);	/* hdr.ret = 0: lines, please */
	return eh.e_entry;	/* flat.lds: virtual = physical below 4 GiB */
}

/* GDT, memory map, command line and multiboot info, as a multiboot loader */
static void write_boot_data(const char *cmdline)
{
	static const uint64_t gdt[] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	const uint64_t map[][3] = {
		{ 0, 0x9fc00, 1 }, { 0x100000, MEM_SIZE - 0x100000, 1 },
	};
	uint32_t a = MMAP_ADDR;

	if (strlen(cmdline) >= CMDLINE_MAX) {
		errno = 0;
		die(2, "guest command line too long");
	}
	memcpy(mem + GDT_ADDR, gdt, sizeof(gdt));
	for (unsigned i = 0; i < 2; i++, a += 24) {
		put32(a, 20);
		put64(a + 4, map[i][0]);
		put64(a + 12, map[i][1]);
		put32(a + 20, (uint32_t)map[i][2]);
	}
	strcpy((char *)mem + CMDLINE_ADDR, cmdline);
	put32(MBI_ADDR, (1u << 0) | (1u << 2) | (1u << 6));	/* mem, cmdline, mmap */
	put32(MBI_ADDR + 4, 640);
	put32(MBI_ADDR + 8, (uint32_t)(MEM_SIZE / 1024 - 1024));
	put32(MBI_ADDR + 16, CMDLINE_ADDR);
	put32(MBI_ADDR + 44, a - MMAP_ADDR);
	put32(MBI_ADDR + 48, MMAP_ADDR);
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = s->db = s->s = s->g = 1;
}

static void setup_vcpu(int kvm, int vcpu, uint32_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_cpuid2 *cpuid;
	int n = 256;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die(4, "calloc");
		cpuid->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || n > 4096)
			die(4, "KVM_GET_SUPPORTED_CPUID");
		free(cpuid);
		n *= 2;
	}
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die(4, "KVM_SET_CPUID2");
	free(cpuid);
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die(4, "KVM_GET_SREGS");
	flat_seg(&sregs.cs, 0x08, 0xb);
	flat_seg(&sregs.ds, 0x10, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = 0x11;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (direct) {
		/* flat 64-bit code and data, as the guest's own GDT has them */
		sregs.cs.selector = boot.cs;
		sregs.cs.l = 1;
		sregs.cs.db = 0;
		sregs.ds.selector = boot.ds;
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.gdt.base = boot.gdt_base;
		sregs.gdt.limit = boot.gdt_limit;
		sregs.cr3 = boot.cr3;
		sregs.cr4 = VMC_BOOT_CR4;
		sregs.efer = VMC_BOOT_EFER;
		sregs.cr0 = VMC_BOOT_CR0;
		entry = (uint32_t)boot.entry64;
	}
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die(4, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rax = 0x2BADB002;
	regs.rbx = MBI_ADDR;
	regs.rip = entry;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die(4, "KVM_SET_REGS");
}

static uint32_t io_val(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	memcpy(&v, p, size);
	return v;
}

/* -s: create KVM_CAP_NR_MEMSLOTS one-page slots in a fresh VM, close it */
static int slot_fill(void)
{
	struct kvm_userspace_memory_region r = { .memory_size = 4096 };
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, n;

	if (kvm < 0) {
		printf("SKIP: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	if (page == MAP_FAILED)
		die(4, "mmap");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die(4, "KVM_CREATE_VM");
	n = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	if (n < 1 || n > 0x10000)
		die(4, "KVM_CHECK_EXTENSION(KVM_CAP_NR_MEMSLOTS) out of range");
	r.userspace_addr = (uintptr_t)page;
	for (int i = 0; i < n; i++) {
		r.slot = (uint32_t)i;
		r.guest_phys_addr = (1ull << 32) + (uint64_t)i * 4096;
		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			die(4, "KVM_SET_USER_MEMORY_REGION");
	}
	if (close(vm) < 0)
		die(4, "close of the VM fd");
	printf("slots %d\n", n);
	return 1;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	struct kvm_run *run;
	char cmdline[CMDLINE_MAX];
	uint32_t scratch = 0, entry;
	size_t len;
	int kvm, vm, vcpu, run_size;

	if (argc == 2 && !strcmp(argv[1], "-s"))
		return slot_fill();
	if (argc == 2 && !strcmp(argv[1], "-n")) {
		null_vm = 1;
	} else if (argc > 1 && !strcmp(argv[1], "-d")) {
		direct = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bare-kvm [-d] PAYLOAD.flat [guest args...] | bare-kvm -n | -s\n");
		return 2;
	}
	len = snprintf(cmdline, sizeof(cmdline), "%s", argv[1]);
	for (int i = 2; i < argc && len < sizeof(cmdline); i++)
		len += snprintf(cmdline + len, sizeof(cmdline) - len, " %s", argv[i]);
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED)
		die(4, "mmap guest RAM");
	if (null_vm) {
		static const uint8_t code[] = { 0x31, 0xc0, 0xe6, 0xf4 };	/* status 0 -> exit 1 */

		memcpy(mem + 0x1000, code, sizeof(code));
		entry = 0x1000;
	} else {
		entry = load_elf32(argv[1]);
	}
	write_boot_data(cmdline);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("SKIP: /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die(4, "KVM_CREATE_VM");
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die(4, "KVM_SET_USER_MEMORY_REGION");
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);	/* VMX needs it, others ignore */
	cap.args[0] = MSR_EXIT_UNKNOWN;
	if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
		die(4, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || run_size <= 0)
		die(4, "KVM_CREATE_VCPU");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die(4, "mmap kvm_run");
	setup_vcpu(kvm, vcpu, entry);
	alarm(60);	/* the default action ends a stuck run */

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die(4, "KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *d = (uint8_t *)run + run->io.data_offset;
			unsigned sz = run->io.size, port = run->io.port;
			int out = run->io.direction == KVM_EXIT_IO_OUT;

			if (port == 0xf9) {
				if (out)
					scratch = io_val(d + (run->io.count - 1) * sz, sz);
				else
					for (unsigned i = 0; i < run->io.count; i++)
						memcpy(d + i * sz, &scratch, sz);
			} else if (out && port == 0x3f8 && sz == 4 && direct) {
				/* a CONSOLE block: text after the 24-byte header */
				uint32_t gpa = io_val(d, 4), argsz, len;

				if (gpa < MEM_SIZE - 24) {
					memcpy(&argsz, mem + gpa, 4);
					memcpy(&len, mem + gpa + 16, 4);
					if (argsz >= 24 && len <= argsz - 24 && argsz <= MEM_SIZE - gpa) {
						fwrite(mem + gpa + 24, 1, len, stdout);
						memset(mem + gpa + 12, 0, 8);	/* ret = 0, len = 0 */
					}
				}
			} else if (out && port == 0x3f8) {
				for (unsigned i = 0; i < run->io.count; i++)
					putchar(d[i * sz]);
			} else if (out && port == 0xf4) {
				fflush(stdout);
				return (int)((io_val(d, sz) << 1) | 1) & 0xff;
			} else if (!out) {
				memset(d, port == 0x3fd ? 0x60 : (port > 0x3f8 && port < 0x400 ? 0 : 0xff),
				       (size_t)sz * run->io.count);
			}
			break;
		}
		case KVM_EXIT_X86_RDMSR:
			run->msr.error = run->msr.index != BENCH_MSR;
			run->msr.data = run->msr.error ? 0 : BENCH_VALUE;
			break;
		case KVM_EXIT_X86_WRMSR:
			run->msr.error = 1;
			break;
		default:
			fflush(stdout);
			fprintf(stderr, "ERROR: bare-kvm: unexpected exit reason %u\n", run->exit_reason);
			return 4;
		}
	}
}
