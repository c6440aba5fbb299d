/*
 * page_enc: a guest reports which pages are encrypted with
 * KVM_HC_MAP_GPA_RANGE (nr 12) and the host VMM keeps the page-encryption
 * map from the KVM_EXIT_HYPERCALL exits (specs/kvm-x86.md §B; the SEV
 * live-migration series, where the map decides how each page is migrated).
 * A KVM that loses, merges or mangles these exits leaves the VMM with a
 * wrong map, so every call below is checked twice: at the exit (nr, args,
 * long-mode flag, RAX) and in the map the harness built from the exits.
 * Rules checked:
 *  F16/F17 (VMX/SVM only) nr 12 with 4K, 2M and 1G page-size attributes,
 *      encrypted and decrypted, exits with exactly the guest's arguments
 *      and the guest resumes with the host's answer in RAX;
 *  the map then holds each 4 KiB page of every accepted range in the state
 *      the guest asked for (2M/1G attributes do not scale npages), and no
 *      page outside it changed: for ranges flipped back and forth,
 *      overlapping ranges, and read-backs that cross page boundaries; a
 *      call the host answers with an error (RAX != 0) changes nothing;
 *  F21 KVM_GET_SUPPORTED_CPUID leaves 0x40000001.EAX bits 16
 *      (HC_MAP_GPA_RANGE) and 17 (MIGRATION_CONTROL) clear; the guest sees
 *      them exactly when the VMM sets them (args "pv-features" = this run's
 *      harness sets both, unittests.cfg [page_enc-pv-features]);
 *  F15 MSR_KVM_MIGRATION_CONTROL (0x4b564d08): without a filter RDMSR and
 *      WRMSR raise #GP(0); with a filter denying it and FILTER in the exit
 *      mask both exit to userspace with that index, reason FILTER (4) and,
 *      for WRMSR, the value written.  (The values the harness emulates are
 *      its own contract, checked in x86/msr_filter.c.)
 * Hypercall checks need KVM on VMX/SVM (on kvm_pvm a VMCALL never returns,
 * §E.3): they SKIP there; the CPUID and MSR checks run on any KVM.
 */
#include "vmc.h"
#include "processor.h"
#include "channel.h"
#include "hypercall.h"
#include "msrfilter.h"

#define NR	VMC_KVM_HC_MAP_GPA_RANGE
#define ENC	VMC_MAP_GPA_RANGE_ENCRYPTED
#define SZ_2M	VMC_MAP_GPA_RANGE_PAGE_SZ_2M
#define SZ_1G	VMC_MAP_GPA_RANGE_PAGE_SZ_1G
#define MC	VMC_MSR_KVM_MIGRATION_CONTROL
#define PV_BITS	((1u << VMC_KVM_FEATURE_HC_MAP_GPA_RANGE) | \
		 (1u << VMC_KVM_FEATURE_MIGRATION_CONTROL))

static enum hc_insn native;
/* what the guest expects the map to hold for [BASE, BASE + NPAGES pages) */
#define BASE	0x800000ull
#define NPAGES	2048
static uint8_t want[NPAGES];
static uint8_t got[HC_MAP_CHUNK];

/* one nr 12 call: exit fields and RAX; returns true if it exited as it should */
static bool call(const char *what, uint64_t gpa, uint64_t npages, uint64_t attrs,
		 uint64_t answer)
{
	struct vmc_hc_rec rec;
	struct hc_result res;
	uint32_t total = 0;
	int r;

	r = harness_hc_config(1ull << NR, answer, NULL);
	if (r)
		report_abort("HC_CONFIG failed: %d", r);
	res = kvm_hypercall(native, HC_LONG, NR, gpa, npages, attrs);
	r = harness_hc_read(0, &rec, &total);
	return report(r == 0 && total == 1 && rec.nr == NR && rec.args[0] == gpa &&
		      rec.args[1] == npages && rec.args[2] == attrs &&
		      (rec.flags & VMC_HC_F_LONG_MODE) && rec.rip == res.at && res.ret == answer,
		      "%s: one exit nr 12 with 0x%llx %llu 0x%llx, long mode, RAX = answer 0x%llx "
		      "(%u exits: nr %llu args 0x%llx %llu 0x%llx flags %x; RAX 0x%llx)", what,
		      (unsigned long long)gpa, (unsigned long long)npages,
		      (unsigned long long)attrs, (unsigned long long)answer, total,
		      (unsigned long long)rec.nr, (unsigned long long)rec.args[0],
		      (unsigned long long)rec.args[1], (unsigned long long)rec.args[2], rec.flags,
		      (unsigned long long)res.ret);
}

static void want_set(uint64_t gpa, uint64_t npages, bool enc)
{
	for (uint64_t p = 0; p < npages; p++) {
		uint64_t i = (gpa - BASE) / 4096 + p;

		if (i < NPAGES)
			want[i] = enc;
	}
}

/* the map over [from, from + n pages) (inside the BASE window) equals want[] */
static void map_check(const char *what, uint64_t from, uint32_t n)
{
	uint32_t first_bad = ~0u, checked = 0;

	while (checked < n) {
		uint32_t chunk = n - checked > HC_MAP_CHUNK ? HC_MAP_CHUNK : n - checked;
		uint64_t gpa = from + (uint64_t)checked * 4096;
		int r = harness_hc_map_read(gpa, chunk, got, NULL);

		if (r)
			report_abort("HC_MAP_READ 0x%llx +%u failed: %d", (unsigned long long)gpa,
				     chunk, r);
		for (uint32_t i = 0; i < chunk && first_bad == ~0u; i++)
			if (got[i] != want[(gpa - BASE) / 4096 + i])
				first_bad = checked + i;
		checked += chunk;
	}
	report(first_bad == ~0u, "%s: the host map holds what the guest reported for %u pages "
	       "from 0x%llx (first wrong page %d)", what, n, (unsigned long long)from,
	       first_bad == ~0u ? -1 : (int)first_bad);
}

static void map_calls(void)
{
	report_prefix_push("map");
	memset(want, 0, sizeof(want));
	map_check("initially", BASE, NPAGES);
	if (call("4K encrypted", BASE + 0x1000, 8, ENC, 0))
		want_set(BASE + 0x1000, 8, true);
	map_check("4K encrypted", BASE, 16);
	if (call("2M encrypted", BASE + 0x200000, 512, SZ_2M | ENC, 0))
		want_set(BASE + 0x200000, 512, true);
	map_check("2M encrypted", BASE + 0x1ff000, 514);
	if (call("overlapping 4K decrypted", BASE + 0x5000, 8, 0, 0))
		want_set(BASE + 0x5000, 8, false);
	map_check("overlapping 4K decrypted", BASE, 16);
	if (call("2M range, half decrypted", BASE + 0x300000, 256, SZ_2M, 0))
		want_set(BASE + 0x300000, 256, false);
	map_check("2M range, half decrypted", BASE + 0x200000, 512);
	for (int i = 0; i < 4; i++) {
		bool enc = !(i & 1);

		if (call(enc ? "flip to encrypted" : "flip to decrypted", BASE + 0x2000, 1,
			 enc ? ENC : 0, 0))
			want_set(BASE + 0x2000, 1, enc);
		map_check(enc ? "flip to encrypted" : "flip to decrypted", BASE + 0x1000, 3);
	}
	if (call("1G attrs, 4 pages", BASE + 0x3f0000, 4, SZ_1G | ENC, 0))
		want_set(BASE + 0x3f0000, 4, true);
	map_check("1G attrs, 4 pages", BASE + 0x3ee000, 8);
	/* the host refuses: RAX is its answer and the map must not change */
	call("host refuses", BASE + 0x10000, 4, ENC, (uint64_t)-VMC_KVM_EINVAL);
	map_check("host refuses", BASE + 0xe000, 8);
	map_check("whole window", BASE, NPAGES);
	report_prefix_pop();
}

static void pv_cpuid(bool asked)
{
	struct vmc_hc_pv_cpuid c;
	uint32_t max = cpuid(0x40000000).a;
	uint32_t eax = max >= 0x40000001 ? cpuid(0x40000001).a : 0;
	int r = harness_hc_pv_cpuid(&c);

	report_prefix_push("cpuid");
	if (r)
		report_abort("HC_PV_CPUID failed: %d", r);
	report(c.found && !(c.supported_eax & PV_BITS),
	       "KVM_GET_SUPPORTED_CPUID 0x40000001.EAX has bits 16/17 clear (found %u, EAX 0x%x)",
	       c.found, c.supported_eax);
	report((eax & PV_BITS) == (asked ? PV_BITS : 0),
	       "the guest's CPUID 0x40000001.EAX has bits 16/17 %s (EAX 0x%x)",
	       asked ? "set: this run's VMM sets them" : "clear: this VMM does not set them", eax);
	report((eax & ~PV_BITS) == (c.supported_eax & ~PV_BITS),
	       "the other PV feature bits are what KVM supports (guest 0x%x, KVM 0x%x)", eax,
	       c.supported_eax);
	report_prefix_pop();
}

static void migration_control(void)
{
	struct vmc_msr_exit e[2];
	uint64_t v = 0;
	uint32_t total = 0;
	int vec, n, kr = 1;
	msrf_filter_t f;

	report_prefix_push("MIGRATION_CONTROL");
	msrf_clear();
	msrf_exit_mask(0);
	vec = msr_read(MC, &v, false, NULL);
	report(vec == GP_VECTOR && msr_last_error_code() == 0,
	       "no filter: RDMSR 0x%x raises #GP(0) (vector %d)", MC, vec);
	vec = msr_write(MC, 1, false, NULL);
	report(vec == GP_VECTOR && msr_last_error_code() == 0,
	       "no filter: WRMSR 0x%x raises #GP(0) (vector %d)", MC, vec);
	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	msrf_set_bit(&f, msrf_add(&f, VMC_MSR_FILTER_READ | VMC_MSR_FILTER_WRITE, MC, 1, true),
		     MC, false);
	if (msrf_install(&f, &kr) || kr || msrf_exit_mask(VMC_MSR_REASON_FILTER))
		report_abort("installing the MIGRATION_CONTROL filter failed");
	msrf_free(&f);
	msrf_reset();
	msr_read(MC, &v, false, NULL);
	msr_write(MC, 1, false, NULL);
	n = msrf_last(e, 2, 0, &total);
	report(n == 2 && total == 2 && e[0].exit_reason == VMC_KVM_EXIT_X86_RDMSR &&
	       e[0].index == MC && e[0].reason == VMC_MSR_REASON_FILTER,
	       "filtered: RDMSR exits to userspace with index 0x%x, reason FILTER (%d exits; "
	       "index 0x%x reason %u)", MC, n, n ? e[0].index : 0, n ? e[0].reason : 0);
	report(n == 2 && e[1].exit_reason == VMC_KVM_EXIT_X86_WRMSR && e[1].index == MC &&
	       e[1].reason == VMC_MSR_REASON_FILTER && e[1].data == 1,
	       "filtered: WRMSR 1 exits with index 0x%x, reason FILTER, data 1 (data 0x%llx)", MC,
	       n == 2 ? (unsigned long long)e[1].data : 0ull);
	msrf_clear();
	msrf_exit_mask(0);
	report_prefix_pop();
}

int main(int argc, char **argv)
{
	struct vmc_hello hello;
	bool asked = false;
	const char *why;
	int64_t cap = -1;

	for (int i = 1; i < argc; i++)
		asked |= !strcmp(argv[i], "pv-features");
	report_prefix_push("page_enc");
	if (!harness_present()) {
		report_skip("page-encryption map, CPUID, MIGRATION_CONTROL: %s", HARNESS_SKIP_REASON);
		return report_summary();
	}
	if (harness_hello(&hello))
		report_abort("HELLO failed");
	pv_cpuid(asked);
	if (msrf_available(&why))
		migration_control();
	else
		report_skip("MIGRATION_CONTROL: %s", why);
	if (!(hello.features & VMC_FEAT_HOST_VMX_SVM)) {
		report_skip("page-encryption map: VMCALL is not a VM exit on %s; needs a VMX/SVM "
			    "host (./run_tests.sh --runner=vmtest)",
			    hello.flavor == VMC_FLAVOR_KVM_PVM ? "kvm_pvm" : "this host");
	} else if (harness_caps(VMC_KVM_CAP_EXIT_HYPERCALL, VMC_CAPS_VM, &cap) || cap <= 0) {
		report_skip("page-encryption map: needs KVM_CAP_EXIT_HYPERCALL (Linux 5.14+)");
	} else {
		native = hc_native(hello.flavor);
		map_calls();
	}
	report_prefix_pop();
	return report_summary();
}
