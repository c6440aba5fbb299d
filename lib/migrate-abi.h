/*
 * vmconform channel, migration family (0x04): the wire format shared by the
 * guest (lib/x86/migrate.h) and the harness (harness/migrate.c).  Contract:
 * docs/channel.md "Migration family" and docs/migration.md.
 */
#ifndef VMC_MIGRATE_ABI_H
#define VMC_MIGRATE_ABI_H

#include <stdint.h>

#include "channel-abi.h"

#define VMC_FAM_MIGRATE		0x04
#define VMC_OP_MIGRATE		0x0401	/* migrate the VM once this request returns */

/* HELLO feature bit (24-27 belong to this family) */
#define VMC_FEAT_MIGRATE	(1ull << 24)
/* the harness also migrates on its own (--migrate-every N): migration counts
 * then grow by more than the guest's own requests */
#define VMC_FEAT_MIGRATE_EVERY	(1ull << 25)

/*
 * MIGRATE: after this request completes the harness stops every vCPU, saves
 * the whole VM (docs/migration.md), destroys it, builds a new VM in the
 * same process from the saved stream and resumes every vCPU there; the
 * guest continues after the OUT that sent the request.  (With --save FILE
 * the stream is also written to FILE.)  migrations = migrations done before
 * this one.  ret: 0; -VMC_EINVAL: flags or pad not 0.
 */
struct vmc_migrate {
	struct vmc_req_hdr hdr;
	uint32_t flags;		/* in: 0 */
	uint32_t pad;
	uint64_t migrations;	/* out */
};

_Static_assert(sizeof(struct vmc_migrate) == 32, "struct vmc_migrate size is ABI");

#endif
