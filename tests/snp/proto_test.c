/*
 * Host test of lib/x86/sev-proto.c (issue 13) against the tables of
 * specs/kvm-x86.md §C.3–C.5 and Linux 6.12 arch/x86/kvm/svm/sev.c: every GHCB
 * MSR request code and its response, every error code, PSC buffers of
 * 0/1/253/254 entries, misaligned and partly-done 2M entries, merging,
 * SMASH/UNSMASH, the CPUID-table and CC-blob acceptance rules.  Every
 * expected value below is written out from the spec, never computed by the
 * code under test.  Prints "PASS name" / "FAIL name: why" per check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sev-proto.h"

static int nfail;

static void check(int ok, const char *name, const char *fmt, uint64_t a, uint64_t b)
{
	if (ok) {
		printf("PASS %s\n", name);
		return;
	}
	nfail++;
	printf("FAIL %s: ", name);
	printf(fmt, a, b);
	printf("\n");
}
#define EQ(name, got, want) \
	check((uint64_t)(got) == (uint64_t)(want), name, "got %#" PRIx64 ", want %#" PRIx64, \
	      (uint64_t)(got), (uint64_t)(want))

/* §C.3: one row per request code */
struct req_row {
	const char *name;
	uint64_t word;		/* built by the code under test */
	uint64_t want;		/* written from the spec's bit layout */
	int resp;		/* response code from the spec, -1 none */
};

static void test_requests(void)
{
	const struct req_row rows[] = {
		{ "req SEV_INFO 0x002", ghcb_msr_sev_info_req(), 0x002, 0x001 },
		{ "req CPUID 0x004 fn 0x8000001f EBX", ghcb_msr_cpuid_req(0x8000001f, GHCB_CPUID_EBX),
		  0x8000001f40000004ull, 0x005 },
		{ "req CPUID 0x004 fn 1 EDX", ghcb_msr_cpuid_req(1, GHCB_CPUID_EDX), 0x1c0000004ull, 0x005 },
		{ "req AP_RESET 0x006", ghcb_msr_ap_reset_req(), 0x006, 0x007 },
		{ "req PREF_GPA 0x010", ghcb_msr_pref_gpa_req(), 0x010, 0x011 },
		{ "req REG_GPA 0x012 gfn 0x12345", ghcb_msr_reg_gpa_req(0x12345), 0x12345012ull, 0x013 },
		{ "req PSC 0x014 gfn 0x12345 shared", ghcb_msr_psc_req(0x12345, SNP_PSC_OP_SHARED),
		  0x0020000012345014ull, 0x015 },
		{ "req PSC 0x014 gfn max private", ghcb_msr_psc_req(0xffffffffffull, SNP_PSC_OP_PRIVATE),
		  0x001ffffffffff014ull, 0x015 },
		{ "req PSC 0x014 gfn wider than 40 bits is cut", ghcb_msr_psc_req(0x10000000001ull, 1),
		  0x0010000000001014ull, 0x015 },
		{ "req VMPL 0x016 vmpl 1", ghcb_msr_vmpl_req(1), 0x100000016ull, 0x017 },
		{ "req HV_FT 0x080", ghcb_msr_hv_ft_req(), 0x080, 0x081 },
		{ "req TERM 0x100 set 1 reason 4", ghcb_msr_term_req(1, 4), 0x41100, -1 },
		{ "req TERM 0x100 set 0 reason 2", ghcb_msr_term_req(0, 2), 0x20100, -1 },
	};
	char n[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		EQ(rows[i].name, rows[i].word, rows[i].want);
		snprintf(n, sizeof(n), "%s: response code", rows[i].name);
		EQ(n, (int64_t)ghcb_msr_resp_code(ghcb_msr_info(rows[i].word)), (int64_t)rows[i].resp);
	}
	/* codes that are not requests (responses, gaps) have no answer */
	const unsigned int nonreq[] = { 0x000, 0x001, 0x003, 0x005, 0x008, 0x011, 0x013, 0x015,
					0x017, 0x018, 0x081, 0x0ff, 0x101, 0xfff };
	for (size_t i = 0; i < sizeof(nonreq) / sizeof(nonreq[0]); i++) {
		snprintf(n, sizeof(n), "code %#x is no request", nonreq[i]);
		EQ(n, (int64_t)ghcb_msr_resp_code(nonreq[i]), -1);
	}
}

struct resp_row {
	const char *name;
	uint64_t req, resp;
	enum ghcb_resp_status status;
	uint64_t value;
};

static void test_responses(void)
{
	const struct resp_row rows[] = {
		{ "SEV_INFO max 2 min 1 cbit 51", 0x002, 0x0002000133000001ull, GHCB_RESP_OK, 0x0002000133000ull },
		{ "SEV_INFO max 5 min 3: no common protocol", 0x002, 0x0005000333000001ull, GHCB_RESP_BAD_VALUE, 0x0005000333000ull },
		{ "SEV_INFO min > max", 0x002, 0x0001000233000001ull, GHCB_RESP_BAD_VALUE, 0x0001000233000ull },
		{ "SEV_INFO answered with CPUID code", 0x002, 0x0002000133000005ull, GHCB_RESP_WRONG_CODE, 0 },
		{ "CPUID value 63:32", 0x8000001f40000004ull, 0x0000016f00000005ull, GHCB_RESP_OK, 0x16f },
		{ "CPUID answered with request code echoed", 0x4, 0x4, GHCB_RESP_WRONG_CODE, 0 },
		{ "AP_RESET result 63:12", 0x006, 0x0000000000001007ull, GHCB_RESP_OK, 1 },
		{ "PREF_GPA none", 0x010, 0xfffffffffffff011ull, GHCB_RESP_OK, GHCB_PREF_GPA_NONE },
		{ "REG_GPA echo", 0x12345012ull, 0x12345013ull, GHCB_RESP_OK, 0x12345 },
		{ "REG_GPA other GFN", 0x12345012ull, 0x12346013ull, GHCB_RESP_BAD_VALUE, 0x12346 },
		{ "PSC OK", 0x0020000012345014ull, 0x015, GHCB_RESP_OK, 0 },
		{ "PSC KVM failure BIT(63)|0x015", 0x0020000012345014ull, GHCB_MSR_PSC_KVM_FAIL,
		  GHCB_RESP_BAD_VALUE, 0x80000000ull },
		{ "PSC error 1", 0x0020000012345014ull, 0x100000015ull, GHCB_RESP_BAD_VALUE, 1 },
		{ "VMPL OK", 0x100000016ull, 0x017, GHCB_RESP_OK, 0 },
		{ "VMPL error", 0x100000016ull, 0x200000017ull, GHCB_RESP_BAD_VALUE, 2 },
		{ "HV_FT SNP|AP|multi-VMPL", 0x080, 0x23081, GHCB_RESP_OK, 0x23 },
		{ "TERM has no response", 0x41100, 0, GHCB_RESP_NO_RESPONSE, 0 },
		{ "unknown code 0x003", 0x003, 0x004, GHCB_RESP_NO_RESPONSE, 0 },
	};
	char n[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ghcb_resp r = ghcb_msr_check(rows[i].req, rows[i].resp);

		snprintf(n, sizeof(n), "resp %s: status", rows[i].name);
		EQ(n, r.status, rows[i].status);
		if (rows[i].status == GHCB_RESP_OK || rows[i].status == GHCB_RESP_BAD_VALUE) {
			snprintf(n, sizeof(n), "resp %s: value", rows[i].name);
			EQ(n, r.value, rows[i].value);
		}
	}
	struct ghcb_resp r = ghcb_msr_check(0x002, 0x0002000133000001ull);
	EQ("SEV_INFO proto_max", r.proto_max, 2);
	EQ("SEV_INFO proto_min", r.proto_min, 1);
	EQ("SEV_INFO cbit", r.cbit, 51);
	EQ("HV_FT bit values", GHCB_HV_FT_SNP | GHCB_HV_FT_SNP_AP | GHCB_HV_FT_MULTI_VMPL, 0x23);
}

static void test_error_codes(void)
{
	EQ("PSC error generic = 0x100 << 32", PSC_ERR_GENERIC, 0x10000000000ull);
	EQ("PSC error bad header = (1 << 32) | 1", PSC_ERR_BAD_HDR, 0x100000001ull);
	EQ("PSC error bad entry = (1 << 32) | 2", PSC_ERR_BAD_ENTRY, 0x100000002ull);
	EQ("KVM PSC MSR failure", GHCB_MSR_PSC_KVM_FAIL, 0x8000000000000015ull);
	EQ("NAE PSC exit code", SVM_VMGEXIT_PSC, 0x80000010ull);
	check(!strcmp(pvalidate_ret_name(0), "OK"), "PVALIDATE 0 OK", "%#" PRIx64 "%#" PRIx64, 0, 0);
	check(!strcmp(pvalidate_ret_name(1), "FAIL_INPUT"), "PVALIDATE 1 FAIL_INPUT", "%#" PRIx64 "%#" PRIx64, 0, 0);
	check(!strcmp(pvalidate_ret_name(6), "FAIL_SIZEMISMATCH"), "PVALIDATE 6 FAIL_SIZEMISMATCH", "%#" PRIx64 "%#" PRIx64, 0, 0);
	check(!strcmp(pvalidate_ret_name(255), "NOUPDATE (CF=1)"), "PVALIDATE 255 NOUPDATE", "%#" PRIx64 "%#" PRIx64, 0, 0);
	check(!strcmp(pvalidate_ret_name(2), "unknown"), "PVALIDATE 2 unknown", "%#" PRIx64 "%#" PRIx64, 0, 0);
	/* terminate reasons Linux sends (§C.3, §C.5) */
	EQ("term for bad CC blob magic (set 0, reason 2)", cc_blob_term_req(CC_BLOB_BAD_MAGIC), 0x20100);
	EQ("term for missing CC blob (set 0, reason 2)", cc_blob_term_req(CC_BLOB_NULL), 0x20100);
	EQ("term for bad CPUID page (set 1, reason 4)", cc_blob_term_req(CC_BLOB_NO_CPUID), 0x41100);
	EQ("term for bad secrets page (set 1, reason 6)", cc_blob_term_req(CC_BLOB_NO_SECRETS), 0x61100);
	EQ("no term for a good blob", cc_blob_term_req(CC_BLOB_OK), 0);
}

static struct psc_buffer buf;

/* run the KVM model on buf, compare with the exits the spec predicts */
static void psc_case(const char *name, bool cap, const struct psc_exit *want, int nwant,
		     uint64_t want_result)
{
	struct psc_exit got[SNP_PSC_MAX_ENTRIES + 1];
	uint64_t result = 0xdead;
	int n = psc_kvm_model(&buf, cap, got, SNP_PSC_MAX_ENTRIES + 1, &result);
	char nm[160];

	snprintf(nm, sizeof(nm), "PSC %s: exits", name);
	EQ(nm, n, nwant);
	snprintf(nm, sizeof(nm), "PSC %s: SW_EXITINFO2", name);
	EQ(nm, result, want_result);
	for (int i = 0; i < n && i < nwant; i++) {
		snprintf(nm, sizeof(nm), "PSC %s: exit %d gpa", name, i);
		EQ(nm, got[i].gpa, want[i].gpa);
		snprintf(nm, sizeof(nm), "PSC %s: exit %d npages", name, i);
		EQ(nm, got[i].npages, want[i].npages);
		snprintf(nm, sizeof(nm), "PSC %s: exit %d attrs", name, i);
		EQ(nm, got[i].attrs, want[i].attrs);
	}
}

static void set_hdr(unsigned int cur, unsigned int end)
{
	buf.hdr.cur_entry = (uint16_t)cur;
	buf.hdr.end_entry = (uint16_t)end;
}

static void test_psc(void)
{
	uint64_t covered;

	EQ("PSC entry layout: cur_page 3 gfn 0x12345 op 2 2M", psc_entry(0x12345, 2, true, 3),
	   0x0120000012345003ull);
	/* builder: 0 entries is no buffer */
	memset(&buf, 0, sizeof(buf));
	EQ("psc_build len 0 refused", psc_build(&buf, 0x100000, 0, 1, true, 64), 0);
	EQ("psc_build unaligned gpa refused", psc_build(&buf, 0x100800, 0x1000, 1, true, 64), 0);
	EQ("psc_build max_entries 254 refused", psc_build(&buf, 0x100000, 0x1000, 1, true, 254), 0);
	/* 0 entries to do: cur_entry past end_entry -> nothing, result 0 */
	set_hdr(1, 0);
	psc_case("cur_entry 1 > end_entry 0 (nothing left)", true, NULL, 0, 0);

	/* 1 entry */
	covered = psc_build(&buf, 0x300000, 0x1000, SNP_PSC_OP_SHARED, true, 64);
	EQ("psc_build 1 page: covered", covered, 0x1000);
	EQ("psc_build 1 page: end_entry", buf.hdr.end_entry, 0);
	EQ("psc_build 1 page: entry", buf.entries[0], 0x0020000000300000ull);
	{
		const struct psc_exit w[] = { { 0x300000, 1, 0 } };
		psc_case("1 entry shared", true, w, 1, 0);
	}
	EQ("PSC 1 entry: cur_entry advanced", buf.hdr.cur_entry, 1);
	EQ("PSC 1 entry: cur_page = 1", psc_entry_cur_page(buf.entries[0]), 1);

	/* 253 entries: the hypervisor limit, merged into one exit */
	covered = psc_build(&buf, 0x1000000, 253 * 0x1000ull, SNP_PSC_OP_PRIVATE, false, 253);
	EQ("psc_build 253 pages: covered", covered, 253 * 0x1000ull);
	EQ("psc_build 253 pages: end_entry", buf.hdr.end_entry, 252);
	{
		const struct psc_exit w[] = { { 0x1000000, 253, 0x10 } };
		psc_case("253 entries private", true, w, 1, 0);
	}
	EQ("PSC 253 entries: cur_entry", buf.hdr.cur_entry, 253);
	/* 254 entries: end_entry 253 >= 253 is a bad header */
	set_hdr(0, 253);
	psc_case("254 entries (end_entry 253)", true, NULL, 0, PSC_ERR_BAD_HDR);
	set_hdr(0, 0xffff);
	psc_case("end_entry 0xffff", true, NULL, 0, PSC_ERR_BAD_HDR);
	/* capping: 300 4K pages with 253 slots */
	covered = psc_build(&buf, 0x1000000, 300 * 0x1000ull, SNP_PSC_OP_PRIVATE, false, 253);
	EQ("psc_build 300 pages into 253 slots: covered", covered, 253 * 0x1000ull);

	/* misaligned 2M entry */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(0x201, SNP_PSC_OP_SHARED, true, 0);
	set_hdr(0, 0);
	psc_case("2M entry at gfn 0x201", true, NULL, 0, PSC_ERR_BAD_ENTRY);
	/* a good entry first, then a misaligned one: the first is done */
	buf.entries[0] = psc_entry(0x400, SNP_PSC_OP_SHARED, false, 0);
	buf.entries[1] = psc_entry(0x601, SNP_PSC_OP_SHARED, true, 0);
	set_hdr(0, 1);
	{
		const struct psc_exit w[] = { { 0x400000, 1, 0 } };
		psc_case("4K then misaligned 2M", true, w, 1, PSC_ERR_BAD_ENTRY);
	}
	EQ("PSC 4K then misaligned 2M: cur_entry stops at the bad one", buf.hdr.cur_entry, 1);
	/* cur_page beyond the entry's pages */
	buf.entries[0] = psc_entry(0x400, SNP_PSC_OP_SHARED, true, 513);
	set_hdr(0, 0);
	psc_case("2M entry cur_page 513", true, NULL, 0, PSC_ERR_BAD_ENTRY);
	buf.entries[0] = psc_entry(0x400, SNP_PSC_OP_SHARED, false, 2);
	set_hdr(0, 0);
	psc_case("4K entry cur_page 2", true, NULL, 0, PSC_ERR_BAD_ENTRY);
	/* cur_page == npages: already done, skipped */
	buf.entries[0] = psc_entry(0x400, SNP_PSC_OP_SHARED, true, 512);
	buf.entries[1] = psc_entry(0x800, SNP_PSC_OP_SHARED, false, 1);
	set_hdr(0, 1);
	psc_case("entries already done (cur_page = npages)", true, NULL, 0, 0);
	EQ("PSC done entries: cur_entry", buf.hdr.cur_entry, 2);

	/* merging: 2M + 2M adjacent, same op -> one exit of 1024 pages, PAGE_SZ_2M */
	psc_build(&buf, 0x400000, 0x400000, SNP_PSC_OP_SHARED, true, 64);
	EQ("psc_build 4M at 4M: 2 entries", buf.hdr.end_entry, 1);
	{
		const struct psc_exit w[] = { { 0x400000, 1024, 0x1 } };
		psc_case("2M+2M merged", true, w, 1, 0);
	}
	/* mixed: 4K, 2M, 2M, 4K (a 2M-aligned range with 4K ends) */
	covered = psc_build(&buf, 0x3ff000, 0x402000, SNP_PSC_OP_PRIVATE, true, 64);
	EQ("psc_build 4K+4M+4K: covered", covered, 0x402000);
	EQ("psc_build 4K+4M+4K: 4 entries", buf.hdr.end_entry, 3);
	{
		const struct psc_exit w[] = {
			{ 0x3ff000, 1, 0x10 }, { 0x400000, 1024, 0x11 }, { 0x800000, 1, 0x10 },
		};
		psc_case("mixed 4K/2M/2M/4K", true, w, 3, 0);
	}
	/* an op change and a gap break a run */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(0x100, SNP_PSC_OP_SHARED, false, 0);
	buf.entries[1] = psc_entry(0x101, SNP_PSC_OP_SHARED, false, 0);
	buf.entries[2] = psc_entry(0x102, SNP_PSC_OP_PRIVATE, false, 0);
	buf.entries[3] = psc_entry(0x104, SNP_PSC_OP_PRIVATE, false, 0);
	set_hdr(0, 3);
	{
		const struct psc_exit w[] = {
			{ 0x100000, 2, 0 }, { 0x102000, 1, 0x10 }, { 0x104000, 1, 0x10 },
		};
		psc_case("op change and gap", true, w, 3, 0);
	}
	/* non-zero cur_page in a 2M entry: the rest as 4K pages, size flag still 2M */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(0x200, SNP_PSC_OP_SHARED, true, 10);
	buf.entries[1] = psc_entry(0x400, SNP_PSC_OP_SHARED, false, 0);
	set_hdr(0, 1);
	{
		/* KVM merges by entry_start.gfn + npages = 0x200 + 502: 0x400 does not join */
		const struct psc_exit w[] = { { 0x20a000, 502, 0x1 }, { 0x400000, 1, 0 } };
		psc_case("2M entry with cur_page 10, then adjacent 4K", true, w, 2, 0);
	}
	EQ("PSC partial 2M: cur_page becomes 512", psc_entry_cur_page(buf.entries[0]), 512);
	/* non-zero cur_entry: earlier entries are not looked at */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(0x201, SNP_PSC_OP_SHARED, true, 0);	/* bad, skipped */
	buf.entries[1] = psc_entry(0x500, SNP_PSC_OP_PRIVATE, false, 0);
	set_hdr(1, 1);
	{
		const struct psc_exit w[] = { { 0x500000, 1, 0x10 } };
		psc_case("cur_entry 1 skips a bad entry 0", true, w, 1, 0);
	}
	/* SMASH / UNSMASH: done without an exit */
	memset(&buf, 0, sizeof(buf));
	buf.entries[0] = psc_entry(0x200, SNP_PSC_OP_PSMASH, true, 0);
	buf.entries[1] = psc_entry(0x400, SNP_PSC_OP_UNSMASH, true, 0);
	buf.entries[2] = psc_entry(0x600, SNP_PSC_OP_SHARED, true, 0);
	set_hdr(0, 2);
	{
		const struct psc_exit w[] = { { 0x600000, 512, 0x1 } };
		psc_case("SMASH, UNSMASH, then shared 2M", true, w, 1, 0);
	}
	EQ("PSC SMASH entry marked done", psc_entry_cur_page(buf.entries[0]), 512);
	/* no KVM_CAP_EXIT_HYPERCALL bit 12 */
	psc_build(&buf, 0x300000, 0x1000, SNP_PSC_OP_SHARED, true, 64);
	psc_case("no exit cap", false, NULL, 0, PSC_ERR_GENERIC);

	/* MSR protocol (§C.4) */
	struct psc_exit e = { 0, 0, 0 };
	bool x = psc_msr_kvm_model(ghcb_msr_psc_req(0x12345, SNP_PSC_OP_PRIVATE), true, &e);
	EQ("PSC MSR private exits", x, 1);
	EQ("PSC MSR private gpa", e.gpa, 0x12345000ull);
	EQ("PSC MSR private npages", e.npages, 1);
	EQ("PSC MSR private attrs", e.attrs, 0x10);
	x = psc_msr_kvm_model(ghcb_msr_psc_req(0x12345, SNP_PSC_OP_SHARED), true, &e);
	EQ("PSC MSR shared exits", x, 1);
	EQ("PSC MSR shared attrs", e.attrs, 0);
	EQ("PSC MSR op 3 no exit", psc_msr_kvm_model(ghcb_msr_psc_req(1, 3), true, &e), 0);
	EQ("PSC MSR op 0 no exit", psc_msr_kvm_model(ghcb_msr_psc_req(1, 0), true, &e), 0);
	EQ("PSC MSR without cap no exit", psc_msr_kvm_model(ghcb_msr_psc_req(1, 1), false, &e), 0);
}

static struct snp_cpuid_table tbl;

static void test_cpuid_table(void)
{
	memset(&tbl, 0, sizeof(tbl));
	tbl.count = 1;
	EQ("CPUID page len 4095 refused", snp_cpuid_table_check(&tbl, 4095), SNP_CPUID_SHORT);
	EQ("CPUID count 1 accepted", snp_cpuid_table_check(&tbl, 4096), SNP_CPUID_OK);
	tbl.count = 0;
	EQ("CPUID count 0 refused", snp_cpuid_table_check(&tbl, 4096), SNP_CPUID_EMPTY);
	tbl.count = 64;
	EQ("CPUID count 64 accepted", snp_cpuid_table_check(&tbl, 4096), SNP_CPUID_OK);
	tbl.count = 65;
	EQ("CPUID count 65 refused", snp_cpuid_table_check(&tbl, 8192), SNP_CPUID_TOO_MANY);
	tbl.count = 3;
	tbl.fn[0] = (struct snp_cpuid_fn){ .eax_in = 7, .ecx_in = 0, .ebx = 0xaa };
	tbl.fn[1] = (struct snp_cpuid_fn){ .eax_in = 7, .ecx_in = 1, .ebx = 0xbb };
	tbl.fn[2] = (struct snp_cpuid_fn){ .eax_in = 0x80000008, .ecx_in = 5, .eax = 0x3030 };
	const struct snp_cpuid_fn *f = snp_cpuid_find(&tbl, 7, 1);
	EQ("CPUID find leaf 7 subleaf 1 (indexed)", f ? f->ebx : 0, 0xbb);
	EQ("CPUID find leaf 7 subleaf 2 absent", snp_cpuid_find(&tbl, 7, 2) == NULL, 1);
	f = snp_cpuid_find(&tbl, 0x80000008, 0);
	EQ("CPUID find leaf 0x80000008 ignores ECX", f ? f->eax : 0, 0x3030);
	EQ("CPUID entry past count not found", snp_cpuid_find(&tbl, 0, 0) == NULL, 1);
	EQ("leaf 0xd indexed", snp_cpuid_indexed(0xd), 1);
	EQ("leaf 0x8000001d indexed", snp_cpuid_indexed(0x8000001d), 1);
	EQ("leaf 0x80000008 not indexed", snp_cpuid_indexed(0x80000008), 0);
}

static void test_cc_blob(void)
{
	struct cc_blob_sev_info b = {
		.magic = 0x45444d41, .version = 1, .secrets_phys = 0x80d000, .secrets_len = 4096,
		.cpuid_phys = 0x80e000, .cpuid_len = 4096,
	};
	struct cc_blob_sev_info c;

	EQ("CC blob good", cc_blob_check(&b), CC_BLOB_OK);
	EQ("CC blob NULL", cc_blob_check(NULL), CC_BLOB_NULL);
	c = b; c.magic = 0x414d4445;
	EQ("CC blob magic byte-swapped", cc_blob_check(&c), CC_BLOB_BAD_MAGIC);
	c = b; c.cpuid_phys = 0;
	EQ("CC blob cpuid_phys 0", cc_blob_check(&c), CC_BLOB_NO_CPUID);
	c = b; c.cpuid_len = 4095;
	EQ("CC blob cpuid_len 4095", cc_blob_check(&c), CC_BLOB_NO_CPUID);
	c = b; c.secrets_phys = 0;
	EQ("CC blob secrets_phys 0", cc_blob_check(&c), CC_BLOB_NO_SECRETS);
	c = b; c.secrets_len = 8192;
	EQ("CC blob secrets_len 8192", cc_blob_check(&c), CC_BLOB_NO_SECRETS);
	c = b; c.cpuid_phys = 0x80e800;
	EQ("CC blob cpuid page unaligned", cc_blob_check(&c), CC_BLOB_UNALIGNED);
	/* the GUID as bytes, in EFI's mixed-endian layout */
	const uint8_t g[16] = { 0x5f, 0x1f, 0x7b, 0x06, 0x26, 0xcf, 0xc5, 0x44,
				0x85, 0x54, 0x93, 0xd7, 0x77, 0x91, 0x2d, 0x42 };
	struct vmc_guid gg;
	memcpy(&gg, g, 16);
	EQ("EFI_CC_BLOB_GUID bytes", vmc_guid_eq(&gg, &efi_cc_blob_guid), 1);
	gg.d4[7] ^= 1;
	EQ("other GUID differs", vmc_guid_eq(&gg, &efi_cc_blob_guid), 0);
	EQ("secrets version 1 unknown", snp_secrets_version_known(1), 0);
	EQ("secrets version 2 known", snp_secrets_version_known(2), 1);
	EQ("secrets version 3 known", snp_secrets_version_known(3), 1);
	uint8_t key[32] = { 0 };
	EQ("VMPCK all zero", snp_vmpck_nonzero(key), 0);
	key[31] = 1;
	EQ("VMPCK last byte set", snp_vmpck_nonzero(key), 1);
}

/* SVM IOIO EXITINFO1 (AMD APM vol. 2, 15.10.2): type bit 0, SZ8/16/32 bits 4-6, A64 bit 9, port 31:16 */
static void test_ioio(void)
{
	const struct {
		const char *name;
		uint8_t insn[3];
		uint16_t dx;
		int ok;
		uint64_t info1;
		unsigned int len, size, in;
	} rows[] = {
		{ "outb %al, $0xf4 (e6 f4)", { 0xe6, 0xf4, 0 }, 0, 1, 0x00f40210, 2, 1, 0 },
		{ "outl %eax, %dx=0xf8 (ef)", { 0xef, 0, 0 }, 0xf8, 1, 0x00f80240, 1, 4, 0 },
		{ "inb %dx=0x3fd, %al (ec)", { 0xec, 0, 0 }, 0x3fd, 1, 0x03fd0211, 1, 1, 1 },
		{ "inl %dx=0xf8, %eax (ed)", { 0xed, 0, 0 }, 0xf8, 1, 0x00f80241, 1, 4, 1 },
		{ "inw $0x60, %ax (66 e5 60)", { 0x66, 0xe5, 0x60 }, 0, 1, 0x00600221, 3, 2, 1 },
		{ "outw %ax, %dx=0xffff (66 ef)", { 0x66, 0xef, 0 }, 0xffff, 1, 0xffff0220, 2, 2, 0 },
		{ "inb $0x80 (e4 80)", { 0xe4, 0x80, 0 }, 0x1234, 1, 0x00800211, 2, 1, 1 },
		{ "outsb (6e) refused", { 0x6e, 0, 0 }, 0, 0, 0, 0, 0, 0 },
		{ "rep insb (f3 6c) refused", { 0xf3, 0x6c, 0 }, 0, 0, 0, 0, 0, 0 },
		{ "66 66 ef refused", { 0x66, 0x66, 0xef }, 0, 0, 0, 0, 0, 0 },
	};
	char n[128];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vc_ioio io = { 0, 0, 0, false };
		bool ok = vc_ioio_decode(rows[i].insn, rows[i].dx, &io);

		snprintf(n, sizeof(n), "IOIO %s: decoded", rows[i].name);
		EQ(n, ok, rows[i].ok);
		if (!ok || !rows[i].ok)
			continue;
		snprintf(n, sizeof(n), "IOIO %s: EXITINFO1", rows[i].name);
		EQ(n, io.info1, rows[i].info1);
		snprintf(n, sizeof(n), "IOIO %s: length", rows[i].name);
		EQ(n, io.len, rows[i].len);
		snprintf(n, sizeof(n), "IOIO %s: size", rows[i].name);
		EQ(n, io.size, rows[i].size);
		snprintf(n, sizeof(n), "IOIO %s: direction", rows[i].name);
		EQ(n, io.in, rows[i].in);
	}
}

int main(void)
{
	test_ioio();
	test_requests();
	test_responses();
	test_error_codes();
	test_psc();
	test_cpuid_table();
	test_cc_blob();
	return nfail ? 1 : 0;
}
