/*
 * SEV-SNP page validation, guest side and launch API (issue 13;
 * specs/kvm-x86.md §B.5, §C, §F 24–30; docs/snp.md).
 *
 * Any guest:
 *  - launch API (harness, family 0x08, raw ioctl results judged here by
 *    each kernel's own code/docs): KVM_CAP_VM_TYPES; KVM_CREATE_VM(t)
 *    succeeds only for 0 or a bit of VM_TYPES, else EINVAL (F26 for t = 4);
 *    KVM_MEMORY_ENCRYPT_OP on a default VM; KVM_CREATE_GUEST_MEMFD and its
 *    binding on a default VM (no private memory); the SNP launch positive
 *    paths on SNP hosts (SNP_LAUNCH op: INIT2, LAUNCH_START, LAUNCH_UPDATE
 *    per page type, partial progress, bad CPUID page, LAUNCH_FINISH).
 *  - not an SEV guest: RDMSR SEV_STATUS raises #GP (F24; QEMU TCG ignores
 *    unknown MSRs, so it is skipped there);
 *  - not an SNP guest: PVALIDATE and RMPADJUST raise #UD (F25) under VMX/SVM
 *    and TCG; kvm_pvm stops the VM on them (emulation failure), so there
 *    they are not executed.
 * SNP guest (x86_64-efi under OVMF with -object sev-snp-guest):
 *  - F27: SEV_STATUS bits 0-2, SEV_INFO protocol range holding 2 and the
 *    C-bit, GHCB GPA registration echo, HV features SNP bit, CC blob, CPUID
 *    table (count, entries vs the hypervisor's CPUID), secrets page;
 *  - F28: MSR-protocol page-state change answers 0x015 / an op other than
 *    1/2 answers BIT(63)|0x015;
 *  - F29: GHCB page-state change: several entries, 2M and mixed, non-zero
 *    cur_page, bad header (end_entry 253), bad entry (misaligned 2M,
 *    cur_page > 512), SMASH/UNSMASH done without change; the buffer after
 *    each call must match KVM's rules (sev-proto.c psc_kvm_model, host-tested);
 *  - F30: PVALIDATE twice -> CF = 1, 2M at an unaligned VA -> FAIL_INPUT,
 *    2M over 4K RMP entries -> FAIL_SIZEMISMATCH; RMPADJUST of the own VMPL
 *    fails, of VMPL1 succeeds (we run at VMPL0);
 *  - the documented order: a page made private by PSC but not yet
 *    PVALIDATEd raises #VC on access; after PVALIDATE it is usable.
 * SNP guest of vmc-harness --vm-type=snp (HELLO VMC_FEAT_SNP_VM; cfg
 * snp-harness), in addition, the host's side of the same conversions:
 *  - F28: each MSR-protocol change is one KVM_EXIT_HYPERCALL (exit log:
 *    reason 3, index 12, data = the page's GPA) with args {gpa, 1,
 *    0x10 (private) or 0 (shared)} (SNP_PSC_LOG);
 *  - F29: each GHCB change arrives as the exits KVM's rules give
 *    (psc_kvm_model: merged ranges, npages summed, PAGE_SZ_2M), none for
 *    SMASH/UNSMASH or rejected buffers;
 *  - C.2/C.4: bytes written to a page while it is shared are what the host
 *    reads at that GPA (SNP_SHARED_READ).
 * Elsewhere those SKIP with SNP_REASON.
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "msr.h"
#include "cpuid.h"
#include "channel.h"
#include "snp-abi.h"
#include "sev.h"
#include "efi-boot.h"

#define SNP_REASON "needs an AMD EPYC host with SEV-SNP enabled in KVM (kvm_amd sev_snp=Y) " \
		   "and QEMU >= 9.1 (-object sev-snp-guest)"
#define GP_VECTOR_ 13
#define UD_VECTOR_ 6
#define VC_VECTOR_ 29
#define SZ_2M 0x200000ull

static struct vmc_hello hello;
static bool have_harness;
static bool snp_vmm;	/* this SNP guest's VMM is vmc-harness --vm-type=snp */
/* EXIT_READ writes its records by GPA: a shared page (the host cannot write private memory) */
static struct vmc_exit_rec xrec[4096 / sizeof(struct vmc_exit_rec)] __attribute__((aligned(4096)));

static bool ver_ge(const struct vmc_snp_probe *p, unsigned int maj, unsigned int min)
{
	return p->kernel_major > maj || (p->kernel_major == maj && p->kernel_minor >= min);
}

static const char *errname(int32_t r)
{
	switch (r) {
	case 0: return "0";
	case -1: return "-EPERM";
	case -5: return "-EIO";
	case -14: return "-EFAULT";
	case -22: return "-EINVAL";
	case -25: return "-ENOTTY";
	case -95: return "-EOPNOTSUPP";
	default: return r < 0 ? "-errno" : "positive";
	}
}

/* ---- launch API, negative paths (any KVM host; §B.5, F26) ---- */
static void check_launch_probe(void)
{
	struct vmc_snp_probe p;
	bool new_api;	/* >= 6.8: KVM_CAP_VM_TYPES, guest_memfd (6.1 has neither) */
	int r;

	report_prefix_push("launch-api");
	HARNESS_REQ_INIT(p, VMC_OP_SNP_PROBE);
	r = harness_call(&p);
	if (r == -VMC_ENOSYS) {
		report_skip("launch-API probes: this harness has no op family 0x08");
		report_prefix_pop();
		return;
	}
	if (r < 0)
		report_abort("SNP_PROBE failed: %s", harness_strerror(r));
	new_api = ver_ge(&p, 6, 8);
	report_info("host kernel %u.%u (%s rules), kvm_amd sev=%u sev_es=%u sev_snp=%u (2 = absent)",
		    p.kernel_major, p.kernel_minor, new_api ? ">= 6.8" : "6.1", p.param_sev,
		    p.param_sev_es, p.param_sev_snp);
	if (new_api)
		report(p.vm_types > 0 && (p.vm_types & 1) && !(p.vm_types & ~0x3full),
		       "KVM_CAP_VM_TYPES is a bitmap with DEFAULT (bit 0) and only types 0-5 "
		       "(%s x86.c kvm_caps.supported_vm_types) (got %#lx)",
		       "6.8+", (unsigned long)p.vm_types);
	else
		report(p.vm_types == 0, "KVM_CAP_VM_TYPES unknown to 6.1: CHECK_EXTENSION returns 0 "
		       "(got %ld)", (long)p.vm_types);
	for (unsigned t = 0; t < VMC_SNP_NTYPES; t++) {
		bool ok = t == 0 || (p.vm_types > 0 && (p.vm_types >> t) & 1);
		int32_t want = ok ? 0 : -22;

		report(p.create_vm[t] == want,
		       "KVM_CREATE_VM(%u)%s %s (%s) (got %s)", t,
		       t == 4 ? " [KVM_X86_SNP_VM, F26]" : "",
		       ok ? "succeeds" : "is EINVAL",
		       !new_api ? "6.1 kvm_arch_init_vm(): EINVAL for any type but 0" :
		       ok ? "6.8+ kvm_is_vm_type_supported(): bit set in VM_TYPES" :
			    "6.8+ kvm_is_vm_type_supported(): bit clear in VM_TYPES",
		       errname(p.create_vm[t]));
	}
	/*
	 * KVM_MEMORY_ENCRYPT_OP(SNP_LAUNCH_START) on a default VM: -ENOTTY without
	 * mem_enc_ioctl or with SEV off (6.1 and 6.12 sev_mem_enc_ioctl:
	 * "if (!sev_enabled) return -ENOTTY"); with SEV on, 6.12's
	 * snp_launch_start() refuses a non-SNP VM with -ENOTTY, while 6.1 does
	 * not know command 100: -EINVAL.
	 */
	{
		int32_t want = p.param_sev != 1 ? -25 : ver_ge(&p, 6, 11) ? -25 : -22;

		report(p.enc_op == want,
		       "KVM_MEMORY_ENCRYPT_OP(SNP_LAUNCH_START) on a default VM is %s (%s) (got %s, fw error %u)",
		       errname(want), p.param_sev != 1 ? "SEV off: sev_mem_enc_ioctl/no mem_enc_ioctl -> ENOTTY" :
		       ver_ge(&p, 6, 11) ? "6.11+ snp_launch_start: not an SNP VM" :
		       "6.1: unknown command", errname(p.enc_op), p.enc_op_fw_error);
	}
	report(p.mem_attr_cap_vm == 0,
	       "KVM_CAP_MEMORY_ATTRIBUTES on a default VM is 0 (no private memory) (got %d)",
	       p.mem_attr_cap_vm);
	if (!new_api || p.gmem_cap_sys <= 0) {
		report(p.gmem_cap_sys == 0, "KVM_CAP_GUEST_MEMFD is 0 %s (got %d)",
		       new_api ? "(kernel built without CONFIG_KVM_PRIVATE_MEM)" : "on 6.1 (no guest_memfd)",
		       p.gmem_cap_sys);
		report(p.gmem_create == -25,
		       "KVM_CREATE_GUEST_MEMFD is -ENOTTY where the ioctl does not exist (got %s)",
		       errname(p.gmem_create));
	} else {
		/*
		 * 6.12 kvm_gmem_create() does not look at the VM type: creation
		 * succeeds on a default VM; check_memory_region_flags() accepts
		 * KVM_MEM_GUEST_MEMFD only when kvm_arch_has_private_mem(), which
		 * the VM fd reports as KVM_CAP_GUEST_MEMFD.
		 */
		report(p.gmem_cap_sys == 1, "KVM_CAP_GUEST_MEMFD on /dev/kvm is 1 (got %d)", p.gmem_cap_sys);
		report(p.gmem_create == 0, "KVM_CREATE_GUEST_MEMFD(4 KiB) on a default VM succeeds "
		       "(6.12 kvm_gmem_create: no VM-type check) (got %s)", errname(p.gmem_create));
		report(p.gmem_bad_flags == -22, "KVM_CREATE_GUEST_MEMFD with flags bit 31 is EINVAL (got %s)",
		       errname(p.gmem_bad_flags));
		if (p.gmem_cap_vm > 0)
			report(p.gmem_bind == 0, "binding it (KVM_MEM_GUEST_MEMFD) succeeds: the default VM "
			       "reports KVM_CAP_GUEST_MEMFD %d (got %s)", p.gmem_cap_vm, errname(p.gmem_bind));
		else
			report(p.gmem_bind == -22, "binding it (KVM_SET_USER_MEMORY_REGION2 with "
			       "KVM_MEM_GUEST_MEMFD) on a VM without private memory is EINVAL "
			       "(check_memory_region_flags) (got %s)", errname(p.gmem_bind));
	}
	report_prefix_pop();
}

/* ---- launch API, positive paths (SNP hosts; §C.5) ---- */
static void check_launch_snp(void)
{
	static const char *const names[VMC_SNP_NPT] = { "NORMAL", "ZERO", "UNMEASURED", "SECRETS", "CPUID" };
	struct vmc_snp_launch l;
	int r;

	report_prefix_push("launch-snp");
	HARNESS_REQ_INIT(l, VMC_OP_SNP_LAUNCH);
	r = harness_call(&l);
	if (r == -VMC_EOPNOTSUPP || r == -VMC_ENOSYS) {
		report_skip("SNP launch start/update/finish through guest_memfd: %s, plus /dev/sev for "
			    "the harness", SNP_REASON);
		report_prefix_pop();
		return;
	}
	if (r < 0)
		report_abort("SNP_LAUNCH failed: %s", harness_strerror(r));
	report(l.create_vm == 0 && l.init2 == 0, "KVM_CREATE_VM(SNP) and KVM_SEV_INIT2 succeed (%s, %s)",
	       errname(l.create_vm), errname(l.init2));
	report(l.gmem == 0 && l.memslot == 0 && l.attrs == 0,
	       "guest_memfd, memslot and PRIVATE attributes set up (%s %s %s)",
	       errname(l.gmem), errname(l.memslot), errname(l.attrs));
	report(l.start == 0, "SNP_LAUNCH_START with policy 0x30000 succeeds (%s)", errname(l.start));
	for (int i = 0; i < VMC_SNP_NPT; i++)
		report(l.update[i] == 0 && l.update_left[i] == 0,
		       "SNP_LAUNCH_UPDATE of one %s page completes (ret %s, len left %lu, fw error %u)",
		       names[i], errname(l.update[i]), (unsigned long)l.update_left[i], l.update_fw[i]);
	report(l.big_ret == 0 && l.big_consistent,
	       "a 64-page update ends with len 0, every call moving gfn_start/uaddr/len by the same "
	       "number of pages (AME; 6.12 returns 0 with the fields updated, the spec's -EAGAIN "
	       "is accepted too) (ret %s, %u calls, consistent %u)",
	       errname(l.big_ret), l.big_calls, l.big_consistent);
	report(l.bad_cpuid_ret == -5 && l.bad_cpuid_fw == 0x16 && l.bad_cpuid_changed && l.bad_cpuid_fixed,
	       "a CPUID page claiming every leaf-1 bit fails (-EIO, SEV_RET_INVALID_PARAM 0x16) and the "
	       "firmware's corrected page is copied back (ret %s fw %#x changed %u fixed %u)",
	       errname(l.bad_cpuid_ret), l.bad_cpuid_fw, l.bad_cpuid_changed, l.bad_cpuid_fixed);
	report(l.vcpu == 0 && l.finish == 0, "a vCPU and SNP_LAUNCH_FINISH succeed (%s, %s, fw %u)",
	       errname(l.vcpu), errname(l.finish), l.finish_fw);
	report_prefix_pop();
}

/* ---- not an SNP guest (F24, F25) ---- */
static void check_not_snp(bool tcg)
{
	uint64_t v = 0;
	unsigned int ret;
	int vec;
	bool run_insn;
	const char *why = NULL;

	report_prefix_push("non-snp");
	if (snp_active()) {
		report_skip("RDMSR SEV_STATUS -> #GP (F24), PVALIDATE/RMPADJUST -> #UD (F25): this is an "
			    "SNP guest");
		report_prefix_pop();
		return;
	}
	if (!sev_active()) {
		if (tcg) {
			report_skip("RDMSR SEV_STATUS -> #GP (F24): QEMU TCG ignores unknown MSRs; run under "
				    "KVM (qemu -accel kvm, the harness or vmtest)");
		} else {
			int r = msr_read(MSR_AMD64_SEV, &v, false, NULL);

			report(r == GP_VECTOR_, "RDMSR SEV_STATUS (0xC0010131) in a non-SEV guest raises #GP "
			       "(F24) (vector %d, value %#lx)", r, v);
		}
	} else {
		report_skip("RDMSR SEV_STATUS -> #GP (F24): this guest is an SEV guest");
	}
	/* PVALIDATE / RMPADJUST -> #UD outside an SNP guest (F25) */
	if (have_harness)
		run_insn = hello.features & VMC_FEAT_HOST_VMX_SVM;
	else
		run_insn = tcg;
	if (have_harness && hello.flavor == VMC_FLAVOR_KVM_PVM)
		why = "kvm_pvm stops the VM with an emulation failure on PVALIDATE/RMPADJUST "
		      "(spec E.3, host limitation); ./run_tests.sh --runner=vmtest runs it under kvm_amd";
	else if (!have_harness && !tcg)
		why = "under QEMU+KVM the KVM flavor is unknown (kvm_pvm would stop the VM): "
		      "run under TCG, the harness or vmtest";
	else if (!run_insn)
		why = "needs a VMX/SVM KVM (kvm_intel/kvm_amd)";
	if (why) {
		report_skip("PVALIDATE and RMPADJUST raise #UD in a non-SNP guest (F25): %s", why);
	} else {
		static uint8_t page[4096] __attribute__((aligned(4096)));

		vec = pvalidate_fault((uintptr_t)page, RMP_PG_SIZE_4K, true, &ret);
		report(vec == UD_VECTOR_, "PVALIDATE in a non-SNP guest raises #UD (F25) (vector %d)", vec);
		vec = rmpadjust_fault((uintptr_t)page, RMP_PG_SIZE_4K, 1, &ret);
		report(vec == UD_VECTOR_, "RMPADJUST in a non-SNP guest raises #UD (F25) (vector %d)", vec);
	}
	report_prefix_pop();
}

/* ---- SNP guest (F27–F30) ---- */
static uint8_t tpage[2][4096] __attribute__((aligned(4096)));	/* 4K test pages in the image */
extern char __image_end[];

/*
 * A 2^order-page, size-aligned block for the 2M checks.  Under x86_64-efi
 * (the only way to an SNP guest) the page allocator has only the EFI region
 * holding the image, which may end below the next 4 MiB boundary (OVMF keeps
 * 8 MiB+ for itself): take the block from another usable region instead.
 */
static uint64_t scratch_used;	/* blocks are handed out once, upwards */

static void *scratch_block(unsigned int order)
{
	uint64_t size = 4096ull << order;

	if (efi_boot_info) {
		uint32_t n = efi_boot_info->nmem > VMC_EFI_MAX_MEM ? VMC_EFI_MAX_MEM :
			     efi_boot_info->nmem;

		for (uint32_t i = 0; i < n; i++) {
			const struct vmc_efi_mem *m = &efi_boot_info->mem[i];
			uint64_t lo = m->base > scratch_used ? m->base : scratch_used;
			uint64_t a = (lo + size - 1) & ~(size - 1);
			uint64_t img = (uintptr_t)__image_end;

			if (m->type != 1 || (m->base <= img && img < m->base + m->len))
				continue;	/* not usable, or the allocator's region */
			if (a + size <= m->base + m->len && a + size <= 0x100000000ull) {
				scratch_used = a + size;
				return (void *)(uintptr_t)a;
			}
		}
	}
	return alloc_pages(order);
}

/* why scratch_block(order) gave NULL: what it searched (for the failure message) */
static const char *scratch_none(unsigned int order)
{
	static char buf[160];
	uint32_t n = !efi_boot_info ? 0 : efi_boot_info->nmem > VMC_EFI_MAX_MEM ?
		     VMC_EFI_MAX_MEM : efi_boot_info->nmem;

	snprintf(buf, sizeof(buf), "none free in %u EFI map entries (conventional, below "
		 "4 GiB, from %#lx up), and alloc_pages(%u) returned NULL",
		 n, scratch_used, order);
	return buf;
}

static void skip_snp_guest(void)
{
	report_skip("SNP guest: SEV_STATUS, SEV_INFO, GHCB registration, CC blob, CPUID table, "
		    "secrets page (F27): %s", SNP_REASON);
	report_skip("SNP guest: page-state change through the GHCB MSR protocol (F28): %s", SNP_REASON);
	report_skip("SNP guest: page-state change through the GHCB page: merging, 2M, cur_page, bad "
		    "header/entry, SMASH/UNSMASH (F29): %s", SNP_REASON);
	report_skip("SNP guest: PVALIDATE CF/FAIL_INPUT/FAIL_SIZEMISMATCH, RMPADJUST own VMPL (F30): %s",
		    SNP_REASON);
	report_skip("SNP guest: shared data reaches the host; PSC + PVALIDATE order (C.2): %s", SNP_REASON);
}

/* ---- the host's view (vmc-harness --vm-type=snp only) ---- */
static uint32_t psc_count(void)
{
	struct vmc_snp_psc_log l;

	HARNESS_REQ_INIT(l, VMC_OP_SNP_PSC_LOG);
	l.index = ~0u;
	harness_call(&l);	/* -EINVAL (no such entry), total written all the same */
	return l.total;
}

/*
 * The page-state-change exits the host served since count t0 must be
 * exactly want[0..n) (gpa, npages, attrs: §C.4 / F28 / F29) and answered 0.
 */
static void host_psc_check(const char *what, uint32_t t0, const struct psc_exit *want, int n)
{
	struct vmc_snp_psc_log l;
	int got = 0, bad = -1;

	if (!snp_vmm)
		return;
	for (uint32_t i = t0; got < 16; i++, got++) {
		HARNESS_REQ_INIT(l, VMC_OP_SNP_PSC_LOG);
		l.index = i;
		if (harness_call(&l) < 0)
			break;
		if (bad < 0 && (got >= n || l.rec.gpa != want[got].gpa ||
				l.rec.npages != want[got].npages || l.rec.attrs != want[got].attrs ||
				l.rec.ret != 0))
			bad = got;
		if (bad == got)
			report_info("%s: host exit %d: gpa %#lx npages %lu attrs %#lx ret %#lx", what,
				    got, l.rec.gpa, l.rec.npages, l.rec.attrs, l.rec.ret);
	}
	report(got == n && bad < 0, "%s: the host saw %d KVM_HC_MAP_GPA_RANGE exit(s) with "
	       "KVM's args (want %d%s%#lx/%lu/%#lx) (F28/F29, C.4)", what, got, n,
	       n ? ", first " : ", none", n ? want[0].gpa : 0, n ? want[0].npages : 0,
	       n ? want[0].attrs : 0);
}

/* the exit log has exactly one hypercall-12 exit since the mark, for gpa */
static void host_exitlog_check(const char *what, uint64_t gpa)
{
	uint32_t total = 0, lost = 0;
	int n;

	if (!snp_vmm)
		return;
	n = harness_exit_read(xrec, ARRAY_SIZE(xrec), VMC_READ_F_REASON | VMC_READ_F_INDEX,
			      3 /* KVM_EXIT_HYPERCALL */, 12 /* KVM_HC_MAP_GPA_RANGE */, &total, &lost);
	report(n == 1 && total == 1 && !lost && xrec[0].data == gpa,
	       "%s: the exit log holds one exit 3 (HYPERCALL) nr 12 for GPA %#lx (F28) "
	       "(read %d, total %u, lost %u, data %#lx)", what, gpa, n, total, lost,
	       n > 0 ? xrec[0].data : 0);
}

static int shared_read(uint64_t gpa, uint8_t *out, uint32_t len)
{
	struct vmc_snp_shared_read r;
	int ret;

	HARNESS_REQ_INIT(r, VMC_OP_SNP_SHARED_READ);
	r.gpa = gpa;
	r.len = len;
	ret = harness_call(&r);
	if (ret == 0)
		memcpy(out, r.data, len);
	return ret;
}

static void check_snp_status(void)
{
	uint64_t v = rdmsr(MSR_AMD64_SEV), req;
	struct ghcb_resp g;
	const struct cc_blob_sev_info *cc = sev_cc_blob();

	report((v & 7) == 7 && v == sev_status(),
	       "SEV_STATUS has SEV, SEV-ES and SNP (bits 0-2) and is what the stub read (%#lx, %#lx)",
	       v, sev_status());
	req = ghcb_msr_sev_info_req();
	g = ghcb_msr_check(req, ghcb_msr_call(req));
	report(g.status == GHCB_RESP_OK && g.proto_min <= 2 && g.proto_max >= 2,
	       "SEV_INFO answers 0x001 with a protocol range holding 2 (status %d, %u..%u)",
	       g.status, g.proto_min, g.proto_max);
	report(g.cbit == sev_cbit(), "SEV_INFO C-bit %u is CPUID 0x8000001F EBX[5:0] %u", g.cbit, sev_cbit());
	req = ghcb_msr_reg_gpa_req(ghcb_gpa() >> 12);
	g = ghcb_msr_check(req, ghcb_msr_call(req));
	report(g.status == GHCB_RESP_OK, "GHCB GPA registration (0x012) echoes GFN %#lx (status %d, got %#lx)",
	       ghcb_gpa() >> 12, g.status, g.value);
	req = ghcb_msr_hv_ft_req();
	g = ghcb_msr_check(req, ghcb_msr_call(req));
	report(g.status == GHCB_RESP_OK && (g.value & GHCB_HV_FT_SNP),
	       "HV features (0x080) include SNP (bit 0) (status %d, features %#lx)", g.status, g.value);
	if (!cc) {
		report(false, "the EFI configuration table holds a CC blob (EFI_CC_BLOB_GUID) "
		       "(the stub's boot block: %s, cc_blob %#lx)",
		       efi_boot_info ? "present" : "none (not an EFI boot)",
		       efi_boot_info ? efi_boot_info->cc_blob : 0);
		return;
	}
	report(cc->magic == CC_BLOB_SEV_HDR_MAGIC, "CC blob magic is \"AMDE\" (%#x), version %u",
	       cc->magic, cc->version);
	report(cc_blob_check(cc) == CC_BLOB_OK,
	       "CC blob names a CPUID page (>= 4 KiB) and a 4 KiB secrets page (check %d: cpuid %#lx+%u, "
	       "secrets %#lx+%u)", cc_blob_check(cc), cc->cpuid_phys, cc->cpuid_len, cc->secrets_phys,
	       cc->secrets_len);
	if (cc_blob_check(cc) != CC_BLOB_OK)
		return;
	{
		const struct snp_cpuid_table *t = (const void *)(uintptr_t)cc->cpuid_phys;
		unsigned int compared = 0, bad = 0;

		report(t->count >= 1 && t->count <= SNP_CPUID_MAX, "CPUID table has 1-64 entries (%u)", t->count);
		for (uint32_t i = 0; i < t->count && i < SNP_CPUID_MAX; i++) {
			const struct snp_cpuid_fn *e = &t->fn[i];
			uint32_t want[4] = { e->eax, e->ebx, e->ecx, e->edx };

			/* the MSR protocol has no sub-leaf: only leaves it can name */
			if (snp_cpuid_fixed_up(e->eax_in) || (snp_cpuid_indexed(e->eax_in) && e->ecx_in))
				continue;
			if (e->eax_in >= 0x40000000 && e->eax_in < 0x80000000)
				continue;	/* hypervisor leaves are not the firmware's to check */
			compared++;
			for (int r = 0; r < 4; r++) {
				uint64_t q = ghcb_msr_cpuid_req(e->eax_in, (enum ghcb_cpuid_reg)r);
				struct ghcb_resp c = ghcb_msr_check(q, ghcb_msr_call(q));

				if (c.status != GHCB_RESP_OK || c.value != want[r]) {
					if (!bad++)
						report_info("CPUID %#x reg %d: table %#x, hypervisor %#lx",
							    e->eax_in, r, want[r], c.value);
				}
			}
		}
		report(compared && !bad, "CPUID table entries agree with the hypervisor's CPUID for %u "
		       "leaves the firmware does not fix up (%u registers differ)", compared, bad);
	}
	{
		const struct snp_secrets_head *s = (const void *)(uintptr_t)cc->secrets_phys;

		report(snp_secrets_version_known(s->version), "secrets page version is 2 or 3 (%u)", s->version);
		report(snp_vmpck_nonzero(s->vmpck[0]), "secrets page VMPCK0 is not all zero "
		       "(first byte %#x)", s->vmpck[0][0]);
	}
}

static void check_snp_msr_psc(void)
{
	uintptr_t va = (uintptr_t)tpage[0];
	uint64_t resp, r;

	uint32_t t0 = snp_vmm ? psc_count() : 0;
	struct psc_exit want;

	if (snp_vmm)
		harness_exit_mark();
	r = snp_page_make_shared(va);
	report(r == 0, "4K page private -> shared: PVALIDATE(rescind), PSC MSR shared answers 0x015 "
	       "(F28) (step error %#lx)", r);
	want = (struct psc_exit){ va, 1, MAP_GPA_RANGE_DECRYPTED | MAP_GPA_RANGE_PAGE_SZ_4K };
	host_psc_check("MSR PSC shared", t0, &want, 1);
	host_exitlog_check("MSR PSC shared", va);
	if (r == 0) {
		memset(tpage[0], 0xa5, 4096);
		report(tpage[0][4095] == 0xa5, "the shared page is writable without the C-bit "
		       "(wrote 0xa5, read %#x)", tpage[0][4095]);
		if (snp_vmm) {
			uint8_t seen[VMC_SNP_READ_MAX];
			int rr, same = 0;

			memset(seen, 0, sizeof(seen));
			rr = shared_read(va + 4096 - sizeof(seen), seen, sizeof(seen));
			for (unsigned i = 0; i < sizeof(seen); i++)
				same += seen[i] == 0xa5;
			report(rr == 0 && same == (int)sizeof(seen), "data written while shared reaches the "
			       "host: it reads the 0xa5 the guest wrote at that GPA (C.2) (ret %d, %d of %u "
			       "bytes)", rr, same, (unsigned)sizeof(seen));
		} else {
			report_skip("data written while shared reaches the host: needs vmc-harness "
				    "--vm-type=snp as the SNP VMM (cfg snp-harness)");
		}
	}
	t0 = snp_vmm ? psc_count() : 0;
	resp = ghcb_msr_call(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_PSMASH));
	host_psc_check("MSR PSC op 3", t0, NULL, 0);
	report(resp == GHCB_MSR_PSC_KVM_FAIL, "PSC MSR request with op 3 answers BIT(63)|0x015 without "
	       "an exit (C.4) (got %#lx)", resp);
	/* back: C-bit, PSC private, then a read before PVALIDATE must #VC */
	sev_set_page_encrypted(va, true);
	t0 = snp_vmm ? psc_count() : 0;
	resp = ghcb_msr_call(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_PRIVATE));
	report(resp == GHCB_MSR_PSC_RESP, "PSC MSR private answers 0x015 (got %#lx)", resp);
	want = (struct psc_exit){ va, 1, MAP_GPA_RANGE_ENCRYPTED | MAP_GPA_RANGE_PAGE_SZ_4K };
	host_psc_check("MSR PSC private", t0, &want, 1);
	{
		struct fault f;
		uint8_t x = 0;

		fault_arm();
		asm volatile(FAULT_INSN("movb (%1), %0") : "+q"(x) : "r"(va) : "memory");
		f = fault_take();
		report(f.raised && f.vector == VC_VECTOR_, "a private page not yet PVALIDATEd raises #VC on "
		       "access (C.2 order) (raised %d vector %u error %#lx; APM: 0x404 unverified)",
		       f.raised, f.vector, f.error_code);
	}
	r = pvalidate(va, RMP_PG_SIZE_4K, true, NULL);
	report(r == PVALIDATE_OK, "PVALIDATE(validate) after PSC private succeeds (%s)", pvalidate_ret_name(r));
	{
		volatile uint8_t *p = tpage[0];
		int same = 0;

		for (int i = 4080; i < 4096; i++)
			same += p[i] == 0xa5;
		p[0] = 0x3c;
		report(p[0] == 0x3c && same < 16, "the page is private again: writes read back, and the "
		       "plaintext written while shared is not what the private page holds (%d of 16 "
		       "bytes still 0xa5)", same);
	}
}

static void check_snp_pvalidate(void)
{
	uintptr_t va = (uintptr_t)tpage[1];
	uint8_t *big = scratch_block(9);	/* 2 MiB, 2 MiB aligned */
	bool cf = false;
	unsigned int r;

	r = pvalidate(va, RMP_PG_SIZE_4K, false, &cf);
	report(r == PVALIDATE_OK && !cf, "PVALIDATE(rescind) of a validated 4K page succeeds (%s)",
	       pvalidate_ret_name(r));
	r = pvalidate(va, RMP_PG_SIZE_4K, false, &cf);
	report(cf, "PVALIDATE(rescind) again sets CF = 1 (no change) (F30) (%s)", pvalidate_ret_name(r));
	r = pvalidate(va, RMP_PG_SIZE_4K, true, &cf);
	report(r == PVALIDATE_OK && !cf, "PVALIDATE(validate) succeeds (%s)", pvalidate_ret_name(r));
	r = pvalidate(va, RMP_PG_SIZE_4K, true, &cf);
	report(cf, "PVALIDATE(validate) again sets CF = 1 (F30) (%s)", pvalidate_ret_name(r));
	r = pvalidate(va, RMP_PG_SIZE_2M, true, &cf);
	report(r == PVALIDATE_FAIL_INPUT, "PVALIDATE 2M at a VA that is not 2M aligned is FAIL_INPUT (1) "
	       "(F30) (%s)", pvalidate_ret_name(r));
	if (!big) {
		report(false, "a 2 MiB aligned block for the 2M checks (%s)", scratch_none(9));
		return;
	}
	/* a 4K conversion leaves 4K RMP entries in the block: 2M over them mismatches */
	snp_page_make_shared((uintptr_t)big);
	snp_page_make_private((uintptr_t)big);
	r = pvalidate((uintptr_t)big, RMP_PG_SIZE_2M, false, &cf);
	report(r == PVALIDATE_FAIL_SIZEMISMATCH, "PVALIDATE 2M over 4K RMP entries is FAIL_SIZEMISMATCH (6) "
	       "(F30) (%s)", pvalidate_ret_name(r));
	if (r == PVALIDATE_OK)
		pvalidate((uintptr_t)big, RMP_PG_SIZE_2M, true, NULL);
	report_skip("PVALIDATE 2M validate/rescind success: needs 2 MiB private backing (guest_memfd "
		    "hugepages; Linux 6.12 backs private memory with 4K pages)");
	r = rmpadjust(va, RMP_PG_SIZE_4K, 0);
	report(r != 0, "RMPADJUST targeting the caller's own VMPL 0 fails (F30) (EAX %u)", r);
	r = rmpadjust(va, RMP_PG_SIZE_4K, 1);
	report(r == 0, "RMPADJUST targeting VMPL1 with no permissions succeeds at VMPL0 (EAX %u)", r);
}

/* one GHCB PSC call, its result and buffer compared with KVM's rules (C.4) */
static void psc_expect(const char *what, struct psc_buffer *buf, uint64_t want)
{
	static struct psc_buffer model;
	struct psc_exit ex[8];
	uint64_t mres, got;
	uint32_t t0 = snp_vmm ? psc_count() : 0;
	int nex;

	memcpy(&model, buf, sizeof(model));
	nex = psc_kvm_model(&model, true, ex, 8, &mres);
	got = snp_psc_ghcb(buf);
	if (nex >= 0)
		host_psc_check(what, t0, ex, nex);
	report(got == want && mres == want && buf->hdr.cur_entry == model.hdr.cur_entry &&
	       !memcmp(buf->entries, model.entries, sizeof(model.entries)),
	       "GHCB PSC %s: SW_EXITINFO2 %#lx (want %#lx), cur_entry %u (want %u), entries as KVM "
	       "updates them (F29)", what, got, want, buf->hdr.cur_entry, model.hdr.cur_entry);
}

static void check_snp_ghcb_psc(void)
{
	static struct psc_buffer buf;
	uint8_t *blk = scratch_block(10);	/* 4 MiB, 4 MiB aligned: two 2M regions */
	uint64_t gfn;
	uint8_t b0, b1;

	if (!blk) {
		report(false, "a 4 MiB aligned block for the GHCB PSC checks (%s)", scratch_none(10));
		return;
	}
	gfn = (uintptr_t)blk >> 12;
	/* the guest's half of the order: rescind before going shared */
	for (int i = 0; i < 1024; i++)
		pvalidate((uintptr_t)blk + i * 4096ull, RMP_PG_SIZE_4K, false, NULL);
	memset(&buf, 0, sizeof(buf));
	buf.hdr.end_entry = 253;
	buf.entries[0] = psc_entry(gfn, SNP_PSC_OP_SHARED, false, 0);
	psc_expect("end_entry 253 (254 entries)", &buf, PSC_ERR_BAD_HDR);
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(gfn + 1, SNP_PSC_OP_SHARED, true, 0);
	psc_expect("2M entry at a GFN not 512-aligned", &buf, PSC_ERR_BAD_ENTRY);
	buf.entries[0] = psc_entry(gfn, SNP_PSC_OP_SHARED, true, 513);
	psc_expect("2M entry with cur_page 513", &buf, PSC_ERR_BAD_ENTRY);
	/* several adjacent 4K entries: one merged range */
	memset(&buf, 0, sizeof(buf));
	for (int i = 0; i < 8; i++)
		buf.entries[i] = psc_entry(gfn + i, SNP_PSC_OP_SHARED, false, 0);
	buf.hdr.end_entry = 7;
	psc_expect("8 adjacent 4K entries to shared", &buf, 0);
	/* mixed: 2M (second region), then 4K back to private, with a non-zero cur_page */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(gfn + 512, SNP_PSC_OP_SHARED, true, 0);
	buf.entries[1] = psc_entry(gfn + 8, SNP_PSC_OP_SHARED, false, 0);
	buf.entries[2] = psc_entry(gfn + 9, SNP_PSC_OP_SHARED, false, 0);
	buf.hdr.end_entry = 2;
	psc_expect("2M + two 4K entries to shared", &buf, 0);
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(gfn + 512, SNP_PSC_OP_PRIVATE, true, 500);
	buf.hdr.end_entry = 0;
	psc_expect("2M entry to private with cur_page 500 (last 12 pages)", &buf, 0);
	/* SMASH / UNSMASH: KVM completes them without an exit or a change */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(gfn + 512, SNP_PSC_OP_PSMASH, true, 0);
	buf.entries[1] = psc_entry(gfn + 512, SNP_PSC_OP_UNSMASH, true, 0);
	buf.hdr.end_entry = 1;
	psc_expect("SMASH then UNSMASH of a 2M entry", &buf, 0);
	/* everything back to private and validated, in the documented order */
	psc_build(&buf, (uintptr_t)blk, 2 * SZ_2M, SNP_PSC_OP_PRIVATE, true, 64);
	psc_expect("whole block back to private (2 x 2M)", &buf, 0);
	for (int i = 0; i < 1024; i++)
		pvalidate((uintptr_t)blk + i * 4096ull, RMP_PG_SIZE_4K, true, NULL);
	((volatile uint8_t *)blk)[0] = 0x5a;
	((volatile uint8_t *)blk)[2 * SZ_2M - 1] = 0xa5;
	b0 = ((volatile uint8_t *)blk)[0];
	b1 = ((volatile uint8_t *)blk)[2 * SZ_2M - 1];
	report(b0 == 0x5a && b1 == 0xa5, "the block reads back what was written after PSC "
	       "private + PVALIDATE (first byte %#x, want 0x5a; last %#x, want 0xa5)", b0, b1);
}

static void check_snp_guest(void)
{
	report_prefix_push("snp-guest");
	if (snp_vmm) {
		uint64_t rc = snp_page_make_shared((uintptr_t)xrec);

		if (rc) {
			report(false, "the EXIT_READ buffer page can be made shared (got %#lx: "
			       "0x100 | PVALIDATE's code, else the PSC answer's error)", rc);
			snp_vmm = false;
		}
	}
	if (!ghcb_page()) {
		report(false, "the start code set up a shared GHCB page (none: SEV_STATUS %#lx; "
		       "it is set up when SEV-ES, bit 1, is on)", sev_status());
		report_prefix_pop();
		return;
	}
	check_snp_status();
	check_snp_msr_psc();
	check_snp_pvalidate();
	check_snp_ghcb_psc();
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	char sig[13];
	bool tcg;

	(void)argc;
	(void)argv;
	report_prefix_push("snp");
	cpuid_hv_signature(sig);
	tcg = !strcmp(sig, "TCGTCGTCGTCG");
	report_info("environment: %s, SEV_STATUS at boot %#lx, hypervisor signature \"%s\"",
		    efi_boot_info ? "x86_64-efi" : "x86_64 multiboot", sev_status(), sig);
	if (efi_boot_info)
		report_info("EFI hand-off: %u memory ranges, CC blob at %#lx, C-bit %u",
			    efi_boot_info->nmem, efi_boot_info->cc_blob, efi_boot_info->cbit);
	have_harness = harness_present();
	if (have_harness && harness_hello(&hello) < 0)
		report_abort("HELLO failed");
	snp_vmm = have_harness && (hello.features & VMC_FEAT_SNP_VM) && snp_active();
	if (snp_vmm)
		report_info("SNP guest of vmc-harness --vm-type=snp: host-side checks on");
	if (have_harness) {
		check_launch_probe();
		check_launch_snp();
	} else {
		report_skip("launch API (KVM_CAP_VM_TYPES, KVM_CREATE_VM(SNP) F26, MEMORY_ENCRYPT_OP, "
			    "guest_memfd): %s (runner = harness or vmtest)", HARNESS_SKIP_REASON);
	}
	if (snp_active())
		check_snp_guest();
	else
		skip_snp_guest();
	check_not_snp(tcg);
	return report_summary();
}
