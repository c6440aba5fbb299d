/*
 * SEV-ES / SEV-SNP guest protocol as plain C (see sev-proto.h).  Every rule
 * here is one of specs/kvm-x86.md §C.3–C.5, checked against Linux 6.12
 * (arch/x86/include/asm/sev-common.h, arch/x86/kvm/svm/sev.c
 * snp_begin_psc()/__snp_complete_one_psc()/snp_begin_psc_msr(),
 * arch/x86/coco/sev/shared.c).  Built for the guest and for the host
 * (tests/snp).
 */
#include "sev-proto.h"

#define BITS(v, hi, lo)	(((v) >> (lo)) & ((1ull << ((hi) - (lo) + 1)) - 1))

uint64_t ghcb_msr_sev_info_req(void) { return GHCB_MSR_SEV_INFO_REQ; }
uint64_t ghcb_msr_ap_reset_req(void) { return GHCB_MSR_AP_RESET_REQ; }
uint64_t ghcb_msr_pref_gpa_req(void) { return GHCB_MSR_PREF_GPA_REQ; }
uint64_t ghcb_msr_hv_ft_req(void) { return GHCB_MSR_HV_FT_REQ; }

uint64_t ghcb_msr_cpuid_req(uint32_t fn, enum ghcb_cpuid_reg reg)
{
	return ((uint64_t)fn << 32) | (((uint64_t)reg & 3) << 30) | GHCB_MSR_CPUID_REQ;
}

uint64_t ghcb_msr_reg_gpa_req(uint64_t gfn)
{
	return ((gfn & ((1ull << 52) - 1)) << 12) | GHCB_MSR_REG_GPA_REQ;
}

uint64_t ghcb_msr_psc_req(uint64_t gfn, unsigned int op)
{
	return ((uint64_t)(op & 0xf) << 52) | ((gfn & ((1ull << 40) - 1)) << 12) |
	       GHCB_MSR_PSC_REQ;
}

uint64_t ghcb_msr_vmpl_req(unsigned int vmpl)
{
	return ((uint64_t)(vmpl & 0xff) << 32) | GHCB_MSR_VMPL_REQ;
}

uint64_t ghcb_msr_term_req(unsigned int set, unsigned int reason)
{
	return ((uint64_t)(reason & 0xff) << 16) | ((uint64_t)(set & 0xf) << 12) |
	       GHCB_MSR_TERM_REQ;
}

int ghcb_msr_resp_code(unsigned int req)
{
	switch (req) {
	case GHCB_MSR_SEV_INFO_REQ:	return GHCB_MSR_SEV_INFO_RESP;
	case GHCB_MSR_CPUID_REQ:	return GHCB_MSR_CPUID_RESP;
	case GHCB_MSR_AP_RESET_REQ:	return GHCB_MSR_AP_RESET_RESP;
	case GHCB_MSR_PREF_GPA_REQ:	return GHCB_MSR_PREF_GPA_RESP;
	case GHCB_MSR_REG_GPA_REQ:	return GHCB_MSR_REG_GPA_RESP;
	case GHCB_MSR_PSC_REQ:		return GHCB_MSR_PSC_RESP;
	case GHCB_MSR_VMPL_REQ:		return GHCB_MSR_VMPL_RESP;
	case GHCB_MSR_HV_FT_REQ:	return GHCB_MSR_HV_FT_RESP;
	default:			return -1;	/* TERM and unknown codes */
	}
}

struct ghcb_resp ghcb_msr_check(uint64_t req, uint64_t resp)
{
	struct ghcb_resp r = { .status = GHCB_RESP_OK };
	unsigned int code = ghcb_msr_info(req);
	int want = ghcb_msr_resp_code(code);

	if (want < 0) {
		r.status = GHCB_RESP_NO_RESPONSE;
		return r;
	}
	if (ghcb_msr_info(resp) != (unsigned int)want) {
		r.status = GHCB_RESP_WRONG_CODE;
		return r;
	}
	switch (code) {
	case GHCB_MSR_SEV_INFO_REQ:
		r.value = ghcb_msr_data(resp);
		r.proto_max = (uint16_t)BITS(resp, 63, 48);
		r.proto_min = (uint16_t)BITS(resp, 47, 32);
		r.cbit = (uint8_t)BITS(resp, 31, 24);
		if (r.proto_min > r.proto_max || r.proto_max < GHCB_PROTOCOL_MIN ||
		    r.proto_min > GHCB_PROTOCOL_MAX)
			r.status = GHCB_RESP_BAD_VALUE;
		break;
	case GHCB_MSR_CPUID_REQ:
		r.value = resp >> 32;
		break;
	case GHCB_MSR_PREF_GPA_REQ:
	case GHCB_MSR_AP_RESET_REQ:
	case GHCB_MSR_HV_FT_REQ:
		r.value = ghcb_msr_data(resp);
		break;
	case GHCB_MSR_REG_GPA_REQ:
		r.value = ghcb_msr_data(resp);
		if (r.value != ghcb_msr_data(req))
			r.status = GHCB_RESP_BAD_VALUE;
		break;
	case GHCB_MSR_PSC_REQ:
	case GHCB_MSR_VMPL_REQ:
		r.value = resp >> 32;
		if (r.value)
			r.status = GHCB_RESP_BAD_VALUE;
		break;
	}
	return r;
}

psc_entry_t psc_entry(uint64_t gfn, unsigned int op, bool huge, unsigned int cur_page)
{
	return ((uint64_t)huge << 56) | ((uint64_t)(op & 0xf) << 52) |
	       ((gfn & ((1ull << 40) - 1)) << 12) | (cur_page & 0xfff);
}

#define SZ_4K	0x1000ull
#define SZ_2M	0x200000ull

uint64_t psc_build(struct psc_buffer *buf, uint64_t gpa, uint64_t len,
		   unsigned int op, bool allow_2m, unsigned int max_entries)
{
	uint64_t done = 0;
	unsigned int n = 0;

	if (!len || (gpa | len) & (SZ_4K - 1) || gpa + len < gpa || !max_entries ||
	    max_entries > SNP_PSC_MAX_ENTRIES)
		return 0;
	while (done < len && n < max_entries) {
		uint64_t a = gpa + done;
		bool huge = allow_2m && !(a & (SZ_2M - 1)) && len - done >= SZ_2M;

		buf->entries[n++] = psc_entry(a >> 12, op, huge, 0);
		done += huge ? SZ_2M : SZ_4K;
	}
	buf->hdr.cur_entry = 0;
	buf->hdr.end_entry = (uint16_t)(n - 1);
	buf->hdr.rsvd = 0;
	return done;
}

/* __snp_complete_one_psc(): entries [idx, idx + batch) done */
static void psc_complete_batch(struct psc_buffer *buf, unsigned int idx, unsigned int batch)
{
	for (; batch; batch--, idx++) {
		psc_entry_t e = buf->entries[idx];

		buf->entries[idx] = (e & ~0xfffull) | (psc_entry_huge(e) ? 512 : 1);
	}
	buf->hdr.cur_entry = (uint16_t)idx;
}

int psc_kvm_model(struct psc_buffer *buf, bool exit_cap, struct psc_exit *exits,
		  int max_exits, uint64_t *result)
{
	int nexits = 0;

	*result = 0;
	if (!exit_cap) {
		*result = PSC_ERR_GENERIC;
		return 0;
	}
	for (;;) {
		unsigned int idx, idx_end = buf->hdr.end_entry, batch;
		psc_entry_t start = 0;
		uint64_t gfn = 0;
		unsigned int op;
		int64_t npages = 0;
		bool huge = false;

		if (idx_end >= SNP_PSC_MAX_ENTRIES) {
			*result = PSC_ERR_BAD_HDR;
			return nexits;
		}
		for (idx = buf->hdr.cur_entry; idx <= idx_end; idx++) {
			start = buf->entries[idx];
			gfn = psc_entry_gfn(start);
			huge = psc_entry_huge(start);
			npages = huge ? 512 : 1;
			if (psc_entry_cur_page(start) > npages || (gfn & (npages - 1))) {
				*result = PSC_ERR_BAD_ENTRY;
				return nexits;
			}
			if (psc_entry_cur_page(start)) {
				/* partly done 2M: the rest goes as 4K pages */
				npages -= psc_entry_cur_page(start);
				gfn += psc_entry_cur_page(start);
				huge = false;
			}
			if (npages)
				break;
			buf->hdr.cur_entry++;
		}
		if (idx > idx_end)
			return nexits;	/* all done, result 0 */
		batch = 1;
		/* merge: same op, next GFN (from the entry's own GFN), no cur_page, same size */
		for (unsigned int j = idx + 1; j <= idx_end; j++) {
			psc_entry_t e = buf->entries[j];

			if (psc_entry_op(e) != psc_entry_op(start) ||
			    psc_entry_gfn(e) != psc_entry_gfn(start) + (uint64_t)npages ||
			    psc_entry_cur_page(e) || psc_entry_huge(e) != huge)
				break;
			batch++;
			npages += huge ? 512 : 1;
		}
		op = psc_entry_op(start);
		if (op == SNP_PSC_OP_PRIVATE || op == SNP_PSC_OP_SHARED) {
			if (nexits == max_exits)
				return -1;
			exits[nexits].gpa = gfn << 12;
			exits[nexits].npages = (uint64_t)npages;
			/* the size flag comes from the entry, not from the 4K fallback */
			exits[nexits].attrs = (op == SNP_PSC_OP_PRIVATE ? MAP_GPA_RANGE_ENCRYPTED :
					       MAP_GPA_RANGE_DECRYPTED) |
					      (psc_entry_huge(start) ? MAP_GPA_RANGE_PAGE_SZ_2M :
					       MAP_GPA_RANGE_PAGE_SZ_4K);
			nexits++;
		}
		/* SMASH/UNSMASH and anything else: done without an exit */
		psc_complete_batch(buf, idx, batch);
	}
}

bool psc_msr_kvm_model(uint64_t req, bool exit_cap, struct psc_exit *e)
{
	unsigned int op = (unsigned int)BITS(req, 55, 52);

	if (op != SNP_PSC_OP_PRIVATE && op != SNP_PSC_OP_SHARED)
		return false;
	if (!exit_cap)
		return false;
	e->gpa = BITS(req, 51, 12) << 12;
	e->npages = 1;
	e->attrs = (op == SNP_PSC_OP_PRIVATE ? MAP_GPA_RANGE_ENCRYPTED : MAP_GPA_RANGE_DECRYPTED) |
		   MAP_GPA_RANGE_PAGE_SZ_4K;
	return true;
}

enum snp_cpuid_check snp_cpuid_table_check(const struct snp_cpuid_table *t, uint64_t cpuid_len)
{
	if (cpuid_len < 4096)
		return SNP_CPUID_SHORT;
	if (!t->count)
		return SNP_CPUID_EMPTY;
	if (t->count > SNP_CPUID_MAX)
		return SNP_CPUID_TOO_MANY;
	return SNP_CPUID_OK;
}

bool snp_cpuid_indexed(uint32_t leaf)
{
	switch (leaf) {
	case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x17: case 0x18: case 0x1d: case 0x1e: case 0x1f: case 0x24:
	case 0x8000001d:
		return true;
	default:
		return false;
	}
}

const struct snp_cpuid_fn *snp_cpuid_find(const struct snp_cpuid_table *t,
					  uint32_t leaf, uint32_t subleaf)
{
	uint32_t n = t->count > SNP_CPUID_MAX ? SNP_CPUID_MAX : t->count;

	for (uint32_t i = 0; i < n; i++) {
		const struct snp_cpuid_fn *e = &t->fn[i];

		if (e->eax_in == leaf && (!snp_cpuid_indexed(leaf) || e->ecx_in == subleaf))
			return e;
	}
	return NULL;
}

bool snp_cpuid_fixed_up(uint32_t leaf)
{
	switch (leaf) {
	case 0x1: case 0x7: case 0xb: case 0xd: case 0x8000001e: case 0x80000001:
		return true;
	default:
		return false;
	}
}

enum cc_blob_check cc_blob_check(const struct cc_blob_sev_info *b)
{
	if (!b)
		return CC_BLOB_NULL;
	if (b->magic != CC_BLOB_SEV_HDR_MAGIC)
		return CC_BLOB_BAD_MAGIC;
	if (!b->cpuid_phys || b->cpuid_len < 4096)
		return CC_BLOB_NO_CPUID;
	if (!b->secrets_phys || b->secrets_len != 4096)
		return CC_BLOB_NO_SECRETS;
	if ((b->cpuid_phys | b->secrets_phys) & 0xfff)
		return CC_BLOB_UNALIGNED;
	return CC_BLOB_OK;
}

uint64_t cc_blob_term_req(enum cc_blob_check r)
{
	switch (r) {
	case CC_BLOB_NULL:
	case CC_BLOB_BAD_MAGIC:
		return ghcb_msr_term_req(GHCB_TERM_SET_GEN, GHCB_TERM_GEN_SNP);
	case CC_BLOB_NO_CPUID:
		return ghcb_msr_term_req(GHCB_TERM_SET_LINUX, GHCB_TERM_CPUID);
	case CC_BLOB_NO_SECRETS:
		return ghcb_msr_term_req(GHCB_TERM_SET_LINUX, GHCB_TERM_SECRETS);
	case CC_BLOB_UNALIGNED:
		return ghcb_msr_term_req(GHCB_TERM_SET_GEN, GHCB_TERM_GEN_GENERAL);
	default:
		return 0;
	}
}

const struct vmc_guid efi_cc_blob_guid = {
	0x067b1f5f, 0xcf26, 0x44c5, { 0x85, 0x54, 0x93, 0xd7, 0x77, 0x91, 0x2d, 0x42 }
};

bool vmc_guid_eq(const struct vmc_guid *a, const struct vmc_guid *b)
{
	const uint8_t *p = (const uint8_t *)a, *q = (const uint8_t *)b;

	for (size_t i = 0; i < sizeof(*a); i++)
		if (p[i] != q[i])
			return false;
	return true;
}

bool snp_secrets_version_known(uint32_t version)
{
	return version == 2 || version == 3;
}

bool snp_vmpck_nonzero(const uint8_t key[32])
{
	uint8_t acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= key[i];
	return acc != 0;
}

bool vc_ioio_decode(const uint8_t *insn, uint16_t dx, struct vc_ioio *out)
{
	unsigned int n = 0, op;
	bool opsize = false, imm;
	uint16_t port;

	if (insn[0] == 0x66) {
		opsize = true;
		n = 1;
	}
	op = insn[n];
	switch (op) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: imm = true; break;
	case 0xec: case 0xed: case 0xee: case 0xef: imm = false; break;
	default: return false;
	}
	out->size = !(op & 1) ? 1 : opsize ? 2 : 4;
	out->in = !(op & 2);
	port = imm ? insn[n + 1] : dx;
	out->len = n + (imm ? 2 : 1);
	out->info1 = ((uint64_t)port << 16) | IOIO_A64 |
		     (out->size == 1 ? IOIO_SZ8 : out->size == 2 ? IOIO_SZ16 : IOIO_SZ32) |
		     (out->in ? IOIO_TYPE_IN : 0);
	return true;
}

const char *pvalidate_ret_name(unsigned int ret)
{
	switch (ret) {
	case PVALIDATE_OK:			return "OK";
	case PVALIDATE_FAIL_INPUT:		return "FAIL_INPUT";
	case PVALIDATE_FAIL_SIZEMISMATCH:	return "FAIL_SIZEMISMATCH";
	case PVALIDATE_FAIL_NOUPDATE:		return "NOUPDATE (CF=1)";
	default:				return "unknown";
	}
}

/* layouts the firmware and KVM fix (SEVH) */
_Static_assert(sizeof(struct psc_hdr) == 8, "psc_hdr");
_Static_assert(sizeof(struct psc_buffer) == 2032, "psc_buffer fills the GHCB shared buffer");
_Static_assert(sizeof(struct snp_cpuid_fn) == 48, "snp_cpuid_fn");
_Static_assert(sizeof(struct snp_cpuid_table) == 16 + 64 * 48, "snp_cpuid_table");
_Static_assert(sizeof(struct cc_blob_sev_info) == 40, "cc_blob_sev_info");
_Static_assert(sizeof(struct vmc_guid) == 16, "guid");
_Static_assert(offsetof(struct snp_secrets_head, vmpck) == 32, "secrets vmpck0 at 0x20");
