/*
 * The one status table (DESIGN §3).  Shared by every guest arch and by the
 * harness (which includes this header from the host build).  The host scripts
 * decode it in exactly one place: scripts/common.sh (status_from_exit).
 *
 * A test's report_summary() returns one of these; the arch's exit() carries it
 * out of the VM.  On x86 it is written to port 0xf4; QEMU's isa-debug-exit
 * turns value v into process exit status (v << 1) | 1, so:
 *   PASS 0 -> 1, FAIL 1 -> 3, SKIP 2 -> 5, ERROR 3 -> 7.
 * s390x and arm64 print "EXIT: STATUS=v" before stopping the machine.
 */
#ifndef VMC_STATUS_H
#define VMC_STATUS_H

#define VMC_STATUS_PASS   0	/* every check passed (xfails allowed)        */
#define VMC_STATUS_FAIL   1	/* at least one check failed                  */
#define VMC_STATUS_SKIP   2	/* every check was skipped (or there were none) */
#define VMC_STATUS_ERROR  3	/* the test itself broke: unexpected fault, abort */

#define VMC_EXIT_PORT     0xf4	/* x86: isa-debug-exit and the harness        */
#define VMC_CHANNEL_PORT  0xf8	/* x86: the guest<->harness channel (32-bit OUT) */
#define VMC_SERIAL_PORT   0x3f8	/* x86: COM1                                  */

/* QEMU isa-debug-exit: process status for a written value */
#define VMC_QEMU_EXIT_CODE(v) ((((v) & 0x7f) << 1) | 1)

#endif
