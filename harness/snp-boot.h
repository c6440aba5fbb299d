/*
 * vmc-harness --vm-type=snp: what the harness puts into an SNP guest before
 * launch (harness/snp-boot.c, plain functions, host-tested in tests/snp).
 *
 * The guest is entered the way the x86_64-efi stub enters it (efi-boot.h):
 * 64-bit mode at start64_efi (the VEFI header after the multiboot header),
 * RDI = a struct vmc_efi_boot.  The harness fills that block like the stub
 * does: sev_status = what this launch makes SEV_STATUS (SEV | SEV-ES | SNP:
 * SEV_FEATURES is SNP_ACTIVE only, KVM_SEV_INIT2 with vmsa_features 0), cbit
 * from KVM_GET_SUPPORTED_CPUID 0x8000001F EBX[5:0], cc_blob = the GPA of
 * the CC blob below (where the stub puts the EFI_CC_BLOB_GUID table entry),
 * the memory map and "<payload> <args>" as the command line.  The guest's
 * own code then reads them exactly as under OVMF (setup_x86_efi).
 *
 * Fixed GPAs (below the 1 MiB the payload never loads under, LOAD_MIN):
 */
#ifndef HARNESS_SNP_BOOT_H
#define HARNESS_SNP_BOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "x86/sev-proto.h"
#include "x86/efi-boot.h"

#define SNP_GPA_PT		0x60000ull	/* PML4, PDPT, 4 PDs: 0..4 GiB, 2 MiB pages, C-bit */
#define SNP_PT_PAGES		6
#define SNP_GPA_CPUID		0x66000ull	/* LAUNCH_UPDATE type CPUID */
#define SNP_GPA_SECRETS		0x67000ull	/* LAUNCH_UPDATE type SECRETS */
#define SNP_GPA_CC_BLOB		0x68000ull	/* struct cc_blob_sev_info (NORMAL, measured) */
#define SNP_GPA_BOOT		0x69000ull	/* struct vmc_efi_boot (NORMAL) */
#define SNP_BOOT_PAGES		((sizeof(struct vmc_efi_boot) + 4095) / 4096)
#define SNP_GPA_LOW_END		(SNP_GPA_BOOT + SNP_BOOT_PAGES * 4096)
#define SNP_SEV_STATUS		0x7ull		/* SEV | SEV-ES | SNP (specs §C.1) */

/*
 * The SNP CPUID page (SEVH struct snp_cpuid_table, specs §C.5) from the
 * vCPU's CPUID entries as given to KVM_SET_CPUID2 for vCPU 0: one fn[] per
 * entry, ecx_in = index only for entries KVM marks
 * KVM_CPUID_FLAG_SIGNIFCANT_INDEX, xcr0_in = 1 (x87) for leaf 0xD
 * sub-leaves 0 and 1 (the XSAVE area size depends on XCR0), in KVM's order.
 * At most SNP_CPUID_MAX (64) entries; *dropped = entries that did not fit.
 * Returns count.
 */
uint32_t snp_cpuid_build(struct snp_cpuid_table *t, const struct kvm_cpuid_entry2 *e,
			 uint32_t n, uint32_t *dropped);
/* the C-bit position from the entries (0x8000001F EBX[5:0]); 0 if absent */
unsigned int snp_cbit_from_cpuid(const struct kvm_cpuid_entry2 *e, uint32_t n);
/* the CC blob naming the two pages (specs §C.5, version 1, 4 KiB each) */
void snp_cc_blob_fill(struct cc_blob_sev_info *cc, uint64_t secrets_gpa, uint64_t cpuid_gpa);
/*
 * Identity page tables for 0..4 GiB with 2 MiB pages and the C-bit in every
 * entry, to sit at GPA base: pt = SNP_PT_PAGES * 512 entries.
 */
void snp_pt_build(uint64_t *pt, uint64_t base, unsigned int cbit);
/*
 * The hand-off block (efi-boot.h) for a guest of mem_size bytes whose
 * image is [image_lo, image_hi): usable RAM = [0, SNP_GPA_PT) and
 * [1 MiB, mem_size), the SNP pages reserved; cmdline truncated to fit.
 */
void snp_boot_fill(struct vmc_efi_boot *b, uint64_t mem_size, uint64_t image_lo,
		   uint64_t image_hi, unsigned int cbit, const char *cmdline);
/*
 * A KVM_HC_MAP_GPA_RANGE exit's arguments from an SNP guest (untrusted,
 * §C.4): gpa 4 KiB aligned, 1 <= npages, [gpa, gpa + npages * 4K) inside
 * RAM without wrap, attrs only ENCRYPTED (0x10) and PAGE_SZ_2M (1).
 * Also a KVM_EXIT_MEMORY_FAULT range (attrs 0, npages = size / 4K).
 */
bool snp_map_gpa_ok(uint64_t gpa, uint64_t npages, uint64_t attrs, uint64_t mem_size);

#endif
