/*
 * vmc-harness --stats FILE (- = stdout): where one run's time goes, for make bench
 * (docs/bench.md).  Per vCPU (each slot is only written by its own thread,
 * and read after the threads stopped): time inside KVM_RUN, time in the
 * harness between two KVM_RUNs, exits by kind.  Process-wide: time to read
 * and check the ELF, time of the setup ioctls (VM, memory, payload, vCPUs)
 * up to the first KVM_RUN, wall time up to the verdict.
 *
 * Exit kinds: console = OUT/IN on COM1 or a CONSOLE channel request;
 * channel = every other request (and probe) on port 0xf8; msr = user-space
 * RDMSR/WRMSR exits; hypercall = KVM_EXIT_HYPERCALL; other = the rest.
 * Clock: CLOCK_MONOTONIC (now_ns), only read when --stats is given.
 */
#include "harness.h"

enum { K_CONSOLE, K_CHANNEL, K_MSR, K_HYPERCALL, K_OTHER, K_NR };
static const char *const kind_name[K_NR] = {
	"console", "channel", "msr", "hypercall", "other",
};

static struct vstat {
	uint64_t exits[K_NR];
	uint64_t run_ns, harness_ns, runs, interrupted;
	uint64_t t_out;		/* when the last KVM_RUN returned, 0 = none yet */
} vst[MAX_VCPUS];
static uint64_t t_main, t_loaded, t_setup;
static bool boot_direct;
bool stats_on;

void stats_boot(bool direct64)
{
	boot_direct = direct64;
}

void stats_init(bool on)
{
	stats_on = on;
	t_main = now_ns();
}

void stats_loaded(void)
{
	if (stats_on)
		t_loaded = now_ns();
}

void stats_setup_done(void)
{
	if (stats_on)
		t_setup = now_ns();
}

void stats_run(struct vcpu *v, uint64_t t_in, uint64_t t_out, bool exited)
{
	struct vstat *s;
	struct kvm_run *run = v->run;
	int k = K_OTHER;

	if (v->id < 0 || v->id >= MAX_VCPUS)
		return;
	s = &vst[v->id];
	if (s->t_out && t_in >= s->t_out)
		s->harness_ns += t_in - s->t_out;
	s->run_ns += t_out - t_in;
	s->t_out = t_out;
	s->runs++;
	if (!exited) {
		s->interrupted++;
		return;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port >= VMC_SERIAL_PORT && run->io.port < VMC_SERIAL_PORT + 8)
			k = K_CONSOLE;
		else if (run->io.port == VMC_CHANNEL_PORT)
			k = K_CHANNEL;
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		k = K_MSR;
		break;
	case KVM_EXIT_HYPERCALL:
		k = K_HYPERCALL;
		break;
	}
	s->exits[k]++;
}

void stats_console_request(struct vcpu *v)
{
	struct vstat *s;

	if (!stats_on || v->id < 0 || v->id >= MAX_VCPUS ||
	    v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != VMC_CHANNEL_PORT)
		return;		/* COM1 requests were counted as console already */
	s = &vst[v->id];
	if (s->exits[K_CHANNEL]) {
		s->exits[K_CHANNEL]--;
		s->exits[K_CONSOLE]++;
	}
}

void stats_write(const char *path, int nr_vcpus, int verdict)
{
	uint64_t t_end = now_ns(), run = 0, run_max = 0, harness = 0, runs = 0, intr = 0;
	uint64_t total = 0;
	uint64_t exits[K_NR] = { 0 };
	FILE *f;

	if (!stats_on || !path)
		return;
	for (int i = 0; i < nr_vcpus && i < MAX_VCPUS; i++) {
		run += vst[i].run_ns;
		if (vst[i].run_ns > run_max)
			run_max = vst[i].run_ns;
		harness += vst[i].harness_ns;
		runs += vst[i].runs;
		intr += vst[i].interrupted;
		for (int k = 0; k < K_NR; k++)
			exits[k] += vst[i].exits[k];
	}
	/* "-": stdout, after the guest's console (vmtest has no /dev/stdout) */
	fflush(stdout);
	f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) {
		warnx_h("--stats %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "verdict=%d\nvcpus=%d\nboot=%s\n", verdict, nr_vcpus,
		boot_direct ? "direct64" : "multiboot");
	fprintf(f, "wall_ns=%llu\n", (unsigned long long)(t_end - t_main));
	fprintf(f, "load_ns=%llu\n", (unsigned long long)(t_loaded ? t_loaded - t_main : 0));
	fprintf(f, "setup_ns=%llu\n",
		(unsigned long long)(t_setup && t_loaded ? t_setup - t_loaded : 0));
	/* sums over the vCPUs; kvm_run_max_ns: the vCPU that spent the most */
	fprintf(f, "kvm_run_ns=%llu\nkvm_run_max_ns=%llu\nharness_ns=%llu\n",
		(unsigned long long)run, (unsigned long long)run_max,
		(unsigned long long)harness);
	fprintf(f, "kvm_runs=%llu\ninterrupted=%llu\n", (unsigned long long)runs,
		(unsigned long long)intr);
	for (int k = 0; k < K_NR; k++) {
		fprintf(f, "exits_%s=%llu\n", kind_name[k], (unsigned long long)exits[k]);
		total += exits[k];
	}
	fprintf(f, "exits=%llu\n", (unsigned long long)total);
	if (f == stdout) {
		fflush(stdout);
		return;
	}
	if (fclose(f) != 0)
		warnx_h("--stats %s: %s", path, strerror(errno));
}
