/*
 * Guest client of the harness's MSR filter / user-space MSR exit ops
 * (lib/x86/msrfilter.h).
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"

void msrf_init(msrf_filter_t *f, uint32_t filter_flags)
{
	/*
	 * HARNESS_REQ_INIT zeroes the request; page[], filled[] and fill[]
	 * count only where used says so, so they are not cleared (a 600-byte
	 * memset is ~75 emulated rep elements on kvm_pvm)
	 */
	f->used = 0;
	HARNESS_REQ_INIT(f->req, VMC_OP_MSR_SET_FILTER);
	f->req.filter_flags = filter_flags;
}

/* bytes of the bitmap KVM (and the harness) read for nmsrs MSRs: BITS_TO_LONGS longs */
static size_t bitmap_bytes(uint32_t nmsrs)
{
	return ((size_t)nmsrs + 63) / 64 * 8;
}

/* page[i] holds its pattern in its first n bytes (at most a page) */
static void fill_to(msrf_filter_t *f, int i, size_t n)
{
	if (n > PAGE_SIZE)
		n = PAGE_SIZE;
	if ((f->used & (1u << i)) && n > f->filled[i]) {
		memset(f->page[i] + f->filled[i], f->fill[i], n - f->filled[i]);
		f->filled[i] = n;
	}
}

int msrf_add(msrf_filter_t *f, uint32_t rflags, uint32_t base, uint32_t nmsrs, bool allow)
{
	uint8_t *bm;
	int i;

	for (i = 0; i < VMC_MSR_FILTER_MAX_RANGES; i++)
		if (!f->req.ranges[i].nmsrs && !f->req.ranges[i].bitmap &&
		    !f->req.ranges[i].flags && !(f->used & (1u << i)))
			break;
	if (i == VMC_MSR_FILTER_MAX_RANGES)
		return -1;
	/* a page holds 0x600 bytes and more: a 0x3001-MSR range fits too */
	bm = alloc_page_uninit();
	if (!bm)
		report_abort("msrf_add: out of memory");
	f->req.ranges[i].flags = rflags;
	f->req.ranges[i].base = base;
	f->req.ranges[i].nmsrs = nmsrs;
	f->req.ranges[i].bitmap = harness_gpa(bm);
	f->page[i] = bm;
	f->used |= 1u << i;
	f->fill[i] = allow ? 0xff : 0;
	f->filled[i] = 0;
	fill_to(f, i, bitmap_bytes(nmsrs));
	return i;
}

uint8_t *msrf_bitmap(msrf_filter_t *f, int slot)
{
	fill_to(f, slot, PAGE_SIZE);	/* the test may look at any byte */
	return (uint8_t *)(uintptr_t)f->req.ranges[slot].bitmap;
}

void msrf_set_bit(msrf_filter_t *f, int slot, uint32_t msr, bool allow)
{
	uint8_t *bm = (uint8_t *)(uintptr_t)f->req.ranges[slot].bitmap;
	uint32_t bit = msr - f->req.ranges[slot].base;

	fill_to(f, slot, bitmap_bytes(bit + 1));
	if (allow)
		bm[bit / 8] |= 1u << (bit % 8);
	else
		bm[bit / 8] &= ~(1u << (bit % 8));
}

int msrf_install(msrf_filter_t *f, int *kvm_ret)
{
	int r;

	/* what the harness reads of each page for its range's nmsrs is filled */
	for (uint32_t m = f->used; m; m &= m - 1) {
		int i = __builtin_ctz(m);

		fill_to(f, i, bitmap_bytes(f->req.ranges[i].nmsrs));
	}
	f->req.kvm_ret = 1;
	r = harness_call(&f->req);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : f->req.kvm_ret;
	return r;
}

void msrf_free(msrf_filter_t *f)
{
	for (uint32_t m = f->used; m; m &= m - 1) {
		int i = __builtin_ctz(m);

		if (f->req.ranges[i].bitmap == harness_gpa(f->page[i]))
			f->req.ranges[i].bitmap = 0;
		free_page(f->page[i]);
		f->page[i] = NULL;
	}
	f->used = 0;
}

int msrf_install_one(uint32_t filter_flags, uint32_t rflags, uint32_t base, uint32_t nmsrs,
		     bool allow)
{
	msrf_filter_t f;
	int kr, r;

	msrf_init(&f, filter_flags);
	msrf_add(&f, rflags, base, nmsrs, allow);
	r = msrf_install(&f, &kr);
	msrf_free(&f);
	return r < 0 ? MSRF_ECHANNEL + r : kr;
}

int msrf_clear(void)
{
	msrf_filter_t f;
	int kr, r;

	msrf_init(&f, VMC_MSR_FILTER_DEFAULT_ALLOW);
	r = msrf_install(&f, &kr);
	return r < 0 ? r : kr;
}

int msrf_info(struct vmc_msr_filter_info *out)
{
	HARNESS_REQ_INIT(*out, VMC_OP_MSR_FILTER_INFO);
	return harness_call(out);
}

int msrf_enable_cap(uint32_t cap, uint32_t cap_flags, uint64_t arg0, int *kvm_ret)
{
	struct vmc_msr_enable_cap c;
	int r;

	HARNESS_REQ_INIT(c, VMC_OP_MSR_ENABLE_CAP);
	c.cap = cap;
	c.cap_flags = cap_flags;
	c.args0 = arg0;
	c.kvm_ret = 1;
	r = harness_call(&c);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : c.kvm_ret;
	return r;
}

int msrf_exit_mask(uint64_t mask)
{
	int kr, r = msrf_enable_cap(VMC_KVM_CAP_USER_SPACE_MSR, 0, mask, &kr);

	return r < 0 ? r : kr;
}

static int policy(uint32_t index, uint32_t flags, uint32_t rd, uint32_t wr,
		  uint64_t value, uint64_t wr_arg)
{
	struct vmc_msr_policy p;

	HARNESS_REQ_INIT(p, VMC_OP_MSR_POLICY);
	p.index = index;
	p.flags = flags;
	p.rd = rd;
	p.wr = wr;
	p.value = value;
	p.wr_arg = wr_arg;
	return harness_call(&p);
}

int msrf_policy(uint32_t index, uint32_t rd, uint32_t wr, uint64_t value, uint64_t wr_arg)
{
	return policy(index, 0, rd, wr, value, wr_arg);
}

int msrf_policy_default(uint32_t rd, uint32_t wr, uint64_t value, uint64_t wr_arg)
{
	return policy(0, VMC_MSRP_F_DEFAULT, rd, wr, value, wr_arg);
}

int msrf_policy_clear_all(void)
{
	return policy(0, VMC_MSRP_F_CLEAR_ALL, 0, 0, 0, 0);
}

int msrf_counters(uint32_t index, uint32_t flags, struct vmc_msr_counters *out)
{
	HARNESS_REQ_INIT(*out, VMC_OP_MSR_COUNTERS);
	out->index = index;
	out->flags = flags;
	return harness_call(out);
}

uint32_t msrf_exits(uint32_t index)
{
	struct vmc_msr_counters c;

	if (msrf_counters(index, 0, &c) < 0)
		return ~0u;
	return c.rd[0] + c.wr[0];
}

uint32_t msrf_total_exits(void)
{
	struct vmc_msr_counters c;

	if (msrf_counters(0, VMC_MSRC_F_ALL, &c) < 0)
		return ~0u;
	return c.rd[0] + c.wr[0];
}

void msrf_fresh(uint64_t mask)
{
	int r;

	if ((r = msrf_clear()))
		report_abort("msrf_fresh: installing an empty filter failed (%d)", r);
	if ((r = msrf_exit_mask(mask)))
		report_abort("msrf_fresh: ENABLE_CAP(USER_SPACE_MSR, %#lx) failed (%d)",
			     (unsigned long)mask, r);
	if ((r = msrf_policy_clear_all()))
		report_abort("msrf_fresh: clearing the MSR policies failed (%d)", r);
	if ((r = msrf_reset()))
		report_abort("msrf_fresh: resetting the MSR counters failed (%d)", r);
}

int msrf_reset(void)
{
	struct vmc_msr_counters c;
	struct vmc_msr_last l;
	int r = msrf_counters(0, VMC_MSRC_F_ALL | VMC_MSRC_F_RESET, &c);

	if (r < 0)
		return r;
	HARNESS_REQ_INIT(l, VMC_OP_MSR_LAST);
	l.flags = VMC_MSRL_F_RESET;
	return harness_call(&l);
}

int msrf_last(struct vmc_msr_exit *buf, uint32_t max, uint32_t flags, uint32_t *total)
{
	struct vmc_msr_last l;
	int r;

	HARNESS_REQ_INIT(l, VMC_OP_MSR_LAST);
	l.buf = harness_gpa(buf);
	l.max_entries = max;
	l.flags = flags;
	r = harness_call(&l);
	if (r < 0)
		return r;
	if (total)
		*total = l.total;
	return (int)l.count;
}

static uint64_t hello_features(void)
{
	static bool done;
	static uint64_t feat;
	struct vmc_hello h;

	if (!done) {
		done = true;
		if (harness_hello(&h) == 0)
			feat = h.features;
	}
	return feat;
}

bool msrf_available(const char **why)
{
	uint64_t f;

	if (!harness_present()) {
		*why = HARNESS_SKIP_REASON;
		return false;
	}
	f = hello_features();
	if (!(f & VMC_FEAT_CAP_USER_SPACE_MSR) || !(f & VMC_FEAT_CAP_MSR_FILTER)) {
		*why = "needs KVM_CAP_X86_USER_SPACE_MSR and KVM_CAP_X86_MSR_FILTER on the host";
		return false;
	}
	*why = NULL;
	return true;
}

bool msrf_fep_available(void)
{
	return harness_present() && (hello_features() & VMC_FEAT_HOST_FEP);
}
