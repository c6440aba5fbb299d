/*
 * SEV-ES / SEV-SNP guest protocol, as plain C with no instructions in it
 * (issue 13): the GHCB MSR protocol's request/response words, the GHCB
 * page-state-change (PSC) buffer and the rules by which KVM turns it into
 * KVM_HC_MAP_GPA_RANGE exits, the SNP CPUID table, the secrets page and the
 * Confidential Computing blob.  Facts: specs/kvm-x86.md §C.3–C.5 (Linux
 * arch/x86/include/asm/sev-common.h, sev.h, arch/x86/kvm/svm/sev.c).
 *
 * The same source is linked into the guest library and built for the host
 * (tests/snp), where it is checked against the spec tables.  Only <stdint.h>
 * types; no libc.
 */
#ifndef VMC_X86_SEV_PROTO_H
#define VMC_X86_SEV_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- SEV_STATUS (MSR 0xC0010131) bits, §C.1 ---- */
#define SEV_STATUS_SEV		(1ull << 0)
#define SEV_STATUS_SEV_ES	(1ull << 1)
#define SEV_STATUS_SNP		(1ull << 2)

/* ---- GHCB MSR protocol (§C.3): GHCBInfo 11:0, data 63:12 ---- */
#define GHCB_INFO_MASK		0xfffull
#define GHCB_MSR_SEV_INFO_RESP	0x001
#define GHCB_MSR_SEV_INFO_REQ	0x002
#define GHCB_MSR_CPUID_REQ	0x004
#define GHCB_MSR_CPUID_RESP	0x005
#define GHCB_MSR_AP_RESET_REQ	0x006
#define GHCB_MSR_AP_RESET_RESP	0x007
#define GHCB_MSR_PREF_GPA_REQ	0x010
#define GHCB_MSR_PREF_GPA_RESP	0x011
#define GHCB_MSR_REG_GPA_REQ	0x012
#define GHCB_MSR_REG_GPA_RESP	0x013
#define GHCB_MSR_PSC_REQ	0x014
#define GHCB_MSR_PSC_RESP	0x015
#define GHCB_MSR_VMPL_REQ	0x016
#define GHCB_MSR_VMPL_RESP	0x017
#define GHCB_MSR_HV_FT_REQ	0x080
#define GHCB_MSR_HV_FT_RESP	0x081
#define GHCB_MSR_TERM_REQ	0x100

#define GHCB_PREF_GPA_NONE	0xfffffffffffffull	/* 52 bits of ones */
#define GHCB_PROTOCOL_MIN	1	/* what Linux speaks */
#define GHCB_PROTOCOL_MAX	2
/* KVM's answer to a PSC MSR request it (or userspace) refused */
#define GHCB_MSR_PSC_KVM_FAIL	((1ull << 63) | GHCB_MSR_PSC_RESP)

/* hypervisor features (HV_FT response, bits above GHCBInfo) */
#define GHCB_HV_FT_SNP		(1ull << 0)
#define GHCB_HV_FT_SNP_AP	(1ull << 1)
#define GHCB_HV_FT_MULTI_VMPL	(1ull << 5)

/* terminate reasons: set 0 (GHCB spec), set 1 (Linux) */
#define GHCB_TERM_SET_GEN	0
#define GHCB_TERM_GEN_GENERAL	0
#define GHCB_TERM_GEN_PROTO	1
#define GHCB_TERM_GEN_SNP	2
#define GHCB_TERM_SET_LINUX	1
#define GHCB_TERM_REGISTER	0
#define GHCB_TERM_PSC		1
#define GHCB_TERM_PVALIDATE	2
#define GHCB_TERM_NOT_VMPL0	3
#define GHCB_TERM_CPUID		4
#define GHCB_TERM_CPUID_HV	5
#define GHCB_TERM_SECRETS	6

/* CPUID register selector in a CPUID request */
enum ghcb_cpuid_reg { GHCB_CPUID_EAX = 0, GHCB_CPUID_EBX, GHCB_CPUID_ECX, GHCB_CPUID_EDX };

/* PSC operations (MSR request op 55:52 and GHCB entry.operation) */
#define SNP_PSC_OP_PRIVATE	1
#define SNP_PSC_OP_SHARED	2
#define SNP_PSC_OP_PSMASH	3	/* "SMASH" */
#define SNP_PSC_OP_UNSMASH	4

/* request words */
uint64_t ghcb_msr_sev_info_req(void);
uint64_t ghcb_msr_cpuid_req(uint32_t fn, enum ghcb_cpuid_reg reg);
uint64_t ghcb_msr_ap_reset_req(void);
uint64_t ghcb_msr_pref_gpa_req(void);
uint64_t ghcb_msr_reg_gpa_req(uint64_t gfn);
uint64_t ghcb_msr_psc_req(uint64_t gfn, unsigned int op);
uint64_t ghcb_msr_vmpl_req(unsigned int vmpl);
uint64_t ghcb_msr_hv_ft_req(void);
uint64_t ghcb_msr_term_req(unsigned int set, unsigned int reason);

/* fields of a word */
static inline unsigned int ghcb_msr_info(uint64_t v) { return (unsigned int)(v & GHCB_INFO_MASK); }
static inline uint64_t ghcb_msr_data(uint64_t v) { return v >> 12; }

/*
 * The response code that answers request code req, or -1 for a request
 * that has none (TERM) or an unknown code.
 */
int ghcb_msr_resp_code(unsigned int req);

/* what a response word says (decoded and checked against its request) */
enum ghcb_resp_status {
	GHCB_RESP_OK = 0,
	GHCB_RESP_WRONG_CODE,	/* GHCBInfo is not the answer to this request */
	GHCB_RESP_BAD_VALUE,	/* right code, data says failure / mismatch */
	GHCB_RESP_NO_RESPONSE,	/* the request has no response (TERM, unknown) */
};
struct ghcb_resp {
	enum ghcb_resp_status status;
	uint64_t value;		/* decoded payload, see ghcb_msr_check() */
	uint16_t proto_max, proto_min;	/* SEV_INFO */
	uint8_t cbit;			/* SEV_INFO */
};
/*
 * Check resp against the request word req it answers.  value is: SEV_INFO
 * the data bits; CPUID the register value (63:32); PREF_GPA the GFN
 * (GHCB_PREF_GPA_NONE = none); REG_GPA the echoed GFN (must equal the
 * request's, else BAD_VALUE); PSC and VMPL the error (63:32; non-zero =
 * BAD_VALUE); AP_RESET the result (63:12); HV_FT the feature bits (63:12).
 * SEV_INFO is BAD_VALUE when [min, max] does not include a protocol in
 * [GHCB_PROTOCOL_MIN, GHCB_PROTOCOL_MAX].
 */
struct ghcb_resp ghcb_msr_check(uint64_t req, uint64_t resp);

/* ---- GHCB page-state-change buffer (§C.3, §C.4) ---- */
#define SNP_PSC_MAX_ENTRIES	253	/* VMGEXIT_PSC_MAX_COUNT */
#define SVM_VMGEXIT_PSC		0x80000010ull
#define SVM_EXIT_VMGEXIT	0x403
/* SW_EXITINFO2 results */
#define PSC_ERR_GENERIC		(0x100ull << 32)
#define PSC_ERR_BAD_HDR		((1ull << 32) | 1)
#define PSC_ERR_BAD_ENTRY	((1ull << 32) | 2)

struct psc_hdr {
	uint16_t cur_entry;
	uint16_t end_entry;	/* index of the last entry (inclusive) */
	uint32_t rsvd;
};
/* an entry as one 64-bit word: cur_page 11:0, gfn 51:12, op 55:52, 2M bit 56 */
typedef uint64_t psc_entry_t;
struct psc_buffer {
	struct psc_hdr hdr;
	psc_entry_t entries[SNP_PSC_MAX_ENTRIES];
};	/* 2032 bytes: the GHCB shared buffer */

psc_entry_t psc_entry(uint64_t gfn, unsigned int op, bool huge, unsigned int cur_page);
static inline unsigned int psc_entry_cur_page(psc_entry_t e) { return (unsigned int)(e & 0xfff); }
static inline uint64_t psc_entry_gfn(psc_entry_t e) { return (e >> 12) & ((1ull << 40) - 1); }
static inline unsigned int psc_entry_op(psc_entry_t e) { return (unsigned int)((e >> 52) & 0xf); }
static inline bool psc_entry_huge(psc_entry_t e) { return (e >> 56) & 1; }

/*
 * Fill buf with entries for [gpa, gpa + len) (both 4 KiB aligned, len > 0),
 * the way Linux's set_pages_state() does: 2M entries where a 2 MiB-aligned
 * 2 MiB piece fits and allow_2m, else 4K entries.  At most max_entries
 * (<= SNP_PSC_MAX_ENTRIES); returns the number of bytes covered (callers
 * loop on the rest), 0 on bad input.  hdr.cur_entry = 0, end_entry = n - 1.
 */
uint64_t psc_build(struct psc_buffer *buf, uint64_t gpa, uint64_t len,
		   unsigned int op, bool allow_2m, unsigned int max_entries);

/* one KVM_HC_MAP_GPA_RANGE exit as KVM forms it from a PSC buffer */
struct psc_exit {
	uint64_t gpa, npages, attrs;
};
#define MAP_GPA_RANGE_PAGE_SZ_4K	0
#define MAP_GPA_RANGE_PAGE_SZ_2M	(1ull << 0)
#define MAP_GPA_RANGE_ENCRYPTED		(1ull << 4)
#define MAP_GPA_RANGE_DECRYPTED		0

/*
 * What KVM does with a PSC buffer (§C.4, SEVC snp_begin_psc()): the exits
 * it makes, in order (up to max_exits), assuming userspace answers each
 * with ret 0; *result = the SW_EXITINFO2 the guest gets (0, PSC_ERR_*).
 * The buffer is updated as KVM updates it (cur_entry, cur_page).
 * exit_cap = false models "bit 12 not in hypercall_exit_enabled".
 * Returns the number of exits, or -1 if there were more than max_exits.
 */
int psc_kvm_model(struct psc_buffer *buf, bool exit_cap, struct psc_exit *exits,
		  int max_exits, uint64_t *result);

/*
 * The one exit KVM makes for a PSC MSR request (§C.4, snp_begin_psc_msr()):
 * true and *e filled when it exits; false when KVM answers the guest at once
 * with an error (op not 1/2, or no exit cap).
 */
bool psc_msr_kvm_model(uint64_t req, bool exit_cap, struct psc_exit *e);

/* ---- SNP CPUID table (§C.5) ---- */
#define SNP_CPUID_MAX		64
struct snp_cpuid_fn {
	uint32_t eax_in, ecx_in;
	uint64_t xcr0_in, xss_in;
	uint32_t eax, ebx, ecx, edx;
	uint64_t rsvd;
};
struct snp_cpuid_table {
	uint32_t count;
	uint32_t rsvd1;
	uint64_t rsvd2;
	struct snp_cpuid_fn fn[SNP_CPUID_MAX];
};
enum snp_cpuid_check {
	SNP_CPUID_OK = 0,
	SNP_CPUID_SHORT,	/* cpuid_len < 4 KiB */
	SNP_CPUID_EMPTY,	/* count 0 */
	SNP_CPUID_TOO_MANY,	/* count > 64 */
};
/* Linux's acceptance rule for the CPUID page (cpuid_len >= PAGE_SIZE, 0 < count <= 64) */
enum snp_cpuid_check snp_cpuid_table_check(const struct snp_cpuid_table *t, uint64_t cpuid_len);
/* leaves whose entries are selected by ECX too (Linux cpuid_function_is_indexed()) */
bool snp_cpuid_indexed(uint32_t leaf);
/* the entry for (leaf, subleaf), or NULL (first match, as Linux takes it) */
const struct snp_cpuid_fn *snp_cpuid_find(const struct snp_cpuid_table *t,
					  uint32_t leaf, uint32_t subleaf);
/*
 * Leaves the firmware or the guest fixes up, so a table entry need not agree
 * with what the CPUID instruction / hypervisor says (Linux
 * snp_cpuid_postprocess(): 0x1, 0xb, 0xd, 0x8000001e APIC ids / XSAVE sizes;
 * 0x7 and 0x80000001 may be masked by the firmware's policy).
 */
bool snp_cpuid_fixed_up(uint32_t leaf);

/* ---- CC blob and secrets page (§C.5) ---- */
#define CC_BLOB_SEV_HDR_MAGIC	0x45444d41u	/* "AMDE" */
struct cc_blob_sev_info {
	uint32_t magic;
	uint16_t version;
	uint16_t rsvd1;
	uint64_t secrets_phys;
	uint32_t secrets_len;
	uint32_t rsvd2;
	uint64_t cpuid_phys;
	uint32_t cpuid_len;
	uint32_t rsvd3;
};
enum cc_blob_check {
	CC_BLOB_OK = 0,
	CC_BLOB_NULL,		/* no blob */
	CC_BLOB_BAD_MAGIC,	/* Linux: terminate (set 0, reason 2) */
	CC_BLOB_NO_CPUID,	/* cpuid_phys 0 or cpuid_len < 4 KiB: terminate (1, 4) */
	CC_BLOB_NO_SECRETS,	/* secrets_phys 0 or secrets_len != 4 KiB */
	CC_BLOB_UNALIGNED,	/* a page address not 4 KiB aligned */
};
enum cc_blob_check cc_blob_check(const struct cc_blob_sev_info *b);
/* the GHCB terminate request Linux sends for a check result (0 = none) */
uint64_t cc_blob_term_req(enum cc_blob_check r);

/* EFI configuration-table GUID of the CC blob (Linux EFI_CC_BLOB_GUID) */
struct vmc_guid { uint32_t d1; uint16_t d2, d3; uint8_t d4[8]; };
extern const struct vmc_guid efi_cc_blob_guid;
bool vmc_guid_eq(const struct vmc_guid *a, const struct vmc_guid *b);

/* secrets page: the leading fields a guest can check */
struct snp_secrets_head {
	uint32_t version;
	uint32_t imien_flags;
	uint32_t fms;
	uint32_t rsvd;
	uint8_t gosvw[16];
	uint8_t vmpck[4][32];
};
/* version a known one (2 or 3) and VMPCK0 not all zero */
bool snp_secrets_version_known(uint32_t version);
bool snp_vmpck_nonzero(const uint8_t key[32]);

/* ---- #VC: decoding the intercepted port I/O instruction (SVM IOIO EXITINFO1) ---- */
#define IOIO_TYPE_IN	(1u << 0)
#define IOIO_SZ8	(1u << 4)
#define IOIO_SZ16	(1u << 5)
#define IOIO_SZ32	(1u << 6)
#define IOIO_A64	(1u << 9)
struct vc_ioio {
	uint64_t info1;		/* SW_EXITINFO1 for the IOIO NAE event */
	unsigned int len;	/* instruction length */
	unsigned int size;	/* bytes moved */
	bool in;
};
/*
 * IN/OUT with an imm8 or DX port, optional 0x66 prefix, in 64-bit mode;
 * false for anything else (string I/O is not supported).  insn: at least 3
 * bytes at RIP.
 */
bool vc_ioio_decode(const uint8_t *insn, uint16_t dx, struct vc_ioio *out);

/* ---- PVALIDATE / RMPADJUST results (§C.2) ---- */
#define PVALIDATE_OK			0
#define PVALIDATE_FAIL_INPUT		1
#define PVALIDATE_FAIL_SIZEMISMATCH	6
#define PVALIDATE_FAIL_NOUPDATE		255	/* CF = 1 (Linux's value) */
#define RMP_PG_SIZE_4K			0
#define RMP_PG_SIZE_2M			1
const char *pvalidate_ret_name(unsigned int ret);

#endif
