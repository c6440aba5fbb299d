/*
 * Guest client of the harness's migration family (lib/migrate-abi.h,
 * docs/migration.md): MIGRATE returns, then the harness moves the VM to a
 * new one before this vCPU runs its next instruction.
 */
#ifndef VMC_X86_MIGRATE_H
#define VMC_X86_MIGRATE_H

#include "channel.h"
#include "migrate-abi.h"

/* one migration; returns hdr.ret, *before = migrations done before it */
static inline int harness_migrate(uint64_t *before)
{
	struct vmc_migrate m = { .hdr = { .argsz = sizeof(m), .op = VMC_OP_MIGRATE } };
	int r = harness_call(&m);

	if (before)
		*before = m.migrations;
	return r;
}

#endif
