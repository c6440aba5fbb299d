/*
 * SEV / SEV-ES / SEV-SNP guest support (see sev.h).  Facts: specs/kvm-x86.md
 * §C (GHCB layout from Linux 6.12 arch/x86/include/asm/svm.h struct
 * ghcb_save_area; NAE codes from the GHCB spec via svm.h / sev-common.h).
 * Only the boot path without SEV runs on hosts without SEV; everything under
 * `if (sev_*_active())` needs an SEV-ES/SNP guest (docs/snp.md).
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"
#include "msr.h"
#include "fault.h"
#include "efi-boot.h"
#include "sev.h"

/* GHCB save-area offsets (Linux svm.h struct ghcb_save_area) */
#define GHCB_CPL	0x0cb
#define GHCB_RAX	0x1f8
#define GHCB_RCX	0x308
#define GHCB_RDX	0x310
#define GHCB_RBX	0x318
#define GHCB_EXIT_CODE	0x390
#define GHCB_EXIT_INFO1	0x398
#define GHCB_EXIT_INFO2	0x3a0
#define GHCB_SCRATCH	0x3a8
#define GHCB_XCR0	0x3e8
#define GHCB_VALID	0x3f0
#define GHCB_SHARED_BUF	0x800
#define GHCB_PROTO_VER	0xffa
#define GHCB_USAGE	0xffc

/* NAE exit codes (SVM exit codes and the GHCB spec's VMGEXIT codes) */
#define SVM_EXIT_CPUID	0x72
#define SVM_EXIT_IOIO	0x7b
#define SVM_EXIT_MSR	0x7c

#define VC_VECTOR	29
#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_U		(1ull << 2)	/* as cstart64.S maps (usermode.c) */
#define PTE_PS		(1ull << 7)
#define ADDR_MASK	0x000ffffffffff000ull

extern uint64_t pt_pml4[], pt_pdpt[], pt_pd[];	/* cstart64.S */

static uint64_t status;
static unsigned int cbit;
static uint64_t cmask;
static const struct cc_blob_sev_info *cc_blob;
static const struct snp_cpuid_table *cpuid_tbl;
static uint8_t ghcb_buf[4096] __attribute__((aligned(4096)));
static bool ghcb_ready;
/* the channel's bounce page under SEV (channel-io.c): request blocks go through it */
static uint8_t chan_bounce[4096] __attribute__((aligned(4096)));
static bool chan_bounce_ready;
static uint64_t split_pt[SEV_SPLIT_MAX][512] __attribute__((aligned(4096)));
static uint64_t split_va[SEV_SPLIT_MAX];
static unsigned int nsplit;

uint64_t sev_status(void) { return status; }
unsigned int sev_cbit(void) { return cbit; }
uint64_t sev_cmask(void) { return cmask; }
const struct cc_blob_sev_info *sev_cc_blob(void) { return cc_blob; }
void *ghcb_page(void) { return ghcb_ready ? ghcb_buf : NULL; }
void *sev_chan_bounce(void) { return chan_bounce_ready ? chan_bounce : NULL; }
void *sev_chan_bounce_page;	/* = sev_chan_bounce(), read inline by channel-io.c */
uint64_t ghcb_gpa(void) { return ghcb_ready ? (uintptr_t)ghcb_buf : 0; }

/* terminate through the MSR protocol (works without a GHCB page) */
static void __attribute__((noreturn)) sev_terminate(unsigned int set, unsigned int reason)
{
	for (;;) {
		wrmsr(MSR_AMD64_SEV_ES_GHCB, ghcb_msr_term_req(set, reason));
		asm volatile("vmgexit" : : : "memory");
	}
}

uint64_t ghcb_msr_call(uint64_t req)
{
	uint64_t saved = rdmsr(MSR_AMD64_SEV_ES_GHCB), resp;

	wrmsr(MSR_AMD64_SEV_ES_GHCB, req);
	asm volatile("vmgexit" : : : "memory");
	resp = rdmsr(MSR_AMD64_SEV_ES_GHCB);
	wrmsr(MSR_AMD64_SEV_ES_GHCB, saved);
	return resp;
}

static inline void ghcb_set(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(ghcb_buf + off) = v;
	ghcb_buf[GHCB_VALID + off / 64] |= (uint8_t)(1u << ((off / 8) % 8));
}

static inline uint64_t ghcb_get(unsigned int off)
{
	return *(volatile uint64_t *)(ghcb_buf + off);
}

static void ghcb_clear(void)
{
	memset(ghcb_buf, 0, GHCB_SHARED_BUF);	/* save area + valid bitmap */
}

uint64_t ghcb_nae(uint64_t exit_code, uint64_t info1, uint64_t info2, uint64_t *info2_out)
{
	ghcb_set(GHCB_EXIT_CODE, exit_code);
	ghcb_set(GHCB_EXIT_INFO1, info1);
	ghcb_set(GHCB_EXIT_INFO2, info2);
	*(volatile uint16_t *)(ghcb_buf + GHCB_PROTO_VER) = GHCB_PROTOCOL_MAX;
	*(volatile uint32_t *)(ghcb_buf + GHCB_USAGE) = 0;
	wrmsr(MSR_AMD64_SEV_ES_GHCB, (uintptr_t)ghcb_buf);
	asm volatile("vmgexit" : : : "memory");
	if (info2_out)
		*info2_out = ghcb_get(GHCB_EXIT_INFO2);
	return ghcb_get(GHCB_EXIT_INFO1);
}

uint64_t snp_psc_ghcb(struct psc_buffer *buf)
{
	uint64_t info2 = 0;

	ghcb_clear();
	memcpy(ghcb_buf + GHCB_SHARED_BUF, buf, sizeof(*buf));
	ghcb_set(GHCB_SCRATCH, (uintptr_t)ghcb_buf + GHCB_SHARED_BUF);
	ghcb_nae(SVM_VMGEXIT_PSC, 0, 0, &info2);
	memcpy(buf, ghcb_buf + GHCB_SHARED_BUF, sizeof(*buf));
	return info2;
}

unsigned int pvalidate(uintptr_t va, unsigned int size, bool validate, bool *cf)
{
	unsigned int ret;
	bool c;

	asm volatile("pvalidate\n\tsetc %1"
		     : "=a"(ret), "=qm"(c) : "a"(va), "c"(size), "d"(validate ? 1 : 0)
		     : "memory", "cc");
	if (cf)
		*cf = c;
	return c ? PVALIDATE_FAIL_NOUPDATE : ret;
}

unsigned int rmpadjust(uintptr_t va, unsigned int size, uint64_t attrs)
{
	unsigned int ret;

	asm volatile("rmpadjust" : "=a"(ret) : "a"(va), "c"(size), "d"(attrs) : "memory", "cc");
	return ret;
}

int pvalidate_fault(uintptr_t va, unsigned int size, bool validate, unsigned int *ret)
{
	uint64_t rax = va;
	struct fault f;

	fault_arm();
	asm volatile(FAULT_INSN("pvalidate")
		     : "+a"(rax) : "c"(size), "d"(validate ? 1 : 0) : "memory", "cc");
	f = fault_take();
	*ret = (unsigned int)rax;
	return f.raised ? (int)f.vector : -1;
}

int rmpadjust_fault(uintptr_t va, unsigned int size, uint64_t attrs, unsigned int *ret)
{
	uint64_t rax = va;
	struct fault f;

	fault_arm();
	asm volatile(FAULT_INSN("rmpadjust") : "+a"(rax) : "c"(size), "d"(attrs) : "memory", "cc");
	f = fault_take();
	*ret = (unsigned int)rax;
	return f.raised ? (int)f.vector : -1;
}

/* ---- page tables ---- */
static uint64_t *pde_of(uintptr_t va)
{
	return &pt_pd[va >> 21];	/* 0..4 GiB, 2048 PDEs (cstart64.S) */
}

int sev_set_page_encrypted(uintptr_t va, bool enc)
{
	uintptr_t base = va & ~0x1fffffull;
	uint64_t *pde = pde_of(va), *pt = NULL;
	unsigned int i;

	if (va >= 0x100000000ull)
		return -1;
	for (i = 0; i < nsplit; i++)
		if (split_va[i] == base)
			pt = split_pt[i];
	if (!pt) {
		if (nsplit == SEV_SPLIT_MAX)
			return -1;
		pt = split_pt[nsplit];
		split_va[nsplit++] = base;
		for (i = 0; i < 512; i++)
			pt[i] = (base + i * 4096ull) | cmask | PTE_P | PTE_RW | PTE_U;
		*pde = ((uintptr_t)pt & ADDR_MASK) | cmask | PTE_P | PTE_RW | PTE_U;
		write_cr3(read_cr3());
	}
	i = (va >> 12) & 511;
	pt[i] = (pt[i] & ~cmask) | (enc ? cmask : 0);
	invlpg((void *)(va & ~0xfffull));
	return 0;
}

uint64_t snp_page_make_shared(uintptr_t va)
{
	unsigned int r = pvalidate(va & ~0xfffull, RMP_PG_SIZE_4K, false, NULL);
	uint64_t resp;

	if (r && r != PVALIDATE_FAIL_NOUPDATE)
		return 0x100 | r;
	resp = ghcb_msr_call(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_SHARED));
	if (ghcb_msr_info(resp) != GHCB_MSR_PSC_RESP || (resp >> 32))
		return (resp >> 32) ? (resp >> 32) : 0xfff;
	sev_set_page_encrypted(va, false);
	return 0;
}

uint64_t snp_page_make_private(uintptr_t va)
{
	uint64_t resp;
	unsigned int r;

	sev_set_page_encrypted(va, true);
	resp = ghcb_msr_call(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_PRIVATE));
	if (ghcb_msr_info(resp) != GHCB_MSR_PSC_RESP || (resp >> 32))
		return (resp >> 32) ? (resp >> 32) : 0xfff;
	r = pvalidate(va & ~0xfffull, RMP_PG_SIZE_4K, true, NULL);
	return r ? 0x100 | r : 0;
}

/* ---- #VC handler (SEV-ES / SNP) ---- */
static void vc_cpuid(struct ex_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	const struct snp_cpuid_fn *e = cpuid_tbl ? snp_cpuid_find(cpuid_tbl, leaf, sub) : NULL;
	uint64_t v[4];

	if (snp_active() && cpuid_tbl) {
		/* SNP: the validated CPUID page, never the hypervisor's word */
		v[0] = e ? e->eax : 0; v[1] = e ? e->ebx : 0;
		v[2] = e ? e->ecx : 0; v[3] = e ? e->edx : 0;
	} else {
		for (int i = 0; i < 4; i++) {
			uint64_t req = ghcb_msr_cpuid_req(leaf, (enum ghcb_cpuid_reg)i);
			struct ghcb_resp g = ghcb_msr_check(req, ghcb_msr_call(req));

			if (g.status != GHCB_RESP_OK)
				sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_CPUID_HV);
			v[i] = g.value;
		}
	}
	r->rax = v[0]; r->rbx = v[1]; r->rcx = v[2]; r->rdx = v[3];
	r->rip += 2;
}

/* the hypervisor asked for an exception (SW_EXITINFO1 low bits 1: info2 = event) */
static void vc_inject(struct ex_regs *r, uint64_t info2)
{
	unsigned int vec = info2 & 0xff;
	uintptr_t rip = r->rip;

	if (fault_fixup(&rip, vec, (info2 >> 11) & 1 ? info2 >> 32 : 0, 0)) {
		r->rip = rip;
		return;
	}
	printf("UNEXPECTED EXCEPTION vector %u via #VC (exit code %#lx) at RIP %#lx\n",
	       vec, r->error_code, r->rip);
	exit(VMC_STATUS_ERROR);
}

static void vc_ioio(struct ex_regs *r)
{
	struct vc_ioio io;
	uint64_t res, info2 = 0;

	if (!vc_ioio_decode((const uint8_t *)r->rip, (uint16_t)r->rdx, &io))
		sev_terminate(GHCB_TERM_SET_GEN, GHCB_TERM_GEN_GENERAL);	/* INS/OUTS */
	ghcb_clear();
	ghcb_set(GHCB_RAX, io.in ? 0 : r->rax);
	res = ghcb_nae(SVM_EXIT_IOIO, io.info1, 0, &info2);
	if ((uint32_t)res) {
		vc_inject(r, info2);
		return;
	}
	if (io.in) {
		uint64_t mask = io.size == 4 ? 0xffffffffull : io.size == 2 ? 0xffff : 0xff;

		/* a 32-bit IN zero-extends into RAX; 8/16-bit ones merge */
		r->rax = io.size == 4 ? (ghcb_get(GHCB_RAX) & mask) :
			 (r->rax & ~mask) | (ghcb_get(GHCB_RAX) & mask);
	}
	r->rip += io.len;
}

static void vc_msr(struct ex_regs *r)
{
	const uint8_t *ip = (const uint8_t *)r->rip;
	bool wr = ip[1] == 0x30;
	uint64_t res, info2 = 0;

	ghcb_clear();
	ghcb_set(GHCB_RCX, (uint32_t)r->rcx);
	if (wr) {
		ghcb_set(GHCB_RAX, (uint32_t)r->rax);
		ghcb_set(GHCB_RDX, (uint32_t)r->rdx);
	}
	res = ghcb_nae(SVM_EXIT_MSR, wr ? 1 : 0, 0, &info2);
	if ((uint32_t)res) {
		vc_inject(r, info2);
		return;
	}
	if (!wr) {
		r->rax = (uint32_t)ghcb_get(GHCB_RAX);
		r->rdx = (uint32_t)ghcb_get(GHCB_RDX);
	}
	r->rip += 2;
}

static void vc_handler(struct ex_regs *r)
{
	uintptr_t rip = r->rip;

	switch (r->error_code) {
	case SVM_EXIT_CPUID:
		vc_cpuid(r);
		return;
	case SVM_EXIT_IOIO:
		if (!ghcb_ready)
			sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_REGISTER);
		vc_ioio(r);
		return;
	case SVM_EXIT_MSR:
		if (!ghcb_ready)
			sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_REGISTER);
		vc_msr(r);
		return;
	default:
		/* e.g. an access to a private page that is not validated: a test's FAULT_INSN */
		if (fault_fixup(&rip, VC_VECTOR, r->error_code, 0)) {
			r->rip = rip;
			return;
		}
		if (ghcb_ready)
			printf("UNEXPECTED #VC exit code %#lx at RIP %#lx\n", r->error_code, r->rip);
		sev_terminate(GHCB_TERM_SET_GEN, GHCB_TERM_GEN_GENERAL);
	}
}

static void ghcb_setup(void)
{
	uintptr_t va = (uintptr_t)ghcb_buf;

	if (snp_active()) {
		uint64_t req, resp;

		if (pvalidate(va, RMP_PG_SIZE_4K, false, NULL) != 0)
			sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_PVALIDATE);
		resp = ghcb_msr_call(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_SHARED));
		if (ghcb_msr_check(ghcb_msr_psc_req(va >> 12, SNP_PSC_OP_SHARED), resp).status)
			sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_PSC);
		req = ghcb_msr_reg_gpa_req(va >> 12);
		if (ghcb_msr_check(req, ghcb_msr_call(req)).status)
			sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_REGISTER);
	}
	if (sev_set_page_encrypted(va, false))
		sev_terminate(GHCB_TERM_SET_GEN, GHCB_TERM_GEN_GENERAL);
	memset(ghcb_buf, 0, sizeof(ghcb_buf));
	wrmsr(MSR_AMD64_SEV_ES_GHCB, va);
	ghcb_ready = true;
}

void sev_boot_init(const struct vmc_efi_boot *b)
{
	if (b->sev_status & SEV_STATUS_SEV) {
		status = b->sev_status;
		cbit = b->cbit;
		cmask = 1ull << cbit;
		pt_pml4[0] |= cmask;
		for (int i = 0; i < 4; i++)
			pt_pdpt[i] |= cmask;
		for (int i = 0; i < 2048; i++)
			pt_pd[i] |= cmask;
	}
	if (sev_es_active())
		handle_exception(VC_VECTOR, vc_handler);
	write_cr3((uintptr_t)pt_pml4);
	if (!sev_es_active()) {
		/* the multiboot path's explicit state (cstart64.S); not under SEV-ES,
		 * where CR and EFER writes are the hypervisor's business */
		write_cr4(0x20);		/* PAE */
		write_cr0(0x80010031);		/* PG | WP | NE | ET | PE */
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(EFER_NXE | EFER_SCE));
	}
	if (snp_active() && b->cc_blob) {
		const struct cc_blob_sev_info *cc = (const void *)(uintptr_t)b->cc_blob;

		if (cc_blob_check(cc) == CC_BLOB_OK) {
			cc_blob = cc;
			cpuid_tbl = (const void *)(uintptr_t)cc->cpuid_phys;
			if (snp_cpuid_table_check(cpuid_tbl, cc->cpuid_len) != SNP_CPUID_OK)
				sev_terminate(GHCB_TERM_SET_LINUX, GHCB_TERM_CPUID);
		} else {
			cc_blob = cc;	/* x86/snp reports what is wrong with it */
		}
	} else if (b->cc_blob) {
		cc_blob = (const void *)(uintptr_t)b->cc_blob;
	}
	if (sev_es_active())
		ghcb_setup();
	/*
	 * The host sees only shared memory: a shared page for harness channel
	 * blocks (vmc-harness --vm-type=snp; under QEMU it is never used).
	 */
	if (snp_active() && ghcb_ready)
		chan_bounce_ready = snp_page_make_shared((uintptr_t)chan_bounce) == 0;
	else if (sev_active())
		chan_bounce_ready = sev_set_page_encrypted((uintptr_t)chan_bounce, false) == 0;
	sev_chan_bounce_page = sev_chan_bounce();
}
