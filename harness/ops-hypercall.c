/*
 * vmc-harness channel ops, hypercall family (docs/channel.md; wire format in
 * lib/hypercall-abi.h):
 *   HC_CONFIG  KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, mask) on the VM, the
 *              value to answer hypercall exits with, and a fresh record
 *   HC_READ    one recorded KVM_EXIT_HYPERCALL, with every argument
 *   HC_MAP_READ  the page-encryption map the harness keeps
 *   HC_QUIRKS  KVM_ENABLE_CAP(KVM_CAP_DISABLE_QUIRKS2, mask)
 *   HC_PV_CPUID  leaf 0x40000001 as KVM supports it and as the vCPUs got it
 * and the exit hook that answers KVM_EXIT_HYPERCALL once the guest asked for
 * the exits: the exit is recorded (nr, args, long-mode flag, RIP) and
 * hypercall.ret gets the configured answer, which KVM puts in the guest's
 * RAX when the vCPU re-enters (specs/kvm-x86.md §B.3).  After any successful
 * HC_CONFIG (also mask 0) every hypercall exit is recorded and answered, so a
 * test can count exits that should not have happened; before the first one
 * a hypercall exit stays unhandled and the run ends as ERROR.
 *
 * Page-encryption map (lib/hypercall-abi.h, "The harness's answer"): one
 * bit per 4 KiB page of guest RAM, updated from each accepted nr 12 exit;
 * bad attributes or a range outside RAM get the harness's own error and
 * leave the map alone; any other hypercall nr that exits ends the run as
 * ERROR (only nr 12 can be enabled).  The map, the exit mask and the
 * disabled quirks are VM state: hypercall_reapply() installs the exit mask
 * and quirks in a new VM after a migration, and the map travels with it.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "harness.h"
#include "hypercall-abi.h"
#include "migstream.h"

static pthread_mutex_t hc_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hc_configured;
static uint64_t hc_answer;
static uint32_t hc_total;
static struct vmc_hc_rec hc_ring[VMC_HC_RING];
static uint64_t hc_mask;		/* the exit mask KVM accepted last */
static bool quirks_set;
static uint64_t quirks_disabled;	/* the DISABLE_QUIRKS2 mask KVM accepted last */
static uint8_t *pe_map;			/* 1 bit per 4 KiB page: encrypted */
static uint64_t pe_pages, pe_updates;

/* caller holds hc_lock */
static void pe_alloc(const struct vm *vm)
{
	if (pe_map)
		return;
	pe_pages = vm->mem_size >> 12;
	pe_map = xcalloc(1, (pe_pages + 7) / 8);
}

static bool pe_get(uint64_t pfn)
{
	return pe_map[pfn / 8] & (1u << (pfn % 8));
}

static void pe_set(uint64_t pfn, uint64_t n, bool enc)
{
	for (uint64_t p = pfn; p < pfn + n; p++) {
		if (enc)
			pe_map[p / 8] |= (uint8_t)(1u << (p % 8));
		else
			pe_map[p / 8] &= (uint8_t)~(1u << (p % 8));
	}
}

/* the harness's answer to nr 12 (hypercall-abi.h); caller holds hc_lock */
static uint64_t pe_update(const struct vm *vm, uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	uint64_t sz = attrs & VMC_MAP_GPA_RANGE_PAGE_SZ_MASK;

	if ((attrs & ~(uint64_t)VMC_MAP_GPA_RANGE_VALID) || sz > VMC_MAP_GPA_RANGE_PAGE_SZ_1G)
		return VMC_HC_RET_BAD_ATTRS;
	if ((gpa & 0xfff) || npages > (UINT64_MAX >> 12) ||
	    !gpa_range_ok(vm, gpa, npages << 12))
		return VMC_HC_RET_OUTSIDE_RAM;
	if (hc_answer == 0) {
		pe_alloc(vm);
		pe_set(gpa >> 12, npages, attrs & VMC_MAP_GPA_RANGE_ENCRYPTED);
		pe_updates++;
	}
	return hc_answer;
}

static int32_t op_config(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_config *c = block;
	struct kvm_enable_cap cap = { .cap = VMC_KVM_CAP_EXIT_HYPERCALL };
	int r;

	CHAN_OUT(ctx, struct vmc_hc_config, supported, supported);
	(void)argsz;
	r = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, VMC_KVM_CAP_EXIT_HYPERCALL);
	c->supported = r < 0 ? -errno : r;
	if (r <= 0)
		return -VMC_EOPNOTSUPP;
	cap.args[0] = c->mask;
	/*
	 * hc_lock across the ioctl: another vCPU's hypercall exit that the new
	 * mask allows must find the family configured, not end the run as an
	 * unclaimed exit in between.
	 */
	pthread_mutex_lock(&hc_lock);
	if (ioctl(ctx->vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		r = -errno;
		pthread_mutex_unlock(&hc_lock);
		return r;
	}
	/* from now on the guest owns hypercall exits, even with mask 0 */
	hc_configured = true;
	hc_mask = c->mask;
	hc_answer = c->answer;
	hc_total = 0;
	pthread_mutex_unlock(&hc_lock);
	return 0;
}

static int32_t op_read(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_read *r = block;
	int32_t ret = 0;

	CHAN_OUT(ctx, struct vmc_hc_read, total, rec);
	(void)ctx;
	(void)argsz;
	pthread_mutex_lock(&hc_lock);
	r->total = hc_total;
	if (r->index >= hc_total || hc_total - r->index > VMC_HC_RING)
		ret = -VMC_EINVAL;
	else
		r->rec = hc_ring[r->index % VMC_HC_RING];
	pthread_mutex_unlock(&hc_lock);
	return ret;
}

static bool hc_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;
	struct vmc_hc_rec *h;

	if (rec->reason != KVM_EXIT_HYPERCALL)
		return false;
	pthread_mutex_lock(&hc_lock);
	if (!hc_configured) {
		pthread_mutex_unlock(&hc_lock);
		return false;
	}
	h = &hc_ring[hc_total % VMC_HC_RING];
	h->nr = run->hypercall.nr;
	for (int i = 0; i < 6; i++)
		h->args[i] = run->hypercall.args[i];
	h->ret_in = run->hypercall.ret;
	h->answered = hc_answer;
	h->rip = rec->rip;
	/* 6.1 UAPI: __u32 longmode; newer: union with __u64 flags, bit 0 */
	h->flags = (run->hypercall.longmode & 1) ? VMC_HC_F_LONG_MODE : 0;
	h->vcpu = (uint32_t)v->id;
	hc_total++;
	if (h->nr != VMC_KVM_HC_MAP_GPA_RANGE) {
		pthread_mutex_unlock(&hc_lock);
		run_finish(HX_ERROR, "hypercall exit nr %llu on vcpu%d at RIP 0x%llx: only nr 12 "
			   "(KVM_HC_MAP_GPA_RANGE) can be enabled, KVM exited with another",
			   (unsigned long long)h->nr, v->id, (unsigned long long)rec->rip);
		return true;
	}
	h->answered = pe_update(v->vm, h->args[0], h->args[1], h->args[2]);
	run->hypercall.ret = h->answered;
	pthread_mutex_unlock(&hc_lock);
	return true;
}

static int32_t op_map_read(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_map_read *m = block;

	if (m->gpa & 0xfff)
		return -VMC_EINVAL;
	if (m->npages > VMC_HC_MAP_READ_MAX)
		return -VMC_E2BIG;
	if (argsz < sizeof(*m) + m->npages)
		return -VMC_EINVAL;
	if (!gpa_range_ok(ctx->vm, m->gpa, (uint64_t)m->npages << 12))
		return -VMC_EFAULT;
	pthread_mutex_lock(&hc_lock);
	pe_alloc(ctx->vm);
	m->encrypted = 0;
	for (uint32_t i = 0; i < m->npages; i++) {
		m->state[i] = pe_get((m->gpa >> 12) + i);
		m->encrypted += m->state[i];
	}
	m->updates = pe_updates;
	pthread_mutex_unlock(&hc_lock);
	return 0;
}

static int32_t op_quirks(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_quirks *q = block;
	struct kvm_enable_cap cap = { .cap = VMC_KVM_CAP_DISABLE_QUIRKS2 };
	int r;

	(void)argsz;
	if (q->pad)
		return -VMC_EINVAL;
	r = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, VMC_KVM_CAP_DISABLE_QUIRKS2);
	q->supported = r < 0 ? -errno : r;
	if (r <= 0)
		return -VMC_EOPNOTSUPP;
	cap.args[0] = q->disable;
	pthread_mutex_lock(&hc_lock);
	q->kvm_ret = ioctl(ctx->vm->vm_fd, KVM_ENABLE_CAP, &cap) ? -errno : 0;
	if (q->kvm_ret == 0) {
		quirks_set = true;
		quirks_disabled = q->disable;
	}
	pthread_mutex_unlock(&hc_lock);
	return 0;
}

static int32_t op_pv_cpuid(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_hc_pv_cpuid *c = block;

	(void)argsz;
	c->found = vcpu_supported_cpuid(ctx->vm, VMC_CPUID_KVM_FEATURES, &c->supported_eax);
	c->vcpu_eax = c->supported_eax | opts.kvm_pv_features;
	c->pad = 0;
	return 0;
}

int hypercall_reapply(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = VMC_KVM_CAP_EXIT_HYPERCALL };
	int r = 0;

	pthread_mutex_lock(&hc_lock);
	if (hc_configured && hc_mask) {
		cap.args[0] = hc_mask;
		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
			r = -errno;
	}
	if (!r && quirks_set) {
		cap.cap = VMC_KVM_CAP_DISABLE_QUIRKS2;
		cap.args[0] = quirks_disabled;
		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap))
			r = -errno;
	}
	pthread_mutex_unlock(&hc_lock);
	return r;
}

/* is GPA page pfn encrypted in the map (migration stream marks) */
bool hypercall_page_encrypted(uint64_t pfn)
{
	bool e;

	pthread_mutex_lock(&hc_lock);
	e = pe_map && pfn < pe_pages && pe_get(pfn);
	pthread_mutex_unlock(&hc_lock);
	return e;
}

/* the family's kept state in a migration stream (docs/migration.md) */
/*
 * Stream form: struct hc_saved (with HC_READ's exit count and record
 * ring), then the page-encryption map, one bit per page.
 */
struct hc_saved {
	uint32_t configured, quirks_set;
	uint64_t mask, answer, quirks, pages, updates;
	uint32_t total, pad;
	struct vmc_hc_rec ring[VMC_HC_RING];
};

void hypercall_save(struct mig_buf *b)
{
	struct hc_saved s;
	uint64_t bytes;
	uint8_t *d;

	pthread_mutex_lock(&hc_lock);
	memset(&s, 0, sizeof(s));
	s.configured = hc_configured;
	s.quirks_set = quirks_set;
	s.mask = hc_mask;
	s.answer = hc_answer;
	s.quirks = quirks_disabled;
	s.pages = pe_map ? pe_pages : 0;
	s.updates = pe_updates;
	s.total = hc_total;
	memcpy(s.ring, hc_ring, sizeof(hc_ring));
	bytes = (s.pages + 7) / 8;
	d = xcalloc(1, sizeof(s) + bytes);
	memcpy(d, &s, sizeof(s));
	if (bytes)
		memcpy(d + sizeof(s), pe_map, bytes);
	pthread_mutex_unlock(&hc_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_HYPERCALL, d, sizeof(s) + bytes);
	free(d);
}

bool hypercall_load(const uint8_t *d, uint64_t len, uint64_t mem_size, bool apply, char *err,
		    size_t errsz)
{
	struct hc_saved s;

	if (len < sizeof(s)) {
		snprintf(err, errsz, "hypercall state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(&s, d, sizeof(s));
	if (s.configured > 1 || s.quirks_set > 1 || s.pad ||
	    (s.pages && s.pages != mem_size >> 12) ||
	    len != sizeof(s) + (s.pages + 7) / 8) {
		snprintf(err, errsz, "hypercall state malformed or not fitting the VM (%llu map pages, "
			 "%llu bytes)",
			 (unsigned long long)s.pages, (unsigned long long)len);
		return false;
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&hc_lock);
	hc_configured = s.configured;
	quirks_set = s.quirks_set;
	hc_mask = s.mask;
	hc_answer = s.answer;
	quirks_disabled = s.quirks;
	pe_updates = s.updates;
	hc_total = s.total;
	memcpy(hc_ring, s.ring, sizeof(hc_ring));
	free(pe_map);
	pe_map = NULL;
	if (s.pages) {
		pe_pages = s.pages;
		pe_map = xcalloc(1, (s.pages + 7) / 8);
		memcpy(pe_map, d + sizeof(s), (s.pages + 7) / 8);
	}
	pthread_mutex_unlock(&hc_lock);
	return true;
}

static const struct chan_op hypercall_ops[] = {
	{ VMC_OP_HC_CONFIG, "HC_CONFIG", sizeof(struct vmc_hc_config),
	  sizeof(struct vmc_hc_config), op_config },
	{ VMC_OP_HC_READ, "HC_READ", sizeof(struct vmc_hc_read), sizeof(struct vmc_hc_read),
	  op_read },
	{ VMC_OP_HC_MAP_READ, "HC_MAP_READ", sizeof(struct vmc_hc_map_read),
	  sizeof(struct vmc_hc_map_read) + VMC_HC_MAP_READ_MAX, op_map_read },
	{ VMC_OP_HC_QUIRKS, "HC_QUIRKS", sizeof(struct vmc_hc_quirks),
	  sizeof(struct vmc_hc_quirks), op_quirks },
	{ VMC_OP_HC_PV_CPUID, "HC_PV_CPUID", sizeof(struct vmc_hc_pv_cpuid),
	  sizeof(struct vmc_hc_pv_cpuid), op_pv_cpuid },
};

const struct chan_family ops_hypercall_family = {
	.name = "hypercall",
	.ops = hypercall_ops,
	.nr_ops = ARRAY_SIZE(hypercall_ops),
	.handle_exit = hc_exit,
	.reapply = hypercall_reapply,
};
