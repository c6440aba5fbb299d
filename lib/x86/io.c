/*
 * x86 console and exit.
 *
 * console_write, without the harness (QEMU): one OUT per byte to COM1
 * (0x3f8), no LSR polling: QEMU's UART accepts a byte per OUT, and each
 * extra IN would be another exit.
 *
 * Under the harness: line by line through the channel's CONSOLE op
 * (docs/channel.md), one exit per line instead of one per byte: a 32-bit
 * OUT of the block's address to COM1's port 0x3f8, so the exit log keeps
 * console traffic on the console port (the channel port 0xf8 shows only a
 * test's own requests).  The block
 * x86_console_block lives in .data and is named in the vmconform boot
 * header (cstart64.S); the harness finds it there when it loads the ELF,
 * sets its hdr.ret to 0 ("send me lines here") and remembers it, so no
 * probe exit is needed and text left pending in the block when the guest
 * dies (triple fault, deadline) is printed at the end of the run.  Under
 * QEMU (or vmc-harness --console=bytes) hdr.ret keeps its initial
 * VMC_RET_NOANSWER and the console is COM1.  The text goes out
 *  - at every console_write() whose bytes hold a newline (so a line, or a
 *    printf of several, is one request),
 *  - when the block is full,
 *  - in console_sync(): before every other channel request
 *    (channel-io.c, keeps the order against LOG and the harness's own
 *    messages), in exit() before the exit-port write, and before an
 *    exception dump (desc.c).
 * The text reaches the harness's stdout byte for byte as the COM1 path
 * would send it.  One block for every CPU, behind a spinlock; len is
 * updated after the bytes, so the harness never prints unwritten text.
 *
 * exit: a 32-bit OUT of the status to VMC_EXIT_PORT (0xf4): QEMU's
 * isa-debug-exit ends with (v << 1) | 1, the harness records v.  If nothing
 * listens there, the CPU stops with interrupts off.
 */
#include "vmc.h"
#include "channel-abi.h"
#include "processor.h"

#define CON_TEXT	1024	/* text capacity of the block */
#define barrier()	asm volatile("" : : : "memory")

struct x86_console_block {
	struct vmc_console c;
	char text[CON_TEXT];
};
_Static_assert(CON_TEXT <= VMC_CONSOLE_MAX, "console block too large for the op");

/* in .data, not .bss: the harness writes hdr.ret before the guest runs */
struct x86_console_block x86_console_block __attribute__((aligned(64))) = {
	.c.hdr = {
		.argsz = sizeof(struct x86_console_block),
		.op = VMC_OP_CONSOLE,
		.ret = VMC_RET_NOANSWER,
	},
};
static int con_lock;
static bool con_bytes;		/* the harness refused a request: COM1 from now on */

static bool con_lines(void)
{
	return !con_bytes &&
	       __atomic_load_n(&x86_console_block.c.hdr.ret, __ATOMIC_RELAXED) == 0;
}

/*
 * Bounded: a CPU that faults while it holds the lock (or an NMI on it) must
 * still get its dump out, so after ~2^24 tries the lock is taken anyway.
 */
#define NO_OWNER	(~0u)
static unsigned int con_owner = NO_OWNER;	/* CPU between console_reserve and _commit */

static void con_lock_get(void)
{
	for (unsigned long i = 0; i < (1UL << 24); i++) {
		if (!__atomic_exchange_n(&con_lock, 1, __ATOMIC_ACQUIRE))
			return;
		pause();
	}
}

static void con_lock_put(void)
{
	__atomic_store_n(&con_lock, 0, __ATOMIC_RELEASE);
}

static void serial_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		outb(buf[i], VMC_SERIAL_PORT);
}

/* hand the pending text to the harness; lock held */
static void con_send(void)
{
	struct x86_console_block *b = &x86_console_block;
	uint32_t len = b->c.len;

	if (!len)
		return;
	b->c.pad = 0;
	b->c.hdr.flags = 0;
	barrier();
	outl((uint32_t)(uintptr_t)b, VMC_SERIAL_PORT);
	barrier();
	if (b->c.hdr.ret != 0) {
		/* refused (or no answer): not printed, so print it on COM1 */
		con_bytes = true;
		serial_write(b->text, len);
	}
	b->c.len = 0;
	barrier();
}

void console_write(const char *buf, size_t len)
{
	struct x86_console_block *b = &x86_console_block;
	bool nl = false;

	if (!con_lines()) {
		serial_write(buf, len);
		return;
	}
	con_lock_get();
	if (len && len <= CON_TEXT - b->c.len) {
		/*
		 * fits (the usual case: a line from report or printf): one
		 * copy, and the newline test looks at the last byte first
		 * (a scan costs the emulator ~0.7 us a byte); the same
		 * requests as the loop below
		 */
		memcpy(b->text + b->c.len, buf, len);
		barrier();
		b->c.len += len;
		barrier();
		if (b->c.len == CON_TEXT || buf[len - 1] == '\n' || memchr(buf, '\n', len - 1))
			con_send();
		con_lock_put();
		return;
	}
	while (len) {
		size_t n = CON_TEXT - b->c.len;

		if (n > len)
			n = len;
		memcpy(b->text + b->c.len, buf, n);
		nl = nl || memchr(buf, '\n', n);
		barrier();	/* bytes first, then len: the harness may read it any time */
		b->c.len += n;
		barrier();
		buf += n;
		len -= n;
		if (b->c.len == CON_TEXT) {
			con_send();
			nl = false;
			if (con_bytes) {
				serial_write(buf, len);
				break;
			}
		}
	}
	if (nl)
		con_send();
	con_lock_put();
}

/*
 * The harness path of console_write without the copy: the caller formats
 * into the block past len (the harness prints only up to len, so a
 * half-written line is never shown), then console_commit does what the
 * fast path above does after its memcpy.
 */
char *console_reserve(size_t need)
{
	struct x86_console_block *b = &x86_console_block;

	/*
	 * The lock is held while the caller formats.  With interrupts on, a
	 * handler that prints would wait for it on this CPU: take the
	 * buffered path then.  A fault while formatting: console_abandon().
	 */
	if (!con_lines() || (read_rflags() & X86_EFLAGS_IF))
		return NULL;
	con_lock_get();
	if (need > CON_TEXT - b->c.len) {
		con_lock_put();
		return NULL;
	}
	con_owner = smp_id();
	return b->text + b->c.len;
}

void console_commit(size_t n)
{
	struct x86_console_block *b = &x86_console_block;
	const char *buf = b->text + b->c.len;

	barrier();
	b->c.len += n;
	barrier();
	if (n && (b->c.len == CON_TEXT || buf[n - 1] == '\n' || memchr(buf, '\n', n - 1)))
		con_send();
	con_owner = NO_OWNER;
	con_lock_put();
}

/*
 * The exception dump's first step: a fault between console_reserve() and
 * console_commit() on this CPU left the lock held; drop it (the line being
 * formatted is lost, everything committed before it is not) so the dump
 * can print instead of waiting on itself.
 */
void console_abandon(void)
{
	if (__atomic_load_n(&con_lock, __ATOMIC_ACQUIRE) && con_owner == smp_id()) {
		con_owner = NO_OWNER;
		con_lock_put();
	}
}

void console_sync(void)
{
	if (!con_lines() || !x86_console_block.c.len)
		return;
	con_lock_get();
	con_send();
	con_lock_put();
}

void exit(int status)
{
	console_sync();
	outl(status, VMC_EXIT_PORT);
	for (;;)
		asm volatile("cli; hlt" : : : "memory");
}
