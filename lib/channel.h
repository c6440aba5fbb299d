/*
 * vmconform guest library: the client of the harness channel
 * (docs/channel.md; wire format in channel-abi.h).
 *
 * harness_present() probes once (x86: a 32-bit IN from port 0xf8 returns
 * VMC_CHAN_MAGIC under the harness, all-ones under QEMU) and caches the
 * answer.  Without a harness every call returns -VMC_ENODEV and a test
 * SKIPs its host-side checks with HARNESS_SKIP_REASON.
 *
 * Calls return hdr.ret: >= 0 on success, -VMC_E* from the harness, or the
 * client-side -VMC_ENODEV (no harness) / -VMC_ENODATA (the harness left ret
 * untouched: it could not reach the block).  Blocks must be in memory the
 * guest maps 1:1 (all of the x86 library's memory is).
 */
#ifndef VMC_CHANNEL_H
#define VMC_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "channel-abi.h"

#define HARNESS_SKIP_REASON "needs the vmconform harness"

/* zero a request struct r and fill in its header: argsz = sizeof(r), op */
#define HARNESS_REQ_INIT(r, opcode) do {		\
	memset(&(r), 0, sizeof(r));			\
	(r).hdr.argsz = sizeof(r);			\
	(r).hdr.op = (opcode);				\
} while (0)

bool harness_present(void);
/* send a block whose hdr.argsz and hdr.op are filled in; returns hdr.ret */
int harness_call(void *block);
/* send a raw GPA to the channel (for tests of bad requests); no answer read */
void harness_submit_raw(uint64_t gpa);
/* guest-physical address of a guest pointer */
#ifdef __x86_64__
static inline uint64_t harness_gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;	/* = chan_arch_gpa(): 0..4 GiB mapped 1:1 */
}
#else
uint64_t harness_gpa(const void *p);
#endif
const char *harness_strerror(int ret);

int harness_hello(struct vmc_hello *out);
/* KVM_CHECK_EXTENSION(cap) on VMC_CAPS_SYSTEM or VMC_CAPS_VM; *value = result */
int harness_caps(uint32_t cap, uint32_t fd, int64_t *value);
int harness_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* remember "now" in the exit log of this vCPU */
int harness_exit_mark(void);
/*
 * Copy up to max exits of this vCPU since the mark into buf (flags and
 * filters: VMC_READ_F_*); returns the number copied or -VMC_E*; *total (if
 * not NULL) = matching exits, *lost = the mark fell out of the log.
 */
int harness_exit_read(struct vmc_exit_rec *buf, uint32_t max, uint32_t flags,
		      uint32_t reason, uint32_t index, uint32_t *total, uint32_t *lost);
/* declare the next n (<= VMC_EXPECT_MAX) exits this vCPU will cause */
int harness_expect(const struct vmc_expect_ent *ent, uint32_t n);
int harness_expect_result(struct vmc_expect_result *res);

/* arch hooks (lib/<arch>/channel-io.c) */
uint32_t chan_arch_probe(void);
void chan_arch_submit(uint64_t gpa);
#ifdef __x86_64__
/* the x86 library maps 0..4 GiB 1:1: a pointer is its GPA (inline: every request uses it) */
static inline uint64_t chan_arch_gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}
#else
uint64_t chan_arch_gpa(const void *p);
#endif

#endif
