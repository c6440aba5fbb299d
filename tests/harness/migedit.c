/*
 * migedit: make a damaged migration stream (docs/migration.md) from a good
 * one, for tests/harness/check.sh.  The output is re-framed through
 * harness/migstream.c, so its total length and checksum are right and the
 * harness's --restore gets past them to the family record's own checks:
 *
 *   migedit IN OUT cut FAM N        family record FAM loses its last N bytes
 *   migedit IN OUT set FAM OFF BYTE byte OFF of family record FAM := BYTE
 *   migedit IN OUT drop FAM         family record FAM is left out
 *
 * Exit 0 on success; 2 (with a message) on bad arguments, an input that is
 * not a valid stream, or a family record that is missing or too short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migstream.h"

#define MIG_FAMILY_TYPE 32

static void usage(void)
{
	fprintf(stderr, "usage: migedit IN OUT cut FAM N | set FAM OFF BYTE | drop FAM\n");
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct mig_buf out = { 0 };
	struct mig_rec r;
	char err[256];
	uint8_t *in, *copy;
	unsigned long fam, a = 0, b = 0;
	size_t len, off = 0;
	bool found = false;
	FILE *f;
	long sz;

	if (argc < 5)
		usage();
	fam = num(argv[4]);
	if (!strcmp(argv[3], "cut") && argc == 6)
		a = num(argv[5]);
	else if (!strcmp(argv[3], "set") && argc == 7)
		a = num(argv[5]), b = num(argv[6]);
	else if (strcmp(argv[3], "drop") || argc != 5)
		usage();
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "migedit: cannot read %s\n", argv[1]);
		return 2;
	}
	len = (size_t)sz;
	in = malloc(len ? len : 1);
	if (!in || fread(in, 1, len, f) != len) {
		fprintf(stderr, "migedit: short read of %s\n", argv[1]);
		return 2;
	}
	fclose(f);
	if (!mig_validate(in, len, err, sizeof(err))) {
		fprintf(stderr, "migedit: %s: %s\n", argv[1], err);
		return 2;
	}
	mig_begin(&out);
	while (mig_next(in, len, &off, &r)) {
		uint64_t n = r.len;

		if (r.type != MIG_FAMILY_TYPE || r.vcpu != fam) {
			mig_put(&out, r.type, r.vcpu, r.data, r.len);
			continue;
		}
		found = true;
		if (!strcmp(argv[3], "drop"))
			continue;
		if ((argv[3][0] == 'c' && a > n) || (argv[3][0] == 's' && a >= n)) {
			fprintf(stderr, "migedit: family record %lu has only %llu bytes\n", fam,
				(unsigned long long)n);
			return 2;
		}
		copy = malloc(n ? n : 1);
		if (!copy)
			return 2;
		memcpy(copy, r.data, n);
		if (argv[3][0] == 's')
			copy[a] = (uint8_t)b;
		else
			n -= a;
		mig_put(&out, r.type, r.vcpu, copy, n);
		free(copy);
	}
	if (!found) {
		fprintf(stderr, "migedit: %s has no family record %lu\n", argv[1], fam);
		return 2;
	}
	mig_finish(&out);
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f)) {
		fprintf(stderr, "migedit: cannot write %s\n", argv[2]);
		return 2;
	}
	mig_free(&out);
	free(in);
	return 0;
}
