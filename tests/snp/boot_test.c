/*
 * Host test of harness/snp-boot.c (issue 13): the pages vmc-harness
 * --vm-type=snp builds for an SNP guest, against specs/kvm-x86.md §C.5
 * (SEVH struct snp_cpuid_table / cc_blob_sev_info layouts, "AMDE", 4 KiB
 * pages), the x86_64-efi hand-off (lib/x86/efi-boot.h) and the guest's own
 * acceptance checks (lib/x86/sev-proto.c cc_blob_check,
 * snp_cpuid_table_check, snp_cpuid_find: what the guest will do with them).
 * Expected values are written out from the spec, never computed by the code
 * under test.  Prints "PASS name" / "FAIL name: why" per check.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snp-boot.h"

static int nfail;

static void eq(const char *name, uint64_t got, uint64_t want)
{
	if (got == want) {
		printf("PASS %s\n", name);
		return;
	}
	nfail++;
	printf("FAIL %s: got %#" PRIx64 ", want %#" PRIx64 "\n", name, got, want);
}

static void test_cc_blob(void)
{
	struct cc_blob_sev_info cc;

	memset(&cc, 0xee, sizeof(cc));
	snp_cc_blob_fill(&cc, SNP_GPA_SECRETS, SNP_GPA_CPUID);
	/* §C.5 layout: u32 magic, u16 version, u16, u64 secrets_phys, u32 len, u32, u64 cpuid_phys, u32 len, u32 */
	eq("cc blob size 40", sizeof(cc), 40);
	eq("cc blob secrets_phys at 8", offsetof(struct cc_blob_sev_info, secrets_phys), 8);
	eq("cc blob cpuid_phys at 24", offsetof(struct cc_blob_sev_info, cpuid_phys), 24);
	eq("cc blob magic AMDE", cc.magic, 0x45444d41);
	eq("cc blob version 1", cc.version, 1);
	eq("cc blob reserved fields 0", (uint64_t)cc.rsvd1 | cc.rsvd2 | cc.rsvd3, 0);
	eq("cc blob secrets page 0x67000", cc.secrets_phys, 0x67000);
	eq("cc blob secrets len 4 KiB", cc.secrets_len, 4096);
	eq("cc blob cpuid page 0x66000", cc.cpuid_phys, 0x66000);
	eq("cc blob cpuid len 4 KiB", cc.cpuid_len, 4096);
	eq("cc blob passes the guest's cc_blob_check", cc_blob_check(&cc), CC_BLOB_OK);
}

static void test_cpuid(void)
{
	struct kvm_cpuid_entry2 e[70];
	struct snp_cpuid_table *t = malloc(4096);
	const struct snp_cpuid_fn *f;
	uint32_t dropped = 99, n;

	memset(e, 0, sizeof(e));
	e[0] = (struct kvm_cpuid_entry2){ .function = 0, .index = 5, .eax = 0x10, .ebx = 0x68747541 };
	e[1] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					  .eax = 1, .ebx = 0x219c97a9 };
	e[2] = (struct kvm_cpuid_entry2){ .function = 7, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					  .eax = 0x30 };
	e[3] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					  .eax = 7, .ebx = 0x340 };
	e[4] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					  .eax = 0xf };
	e[5] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					  .eax = 0x100, .ebx = 0x240 };
	e[6] = (struct kvm_cpuid_entry2){ .function = 0x8000001f, .eax = 0x1000f, .ebx = 0x16f33,
					  .ecx = 0x1fd, .edx = 0x80 };
	memset(t, 0xee, 4096);
	n = snp_cpuid_build(t, e, 7, &dropped);
	/* §C.5: u32 count, u32, u64, then 48-byte entries */
	eq("cpuid table fn[] at 16", offsetof(struct snp_cpuid_table, fn), 16);
	eq("cpuid entry 48 bytes", sizeof(struct snp_cpuid_fn), 48);
	eq("cpuid table fits 4 KiB", sizeof(struct snp_cpuid_table) <= 4096, 1);
	eq("cpuid 7 entries -> count 7", t->count, 7);
	eq("cpuid returns count", n, 7);
	eq("cpuid nothing dropped", dropped, 0);
	eq("cpuid reserved header 0", (uint64_t)t->rsvd1 | t->rsvd2, 0);
	eq("cpuid leaf 0 without SIGNIFCANT_INDEX: ecx_in 0 (not KVM's index 5)", t->fn[0].ecx_in, 0);
	eq("cpuid leaf 0 ebx copied", t->fn[0].ebx, 0x68747541);
	eq("cpuid leaf 7.1 ecx_in 1", t->fn[2].ecx_in, 1);
	eq("cpuid leaf 0xd.0 xcr0_in 1 (x87)", t->fn[3].xcr0_in, 1);
	eq("cpuid leaf 0xd.1 xcr0_in 1", t->fn[4].xcr0_in, 1);
	eq("cpuid leaf 0xd.2 xcr0_in 0", t->fn[5].xcr0_in, 0);
	eq("cpuid leaf 0x8000001f edx copied", t->fn[6].edx, 0x80);
	eq("cpuid entry rsvd 0", t->fn[6].rsvd | t->fn[6].xss_in, 0);
	eq("cpuid unused entries zero", t->fn[7].eax_in | t->fn[63].eax, 0);
	eq("cpuid table passes the guest's snp_cpuid_table_check", snp_cpuid_table_check(t, 4096),
	   SNP_CPUID_OK);
	f = snp_cpuid_find(t, 7, 1);
	eq("the guest's lookup finds leaf 7.1", f ? f->eax : 0xdead, 0x30);
	eq("C-bit from 0x8000001F EBX[5:0] = 51", snp_cbit_from_cpuid(e, 7), 51);
	eq("no 0x8000001F -> C-bit 0", snp_cbit_from_cpuid(e, 6), 0);
	for (int i = 0; i < 70; i++)
		e[i] = (struct kvm_cpuid_entry2){ .function = 0x80000000u + i, .eax = i };
	n = snp_cpuid_build(t, e, 70, &dropped);
	eq("cpuid 70 entries -> count 64", n, 64);
	eq("cpuid 70 entries -> 6 dropped", dropped, 6);
	eq("cpuid 64th entry is KVM's 64th", t->fn[63].eax, 63);
	eq("cpuid 64 entries pass the guest's check", snp_cpuid_table_check(t, 4096), SNP_CPUID_OK);
	free(t);
}

static void test_pt(void)
{
	uint64_t *pt = malloc(SNP_PT_PAGES * 4096);
	const uint64_t c = 1ull << 51;

	snp_pt_build(pt, 0x60000, 51);
	eq("pml4[0] -> PDPT 0x61000 | C | P | RW", pt[0], 0x61000 | c | 3);
	eq("pml4[1] empty", pt[1], 0);
	eq("pdpt[0] -> PD 0x62000 | C | P | RW", pt[512], 0x62000 | c | 3);
	eq("pdpt[3] -> PD 0x65000 | C | P | RW", pt[512 + 3], 0x65000 | c | 3);
	eq("pdpt[4] empty (nothing above 4 GiB)", pt[512 + 4], 0);
	eq("pd[1]: 2 MiB at 0x200000 | C | PS | P | RW", pt[1024 + 1], 0x200000 | c | 0x83);
	eq("pd[2047]: 2 MiB at 0xffe00000", pt[1024 + 2047], 0xffe00000ull | c | 0x83);
	free(pt);
}

static void test_boot(void)
{
	struct vmc_efi_boot *b = malloc(sizeof(*b));
	char *longcmd = malloc(6000);

	memset(longcmd, 'x', 5999);
	longcmd[5999] = 0;
	memset(b, 0xee, sizeof(*b));
	snp_boot_fill(b, 64ull << 20, 0x400000, 0x420000, 51, "x86/snp.flat a=1");
	eq("boot magic BOOT", b->magic, 0x544f4f42);
	eq("boot version 1", b->version, 1);
	eq("boot sev_status SEV|SEV-ES|SNP (C.1 bits 0-2)", b->sev_status, 7);
	eq("boot cbit", b->cbit, 51);
	eq("boot cc_blob at 0x68000", b->cc_blob, 0x68000);
	eq("boot cmdline", strcmp(b->cmdline, "x86/snp.flat a=1"), 0);
	eq("boot 3 memory ranges", b->nmem, 3);
	eq("boot RAM above 1 MiB usable", b->mem[2].type, 1);
	eq("boot RAM above 1 MiB base", b->mem[2].base, 0x100000);
	eq("boot RAM above 1 MiB len", b->mem[2].len, (64ull << 20) - 0x100000);
	eq("boot SNP pages reserved from 0x60000", b->mem[1].base, 0x60000);
	eq("boot SNP pages not usable", b->mem[1].type, 2);
	eq("boot low RAM ends at the SNP pages", b->mem[0].base + b->mem[0].len, 0x60000);
	eq("boot block page-aligned after the CC blob", SNP_GPA_BOOT, 0x69000);
	eq("boot block fits its pages", SNP_BOOT_PAGES * 4096 >= sizeof(*b), 1);
	eq("SNP pages below 640 KiB", SNP_GPA_LOW_END <= 0xa0000, 1);
	snp_boot_fill(b, 64ull << 20, 0x400000, 0x420000, 51, longcmd);
	eq("boot long cmdline cut to 4095 bytes", strlen(b->cmdline), 4095);
	free(longcmd);
	free(b);
}

/* untrusted exit arguments (§C.4): 64 MiB of RAM */
static void test_map_gpa(void)
{
	const uint64_t m = 64ull << 20;

	eq("map gpa 1 page at 0", snp_map_gpa_ok(0, 1, 0, m), 1);
	eq("map gpa last page", snp_map_gpa_ok(m - 4096, 1, 0x10, m), 1);
	eq("map gpa all RAM", snp_map_gpa_ok(0, m / 4096, 0, m), 1);
	eq("map gpa 2M entry attrs 0x11", snp_map_gpa_ok(0x200000, 512, 0x11, m), 1);
	eq("map gpa one page past the end", snp_map_gpa_ok(m - 4096, 2, 0, m), 0);
	eq("map gpa at the end", snp_map_gpa_ok(m, 1, 0, m), 0);
	eq("map gpa unaligned", snp_map_gpa_ok(0x1001, 1, 0, m), 0);
	eq("map gpa 0 pages", snp_map_gpa_ok(0, 0, 0, m), 0);
	eq("map gpa unknown attr bit 1", snp_map_gpa_ok(0, 1, 0x2, m), 0);
	eq("map gpa npages that wrap * 4K", snp_map_gpa_ok(0x1000, 1ull << 52, 0, m), 0);
	eq("map gpa near 2^64", snp_map_gpa_ok(0xfffffffffffff000ull, 1, 0, m), 0);
}

int main(void)
{
	test_map_gpa();
	test_cc_blob();
	test_cpuid();
	test_pt();
	test_boot();
	return nfail ? 1 : 0;
}
