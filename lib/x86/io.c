/*
 * x86 console and exit.
 *
 * console_write: one OUT per byte to COM1 (0x3f8), no LSR polling: QEMU's
 * UART and the harness accept a byte per OUT, and each extra IN would be
 * another exit under the harness.
 * exit: a 32-bit OUT of the status to VMC_EXIT_PORT (0xf4): QEMU's
 * isa-debug-exit ends with (v << 1) | 1, the harness records v.  If nothing
 * listens there, the CPU stops with interrupts off.
 */
#include "vmc.h"
#include "processor.h"

void console_write(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		outb(buf[i], VMC_SERIAL_PORT);
}

void exit(int status)
{
	outl(status, VMC_EXIT_PORT);
	for (;;)
		asm volatile("cli; hlt" : : : "memory");
}
