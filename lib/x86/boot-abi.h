/*
 * The vmconform boot header: how an x86_64 payload offers vmc-harness a
 * direct 64-bit entry (docs/channel.md "Boot").  Shared by the guest start
 * code (lib/x86/cstart64.S, assembler: only the #defines) and the harness's
 * loader (harness/load.c).
 *
 * The header is 8-byte aligned in the first 8 KiB of the file (after the
 * multiboot header), inside a loaded segment; magic + version + checksum
 * sum to 0 (mod 2^32).  Every address is guest-physical (the payload is
 * identity-mapped).  The harness may then start the boot CPU at entry64 in
 * 64-bit mode: CR0 = VMC_BOOT_CR0, CR3 = cr3, CR4 = VMC_BOOT_CR4, EFER =
 * LME|LMA, GDTR = gdt_base/gdt_limit, CS = cs (64-bit code, DPL 0), DS ES
 * SS = ds (flat data), FS = GS = 0 (null, unusable, base 0, as the 32-bit path loads
 * them: lib/x86/long-mode.h), RFLAGS = 0x2, EAX = 0x2BADB002, EBX = the
 * multiboot info, which is the same as for the 32-bit entry, and every
 * loaded segment zero-filled from its file size to its memory size (the
 * entry need not clear its .bss).  console (0 =
 * none) is the GPA of a struct vmc_console block (channel-abi.h) whose
 * hdr.ret the harness sets to 0 when it takes CONSOLE requests there.
 */
#ifndef VMC_X86_BOOT_ABI_H
#define VMC_X86_BOOT_ABI_H

#define VMC_BOOT_MAGIC		0x42434d56	/* "VMCB" */
#define VMC_BOOT_VERSION	1
#define VMC_BOOT_CR0		0x80010031	/* PG | WP | NE | ET | PE */
#define VMC_BOOT_CR4		0x20		/* PAE */
#define VMC_BOOT_EFER		0x500		/* LME | LMA */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vmc_boot_header {
	uint32_t magic;		/* VMC_BOOT_MAGIC */
	uint32_t version;	/* VMC_BOOT_VERSION */
	uint64_t entry64;	/* 64-bit entry point */
	uint64_t cr3;		/* page tables (PML4), 4 KiB aligned */
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t cs, ds;	/* selectors in that GDT */
	uint16_t pad;
	uint64_t console;	/* struct vmc_console block, 0 = none */
	uint32_t reserved;
	uint32_t checksum;	/* -(magic + version) */
};
_Static_assert(sizeof(struct vmc_boot_header) == 56, "boot header size is ABI");
#endif

#endif
