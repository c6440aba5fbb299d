/*
 * vmc-harness --vm-type=snp: the pages the harness builds for an SNP guest
 * before launch (see snp-boot.h).  No KVM calls here: tests/snp links this
 * file into a host test that checks the results with the guest's own
 * checkers (lib/x86/sev-proto.c: snp_cpuid_table_check, cc_blob_check).
 */
#include <string.h>

#include "snp-boot.h"

#define PTE_P		1ull
#define PTE_RW		2ull
#define PTE_PS		0x80ull

uint32_t snp_cpuid_build(struct snp_cpuid_table *t, const struct kvm_cpuid_entry2 *e,
			 uint32_t n, uint32_t *dropped)
{
	uint32_t c = 0;

	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < n; i++) {
		struct snp_cpuid_fn *f;

		if (c == SNP_CPUID_MAX)
			break;
		f = &t->fn[c++];
		f->eax_in = e[i].function;
		f->ecx_in = (e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ? e[i].index : 0;
		if (e[i].function == 0xd && f->ecx_in <= 1)
			f->xcr0_in = 1;
		f->eax = e[i].eax;
		f->ebx = e[i].ebx;
		f->ecx = e[i].ecx;
		f->edx = e[i].edx;
	}
	t->count = c;
	if (dropped)
		*dropped = n - c;
	return c;
}

unsigned int snp_cbit_from_cpuid(const struct kvm_cpuid_entry2 *e, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].function == 0x8000001f)
			return e[i].ebx & 0x3f;
	return 0;
}

void snp_cc_blob_fill(struct cc_blob_sev_info *cc, uint64_t secrets_gpa, uint64_t cpuid_gpa)
{
	memset(cc, 0, sizeof(*cc));
	cc->magic = CC_BLOB_SEV_HDR_MAGIC;
	cc->version = 1;
	cc->secrets_phys = secrets_gpa;
	cc->secrets_len = 4096;
	cc->cpuid_phys = cpuid_gpa;
	cc->cpuid_len = 4096;
}

void snp_pt_build(uint64_t *pt, uint64_t base, unsigned int cbit)
{
	uint64_t c = 1ull << cbit;
	uint64_t *pml4 = pt, *pdpt = pt + 512, *pd = pt + 1024;

	memset(pt, 0, SNP_PT_PAGES * 4096);
	pml4[0] = (base + 0x1000) | c | PTE_P | PTE_RW;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (base + 0x2000 + i * 0x1000ull) | c | PTE_P | PTE_RW;
	for (int i = 0; i < 2048; i++)
		pd[i] = ((uint64_t)i << 21) | c | PTE_P | PTE_RW | PTE_PS;
}

void snp_boot_fill(struct vmc_efi_boot *b, uint64_t mem_size, uint64_t image_lo,
		   uint64_t image_hi, unsigned int cbit, const char *cmdline)
{
	size_t n = strlen(cmdline);

	memset(b, 0, sizeof(*b));
	b->magic = VMC_EFI_BOOT_MAGIC;
	b->version = VMC_EFI_VERSION;
	b->sev_status = SNP_SEV_STATUS;
	b->cbit = cbit;
	b->cc_blob = SNP_GPA_CC_BLOB;
	b->ghcb_msr = 0;
	b->image_lo = image_lo;
	b->image_hi = image_hi;
	if (n >= sizeof(b->cmdline))
		n = sizeof(b->cmdline) - 1;
	memcpy(b->cmdline, cmdline, n);
	b->mem[0] = (struct vmc_efi_mem){ 0, SNP_GPA_PT, 1, 7 };
	b->mem[1] = (struct vmc_efi_mem){ SNP_GPA_PT, SNP_GPA_LOW_END - SNP_GPA_PT, 2, 0 };
	b->mem[2] = (struct vmc_efi_mem){ 0x100000, mem_size - 0x100000, 1, 7 };
	b->nmem = 3;
}

bool snp_map_gpa_ok(uint64_t gpa, uint64_t npages, uint64_t attrs, uint64_t mem_size)
{
	if ((gpa & 0xfff) || !npages || (attrs & ~0x11ull) || gpa >= mem_size)
		return false;
	return npages <= (mem_size - gpa) / 4096;
}
