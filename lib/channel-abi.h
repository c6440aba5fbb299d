/*
 * vmconform channel v1: the wire format shared by the guest client
 * (lib/channel.c) and the harness (harness/channel.c).  docs/channel.md is
 * the contract; this header is its machine-readable half.
 *
 * Only fixed-size types, natural alignment, explicit padding: the layout is
 * the same for the freestanding 32/64-bit guest and the 64-bit host.  Every
 * struct size is pinned by a static assert at the bottom.
 *
 * Transport (x86): the guest writes the guest-physical address of a request
 * block with a 32-bit OUT to VMC_CHANNEL_PORT (0xf8).  A 32-bit IN from the
 * same port returns VMC_CHAN_MAGIC under the harness (QEMU: all-ones).
 */
#ifndef VMC_CHANNEL_ABI_H
#define VMC_CHANNEL_ABI_H

#include <stdint.h>

#define VMC_CHAN_MAGIC		0x564d4331u	/* "VMC1" from IN 0xf8 */
#define VMC_CHAN_VERSION	1
#define VMC_SCRATCH_PORT	0xf9	/* accepted and logged; IN returns the last OUT */
#define VMC_CHAN_MAX_ARGSZ	65536	/* no op takes a bigger block */

/*
 * Error codes, returned negated in hdr.ret.  Values are Linux errno numbers
 * so that a CAPS failure can carry the ioctl's errno unchanged.
 */
#define VMC_EPERM	1
#define VMC_E2BIG	7
#define VMC_EFAULT	14	/* a guest address/length is outside guest RAM */
#define VMC_EBUSY	16
#define VMC_EINVAL	22	/* argsz too small for the op, bad field */
#define VMC_ENOSPC	28
#define VMC_ENOSYS	38	/* unknown op */
#define VMC_EOPNOTSUPP	95	/* op known, not available on this host */
/* client-side only (lib/channel.c), never sent by the harness */
#define VMC_ENODEV	19	/* no harness (QEMU): the port read all-ones */
#define VMC_ENODATA	61	/* ret still VMC_RET_NOANSWER: block not reachable */
/* the client stores this in ret before the OUT; still there after = no answer */
#define VMC_RET_NOANSWER	0x7f4e4f41	/* "ANO\x7f" */

/* every request block starts with this header */
struct vmc_req_hdr {
	uint32_t argsz;		/* bytes of the whole block, header included */
	uint32_t op;		/* VMC_OP_* */
	uint32_t flags;		/* must be 0 in v1 */
	int32_t ret;		/* out: 0 or positive on success, -VMC_E* */
};

/*
 * Ops: high byte = family, one harness source file per family.
 * Reserved families for later issues: 0x02 MSR filter / user-space MSR
 * exits, 0x03 hypercall exits + page-encryption map, 0x04 migration,
 * 0x05 coalesced PIO, 0x06 exception injection.
 */
#define VMC_OP_FAMILY(op)	((op) >> 8)
#define VMC_FAM_CORE		0x00	/* harness/ops-core.c */
#define VMC_FAM_EXITLOG		0x01	/* harness/ops-exitlog.c */

#define VMC_OP_HELLO		0x0001
#define VMC_OP_CAPS		0x0002
#define VMC_OP_LOG		0x0003
#define VMC_OP_CONSOLE		0x0004	/* harness/ops-console.c */
#define VMC_OP_EXIT_MARK	0x0101
#define VMC_OP_EXIT_READ	0x0102
#define VMC_OP_EXPECT		0x0103
#define VMC_OP_EXPECT_RESULT	0x0104

/* HELLO feature bits */
#define VMC_FEAT_EXITLOG		(1ull << 0)	/* EXIT_MARK / EXIT_READ */
#define VMC_FEAT_EXPECT			(1ull << 1)	/* EXPECT / EXPECT_RESULT */
#define VMC_FEAT_SCRATCH		(1ull << 2)	/* port 0xf9 */
#define VMC_FEAT_IRQCHIP		(1ull << 3)	/* in-kernel irqchip in this VM */
#define VMC_FEAT_HOST_FEP		(1ull << 4)	/* kvm.force_emulation_prefix on (Y/1) */
#define VMC_FEAT_HOST_KVM_INTEL		(1ull << 8)
#define VMC_FEAT_HOST_KVM_AMD		(1ull << 9)
#define VMC_FEAT_HOST_KVM_PVM		(1ull << 10)
#define VMC_FEAT_HOST_OTHER		(1ull << 11)
#define VMC_FEAT_HOST_VMX_SVM		(1ull << 12)	/* KVM runs on VMX or SVM */
#define VMC_FEAT_CAP_USER_SPACE_MSR	(1ull << 16)	/* cap 188 > 0 */
#define VMC_FEAT_CAP_MSR_FILTER		(1ull << 17)	/* cap 189 > 0 */
#define VMC_FEAT_CAP_EXIT_HYPERCALL	(1ull << 18)	/* cap 201 > 0 */
#define VMC_FEAT_CAP_COALESCED_PIO	(1ull << 19)	/* cap 162 > 0 */
#define VMC_FEAT_CAP_COALESCED_MMIO	(1ull << 20)	/* cap 15 > 0 */
#define VMC_FEAT_CAP_EXCEPTION_PAYLOAD	(1ull << 21)	/* cap 164 > 0 */
#define VMC_FEAT_COALESCED		(1ull << 28)	/* family 0x05, lib/coalesced-abi.h */
#define VMC_FEAT_EXC_INJECT		(1ull << 29)	/* family 0x06, lib/exception-abi.h */
#define VMC_FEAT_MEMSLOT		(1ull << 30)	/* family 0x07, lib/memslot-abi.h */

/* host flavor (HELLO.flavor, and flavor= in vmc-harness --host-info) */
#define VMC_FLAVOR_NONE		0
#define VMC_FLAVOR_KVM_INTEL	1
#define VMC_FLAVOR_KVM_AMD	2
#define VMC_FLAVOR_KVM_PVM	3
#define VMC_FLAVOR_OTHER	4

struct vmc_hello {
	struct vmc_req_hdr hdr;
	uint32_t client_version;	/* in: VMC_CHAN_VERSION the guest speaks (else EINVAL) */
	uint32_t version;		/* out: harness protocol version */
	uint64_t features;		/* out: VMC_FEAT_* */
	uint32_t flavor;		/* out: VMC_FLAVOR_* */
	uint32_t nr_vcpus;		/* out */
	uint64_t ram_size;		/* out: bytes of guest RAM */
	uint32_t vcpu_id;		/* out: vCPU that sent this request */
	uint32_t max_argsz;		/* out: VMC_CHAN_MAX_ARGSZ */
};

#define VMC_CAPS_SYSTEM	0	/* KVM_CHECK_EXTENSION on /dev/kvm */
#define VMC_CAPS_VM	1	/* ... on the VM fd */
struct vmc_caps {
	struct vmc_req_hdr hdr;
	uint32_t cap;		/* in: KVM_CAP_* number */
	uint32_t fd;		/* in: VMC_CAPS_SYSTEM or VMC_CAPS_VM */
	int64_t value;		/* out: the ioctl's return value */
};

#define VMC_LOG_MAX	1024
struct vmc_log {
	struct vmc_req_hdr hdr;
	uint32_t len;		/* bytes of text (no NUL needed) */
	uint32_t pad;
	char text[];		/* argsz >= sizeof(struct vmc_log) + len */
};

/*
 * CONSOLE: console text, written to the harness's stdout exactly as if the
 * guest had sent text[0..len) byte by byte to COM1 (same cap, same
 * --console-cap note).  The harness sets len = 0 when it took the text and
 * remembers the block (GPA, argsz) for the calling vCPU: when the run ends
 * (exit port, triple fault, deadline) it prints what is pending in the
 * block, so a guest that dies mid-line still shows its last partial line.
 * len = 0 just registers the block.  argsz = sizeof(struct vmc_console) +
 * capacity (<= VMC_CONSOLE_MAX); len > capacity -> EINVAL.
 */
#define VMC_CONSOLE_MAX	4096
struct vmc_console {
	struct vmc_req_hdr hdr;
	uint32_t len;		/* in: bytes of text pending; out: 0 */
	uint32_t pad;		/* must be 0 */
	char text[];
};

/* one recorded exit, as EXIT_READ hands it to the guest */
#define VMC_EXITF_OUT		(1u << 0)	/* I/O OUT, WRMSR, MMIO write */
#define VMC_EXITF_STRING	(1u << 1)	/* INS/OUTS with count > 1 */
#define VMC_EXITF_BAD		(1u << 2)	/* the device rejected the access */
#define VMC_EXITF_PIO		(1u << 3)	/* VMC_EXIT_COALESCED: entry.pio != 0 */
/*
 * Record kinds that are not KVM exits (reason >= 0x1000):
 * VMC_EXIT_COALESCED: one coalesced MMIO/PIO ring entry, drained before the
 * exit that follows it (lib/coalesced-abi.h): index = low 32 bits of
 * phys_addr (the port for PIO), size = len, flags OUT | PIO if pio, data =
 * the first 8 data bytes, rip = 0 (KVM gives none).
 */
#define VMC_EXIT_COALESCED	0x1000
struct vmc_exit_rec {
	uint32_t seq;		/* global exit number (low 32 bits) */
	uint16_t vcpu;
	uint8_t size;		/* access size in bytes (I/O, MMIO) */
	uint8_t flags;		/* VMC_EXITF_* */
	uint32_t reason;	/* KVM_EXIT_* number */
	uint32_t index;		/* port, MSR index, hypercall nr, low 32 bits of MMIO address */
	uint64_t data;		/* OUT / IN value (first element), MSR data, MMIO data */
	uint64_t rip;		/* guest RIP as KVM reports it at the exit */
};

struct vmc_exit_mark {
	struct vmc_req_hdr hdr;
	uint32_t mark;		/* out: seq of the first exit after this request */
	uint32_t pad;
};

#define VMC_READ_F_REASON	(1u << 0)	/* only entries with filter_reason */
#define VMC_READ_F_INDEX	(1u << 1)	/* only entries with filter_index */
#define VMC_READ_F_ALL_VCPUS	(1u << 2)	/* default: the caller's vCPU only */
struct vmc_exit_read {
	struct vmc_req_hdr hdr;
	uint64_t buf;		/* in: GPA of an array of struct vmc_exit_rec */
	uint32_t max_entries;	/* in: capacity of buf */
	uint32_t read_flags;	/* in: VMC_READ_F_* */
	uint32_t filter_reason;	/* in */
	uint32_t filter_index;	/* in */
	uint32_t count;		/* out: entries written to buf */
	uint32_t total;		/* out: matching entries since the mark */
	uint32_t lost;		/* out: 1 if the mark fell out of the log ring */
	uint32_t pad;
};

#define VMC_EXPECT_MAX		16
#define VMC_EXPECT_F_DATA	(1u << 0)	/* data must match too */
#define VMC_EXPECT_F_DIR	(1u << 1)	/* direction must match dir_out */
struct vmc_expect_ent {
	uint32_t reason;	/* KVM_EXIT_* */
	uint32_t index;		/* port / MSR index / hypercall nr */
	uint32_t flags;		/* VMC_EXPECT_F_* */
	uint32_t dir_out;	/* with F_DIR: 1 = OUT/write, 0 = IN/read */
	uint64_t data;
};
struct vmc_expect {
	struct vmc_req_hdr hdr;
	uint32_t count;		/* 0 clears; <= VMC_EXPECT_MAX */
	uint32_t pad;
	struct vmc_expect_ent ent[];	/* argsz >= sizeof(struct vmc_expect) + count * 24 */
};

#define VMC_EXPECT_NONE		0	/* nothing declared */
#define VMC_EXPECT_PENDING	1	/* all seen so far matched, more expected */
#define VMC_EXPECT_MATCHED	2	/* every expected exit seen, in order */
#define VMC_EXPECT_MISMATCH	3	/* see mismatch_at / expected / got */
struct vmc_expect_result {
	struct vmc_req_hdr hdr;
	uint32_t state;		/* out: VMC_EXPECT_* */
	uint32_t count;		/* out: number declared */
	uint32_t matched;	/* out: number matched */
	uint32_t mismatch_at;	/* out: index of the first mismatch */
	struct vmc_expect_ent expected;	/* out: the expected entry that failed */
	struct vmc_exit_rec got;	/* out: the exit that came instead */
};

#define VMC_ABI_ASSERT(t, n) _Static_assert(sizeof(t) == (n), #t " size is ABI")
VMC_ABI_ASSERT(struct vmc_req_hdr, 16);
VMC_ABI_ASSERT(struct vmc_hello, 56);
VMC_ABI_ASSERT(struct vmc_caps, 32);
VMC_ABI_ASSERT(struct vmc_log, 24);
VMC_ABI_ASSERT(struct vmc_console, 24);
VMC_ABI_ASSERT(struct vmc_exit_rec, 32);
VMC_ABI_ASSERT(struct vmc_exit_mark, 24);
VMC_ABI_ASSERT(struct vmc_exit_read, 56);
VMC_ABI_ASSERT(struct vmc_expect_ent, 24);
VMC_ABI_ASSERT(struct vmc_expect, 24);
VMC_ABI_ASSERT(struct vmc_expect_result, 88);

#endif
