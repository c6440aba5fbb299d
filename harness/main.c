/*
 * vmc-harness: command line, run control and the verdict.
 *
 *   vmc-harness [options] PAYLOAD.flat [guest args...]
 *   vmc-harness --host-info
 *
 * Exit status (COMMON contract): guest status v on port 0xf4 -> (v<<1)|1;
 * 2 usage / bad ELF; 4 ERROR; 124 TIMEOUT; 77 /dev/kvm not usable.
 */
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct options opts = {
	.mem_mib = 64,
	.smp = 1,
	.timeout_s = 90,
	.stall_s = 10,
	.console_cap = 4ull << 20,
	.exit_log_cap = EXITLOG_CAP_MAX,
};
struct vm the_vm;

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t run_cond = PTHREAD_COND_INITIALIZER;
static int run_is_done;
static int verdict = HX_ERROR;
static int culprit = -1;
static int stopped;

bool run_done(void)
{
	return __atomic_load_n(&run_is_done, __ATOMIC_SEQ_CST);
}

void run_finish(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&run_lock);
	if (run_is_done) {
		pthread_mutex_unlock(&run_lock);
		return;
	}
	verdict = code;
	culprit = current_vcpu_id();
	__atomic_store_n(&run_is_done, 1, __ATOMIC_SEQ_CST);
	console_flush();
	/*
	 * The reason line (docs/results.md): "ERROR: <why>" / "TIMEOUT: <why>",
	 * one line on stderr.  A line break goes first: the guest's last console
	 * output may lack one, and the runner reads stdout and stderr merged, so
	 * without it the reason would be glued onto the guest's partial line.
	 */
	if (code == HX_ERROR)
		fprintf(stderr, "\nERROR: %s\n", msg);
	else if (code == HX_TIMEOUT)
		fprintf(stderr, "\nTIMEOUT: %s\n", msg);
	else if (verbose)
		warnx_h("%s (exit status %d)", msg, code);
	for (int i = 0; i < the_vm.nr_vcpus; i++)
		vcpu_kick(&the_vm.vcpus[i]);
	pthread_cond_broadcast(&run_cond);
	pthread_mutex_unlock(&run_lock);
}

void run_lock_vcpus(bool lock)
{
	if (lock)
		pthread_mutex_lock(&run_lock);
	else
		pthread_mutex_unlock(&run_lock);
}

void run_vcpu_stopped(struct vcpu *v)
{
	pthread_mutex_lock(&run_lock);
	if (verdict == HX_TIMEOUT || (verdict == HX_ERROR && culprit == v->id))
		vcpu_dump(v);
	stopped++;
	pthread_cond_broadcast(&run_cond);
	pthread_mutex_unlock(&run_lock);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vmc-harness [options] PAYLOAD.flat [guest args...]\n"
"       vmc-harness --host-info\n"
"Boot an x86_64 multiboot test payload on /dev/kvm.\n"
"  -m MIB            guest RAM in MiB (default 64, 2..3072)\n"
"  -smp N            vCPUs (default 1; N > 1 uses the in-kernel irqchip)\n"
"  -t SECONDS        whole-run deadline (default 90)\n"
"  --stall SECONDS   TIMEOUT when a vCPU makes no progress this long (default 10, 0 = off)\n"
"  --exit-log FILE   write the VM exits to FILE, one line each\n"
"  --exit-log-cap N  FILE keeps the first N and the last N exits and says how many\n"
"                    were dropped between them (1..65536, default 65536)\n"
"  --console-cap N   console bytes (and as many of guest LOG text) before output\n"
"                    is dropped (default 4194304)\n"
"  --boot MODE       direct (default): start in 64-bit mode at the entry the\n"
"                    payload's vmconform boot header names; multiboot: always\n"
"                    the multiboot 32-bit hand-off\n"
"  --console MODE    lines (default): the guest library may send a line per\n"
"                    CONSOLE request; bytes: refuse those, COM1 byte by byte\n"
"  --stats FILE      write where the run's time went (key=value lines; - = stdout)\n"
"  --irqchip         create the in-kernel irqchip even with one vCPU\n"
"  --kvm-pv-features BITS  also set these bits of CPUID 0x40000001.EAX (only\n"
"                    16 HC_MAP_GPA_RANGE and 17 MIGRATION_CONTROL: 0x30000)\n"
"  --migrate-every N migrate the VM after every Nth channel request (docs/migration.md)\n"
"  --save FILE       write the migration stream to FILE at every migration\n"
"  --restore FILE    start from a saved stream instead of booting (PAYLOAD optional)\n"
"  --vm-type TYPE    default, or snp (= --snp): boot the payload as an SEV-SNP\n"
"                    guest (KVM_X86_SNP_VM, guest_memfd, SNP launch; one vCPU,\n"
"                    COM1 byte console; exit 77 on a host without SNP)\n"
"  --host-info       print host facts (key=value lines) and exit\n"
"  -v                verbose\n"
"  -h                this help\n"
"Exit status: guest status v -> (v<<1)|1 (PASS 1, FAIL 3, SKIP 5, ERROR 7);\n"
"2 usage/bad ELF; 4 ERROR; 124 TIMEOUT; 77 /dev/kvm not usable.\n");
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		die(HX_USAGE, "%s: bad value '%s' (want %llu..%llu)", opt, s,
		    (unsigned long long)lo, (unsigned long long)hi);
	return v;
}

static double parse_secs(const char *opt, const char *s, double lo)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > 86400)
		die(HX_USAGE, "%s: bad value '%s' (want seconds, %g..86400)", opt, s, lo);
	return v;
}

/* options before the payload; returns the index of the payload argument */
static int parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		char name[64];
		const char *eq = strchr(a, '=');

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (eq && a[1] == '-' && (size_t)(eq - a) < sizeof(name)) {
			memcpy(name, a, eq - a);
			name[eq - a] = 0;
			val = eq + 1;
			a = name;
		}
#define NEED_VAL() do {							\
	if (!val) {							\
		if (i + 1 >= argc)					\
			die(HX_USAGE, "%s needs a value (see -h)", a);	\
		val = argv[++i];					\
	}								\
} while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--host-info")) {
			exit(host_info_main());
		} else if (!strcmp(a, "-v")) {
			verbose++;
		} else if (!strcmp(a, "--irqchip")) {
			opts.irqchip = true;
		} else if (!strcmp(a, "-m")) {
			NEED_VAL();
			opts.mem_mib = parse_u64(a, val, 2, 3072);
		} else if (!strcmp(a, "-smp") || !strcmp(a, "--smp")) {
			NEED_VAL();
			opts.smp = (int)parse_u64(a, val, 1, MAX_VCPUS);
		} else if (!strcmp(a, "-t") || !strcmp(a, "--timeout")) {
			NEED_VAL();
			opts.timeout_s = parse_secs(a, val, 0.001);
		} else if (!strcmp(a, "--stall")) {
			NEED_VAL();
			opts.stall_s = parse_secs(a, val, 0);
		} else if (!strcmp(a, "--exit-log")) {
			NEED_VAL();
			opts.exit_log = val;
		} else if (!strcmp(a, "--exit-log-cap")) {
			NEED_VAL();
			opts.exit_log_cap = parse_u64(a, val, 1, EXITLOG_CAP_MAX);
		} else if (!strcmp(a, "--boot")) {
			NEED_VAL();
			if (strcmp(val, "direct") && strcmp(val, "multiboot"))
				die(HX_USAGE, "--boot: bad value '%s' (want direct or multiboot)", val);
			opts.boot_multiboot = !strcmp(val, "multiboot");
		} else if (!strcmp(a, "--vm-type")) {
			NEED_VAL();
			if (strcmp(val, "snp") && strcmp(val, "default"))
				die(HX_USAGE, "--vm-type: bad value '%s' (want default or snp)", val);
			opts.vm_snp = !strcmp(val, "snp");
		} else if (!strcmp(a, "--snp")) {
			opts.vm_snp = true;
		} else if (!strcmp(a, "--stats")) {
			NEED_VAL();
			opts.stats = val;
		} else if (!strcmp(a, "--console")) {
			NEED_VAL();
			if (strcmp(val, "bytes") && strcmp(val, "lines"))
				die(HX_USAGE, "--console: bad value '%s' (want lines or bytes)", val);
			opts.console_bytes = !strcmp(val, "bytes");
		} else if (!strcmp(a, "--kvm-pv-features")) {
			NEED_VAL();
			opts.kvm_pv_features = (uint32_t)parse_u64(a, val, 0, 0x30000);
			if (opts.kvm_pv_features & ~0x30000u)
				die(HX_USAGE, "%s: only bits 16 and 17 (0x30000) may be set", a);
		} else if (!strcmp(a, "--migrate-every")) {
			NEED_VAL();
			opts.migrate_every = parse_u64(a, val, 1, 1ull << 32);
		} else if (!strcmp(a, "--save")) {
			NEED_VAL();
			opts.save_file = val;
		} else if (!strcmp(a, "--restore")) {
			NEED_VAL();
			opts.restore_file = val;
		} else if (!strcmp(a, "--console-cap")) {
			NEED_VAL();
			opts.console_cap = parse_u64(a, val, 0, 1ull << 40);
		} else {
			die(HX_USAGE, "unknown option '%s' (see -h)", argv[i]);
		}
#undef NEED_VAL
	}
	if (i >= argc && !opts.restore_file)
		die(HX_USAGE, "no payload given (see -h)");
	return i;
}

/* "<payload> <args>" exactly as QEMU's multiboot loader builds it */
static char *build_cmdline(int argc, char **argv, int first)
{
	size_t len = strlen(argv[first]) + 2;
	char *s, *p;

	for (int i = first + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = p = xcalloc(1, len);
	p += sprintf(p, "%s ", argv[first]);
	for (int i = first + 1; i < argc; i++)
		p += sprintf(p, "%s%s", i > first + 1 ? " " : "", argv[i]);
	return s;
}

int main(int argc, char **argv)
{
	struct boot_info bi;
	uint64_t dl_ns;
	int pi;

	/*
	 * One malloc arena: a vCPU thread's first malloc (a channel request's
	 * copy) would otherwise map and trim a 128 MiB arena of its own
	 * (issue 15); channel requests are serialised by chan_lock anyway.
	 */
	mallopt(M_ARENA_MAX, 1);
	pi = parse_args(argc, argv);
	stats_init(opts.stats != NULL);

	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (opts.vm_snp && (opts.restore_file || opts.save_file || opts.migrate_every))
		die(HX_USAGE, "--vm-type=snp: an SEV-SNP guest's state cannot be saved or migrated "
		    "by this harness (--restore/--save/--migrate-every)");
	if (opts.restore_file) {
		/* the saved VM instead of a boot (docs/migration.md) */
		opts.payload = pi < argc ? argv[pi] : opts.restore_file;
		exitlog_init(opts.exit_log, opts.exit_log_cap);
		devices_init(opts.console_cap);
		vcpu_signals_init();
		migrate_restore_file(opts.restore_file);
	} else {
		char *cmdline = build_cmdline(argc, argv, pi);

		opts.payload = argv[pi];
		load_validate(opts.payload, opts.mem_mib << 20);
		stats_loaded();
		exitlog_init(opts.exit_log, opts.exit_log_cap);
		devices_init(opts.console_cap);
		if (opts.vm_snp) {
			if (opts.smp != 1)
				die(HX_USAGE, "--vm-type=snp: one vCPU only (APs need SNP AP creation)");
			opts.console_bytes = true;	/* the console block is private memory */
			snp_vm_create(&the_vm, opts.mem_mib << 20, opts.irqchip);
		} else {
			vm_create(&the_vm, opts.mem_mib << 20, opts.irqchip || opts.smp > 1);
		}
		load_payload(&the_vm, cmdline, &bi);
		if (opts.vm_snp)
			snp_vm_prepare(&the_vm, cmdline, &bi);
		stats_boot(bi.direct64);
		if (verbose)
			warnx_h("host %s, %d vCPU(s), %llu MiB, irqchip %s, cmdline \"%s\"",
				flavor_name(the_vm.host.flavor), opts.smp,
				(unsigned long long)opts.mem_mib, the_vm.irqchip ? "on" : "off",
				cmdline);
		free(cmdline);
		vcpu_signals_init();
		the_vm.vcpus = xcalloc(opts.smp, sizeof(struct vcpu));
		for (int i = 0; i < opts.smp; i++)
			vcpu_create(&the_vm, &the_vm.vcpus[i], i, &bi);
		the_vm.nr_vcpus = opts.smp;
	}

	stats_setup_done();
	dl_ns = now_ns() + (uint64_t)(opts.timeout_s * 1e9);
	for (int i = 0; i < opts.smp; i++)
		vcpu_start(&the_vm.vcpus[i]);

	pthread_mutex_lock(&run_lock);
	while (!run_is_done) {
		uint64_t now = now_ns();

		if (now >= dl_ns)
			break;
		cond_wait_ns(&run_cond, &run_lock,
			     dl_ns - now < 200000000ull ? dl_ns - now : 200000000ull);
	}
	pthread_mutex_unlock(&run_lock);
	if (!run_done())
		run_finish(HX_TIMEOUT, "deadline of %g s passed (-t)", opts.timeout_s);

	/* every vCPU must leave KVM_RUN; give them a grace period */
	pthread_mutex_lock(&run_lock);
	uint64_t grace = now_ns() + 5000000000ull;
	while (stopped < the_vm.nr_vcpus && now_ns() < grace) {
		cond_wait_ns(&run_cond, &run_lock, 100000000ull);
		if (stopped < the_vm.nr_vcpus)
			for (int i = 0; i < the_vm.nr_vcpus; i++)
				vcpu_kick(&the_vm.vcpus[i]);
	}
	int still_running = the_vm.nr_vcpus - stopped;
	pthread_mutex_unlock(&run_lock);
	console_flush();
	exitlog_close();
	if (still_running) {
		fprintf(stderr, "vmc-harness: %d vCPU thread(s) did not leave KVM_RUN within 5 s\n",
			still_running);
		fflush(stderr);
		_exit(verdict);
	}
	for (int i = 0; i < the_vm.nr_vcpus; i++)
		pthread_join(the_vm.vcpus[i].thread, NULL);
	stats_write(opts.stats, the_vm.nr_vcpus, verdict);
	return verdict;
}
