/*
 * vmc-harness: the migration stream (docs/migration.md) -- the byte format
 * migrate.c writes and reads, in memory for a live migration and in a file
 * for --save/--restore.  No KVM here, so tests/fuzz can link it alone.
 *
 *   header  "VMCMIGR\0", u32 version (2), u32 flags (0), u64 total bytes
 *   records u32 type, u32 vcpu, u64 len, len bytes, zero-padded to 8
 *   trailer record MIG_END, len 8: FNV-1a 64 of every byte before it
 */
#ifndef HARNESS_MIGSTREAM_H
#define HARNESS_MIGSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_MAGIC	"VMCMIGR"	/* + NUL: 8 bytes */
#define MIG_VERSION	2
#define MIG_HDR_SIZE	24
#define MIG_REC_SIZE	16
#define MIG_MAX_RECORDS	(1u << 20)
#define MIG_MAX_BYTES	(8ull << 30)

enum mig_type {
	MIG_END = 0,
	MIG_VM = 1,		/* struct mig_vm */
	MIG_MEM = 2,		/* u64 gpa, u64 flags (MIG_MEM_F_*), 4 KiB data */
	MIG_CLOCK = 3,		/* struct kvm_clock_data */
	MIG_IRQCHIP = 4,	/* struct kvm_irqchip (vcpu = chip id) */
	MIG_REGS = 16,		/* struct kvm_regs */
	MIG_SREGS = 17,		/* struct kvm_sregs */
	MIG_XSAVE = 18,		/* struct kvm_xsave (or the XSAVE2 size) */
	MIG_XCRS = 19,		/* struct kvm_xcrs */
	MIG_DEBUGREGS = 20,	/* struct kvm_debugregs */
	MIG_MSRS = 21,		/* n x struct kvm_msr_entry */
	MIG_LAPIC = 22,		/* struct kvm_lapic_state */
	MIG_EVENTS = 23,	/* struct kvm_vcpu_events */
	MIG_MP_STATE = 24,	/* struct kvm_mp_state */
	MIG_TSC_OFFSET = 25,	/* u64 KVM_VCPU_TSC_OFFSET (this host's TSC only) */
	MIG_FAMILY = 32,	/* vcpu = family id; the family's own bytes */
	MIG_TYPE_MAX = 33,
};
#define MIG_MEM_F_ENCRYPTED	(1ull << 0)	/* page encrypted in the map */

struct mig_vm {
	uint64_t mem_size;
	uint32_t nr_vcpus;
	uint32_t irqchip;
	uint32_t kvm_pv_features;
	uint32_t pad;
	uint64_t migrations;	/* how many migrations led here */
};

struct mig_buf {
	uint8_t *p;
	size_t len, cap;
};

/* writer: header, records, trailer (mig_finish fills total and checksum) */
void mig_begin(struct mig_buf *b);
void mig_put(struct mig_buf *b, uint32_t type, uint32_t vcpu, const void *data, uint64_t len);
void mig_finish(struct mig_buf *b);
void mig_free(struct mig_buf *b);

struct mig_rec {
	uint32_t type, vcpu;
	uint64_t len;
	const uint8_t *data;
};
/*
 * Check the whole stream (header, every record's bounds and type, the
 * trailer and its checksum) before anything is applied; on failure return
 * false with a message in err.  cb (may be NULL) then sees every record.
 */
bool mig_validate(const uint8_t *p, size_t len, char *err, size_t errsz);
/* iterate a validated stream: *off starts at 0; false at MIG_END */
bool mig_next(const uint8_t *p, size_t len, size_t *off, struct mig_rec *r);

#endif
