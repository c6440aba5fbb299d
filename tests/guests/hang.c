/*
 * Fixture guest (runner/harness tests): prints a line, then spins forever
 * with interrupts off and never exits.  Rule: a guest that stops making
 * progress must end as TIMEOUT (runner timeout / harness deadline), not
 * hang the host side.  A busy loop, not HLT, so the vCPU never leaves the
 * guest on its own.
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	printf("INFO: fixture: spinning forever with interrupts off\n");
	asm volatile("cli\n\t"
		     "1: jmp 1b" : : : "memory");
	return VMC_STATUS_ERROR;	/* not reached */
}
