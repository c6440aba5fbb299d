/*
 * vmc-harness: the exit log.  Every VM exit is recorded here (reason,
 * details, RIP, vCPU) in a ring of the last RING_SIZE exits; with
 * --exit-log FILE each one is also written to FILE as one line.  The ring
 * serves EXIT_READ; the per-vCPU expectations (EXPECT) are compared here as
 * exits are recorded.
 *
 * Expectations skip the exits that are the protocol itself or console
 * noise: channel-port and serial-port (0x3f8-0x3ff) accesses.
 *
 * The --exit-log file is capped like the console: it keeps the first and
 * the last --exit-log-cap exits (default and maximum RING_SIZE) and, when
 * more happened, one "# N exits dropped" line between them.  The first
 * ones are copied out of the ring once, when the cap-th exit is recorded;
 * the last ones are the ring's tail at the end.  A guest that floods exits
 * gets a file of at most 2 x cap lines and no spill file.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "migstream.h"

#define RING_SIZE EXITLOG_CAP_MAX	/* power of two */

static struct vmc_exit_rec ring[RING_SIZE];
static uint64_t next_seq;
static uint64_t base_seq;	/* this process's first exit (> 0 after --restore) */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * --exit-log: the text file is written at the end of the run, not per exit,
 * so the exit round trip carries no formatting or file I/O.
 */
static FILE *log_file;
static uint64_t log_cap;	/* first and last log_cap exits go to the file */
static struct vmc_exit_rec *head;	/* exits [0, head_n) */
static uint64_t head_n;

static const char *const reason_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_S390_SIEIC] = "S390_SIEIC",
	[KVM_EXIT_S390_RESET] = "S390_RESET",
	[KVM_EXIT_DCR] = "DCR",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
	[KVM_EXIT_S390_UCONTROL] = "S390_UCONTROL",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG",
	[KVM_EXIT_S390_TSCH] = "S390_TSCH",
	[KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_S390_STSI] = "S390_STSI",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
	[KVM_EXIT_ARM_NISV] = "ARM_NISV",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	[KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
	[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
	[KVM_EXIT_XEN] = "XEN",
	[KVM_EXIT_RISCV_SBI] = "RISCV_SBI",
	[KVM_EXIT_RISCV_CSR] = "RISCV_CSR",
	[KVM_EXIT_NOTIFY] = "NOTIFY",
	[KVM_EXIT_LOONGARCH_IOCSR] = "LOONGARCH_IOCSR",
	[KVM_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
	[KVM_EXIT_TDX] = "TDX",
};

const char *exit_reason_name(uint32_t reason)
{
	if (reason < ARRAY_SIZE(reason_names) && reason_names[reason])
		return reason_names[reason];
	if (reason == VMC_EXIT_COALESCED)
		return "COALESCED";
	return "?";
}

void exitlog_init(const char *path, uint64_t cap)
{
	if (!path)
		return;
	TEST_ASSERT(cap >= 1 && cap <= RING_SIZE, "exit log cap %llu not in 1..%u",
		    (unsigned long long)cap, RING_SIZE);
	log_cap = cap;
	head = xcalloc(cap, sizeof(*head));
	/*
	 * Not fopen(path, "w"): truncating a file left by an earlier run to 0
	 * bytes makes ext4 free its blocks (a synchronous discard with the
	 * discard mount option) and flush the file at close (auto_da_alloc),
	 * ~1 ms of a trivial test's run.  The header is written first and the
	 * file cut to it, which drops the old run's lines just the same but
	 * keeps the first block.  Other files (a pipe, /dev/stderr) cannot be
	 * cut and need not be.
	 */
	static const char hdr[] = "# seq vcpu reason index size flags data rip\n";
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0 || fstat(fd, &st) < 0)
		die(HX_USAGE, "--exit-log %s: %s", path, strerror(errno));
	if (write(fd, hdr, sizeof(hdr) - 1) != (ssize_t)sizeof(hdr) - 1)
		die(HX_USAGE, "--exit-log %s: write: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode) && ftruncate(fd, sizeof(hdr) - 1) < 0)
		die(HX_USAGE, "--exit-log %s: ftruncate: %s", path, strerror(errno));
	log_file = fdopen(fd, "w");
	if (!log_file)
		die(HX_USAGE, "--exit-log %s: %s", path, strerror(errno));
}

/*
 * The file's lines, formatted by hand into a buffer: the same text as
 * fprintf("%u %u %s 0x%x %u 0x%x 0x%llx 0x%llx\n"), which cost ~0.5 us a
 * line here, as much as a tenth of an exit's round trip.
 */
static char line_buf[1 << 16];
static size_t line_len;

static char *put_dec(char *p, uint64_t v)
{
	char t[20];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	int sh = 60;

	*p++ = '0';
	*p++ = 'x';
	while (sh > 0 && !(v >> sh))
		sh -= 4;
	for (; sh >= 0; sh -= 4)
		*p++ = "0123456789abcdef"[(v >> sh) & 0xf];
	return p;
}

static void flush_lines(void)
{
	if (line_len)
		fwrite(line_buf, 1, line_len, log_file);
	line_len = 0;
}

static void write_line(const struct vmc_exit_rec *r)
{
	const char *name = exit_reason_name(r->reason);
	size_t nlen = strlen(name);
	char *p;

	/* at most 10 + 5 + 10 + 3 + 4 + 18 + 18 digits, 8 separators, the name */
	if (line_len + nlen + 80 > sizeof(line_buf))
		flush_lines();
	p = line_buf + line_len;
	p = put_dec(p, r->seq);
	*p++ = ' ';
	p = put_dec(p, r->vcpu);
	*p++ = ' ';
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = ' ';
	p = put_hex(p, r->index);
	*p++ = ' ';
	p = put_dec(p, r->size);
	*p++ = ' ';
	p = put_hex(p, r->flags);
	*p++ = ' ';
	p = put_hex(p, r->data);
	*p++ = ' ';
	p = put_hex(p, r->rip);
	*p++ = '\n';
	line_len = (size_t)(p - line_buf);
}

void exitlog_close(void)
{
	uint64_t tail;

	pthread_mutex_lock(&log_lock);
	if (log_file) {
		/* the head, then the last log_cap exits that are not in it */
		for (uint64_t i = 0; i < head_n; i++)
			write_line(&head[i]);
		flush_lines();
		tail = next_seq - base_seq - head_n > log_cap ? next_seq - log_cap
							      : base_seq + head_n;
		if (tail > base_seq + head_n)
			fprintf(log_file, "# %llu exits dropped here (seq %llu..%llu): the file "
				"keeps the first and the last %llu (--exit-log-cap)\n",
				(unsigned long long)(tail - base_seq - head_n),
				(unsigned long long)(base_seq + head_n),
				(unsigned long long)(tail - 1), (unsigned long long)log_cap);
		for (uint64_t seq = tail; seq < next_seq; seq++)
			write_line(&ring[seq % RING_SIZE]);
		flush_lines();
		if (fclose(log_file) != 0)
			fprintf(stderr, "vmc-harness: --exit-log: %s\n", strerror(errno));
	}
	free(head);
	head = NULL;
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

void exitlog_lock(void)
{
	pthread_mutex_lock(&log_lock);
}

void exitlog_unlock(void)
{
	pthread_mutex_unlock(&log_lock);
}

static bool expectable(const struct vmc_exit_rec *r)
{
	if (r->reason != KVM_EXIT_IO)
		return true;
	if (r->index == VMC_CHANNEL_PORT)
		return false;
	return r->index < VMC_SERIAL_PORT || r->index > VMC_SERIAL_PORT + 7;
}

static bool expect_match(const struct vmc_expect_ent *e, const struct vmc_exit_rec *r)
{
	if (e->reason != r->reason || e->index != r->index)
		return false;
	if ((e->flags & VMC_EXPECT_F_DATA) && e->data != r->data)
		return false;
	if ((e->flags & VMC_EXPECT_F_DIR) &&
	    !!e->dir_out != !!(r->flags & VMC_EXITF_OUT))
		return false;
	return true;
}

/* caller holds log_lock */
static void expect_feed(struct vcpu *v, const struct vmc_exit_rec *r)
{
	struct expect_state *x = &v->expect;

	if (x->state != VMC_EXPECT_PENDING || !expectable(r))
		return;
	if (expect_match(&x->ent[x->next], r)) {
		if (++x->next == x->count)
			x->state = VMC_EXPECT_MATCHED;
		return;
	}
	x->state = VMC_EXPECT_MISMATCH;
	x->mismatch_at = x->next;
	x->bad_expected = x->ent[x->next];
	x->bad_got = *r;
}

uint64_t exitlog_record(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct vmc_exit_rec *slot;
	uint64_t seq;

	pthread_mutex_lock(&log_lock);
	slot = &ring[next_seq % RING_SIZE];
	*slot = *rec;
	slot->seq = (uint32_t)next_seq;
	slot->vcpu = (uint16_t)v->id;
	seq = next_seq++;
	expect_feed(v, slot);
	if (log_file && next_seq - base_seq == log_cap) {
		/* this process's first log_cap exits are all still in the ring */
		for (uint64_t i = 0; i < log_cap; i++)
			head[i] = ring[(base_seq + i) % RING_SIZE];
		head_n = log_cap;
	}
	pthread_mutex_unlock(&log_lock);
	return seq;
}

/* caller holds log_lock */
uint32_t exitlog_read(uint64_t from, uint64_t end, int vcpu, uint32_t flags,
		      uint32_t reason, uint32_t index, void *out,
		      uint32_t max, uint32_t *count, bool *lost)
{
	uint32_t total = 0;
	uint64_t seq = from;

	*count = 0;
	*lost = false;
	if (end > next_seq)
		end = next_seq;
	/*
	 * The ring holds [next_seq - RING_SIZE, next_seq): exits recorded after
	 * end (this request's own OUT, other vCPUs) have overwritten the
	 * slots of the oldest ones.
	 */
	if (next_seq > RING_SIZE && seq < next_seq - RING_SIZE) {
		*lost = true;
		seq = next_seq - RING_SIZE;
	}
	for (; seq < end; seq++) {
		const struct vmc_exit_rec *r = &ring[seq % RING_SIZE];

		if (!(flags & VMC_READ_F_ALL_VCPUS) && r->vcpu != vcpu)
			continue;
		if ((flags & VMC_READ_F_REASON) && r->reason != reason)
			continue;
		if ((flags & VMC_READ_F_INDEX) && r->index != index)
			continue;
		/* out is guest memory: any alignment the guest chose */
		if (*count < max)
			memcpy((uint8_t *)out + (size_t)(*count)++ * sizeof(*r), r, sizeof(*r));
		total++;
	}
	return total;
}

/*
 * Migration stream (MIG_FAMILY MIG_FAM_EXITLOG): what a guest can read back
 * after a --restore: the exit numbering, each vCPU's EXIT_MARK position,
 * EXPECT state and scratch-port value, and the ring's exits from the
 * lowest mark on (EXIT_READ never reads below a vCPU's own mark).
 *   struct el_saved, nr_vcpus x struct el_vcpu, (next_seq - first) x
 *   struct vmc_exit_rec (seq first ..)
 */
struct el_saved {
	uint64_t next_seq, first;
	uint32_t nr_vcpus, pad;
};

struct el_vcpu {
	uint64_t mark;
	uint32_t scratch, pad;
	struct expect_state expect;
};

void exitlog_save(struct mig_buf *b, const struct vm *vm)
{
	struct el_saved h = { .nr_vcpus = (uint32_t)vm->nr_vcpus };
	uint64_t bytes;
	uint8_t *d;

	pthread_mutex_lock(&log_lock);
	h.next_seq = next_seq;
	h.first = next_seq;
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].mark < h.first)
			h.first = vm->vcpus[i].mark;
	if (next_seq > RING_SIZE && h.first < next_seq - RING_SIZE)
		h.first = next_seq - RING_SIZE;
	bytes = sizeof(h) + h.nr_vcpus * sizeof(struct el_vcpu) +
		(h.next_seq - h.first) * sizeof(struct vmc_exit_rec);
	d = xcalloc(1, bytes);
	memcpy(d, &h, sizeof(h));
	for (uint32_t i = 0; i < h.nr_vcpus; i++) {
		struct el_vcpu ev = { .mark = vm->vcpus[i].mark, .scratch = vm->vcpus[i].scratch,
				      .expect = vm->vcpus[i].expect };

		memcpy(d + sizeof(h) + i * sizeof(ev), &ev, sizeof(ev));
	}
	for (uint64_t seq = h.first, k = 0; seq < h.next_seq; seq++, k++)
		memcpy(d + sizeof(h) + h.nr_vcpus * sizeof(struct el_vcpu) +
		       k * sizeof(struct vmc_exit_rec), &ring[seq % RING_SIZE],
		       sizeof(struct vmc_exit_rec));
	pthread_mutex_unlock(&log_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_EXITLOG, d, bytes);
	free(d);
}

static bool expect_ok(const struct expect_state *x)
{
	return x->count <= VMC_EXPECT_MAX && x->next <= x->count &&
	       x->state <= VMC_EXPECT_MISMATCH && x->mismatch_at <= x->count &&
	       (x->state == VMC_EXPECT_NONE) == (x->count == 0);
}

bool exitlog_load(const uint8_t *d, uint64_t len, uint32_t nr_vcpus, struct vcpu *vcpus,
		  bool apply, char *err, size_t errsz)
{
	struct el_saved h;
	uint64_t n, at;

	if (len < sizeof(h)) {
		snprintf(err, errsz, "exit-log state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(&h, d, sizeof(h));
	if (h.nr_vcpus != nr_vcpus || h.pad || h.first > h.next_seq ||
	    h.next_seq - h.first > RING_SIZE || h.next_seq > (1ull << 62)) {
		snprintf(err, errsz, "exit-log state malformed (%u vCPUs, VM has %u; exits "
			 "%llu..%llu)", h.nr_vcpus, nr_vcpus, (unsigned long long)h.first,
			 (unsigned long long)h.next_seq);
		return false;
	}
	n = h.next_seq - h.first;
	at = sizeof(h) + (uint64_t)nr_vcpus * sizeof(struct el_vcpu);
	if (len != at + n * sizeof(struct vmc_exit_rec)) {
		snprintf(err, errsz, "exit-log state of %llu bytes, its header needs %llu",
			 (unsigned long long)len,
			 (unsigned long long)(at + n * sizeof(struct vmc_exit_rec)));
		return false;
	}
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		struct el_vcpu ev;

		memcpy(&ev, d + sizeof(h) + i * sizeof(ev), sizeof(ev));
		if (ev.mark > h.next_seq || (ev.mark < h.first && ev.mark + RING_SIZE >= h.next_seq) ||
		    ev.pad || !expect_ok(&ev.expect)) {
			snprintf(err, errsz, "exit-log state of vcpu%u malformed (mark %llu, "
				 "EXPECT %u of %u, state %u)", i, (unsigned long long)ev.mark,
				 ev.expect.next, ev.expect.count, ev.expect.state);
			return false;
		}
	}
	for (uint64_t k = 0; k < n; k++) {
		struct vmc_exit_rec r;

		memcpy(&r, d + at + k * sizeof(r), sizeof(r));
		if (r.seq != (uint32_t)(h.first + k) || r.vcpu >= nr_vcpus) {
			snprintf(err, errsz, "exit-log entry %llu malformed (seq %u, vcpu %u)",
				 (unsigned long long)(h.first + k), r.seq, r.vcpu);
			return false;
		}
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&log_lock);
	next_seq = base_seq = h.next_seq;
	for (uint64_t k = 0; k < n; k++)
		memcpy(&ring[(h.first + k) % RING_SIZE], d + at + k * sizeof(struct vmc_exit_rec),
		       sizeof(struct vmc_exit_rec));
	for (uint32_t i = 0; i < nr_vcpus; i++) {
		struct el_vcpu ev;

		memcpy(&ev, d + sizeof(h) + i * sizeof(ev), sizeof(ev));
		vcpus[i].mark = ev.mark;
		vcpus[i].scratch = ev.scratch;
		vcpus[i].expect = ev.expect;
	}
	pthread_mutex_unlock(&log_lock);
	return true;
}
