/*
 * x86_64-efi hand-off: what the EFI stub (lib/x86/efi/stub.c) gives the
 * payload's 64-bit entry start64_efi (cstart64.S) in RDI.  Plain types only:
 * the stub is built with gnu-efi's flags, the payload with the suite's.
 *
 * The payload is the same x86_64 ELF that the multiboot build boots; its
 * .text.boot carries, right after the multiboot header, the EFI header
 * below (magic, version, entry), which the stub looks for in the first
 * 8 KiB of the loaded image.
 *
 * vmc-harness --vm-type=snp (harness/snp-boot.h) enters the same entry with
 * a block it built itself: sev_status = SEV|SEV-ES|SNP, cbit from KVM's
 * CPUID, cc_blob = the CC blob it placed (where the stub puts the
 * EFI_CC_BLOB_GUID table entry), its memory map and command line; page
 * tables with the C-bit in CR3.  The guest cannot tell the two apart
 * except through the harness channel (HELLO VMC_FEAT_SNP_VM).
 */
#ifndef VMC_X86_EFI_BOOT_H
#define VMC_X86_EFI_BOOT_H

#define VMC_EFI_HDR_MAGIC	0x49464556	/* "VEFI" */
#define VMC_EFI_BOOT_MAGIC	0x544f4f42	/* "BOOT" */
#define VMC_EFI_VERSION		1

#ifndef __ASSEMBLY__
#include <stdint.h>

/* memory map entry; type 1 = usable RAM (after ExitBootServices), 2 = not */
struct vmc_efi_mem {
	uint64_t base, len;
	uint32_t type;
	uint32_t efi_type;	/* the firmware's EFI_MEMORY_TYPE */
};
#define VMC_EFI_MAX_MEM	256

struct vmc_efi_boot {
	uint32_t magic;		/* VMC_EFI_BOOT_MAGIC */
	uint32_t version;
	uint64_t sev_status;	/* MSR 0xC0010131, read by the stub; 0 without SEV */
	uint32_t cbit;		/* CPUID 0x8000001F EBX[5:0] when SEV is active */
	uint32_t nmem;		/* entries in mem[] */
	uint64_t cc_blob;	/* EFI_CC_BLOB_GUID table entry, 0 if none */
	uint64_t ghcb_msr;	/* GHCB MSR as the firmware left it (SEV-ES) */
	uint64_t image_lo, image_hi;	/* where the payload was loaded */
	char cmdline[4096];	/* "<test>.efi <load options>", NUL-terminated ASCII */
	struct vmc_efi_mem mem[VMC_EFI_MAX_MEM];
};
#endif

#endif
