/*
 * Guest client of the harness's MSR filter / user-space MSR exit ops
 * (channel family 0x02, lib/x86/msrfilter-abi.h, docs/channel.md), and
 * the helpers every MSR test shares (msrf_fresh, msrf_install_one,
 * msrf_total_exits).  The faulting MSR accessors are in lib/x86/msr.h.
 *
 * Every call returns the channel's hdr.ret (>= 0, -VMC_E* from the
 * harness, -VMC_ENODEV without a harness).  Calls that make an ioctl store
 * its result (0 or -errno) in *kvm_ret.
 */
#ifndef VMC_X86_MSRFILTER_H
#define VMC_X86_MSRFILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "channel.h"
#include "msrfilter-abi.h"

/*
 * A filter under construction: req is the request block sent to the
 * harness; page[i] is the bitmap page msrf_add() allocated for range i.
 * msrf_free() frees exactly those pages, whatever a test wrote into
 * req.ranges[i].bitmap by hand since (NULL, an unmapped GPA, ...).
 * A page is filled lazily: msrf_add() fills the bytes its range's bitmap
 * needs, msrf_set_bit() up to the bit it sets, msrf_install() up to
 * what the range's (possibly edited) nmsrs needs, msrf_bitmap() all of
 * it -- so every byte KVM or a test can see holds the allow/deny pattern
 * (a whole-page fill is ~0.6 ms on hosts that emulate guest code).
 * used, filled and fill are the library's bookkeeping; page[i], filled[i]
 * and fill[i] hold only for the slots whose bit is set in used.
 */
typedef struct {
	struct vmc_msr_set_filter req;
	uint8_t *page[VMC_MSR_FILTER_MAX_RANGES];
	uint32_t used;				/* bit i: page[i] is set */
	uint16_t filled[VMC_MSR_FILTER_MAX_RANGES];	/* bytes of page[i] filled */
	uint8_t fill[VMC_MSR_FILTER_MAX_RANGES];	/* 0xff allow, 0 deny */
} msrf_filter_t;

void msrf_init(msrf_filter_t *f, uint32_t filter_flags);
/*
 * Append a range (flags VMC_MSR_FILTER_READ/_WRITE) over [base, base+nmsrs)
 * whose bitmap allows every MSR (allow) or none; returns the slot or -1.
 * The bitmap is a fresh page; msrf_bitmap() gives it back for editing.
 */
int msrf_add(msrf_filter_t *f, uint32_t rflags, uint32_t base, uint32_t nmsrs, bool allow);
uint8_t *msrf_bitmap(msrf_filter_t *f, int slot);
/* set the bit of msr in range slot to allow (true) or deny */
void msrf_set_bit(msrf_filter_t *f, int slot, uint32_t msr, bool allow);
/* KVM_X86_SET_MSR_FILTER; returns hdr.ret, *kvm_ret = ioctl result */
int msrf_install(msrf_filter_t *f, int *kvm_ret);
/* release the bitmap pages msrf_add() allocated for f */
void msrf_free(msrf_filter_t *f);
/*
 * Build, install and free a filter of one range [base, base+nmsrs) with
 * range flags rflags, all allowed (allow) or all denied.  Returns the
 * ioctl's result (0 or -errno), or MSRF_ECHANNEL + the harness's -VMC_E*
 * if the request itself failed (so a harness EINVAL never reads as KVM's).
 */
#define MSRF_ECHANNEL	(-1000)
int msrf_install_one(uint32_t filter_flags, uint32_t rflags, uint32_t base, uint32_t nmsrs,
		     bool allow);
/* install an empty default-allow filter (filtering off); returns kvm_ret or hdr.ret */
int msrf_clear(void);
int msrf_info(struct vmc_msr_filter_info *out);

/* KVM_ENABLE_CAP(cap, flags, args[0]); returns hdr.ret, *kvm_ret = ioctl result */
int msrf_enable_cap(uint32_t cap, uint32_t cap_flags, uint64_t arg0, int *kvm_ret);
/* USER_SPACE_MSR with reason mask; returns kvm_ret or hdr.ret (0 = done) */
int msrf_exit_mask(uint64_t mask);

int msrf_policy(uint32_t index, uint32_t rd, uint32_t wr, uint64_t value, uint64_t wr_arg);
int msrf_policy_default(uint32_t rd, uint32_t wr, uint64_t value, uint64_t wr_arg);
int msrf_policy_clear_all(void);
int msrf_counters(uint32_t index, uint32_t flags, struct vmc_msr_counters *out);
/* user-space exits of index since the last reset (rd + wr, any reason) */
uint32_t msrf_exits(uint32_t index);
/* zero every counter and the exit ring */
int msrf_reset(void);
/* user-space MSR exits (rd + wr, every index) since the last reset; ~0 on error */
uint32_t msrf_total_exits(void);
/*
 * Start from a known state: no filter, exit mask, no policies, counters
 * and exit ring zeroed.  Aborts the test (naming the step) if any fails.
 */
void msrf_fresh(uint64_t mask);
/* the latest MSR exits (oldest first); returns the number copied */
int msrf_last(struct vmc_msr_exit *buf, uint32_t max, uint32_t flags, uint32_t *total);

/* harness present and caps 188 + 189 reported by HELLO */
bool msrf_available(const char **why);
/* HELLO says kvm.force_emulation_prefix is on */
bool msrf_fep_available(void);
#define MSRF_FEP_SKIP_REASON "needs kvm.force_emulation_prefix=1 on the host"

/* msr_read()/msr_write() (faulting, optionally through the emulator): lib/x86/msr.h */

#endif
