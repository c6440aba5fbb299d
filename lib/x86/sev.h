/*
 * SEV / SEV-ES / SEV-SNP guest support (issue 13): the instructions
 * (PVALIDATE, RMPADJUST, VMGEXIT), the GHCB MSR protocol and GHCB page,
 * C-bit page tables, page-state changes and the #VC handler.  The protocol
 * encoding itself is plain C in sev-proto.h (host-tested).
 *
 * Boot: the x86_64-efi start code calls sev_boot_init() with what the EFI
 * stub read (SEV_STATUS, C-bit).  Without SEV (and always under multiboot)
 * it only loads the suite's page tables and every query here says "not
 * SEV".  With SEV it ORs the C-bit into the page tables; with SEV-ES it also
 * installs the #VC handler (CPUID through the SNP CPUID page or the MSR
 * protocol, port I/O and MSRs through the GHCB) and sets up a shared GHCB
 * page (SNP: rescinded, made shared by PSC, registered).
 */
#ifndef VMC_X86_SEV_H
#define VMC_X86_SEV_H

#include <stdbool.h>
#include <stdint.h>

#include "sev-proto.h"

struct vmc_efi_boot;
extern const struct vmc_efi_boot *efi_boot_info;	/* setup.c; NULL under multiboot */

void sev_boot_init(const struct vmc_efi_boot *b);

uint64_t sev_status(void);		/* SEV_STATUS as read at boot (0: not SEV) */
static inline bool sev_active(void) { return sev_status() & SEV_STATUS_SEV; }
static inline bool sev_es_active(void) { return sev_status() & SEV_STATUS_SEV_ES; }
static inline bool snp_active(void) { return sev_status() & SEV_STATUS_SNP; }
unsigned int sev_cbit(void);
uint64_t sev_cmask(void);		/* 1 << C-bit under SEV, else 0 */
const struct cc_blob_sev_info *sev_cc_blob(void);	/* from the EFI table, or NULL */

/* GHCB MSR protocol round trip: write req, VMGEXIT, read the answer */
uint64_t ghcb_msr_call(uint64_t req);
/* the GHCB page (shared) and its GPA; NULL/0 before setup or without SEV-ES */
void *ghcb_page(void);
uint64_t ghcb_gpa(void);
/*
 * Under SEV: a shared 4 KiB page through which channel-io.c sends every
 * request block (the host cannot read private memory); NULL without SEV.
 * Buffers a request names by GPA (EXIT_READ's buf) must be shared too.
 */
void *sev_chan_bounce(void);
extern void *sev_chan_bounce_page;	/* the same, as a variable (set once at boot) */
/*
 * One NAE event through the GHCB page: exit code, info1, info2; the
 * registers named in the valid bitmap (GHCB_SET_*) are already written.
 * Returns SW_EXITINFO1 (low 32 bits non-zero: error); *info2 the result.
 */
uint64_t ghcb_nae(uint64_t exit_code, uint64_t info1, uint64_t info2, uint64_t *info2_out);
/* GHCB page-state change of buf (one VMGEXIT); returns SW_EXITINFO2 */
uint64_t snp_psc_ghcb(struct psc_buffer *buf);

/* instructions; *cf = carry flag (Validated bit unchanged) */
unsigned int pvalidate(uintptr_t va, unsigned int size, bool validate, bool *cf);
unsigned int rmpadjust(uintptr_t va, unsigned int size, uint64_t attrs);
/* the same through the expected-fault API: vector, or -1 when none */
int pvalidate_fault(uintptr_t va, unsigned int size, bool validate, unsigned int *ret);
int rmpadjust_fault(uintptr_t va, unsigned int size, uint64_t attrs, unsigned int *ret);

/*
 * Page tables: split the 2 MiB mapping holding va into 4 KiB PTEs (up to
 * SEV_SPLIT_MAX regions) and set or clear the C-bit of one 4 KiB page.
 * Returns 0, or -1 when no split table is left.
 */
#define SEV_SPLIT_MAX 4
int sev_set_page_encrypted(uintptr_t va, bool enc);

/*
 * Documented conversion order (specs §C.2; Linux set_pages_state()):
 * to shared: PVALIDATE(rescind) -> PSC(shared) -> clear C-bit;
 * to private: set C-bit -> PSC(private) -> PVALIDATE(validate).
 * 4 KiB page, MSR protocol.  Returns 0 or a step's error (bits 63:32 of the
 * PSC response, or 0x100 | PVALIDATE code).
 */
uint64_t snp_page_make_shared(uintptr_t va);
uint64_t snp_page_make_private(uintptr_t va);

#endif
