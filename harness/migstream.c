/*
 * vmc-harness: the migration stream format (migstream.h, docs/migration.md).
 * The reader trusts nothing: a file may be truncated, corrupted or hostile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migstream.h"

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {	/* migedit links this file alone: no TEST_ASSERT here */
		fprintf(stderr, "ERROR: harness assertion failed: q = realloc(p, n) at %s:%d: "
			"errno %d (%s): out of memory (%zu bytes for the migration stream)\n",
			__FILE__, __LINE__, errno, strerror(errno), n);
		exit(4);
	}
	return q;
}

static void grow(struct mig_buf *b, size_t more)
{
	size_t need = b->len + more;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 1 << 16;
	while (b->cap < need)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

static void put_bytes(struct mig_buf *b, const void *d, size_t n)
{
	grow(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void mig_begin(struct mig_buf *b)
{
	uint8_t hdr[MIG_HDR_SIZE] = { 0 };
	uint32_t v = MIG_VERSION;

	b->len = 0;
	memcpy(hdr, MIG_MAGIC, 8);
	memcpy(hdr + 8, &v, 4);
	put_bytes(b, hdr, sizeof(hdr));
}

void mig_put(struct mig_buf *b, uint32_t type, uint32_t vcpu, const void *data, uint64_t len)
{
	static const uint8_t zero[8];
	uint8_t rec[MIG_REC_SIZE];

	memcpy(rec, &type, 4);
	memcpy(rec + 4, &vcpu, 4);
	memcpy(rec + 8, &len, 8);
	put_bytes(b, rec, sizeof(rec));
	put_bytes(b, data, len);
	put_bytes(b, zero, (8 - len % 8) % 8);
}

void mig_finish(struct mig_buf *b)
{
	uint64_t total = b->len + MIG_REC_SIZE + 8, sum;
	uint8_t rec[MIG_REC_SIZE] = { 0 };

	memcpy(b->p + 16, &total, 8);
	rec[8] = 8;
	put_bytes(b, rec, sizeof(rec));
	sum = fnv1a(b->p, b->len);
	put_bytes(b, &sum, 8);
}

void mig_free(struct mig_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool rec_at(const uint8_t *p, size_t len, size_t off, struct mig_rec *r)
{
	if (off > len || len - off < MIG_REC_SIZE)
		return false;
	memcpy(&r->type, p + off, 4);
	memcpy(&r->vcpu, p + off + 4, 4);
	memcpy(&r->len, p + off + 8, 8);
	if (r->len > len - off - MIG_REC_SIZE)
		return false;
	r->data = p + off + MIG_REC_SIZE;
	return true;
}

bool mig_validate(const uint8_t *p, size_t len, char *err, size_t errsz)
{
	uint32_t version, flags;
	uint64_t total;
	size_t off = MIG_HDR_SIZE;
	uint32_t n = 0;

	if (len < MIG_HDR_SIZE || memcmp(p, MIG_MAGIC, 8)) {
		snprintf(err, errsz, "not a vmc-harness migration stream (no \"VMCMIGR\" header)");
		return false;
	}
	memcpy(&version, p + 8, 4);
	memcpy(&flags, p + 12, 4);
	memcpy(&total, p + 16, 8);
	if (version != MIG_VERSION) {
		snprintf(err, errsz, "stream version %u, this harness reads version %u", version,
			 MIG_VERSION);
		return false;
	}
	if (flags) {
		snprintf(err, errsz, "header flags 0x%x are not 0", flags);
		return false;
	}
	if (total != len) {
		snprintf(err, errsz, "stream is %zu bytes, its header says %llu (truncated or "
			 "extended)", len, (unsigned long long)total);
		return false;
	}
	for (;;) {
		struct mig_rec r;
		uint64_t padded;

		if (!rec_at(p, len, off, &r)) {
			snprintf(err, errsz, "record %u at offset %zu runs past the end", n, off);
			return false;
		}
		if (r.type >= MIG_TYPE_MAX) {
			snprintf(err, errsz, "record %u at offset %zu has unknown type %u", n, off,
				 r.type);
			return false;
		}
		if (r.type == MIG_END) {
			uint64_t sum, want;

			if (r.len != 8 || off + MIG_REC_SIZE + 8 != len) {
				snprintf(err, errsz, "end record at offset %zu is malformed or not last",
					 off);
				return false;
			}
			memcpy(&sum, r.data, 8);
			want = fnv1a(p, off + MIG_REC_SIZE);
			if (sum != want) {
				snprintf(err, errsz, "checksum mismatch (stream corrupted)");
				return false;
			}
			return true;
		}
		padded = (r.len + 7) & ~7ull;
		if (padded > len - off - MIG_REC_SIZE || ++n > MIG_MAX_RECORDS) {
			snprintf(err, errsz, "record %u at offset %zu runs past the end", n, off);
			return false;
		}
		off += MIG_REC_SIZE + padded;
	}
}

bool mig_next(const uint8_t *p, size_t len, size_t *off, struct mig_rec *r)
{
	if (*off == 0)
		*off = MIG_HDR_SIZE;
	if (!rec_at(p, len, *off, r) || r->type == MIG_END)
		return false;
	*off += MIG_REC_SIZE + ((r->len + 7) & ~7ull);
	return true;
}
