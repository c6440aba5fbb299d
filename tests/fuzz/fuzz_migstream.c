/*
 * libFuzzer target: the migration stream reader (harness/migstream.c
 * mig_validate, harness/migrate.c migrate_check_stream + the families'
 * loaders), what --restore FILE runs on a file from anywhere before it
 * touches KVM.  Rule: no input may crash it, read out of bounds, leak or
 * trip UBSan.  Each input is checked twice: as it is (so truncations and
 * bad headers are covered), and with its total-length field and trailing
 * checksum made to fit (so the fuzzer reaches the record checks behind
 * them); a stream that passes is then loaded into the families' state
 * (version 2: hypercall, MSR filter, MSR exit, exit log/EXPECT, coalesced,
 * exception, memslot, COM1/console records, every one required).
 */
#include "harness.h"
#include "migstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* where a loaded stream's per-vCPU channel state goes (nr_vcpus <= MAX_VCPUS) */
static struct vcpu vcpus[MAX_VCPUS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	uint8_t *buf;
	uint64_t total = size, sum;

	migrate_check_stream(data, size, err, sizeof(err));
	if (size < MIG_HDR_SIZE + MIG_REC_SIZE + 8)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memcpy(buf + 16, &total, 8);
	sum = fnv1a(buf, size - 8);
	memcpy(buf + size - 8, &sum, 8);
	if (migrate_check_stream(buf, size, err, sizeof(err)) &&
	    !families_load(buf, size, vcpus, err, sizeof(err)))
		abort();	/* checked but not loadable: the checks are incomplete */
	free(buf);
	return 0;
}
