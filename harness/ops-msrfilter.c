/*
 * vmc-harness channel ops, family 0x02 part 1: the MSR filter ioctl
 * (docs/channel.md "MSR filter and user-space MSR exits"; wire format in
 * lib/x86/msrfilter-abi.h).
 *
 *   MSR_ENABLE_CAP   KVM_ENABLE_CAP(USER_SPACE_MSR, mask), also with invalid
 *                    masks or cap.flags != 0, returning the ioctl's errno
 *   MSR_SET_FILTER   KVM_X86_SET_MSR_FILTER from a guest description
 *   MSR_FILTER_INFO  the filter the harness keeps
 *
 * The guest's filter is data: every bitmap address is checked against
 * guest RAM and copied into host memory before the ioctl; KVM only ever
 * sees host pointers (NULL or a deliberately unmapped one only when the
 * guest asks for them, to check KVM's own validation).  The last filter
 * KVM accepted is kept, so a migration can install it in a new VM
 * (msrfilter_reapply(), called by migrate.c before the new VM has RAM: see
 * there).
 */
#include <sys/ioctl.h>

#include "harness.h"
#include "x86/msrfilter-abi.h"
#include "migstream.h"

/* an address no process maps: the first page */
#define UNMAPPED_PTR	((__u8 *)(uintptr_t)16)

static pthread_mutex_t filter_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kvm_msr_filter kept;	/* bitmaps owned by this file */
static bool kept_valid;
static uint32_t sets_ok, sets_failed;
static uint64_t kept_cap_mask;
static bool kept_cap_valid;

static void free_bitmaps(struct kvm_msr_filter *f)
{
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		if (f->ranges[i].bitmap != UNMAPPED_PTR)
			free(f->ranges[i].bitmap);
		f->ranges[i].bitmap = NULL;
	}
}

/* bytes KVM copies for a range of nmsrs MSRs: BITS_TO_LONGS(nmsrs) longs */
static uint64_t bitmap_bytes(uint32_t nmsrs)
{
	return ((uint64_t)nmsrs + 63) / 64 * 8;
}

static int32_t op_enable_cap(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_enable_cap *c = block;
	struct kvm_enable_cap cap;

	CHAN_OUT(ctx, struct vmc_msr_enable_cap, kvm_ret, kvm_ret);
	(void)argsz;
	if (c->pad)
		return -VMC_EINVAL;
	if (c->cap != KVM_CAP_X86_USER_SPACE_MSR) {
		/* other caps only in a form KVM must refuse (cap.flags != 0) */
		bool known = c->cap == KVM_CAP_EXCEPTION_PAYLOAD ||
			     c->cap == KVM_CAP_EXIT_HYPERCALL ||
			     c->cap == KVM_CAP_DISABLE_QUIRKS2;

		if (!known || !c->cap_flags)
			return -VMC_EPERM;
	}
	memset(&cap, 0, sizeof(cap));
	cap.cap = c->cap;
	cap.flags = c->cap_flags;
	cap.args[0] = c->args0;
	c->kvm_ret = ioctl(ctx->vm->vm_fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
	if (c->kvm_ret == 0 && c->cap == KVM_CAP_X86_USER_SPACE_MSR && !c->cap_flags) {
		pthread_mutex_lock(&filter_lock);
		kept_cap_mask = c->args0;
		kept_cap_valid = true;
		pthread_mutex_unlock(&filter_lock);
	}
	return 0;
}

static int32_t op_set_filter(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_set_filter *s = block;
	struct kvm_msr_filter f;
	int32_t ret = 0;
	int r;

	CHAN_OUT(ctx, struct vmc_msr_set_filter, kvm_ret, kvm_ret);
	(void)argsz;
	if (s->harness_flags & ~VMC_MSRF_H_VALID)
		return -VMC_EINVAL;
	memset(&f, 0, sizeof(f));
	f.flags = s->filter_flags;
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct vmc_msr_range *g = &s->ranges[i];
		struct kvm_msr_filter_range *k = &f.ranges[i];
		uint64_t bytes = bitmap_bytes(g->nmsrs);

		k->flags = g->flags;
		k->nmsrs = g->nmsrs;
		k->base = g->base;
		if (g->pad) {
			ret = -VMC_EINVAL;
			goto out;
		}
		if (s->null_bitmap_mask & (1u << i)) {
			k->bitmap = s->harness_flags & VMC_MSRF_H_BAD_BITMAP ? UNMAPPED_PTR : NULL;
			continue;
		}
		if (!g->nmsrs)
			continue;
		if (bytes > VMC_MSRF_H_MAX_BITMAP) {
			ret = -VMC_E2BIG;
			goto out;
		}
		k->bitmap = xcalloc(1, bytes);
		if (gpa_read(ctx->vm, g->bitmap, k->bitmap, bytes) < 0) {
			ret = -VMC_EFAULT;
			goto out;
		}
	}
	if (s->null_bitmap_mask >> KVM_MSR_FILTER_MAX_RANGES) {
		ret = -VMC_EINVAL;
		goto out;
	}
	pthread_mutex_lock(&filter_lock);
	if (s->harness_flags & VMC_MSRF_H_BAD_STRUCT)
		r = ioctl(ctx->vm->vm_fd, KVM_X86_SET_MSR_FILTER, UNMAPPED_PTR);
	else
		r = ioctl(ctx->vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f);
	s->kvm_ret = r ? -errno : 0;
	if (r == 0) {
		sets_ok++;
		free_bitmaps(&kept);
		kept = f;		/* the bitmaps move to kept */
		kept_valid = true;
		memset(&f, 0, sizeof(f));
	} else {
		sets_failed++;
	}
	pthread_mutex_unlock(&filter_lock);
out:
	free_bitmaps(&f);
	return ret;
}

static int32_t op_filter_info(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_msr_filter_info *fi = block;

	CHAN_OUT(ctx, struct vmc_msr_filter_info, installed, sets_failed);
	if (fi->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	(void)ctx;
	(void)argsz;
	pthread_mutex_lock(&filter_lock);
	fi->installed = 0;
	fi->nranges = 0;
	fi->filter_flags = kept_valid ? kept.flags : 0;
	for (int i = 0; kept_valid && i < KVM_MSR_FILTER_MAX_RANGES; i++)
		if (kept.ranges[i].nmsrs)
			fi->nranges++;
	fi->installed = fi->nranges != 0;
	fi->sets_ok = sets_ok;
	fi->sets_failed = sets_failed;
	fi->pad = 0;
	pthread_mutex_unlock(&filter_lock);
	return 0;
}

int msrfilter_reapply(struct vm *vm)
{
	int r = 0;

	pthread_mutex_lock(&filter_lock);
	if (kept_cap_valid) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };

		cap.args[0] = kept_cap_mask;
		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
			r = -errno;
	}
	if (!r && kept_valid && ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &kept))
		r = -errno;
	pthread_mutex_unlock(&filter_lock);
	return r;
}

/*
 * Stream form: u32 kept_valid, filter flags, cap_valid, pad; u64 cap mask;
 * u32 sets_ok, sets_failed; 16 x {u32 flags, nmsrs, base, has_bitmap};
 * then the bitmaps of the ranges that have one, in order.
 */
struct mf_saved {
	uint32_t valid, flags, cap_valid, pad;
	uint64_t cap_mask;
	uint32_t sets_ok, sets_failed;
	uint32_t r[KVM_MSR_FILTER_MAX_RANGES][4];
};

void msrfilter_save(struct mig_buf *b)
{
	struct mf_saved s;
	uint64_t bytes = sizeof(s), off = sizeof(s);
	uint8_t *d;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&filter_lock);
	s.valid = kept_valid;
	s.flags = kept.flags;
	s.cap_valid = kept_cap_valid;
	s.cap_mask = kept_cap_mask;
	s.sets_ok = sets_ok;
	s.sets_failed = sets_failed;
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *k = &kept.ranges[i];

		s.r[i][0] = k->flags;
		s.r[i][1] = k->nmsrs;
		s.r[i][2] = k->base;
		s.r[i][3] = k->bitmap && k->nmsrs;
		if (s.r[i][3])
			bytes += bitmap_bytes(k->nmsrs);
	}
	d = xcalloc(1, bytes);
	memcpy(d, &s, sizeof(s));
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		if (s.r[i][3]) {
			memcpy(d + off, kept.ranges[i].bitmap, bitmap_bytes(s.r[i][1]));
			off += bitmap_bytes(s.r[i][1]);
		}
	pthread_mutex_unlock(&filter_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_MSRFILTER, d, bytes);
	free(d);
}

bool msrfilter_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz)
{
	struct mf_saved s;
	uint64_t need = sizeof(s), off = sizeof(s);

	if (len < sizeof(s)) {
		snprintf(err, errsz, "MSR filter state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(&s, d, sizeof(s));
	if (s.valid > 1 || s.cap_valid > 1)
		goto bad;
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		if (s.r[i][3] > 1 || bitmap_bytes(s.r[i][1]) > VMC_MSRF_H_MAX_BITMAP)
			goto bad;
		if (s.r[i][3])
			need += bitmap_bytes(s.r[i][1]);
	}
	if (need != len)
		goto bad;
	if (!apply)
		return true;
	pthread_mutex_lock(&filter_lock);
	free_bitmaps(&kept);
	memset(&kept, 0, sizeof(kept));
	kept_valid = s.valid;
	kept.flags = s.flags;
	kept_cap_valid = s.cap_valid;
	kept_cap_mask = s.cap_mask;
	sets_ok = s.sets_ok;
	sets_failed = s.sets_failed;
	for (int i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		kept.ranges[i].flags = s.r[i][0];
		kept.ranges[i].nmsrs = s.r[i][1];
		kept.ranges[i].base = s.r[i][2];
		if (s.r[i][3]) {
			kept.ranges[i].bitmap = xcalloc(1, bitmap_bytes(s.r[i][1]));
			memcpy(kept.ranges[i].bitmap, d + off, bitmap_bytes(s.r[i][1]));
			off += bitmap_bytes(s.r[i][1]);
		}
	}
	pthread_mutex_unlock(&filter_lock);
	return true;
bad:
	snprintf(err, errsz, "MSR filter state is malformed");
	return false;
}

static const struct chan_op msrfilter_ops[] = {
	{ VMC_OP_MSR_ENABLE_CAP, "MSR_ENABLE_CAP", sizeof(struct vmc_msr_enable_cap),
	  sizeof(struct vmc_msr_enable_cap), op_enable_cap },
	{ VMC_OP_MSR_SET_FILTER, "MSR_SET_FILTER", sizeof(struct vmc_msr_set_filter),
	  sizeof(struct vmc_msr_set_filter), op_set_filter },
	{ VMC_OP_MSR_FILTER_INFO, "MSR_FILTER_INFO", sizeof(struct vmc_msr_filter_info),
	  sizeof(struct vmc_msr_filter_info), op_filter_info },
};

const struct chan_family ops_msrfilter_family = {
	.name = "msrfilter",
	.ops = msrfilter_ops,
	.nr_ops = ARRAY_SIZE(msrfilter_ops),
	/* no .reapply: migrate.c restore() calls msrfilter_reapply() itself, first */
};
