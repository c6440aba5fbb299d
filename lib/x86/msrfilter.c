/*
 * Guest client of the harness's MSR filter / user-space MSR exit ops
 * (lib/x86/msrfilter.h).
 */
#include "vmc.h"
#include "processor.h"
#include "msrfilter.h"

static uint64_t last_ec[MAX_CPUS];

void msrf_init(msrf_filter_t *f, uint32_t filter_flags)
{
	HARNESS_REQ_INIT(*f, VMC_OP_MSR_SET_FILTER);
	f->filter_flags = filter_flags;
}

int msrf_add(msrf_filter_t *f, uint32_t rflags, uint32_t base, uint32_t nmsrs, bool allow)
{
	uint8_t *bm;
	int i;

	for (i = 0; i < VMC_MSR_FILTER_MAX_RANGES; i++)
		if (!f->ranges[i].nmsrs && !f->ranges[i].bitmap && !f->ranges[i].flags)
			break;
	if (i == VMC_MSR_FILTER_MAX_RANGES)
		return -1;
	bm = alloc_page();
	if (!bm)
		report_abort("msrf_add: out of memory");
	/*
	 * a page holds 0x600 bytes and more: a 0x3001-MSR range fits too.
	 * alloc_page() zeroes it, so only "allow" needs a fill.
	 */
	if (allow)
		memset(bm, 0xff, PAGE_SIZE);
	f->ranges[i].flags = rflags;
	f->ranges[i].base = base;
	f->ranges[i].nmsrs = nmsrs;
	f->ranges[i].bitmap = harness_gpa(bm);
	return i;
}

uint8_t *msrf_bitmap(msrf_filter_t *f, int slot)
{
	return (uint8_t *)(uintptr_t)f->ranges[slot].bitmap;
}

void msrf_set_bit(msrf_filter_t *f, int slot, uint32_t msr, bool allow)
{
	uint8_t *bm = msrf_bitmap(f, slot);
	uint32_t bit = msr - f->ranges[slot].base;

	if (allow)
		bm[bit / 8] |= 1u << (bit % 8);
	else
		bm[bit / 8] &= ~(1u << (bit % 8));
}

int msrf_install(msrf_filter_t *f, int *kvm_ret)
{
	int r;

	f->kvm_ret = 1;
	r = harness_call(f);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : f->kvm_ret;
	return r;
}

void msrf_free(msrf_filter_t *f)
{
	for (int i = 0; i < VMC_MSR_FILTER_MAX_RANGES; i++) {
		if (f->ranges[i].bitmap)
			free_page((void *)(uintptr_t)f->ranges[i].bitmap);
		f->ranges[i].bitmap = 0;
	}
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

/*
 * KVM's forced-emulation prefix.  KVM moves RIP past it before emulating,
 * so a fault is reported at the instruction after the prefix: the
 * FAULT_INSN label goes there.
 */
#define FEP ".byte 0x0f, 0x0b, 0x6b, 0x76, 0x6d\n\t"

int msr_read(uint32_t idx, uint64_t *val, bool fep, uint64_t *rip)
{
	uint32_t lo = 0, hi = 0;
	uint64_t at;
	struct fault f;

	fault_arm();
	if (fep)
		asm volatile("lea 9880f(%%rip), %2\n\t" FEP FAULT_INSN("rdmsr")
			     : "+a"(lo), "+d"(hi), "=&r"(at) : "c"(idx) : "memory");
	else
		asm volatile("lea 9880f(%%rip), %2\n\t" FAULT_INSN("rdmsr")
			     : "+a"(lo), "+d"(hi), "=&r"(at) : "c"(idx) : "memory");
	f = fault_take();
	if (rip)
		*rip = at;
	*val = f.raised ? 0 : (lo | (uint64_t)hi << 32);
	last_ec[smp_id()] = f.error_code;
	return f.raised ? (int)f.vector : 0;
}

int msr_write(uint32_t idx, uint64_t val, bool fep, uint64_t *rip)
{
	uint64_t at;
	struct fault f;

	fault_arm();
	if (fep)
		asm volatile("lea 9880f(%%rip), %0\n\t" FEP FAULT_INSN("wrmsr")
			     : "=&r"(at) : "c"(idx), "a"((uint32_t)val),
			       "d"((uint32_t)(val >> 32)) : "memory");
	else
		asm volatile("lea 9880f(%%rip), %0\n\t" FAULT_INSN("wrmsr")
			     : "=&r"(at) : "c"(idx), "a"((uint32_t)val),
			       "d"((uint32_t)(val >> 32)) : "memory");
	f = fault_take();
	if (rip)
		*rip = at;
	last_ec[smp_id()] = f.error_code;
	return f.raised ? (int)f.vector : 0;
}

uint64_t msr_last_error_code(void)
{
	return last_ec[smp_id()];
}
