/*
 * Fuzz shim: the run-control symbols of harness/main.c (which also holds
 * main(), taken by libFuzzer), so the fuzz targets can link every other
 * harness file unchanged.  A fuzz input that makes the harness end the run
 * (run_finish) or stop a vCPU is a finding: it aborts, and libFuzzer saves
 * the input.
 */
#include <stdarg.h>

#include "harness.h"

struct options opts = { .mem_mib = 1, .smp = 1, .timeout_s = 10, .console_cap = 4096 };
struct vm the_vm;

bool run_done(void)
{
	return false;
}

void run_finish(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: run_finish(%d): ", code);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void run_lock_vcpus(bool lock)
{
	(void)lock;
}

void run_vcpu_stopped(struct vcpu *v)
{
	fprintf(stderr, "fuzz: vcpu%d stopped\n", v->id);
	abort();
}
