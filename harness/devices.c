/*
 * vmc-harness: the port-I/O device model.  Every KVM_EXIT_IO comes here;
 * the exit is recorded in the exit log, and a port no device owns makes the
 * vCPU loop end the run as ERROR.
 *
 *   0x3f8        a 32-bit OUT: GPA of a CONSOLE request block (ops-console.c)
 *   0x3f8-0x3ff  COM1: THR writes go to stdout (capped, --console-cap);
 *                LSR reads "THR empty"; the other registers are latches
 *                (under uart_lock: every vCPU thread reaches them)
 *   0xf4         exit port: OUT v ends the run with status (v << 1) | 1
 *   0xf8         channel: 32-bit OUT = GPA of a request block;
 *                32-bit IN = VMC_CHAN_MAGIC (QEMU reads all-ones)
 *   0xf9         scratch: any OUT is accepted and logged; IN returns the
 *                last value written (per vCPU)
 *
 * The CONSOLE channel op (ops-console.c) writes a whole line through
 * console_text(), into the same capped stream as COM1; the block it came
 * in is remembered per vCPU and console_flush() (run end) prints whatever
 * the guest left pending there, so a guest that dies mid-line loses nothing.
 */
#include <stddef.h>

#include "harness.h"
#include "migstream.h"

#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_LCR_DLAB	0x80

/*
 * The console: COM1 bytes and CONSOLE requests (ops-console.c) both end up
 * in con_write_locked(), so the cap and the truncation note are the same
 * whichever way the guest sends its text.  con_lock also guards the
 * registered console blocks.
 */
static pthread_mutex_t con_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t con_cap, con_written;
static bool con_truncated;
/* the COM1 registers, shared by every vCPU thread (issue 9): uart_lock */
static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t uart[8];		/* latched register values by offset */
static uint8_t uart_dll, uart_dlm;
/* per vCPU: the CONSOLE block it last used; the last slot: the boot header's */
static struct { uint64_t gpa; uint32_t argsz; } con_block[MAX_VCPUS + 1];

void devices_init(uint64_t console_cap)
{
	con_cap = console_cap;
	uart[3] = 0x03;	/* LCR: 8N1 */
}

/* guest console bytes to stdout, capped; call with con_lock held */
static void con_write_locked(const char *buf, size_t len)
{
	size_t n;

	if (con_truncated || len == 0)
		return;
	n = con_cap - con_written < len ? (size_t)(con_cap - con_written) : len;
	if (n) {
		fwrite(buf, 1, n, stdout);
		con_written += n;
		if (memchr(buf, '\n', n))
			fflush(stdout);
	}
	if (n < len) {
		con_truncated = true;
		printf("\n[vmc-harness: console output truncated at %llu bytes "
		       "(--console-cap); the rest is dropped]\n",
		       (unsigned long long)con_cap);
		fflush(stdout);
		warnx_h("console output truncated at %llu bytes", (unsigned long long)con_cap);
	}
}

/*
 * Pending text of a registered block, read afresh from guest memory (the
 * guest may have changed anything): printed only when the block still
 * looks like the one registered and len fits it; then len = 0.  con_lock held.
 */
static void con_drain_locked(uint64_t gpa, uint32_t argsz)
{
	struct vmc_console c;
	const char *text;
	uint32_t len, zero = 0;

	if (gpa_read(&the_vm, gpa, &c, sizeof(c)) < 0 || c.hdr.op != VMC_OP_CONSOLE ||
	    c.hdr.argsz != argsz)
		return;
	len = c.len;
	if (len == 0 || len > argsz - sizeof(c))
		return;
	text = gpa_ptr(&the_vm, gpa + sizeof(c), len);
	if (!text)
		return;
	con_write_locked(text, len);
	gpa_write(&the_vm, gpa + offsetof(struct vmc_console, len), &zero, sizeof(zero));
}

void console_text(struct vcpu *v, uint64_t gpa, uint32_t argsz, const char *text,
		  uint32_t len)
{
	uint32_t zero = 0;

	pthread_mutex_lock(&con_lock);
	con_write_locked(text, len);
	/* taken: a drain on another thread must not print it again */
	gpa_write(v->vm, gpa + offsetof(struct vmc_console, len), &zero, sizeof(zero));
	if (v->id >= 0 && v->id < MAX_VCPUS) {
		con_block[v->id].gpa = gpa;
		con_block[v->id].argsz = argsz;
	}
	pthread_mutex_unlock(&con_lock);
}

void console_register(uint64_t gpa, uint32_t argsz)
{
	pthread_mutex_lock(&con_lock);
	con_block[MAX_VCPUS].gpa = gpa;
	con_block[MAX_VCPUS].argsz = argsz;
	pthread_mutex_unlock(&con_lock);
}

/* stdout out, after the text the guest left pending in its console blocks */
void console_flush(void)
{
	pthread_mutex_lock(&con_lock);
	if (the_vm.mem)
		for (int i = 0; i <= MAX_VCPUS; i++)
			if (con_block[i].argsz)
				con_drain_locked(con_block[i].gpa, con_block[i].argsz);
	fflush(stdout);
	pthread_mutex_unlock(&con_lock);
}

/*
 * Migration stream (MIG_FAMILY MIG_FAM_DEVICES): the COM1 registers a guest
 * reads back (uart[], the divisor latch) and the console blocks whose
 * pending text the end of the run prints (per vCPU, then the boot
 * header's: a restored process loads no payload).  u8 uart[8], dll, dlm,
 * pad[2]; u32 nblk (= nr_vcpus + 1); nblk x {u64 gpa; u32 argsz, pad}.
 */
struct dev_blk {
	uint64_t gpa;
	uint32_t argsz, pad;
};

void devices_save(struct mig_buf *b, const struct vm *vm)
{
	uint32_t nblk = (uint32_t)vm->nr_vcpus + 1;
	uint8_t *d = xcalloc(1, 16 + nblk * sizeof(struct dev_blk));

	pthread_mutex_lock(&uart_lock);
	memcpy(d, uart, 8);
	d[8] = uart_dll;
	d[9] = uart_dlm;
	pthread_mutex_unlock(&uart_lock);
	memcpy(d + 12, &nblk, 4);
	pthread_mutex_lock(&con_lock);
	for (uint32_t i = 0; i < nblk; i++) {
		int at = i + 1 == nblk ? MAX_VCPUS : (int)i;
		struct dev_blk k = { con_block[at].gpa, con_block[at].argsz, 0 };

		memcpy(d + 16 + i * sizeof(k), &k, sizeof(k));
	}
	pthread_mutex_unlock(&con_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_DEVICES, d, 16 + nblk * sizeof(struct dev_blk));
	free(d);
}

bool devices_load(const uint8_t *d, uint64_t len, uint32_t nr_vcpus, bool apply, char *err,
		  size_t errsz)
{
	uint32_t nblk;

	if (len < 16) {
		snprintf(err, errsz, "device state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(&nblk, d + 12, 4);
	if (d[10] || d[11] || nblk != nr_vcpus + 1 || len != 16 + nblk * sizeof(struct dev_blk)) {
		snprintf(err, errsz, "device state malformed (%u console blocks for %u vCPUs, "
			 "%llu bytes)", nblk, nr_vcpus, (unsigned long long)len);
		return false;
	}
	for (uint32_t i = 0; i < nblk; i++) {
		struct dev_blk k;

		memcpy(&k, d + 16 + i * sizeof(k), sizeof(k));
		if (k.pad || (k.argsz && (k.argsz < sizeof(struct vmc_console) ||
					  k.argsz > sizeof(struct vmc_console) + VMC_CONSOLE_MAX))) {
			snprintf(err, errsz, "device state: console block %u malformed (argsz %u)",
				 i, k.argsz);
			return false;
		}
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&uart_lock);
	memcpy(uart, d, 8);
	uart_dll = d[8];
	uart_dlm = d[9];
	pthread_mutex_unlock(&uart_lock);
	pthread_mutex_lock(&con_lock);
	for (uint32_t i = 0; i < nblk; i++) {
		struct dev_blk k;
		int at = i + 1 == nblk ? MAX_VCPUS : (int)i;

		memcpy(&k, d + 16 + i * sizeof(k), sizeof(k));
		con_block[at].gpa = k.gpa;
		con_block[at].argsz = k.argsz;
	}
	pthread_mutex_unlock(&con_lock);
	return true;
}

static void console_put(uint8_t c)
{
	char ch = (char)c;

	pthread_mutex_lock(&con_lock);
	con_write_locked(&ch, 1);
	pthread_mutex_unlock(&con_lock);
}

static uint32_t get_val(const uint8_t *p, uint8_t size)
{
	uint32_t v = 0;

	memcpy(&v, p, size > 4 ? 4 : size);
	return v;
}

static void put_val(uint8_t *p, uint8_t size, uint32_t v)
{
	memcpy(p, &v, size > 4 ? 4 : size);
}

/* one element of a COM1 access */
static void serial_io(unsigned off, bool out, uint8_t *p, uint8_t size)
{
	bool dlab = uart[3] & UART_LCR_DLAB;
	uint8_t v = 0;

	if (out) {
		uint8_t b = (uint8_t)get_val(p, size);

		if (off == 0 && !dlab)
			console_put(b);
		else if (off == 0)
			uart_dll = b;
		else if (off == 1 && dlab)
			uart_dlm = b;
		else if (off != 2 && off != 5 && off != 6)
			uart[off] = b;
		return;
	}
	switch (off) {
	case 0: v = dlab ? uart_dll : 0; break;		/* RBR: nothing received */
	case 1: v = dlab ? uart_dlm : uart[1]; break;
	case 2: v = 0x01; break;			/* IIR: no interrupt */
	case 5: v = UART_LSR_THRE | UART_LSR_TEMT; break;
	case 6: v = 0xb0; break;			/* MSR: DCD DSR CTS */
	default: v = uart[off]; break;
	}
	put_val(p, size, v);
}

bool devices_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint16_t port = run->io.port;
	uint8_t size = run->io.size;
	uint32_t count = run->io.count;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	struct vmc_exit_rec rec = {
		.reason = KVM_EXIT_IO, .index = port, .size = size,
		.flags = (out ? VMC_EXITF_OUT : 0) | (count > 1 ? VMC_EXITF_STRING : 0),
	};
	bool known = true, chan = false, exit_req = false, con_req = false;
	uint64_t seq;

	rec.rip = vcpu_rip(v);
	if (size == 0 || size > 4 || count == 0 ||
	    run->io.data_offset > (uint64_t)v->vm->run_size ||
	    (uint64_t)size * count > v->vm->run_size - run->io.data_offset) {
		rec.flags |= VMC_EXITF_BAD;
		exitlog_record(v, &rec);
		return false;
	}
	if (port == VMC_SERIAL_PORT && out && size == 4 && count == 1) {
		con_req = true;		/* GPA of a CONSOLE block, after the record */
	} else if (port >= VMC_SERIAL_PORT && port < VMC_SERIAL_PORT + 8) {
		pthread_mutex_lock(&uart_lock);
		for (uint32_t i = 0; i < count; i++)
			serial_io(port - VMC_SERIAL_PORT, out, data + i * size, size);
		pthread_mutex_unlock(&uart_lock);
	} else if (port == VMC_EXIT_PORT) {
		if (out)
			exit_req = true;
		else
			put_val(data, size, 0);
	} else if (port == VMC_CHANNEL_PORT) {
		if (!out)
			for (uint32_t i = 0; i < count; i++)
				put_val(data + i * size, size, size == 4 ? VMC_CHAN_MAGIC : ~0u);
		else if (size == 4 && count == 1)
			chan = true;
		else
			rec.flags |= VMC_EXITF_BAD;	/* ignored: not a 32-bit OUT */
	} else if (port == VMC_SCRATCH_PORT) {
		for (uint32_t i = 0; i < count; i++) {
			if (out)
				v->scratch = get_val(data + i * size, size);
			else
				put_val(data + i * size, size, v->scratch);
		}
	} else {
		known = false;
	}
	rec.data = get_val(data, size);
	seq = exitlog_record(v, &rec);
	if (chan)
		channel_request(v, rec.data, seq);
	if (con_req)
		console_request(v, rec.data, seq);
	/*
	 * Only the statuses of lib/status.h leave as (v << 1) | 1: QEMU's
	 * isa-debug-exit would wrap any value into the 8-bit exit status, so a
	 * stray write could pose as another of the harness's codes (38 -> 77,
	 * "no /dev/kvm").
	 */
	if (exit_req && rec.data <= VMC_STATUS_ERROR)
		run_finish(VMC_QEMU_EXIT_CODE(rec.data), "guest wrote %llu to the exit port",
			   (unsigned long long)rec.data);
	else if (exit_req)
		run_finish(HX_ERROR, "guest wrote %llu to the exit port, which is no status "
			   "of lib/status.h (0 PASS .. %d ERROR)", (unsigned long long)rec.data,
			   VMC_STATUS_ERROR);
	return known;
}
