/*
 * vmc-harness: what migrate.c (the VM and the run of a migration) and
 * migrate-vcpu.c (one vCPU's state) share.  Not for other files: the rest
 * of the harness uses harness.h's migrate_*() and families_*().
 */
#ifndef HARNESS_MIGRATE_INT_H
#define HARNESS_MIGRATE_INT_H

#include "migstream.h"

/* KVM_GET_MSR_INDEX_LIST once per process (the list save_vcpu walks) */
void mig_load_msr_list(struct vm *vm);
/* v's registers, FPU, MSRs, LAPIC, events, ... as MIG_* records */
void mig_save_vcpu(struct mig_buf *b, struct vm *vm, struct vcpu *v);
/* r->len is exactly len, else a message in err */
bool mig_want_len(const struct mig_rec *r, uint64_t len, char *err, size_t errsz);
/* a per-vCPU record's size (type 16..25); false with a message in err */
bool mig_check_vcpu_rec(const struct mig_rec *r, char *err, size_t errsz);
/* restore every vCPU from a validated stream; false: run_finish() was called */
bool mig_restore_vcpus(struct vm *vm, const uint8_t *p, size_t len, bool same_host);
/* run_finish(HX_ERROR, "migration: could not restore WHAT of vcpuID|the VM ...") */
void mig_fail_restore(const char *what, int id);

#endif
