/*
 * Guest client of the coalesced I/O, exception injection and memslot
 * families (lib/x86/kvm420.h).
 */
#include "vmc.h"
#include "kvm420.h"

bool k420_available(uint64_t feat, const char **why)
{
	static struct vmc_hello h;
	static int r = 1;

	if (r == 1)
		r = harness_hello(&h);
	if (r < 0) {
		*why = HARNESS_SKIP_REASON;
		return false;
	}
	if ((h.features & feat) != feat) {
		*why = "needs a vmconform harness with the coalesced/exception/memslot families";
		return false;
	}
	return true;
}

int coal_zone(uint32_t action, bool pio, uint64_t addr, uint32_t size, int *kvm_ret)
{
	struct vmc_coal_zone z;
	int r;

	HARNESS_REQ_INIT(z, VMC_OP_COAL_ZONE);
	z.action = action;
	z.pio = pio;
	z.addr = addr;
	z.size = size;
	z.kvm_ret = 1;
	r = harness_call(&z);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : z.kvm_ret;
	return r;
}

int coal_info(struct vmc_coal_info *out)
{
	HARNESS_REQ_INIT(*out, VMC_OP_COAL_INFO);
	return harness_call(out);
}

int exc_cap(bool enable, int *kvm_ret)
{
	struct vmc_exc_cap c;
	int r;

	HARNESS_REQ_INIT(c, VMC_OP_EXC_CAP);
	c.enable = enable;
	c.kvm_ret = 1;
	r = harness_call(&c);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : c.kvm_ret;
	return r;
}

int exc_inject(const struct vmc_exc_state *set, uint32_t inject_flags,
	       struct vmc_exc_inject *req)
{
	HARNESS_REQ_INIT(*req, VMC_OP_EXC_INJECT);
	req->inject_flags = inject_flags;
	req->set = *set;
	req->set_ret = req->get_ret = 1;
	return harness_call(req);
}

int exc_get(struct vmc_exc_state *out, int *get_ret)
{
	struct vmc_exc_get g;
	int r;

	HARNESS_REQ_INIT(g, VMC_OP_EXC_GET);
	g.get_ret = 1;
	r = harness_call(&g);
	*out = g.got;
	if (get_ret)
		*get_ret = r < 0 ? r : g.get_ret;
	return r;
}

int slot_set_in(uint32_t vm, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		uint32_t backing, uint32_t offset, int *kvm_ret)
{
	struct vmc_slot_set s;
	int r;

	HARNESS_REQ_INIT(s, VMC_OP_SLOT_SET);
	s.vm = vm;
	s.slot = slot;
	s.flags = flags;
	s.gpa = gpa;
	s.size = size;
	s.backing = backing;
	s.offset = offset;
	s.kvm_ret = 1;
	r = harness_call(&s);
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : s.kvm_ret;
	return r;
}

int slot_set(uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size, uint32_t backing,
	     uint32_t offset, int *kvm_ret)
{
	return slot_set_in(VMC_SLOT_VM_GUEST, slot, flags, gpa, size, backing, offset, kvm_ret);
}

int slot_fill(uint32_t backing, uint64_t pattern)
{
	struct vmc_slot_fill f;

	HARNESS_REQ_INIT(f, VMC_OP_SLOT_FILL);
	f.backing = backing;
	f.pattern = pattern;
	return harness_call(&f);
}

int slot_many(uint32_t action, uint32_t first, uint32_t count, uint64_t gpa,
	      uint32_t *done, int *kvm_ret)
{
	struct vmc_slot_many m;
	int r;

	HARNESS_REQ_INIT(m, VMC_OP_SLOT_MANY);
	m.action = action;
	m.first = first;
	m.count = count;
	m.gpa = gpa;
	m.kvm_ret = 1;
	r = harness_call(&m);
	if (done)
		*done = r < 0 ? 0 : m.done;
	if (kvm_ret)
		*kvm_ret = r < 0 ? r : m.kvm_ret;
	return r;
}

int slot_info(struct vmc_slot_info *out)
{
	HARNESS_REQ_INIT(*out, VMC_OP_SLOT_INFO);
	return harness_call(out);
}
