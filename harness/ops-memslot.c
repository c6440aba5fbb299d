/*
 * vmc-harness channel ops, family 0x07: memslots (docs/channel.md
 * "Memslots"; wire format lib/memslot-abi.h).
 *
 *   SLOT_SET    one KVM_SET_USER_MEMORY_REGION: create, move, delete
 *   SLOT_FILL   fill one of the harness's backing buffers with a pattern
 *   SLOT_MANY   create / delete a run of one-page slots (the slot limit),
 *               in the guest's VM or the scratch VM; destroy the scratch VM
 *   SLOT_INFO   KVM_CAP_NR_MEMSLOTS, KVM_CAP_MULTI_ADDRESS_SPACE, TDP
 *
 * Host memory behind a guest-made slot is always one of VMC_SLOT_BACKINGS
 * buffers owned by this file; the guest picks a buffer and an offset that
 * are checked against it, never a host address.  Slot, flags, GPA and size
 * go to KVM unchanged.  Slot 0 of address space 0 of the guest's VM (its
 * RAM, vm.c) is refused.  Slots KVM accepted in the guest's VM are kept (VM
 * state) so a migration's new VM gets them again (memslot_reapply); they and
 * the backing buffers' contents also go into the migration stream
 * (memslot_save/load).  MMIO exits inside VMC_SLOT_WINDOW (a moved or
 * deleted slot's old GPA) are claimed: reads give all-ones.
 *
 * The scratch VM (scratch_fd) is a vCPU-less VM of the guest VM's type,
 * made on first use, for the slot limit: filling it costs KVM ~60 us a slot
 * and closing it with every slot in it is far cheaper than deleting them
 * one by one.  It is test apparatus, not guest state: not kept, not
 * migrated (a migration leaves it as it is), not in --save; its slots are
 * only counted (scratch_used), for SCRATCH_DESTROY's answer.  Closed by
 * SCRATCH_DESTROY, else when the process exits.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "memslot-abi.h"
#include "migstream.h"

#define AS_SLOTS	32768u		/* ids per address space (u16, < SHRT_MAX) */
#define NR_AS		2u		/* x86 KVM_ADDRESS_SPACE_NUM at most */
#define MANY_MAX	65536u

struct kept_slot {
	uint64_t gpa, size;
	uint32_t flags, backing, offset;
	bool used;
};

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *backing[VMC_SLOT_BACKINGS];
static struct kept_slot *kept;		/* [as * AS_SLOTS + id], allocated on first use */
static uint32_t nr_kept;
static int scratch_fd = -1;
static uint8_t *scratch_used;		/* bit as * AS_SLOTS + id, allocated with scratch_fd */
static uint32_t nr_scratch;

static uint8_t *backing_buf(uint32_t i)
{
	if (i >= VMC_SLOT_BACKINGS)
		return NULL;
	if (!backing[i]) {
		void *p = mmap(NULL, VMC_SLOT_BACKING_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		TEST_ASSERT(p != MAP_FAILED, "mmap of memslot backing %u", i);
		backing[i] = p;
	}
	return backing[i];
}

static struct kept_slot *kept_of(uint32_t slot)
{
	uint32_t as = slot >> 16, id = slot & 0xffff;

	if (as >= NR_AS || id >= AS_SLOTS)
		return NULL;
	if (!kept)
		kept = xcalloc(NR_AS * AS_SLOTS, sizeof(*kept));
	return &kept[as * AS_SLOTS + id];
}

static int region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		  uint32_t b, uint32_t offset)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)(backing_buf(b) + offset),
	};

	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* KVM_SET_USER_MEMORY_REGION on the guest's vm; 0 or -errno; keeps what KVM accepted */
static int set_region(struct vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, uint32_t b, uint32_t offset)
{
	int r = region(vm->vm_fd, slot, flags, gpa, size, b, offset);
	struct kept_slot *k;

	if (r)
		return r;
	k = kept_of(slot);
	if (k) {
		if (size && !k->used)
			nr_kept++;
		else if (!size && k->used)
			nr_kept--;
		*k = (struct kept_slot){ .gpa = gpa, .size = size, .flags = flags,
					 .backing = b, .offset = offset, .used = size != 0 };
	}
	return 0;
}

/* the scratch VM, created with vm's type if there is none; fd or -errno */
static int scratch_get(const struct vm *vm)
{
	int fd;

	if (scratch_fd >= 0)
		return scratch_fd;
	do {
		fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, vm->vm_type);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	if (!scratch_used)
		scratch_used = xcalloc(NR_AS * AS_SLOTS / 8, 1);
	scratch_fd = fd;
	return fd;
}

/* the same in the scratch VM (fd from scratch_get()); counts what it holds */
static int set_scratch(int fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		       uint32_t b, uint32_t offset)
{
	uint32_t as = slot >> 16, id = slot & 0xffff, bit = as * AS_SLOTS + id;
	int r = region(fd, slot, flags, gpa, size, b, offset);
	bool was;

	if (r || as >= NR_AS || id >= AS_SLOTS)
		return r;
	was = scratch_used[bit / 8] & (1u << bit % 8);
	if (size && !was) {
		scratch_used[bit / 8] |= (uint8_t)(1u << bit % 8);
		nr_scratch++;
	} else if (!size && was) {
		scratch_used[bit / 8] &= (uint8_t)~(1u << bit % 8);
		nr_scratch--;
	}
	return 0;
}

/* close the scratch VM (KVM frees every slot in it); the slots it held */
static uint32_t scratch_destroy(void)
{
	uint32_t n = nr_scratch;

	if (scratch_fd >= 0)
		close(scratch_fd);
	scratch_fd = -1;
	if (scratch_used)
		memset(scratch_used, 0, NR_AS * AS_SLOTS / 8);
	nr_scratch = 0;
	return n;
}

static int32_t op_set(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_slot_set *s = block;
	int32_t ret = 0;
	int fd;

	CHAN_OUT(ctx, struct vmc_slot_set, kvm_ret, kvm_ret);
	(void)argsz;
	if (s->vm != VMC_SLOT_VM_GUEST && s->vm != VMC_SLOT_VM_SCRATCH)
		return -VMC_EINVAL;
	if (s->vm == VMC_SLOT_VM_GUEST && s->slot == 0)
		return -VMC_EPERM;
	if (s->backing >= VMC_SLOT_BACKINGS || s->offset % 4096 ||
	    s->offset > VMC_SLOT_BACKING_SIZE || s->size > VMC_SLOT_BACKING_SIZE - s->offset)
		return -VMC_EINVAL;
	pthread_mutex_lock(&slot_lock);
	if (s->vm == VMC_SLOT_VM_GUEST) {
		s->kvm_ret = set_region(ctx->vm, s->slot, s->flags, s->gpa, s->size, s->backing,
					s->offset);
	} else if ((fd = scratch_get(ctx->vm)) < 0) {
		s->kvm_ret = fd;
		ret = -VMC_EOPNOTSUPP;
	} else {
		s->kvm_ret = set_scratch(fd, s->slot, s->flags, s->gpa, s->size, s->backing,
					 s->offset);
	}
	pthread_mutex_unlock(&slot_lock);
	return ret;
}

static int32_t op_fill(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_slot_fill *f = block;
	uint64_t *w;

	CHAN_NO_OUT(ctx);
	(void)argsz;
	if (f->backing >= VMC_SLOT_BACKINGS || f->pad)
		return -VMC_EINVAL;
	pthread_mutex_lock(&slot_lock);
	w = (uint64_t *)backing_buf(f->backing);
	for (uint64_t i = 0; i < VMC_SLOT_BACKING_SIZE / 8; i++)
		w[i] = f->pattern + i;
	pthread_mutex_unlock(&slot_lock);
	return 0;
}

static int32_t op_many(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_slot_many *m = block;
	bool guest = m->action == VMC_SLOT_MANY_CREATE || m->action == VMC_SLOT_MANY_DELETE;
	bool create = m->action != VMC_SLOT_MANY_DELETE;
	int32_t ret = 0;
	int fd = -1;

	CHAN_OUT(ctx, struct vmc_slot_many, done, done);
	CHAN_OUT(ctx, struct vmc_slot_many, kvm_ret, kvm_ret);
	(void)argsz;
	if (m->pad)
		return -VMC_EINVAL;
	if (m->action == VMC_SLOT_MANY_SCRATCH_DESTROY) {
		if (m->first || m->count || m->gpa)
			return -VMC_EINVAL;
		pthread_mutex_lock(&slot_lock);
		m->done = scratch_destroy();
		pthread_mutex_unlock(&slot_lock);
		m->kvm_ret = 0;
		return 0;
	}
	if ((!guest && m->action != VMC_SLOT_MANY_SCRATCH_CREATE) || m->count > MANY_MAX ||
	    (guest && m->first == 0) || m->first > 0xffff || m->count > 0x10000 - m->first ||
	    add_overflows(m->gpa, (uint64_t)m->count * 4096))
		return -VMC_EINVAL;
	pthread_mutex_lock(&slot_lock);
	m->kvm_ret = 0;
	m->done = 0;
	if (!guest && (fd = scratch_get(ctx->vm)) < 0) {
		m->kvm_ret = fd;
		ret = -VMC_EOPNOTSUPP;
	}
	for (; ret == 0 && m->done < m->count; m->done++) {
		uint32_t slot = m->first + m->done;
		uint64_t gpa = m->gpa + (uint64_t)m->done * 4096, size = create ? 4096 : 0;
		int r = guest ? set_region(ctx->vm, slot, 0, gpa, size, 0, 0) :
				set_scratch(fd, slot, 0, gpa, size, 0, 0);

		if (r) {
			m->kvm_ret = r;
			break;
		}
	}
	pthread_mutex_unlock(&slot_lock);
	return ret;
}

/* "Y" / "1" in a module parameter file */
static bool param_on(const char *path)
{
	FILE *f = fopen(path, "r");
	int c;

	if (!f)
		return false;
	c = fgetc(f);
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

static int32_t op_info(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_slot_info *i = block;

	CHAN_OUT(ctx, struct vmc_slot_info, nr_memslots, slots);
	(void)argsz;
	i->nr_memslots = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	i->multi_as = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE);
	i->tdp = param_on("/sys/module/kvm_intel/parameters/ept") ||
		 param_on("/sys/module/kvm_amd/parameters/npt");
	pthread_mutex_lock(&slot_lock);
	i->slots = nr_kept;
	pthread_mutex_unlock(&slot_lock);
	return 0;
}

static bool slot_handle_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;
	uint64_t a = run->mmio.phys_addr;

	if (rec->reason != KVM_EXIT_MMIO || run->mmio.len > 8 || a < VMC_SLOT_WINDOW ||
	    a - VMC_SLOT_WINDOW >= VMC_SLOT_WINDOW_SIZE - run->mmio.len)
		return false;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, run->mmio.len);
	return true;
}

/* create the kept slots in vm (a migration's new VM); 0 or -errno */
static int memslot_reapply(struct vm *vm)
{
	int r = 0;

	pthread_mutex_lock(&slot_lock);
	for (uint32_t i = 0; kept && i < NR_AS * AS_SLOTS && !r; i++) {
		const struct kept_slot *k = &kept[i];
		struct kvm_userspace_memory_region reg = {
			.slot = (i / AS_SLOTS) << 16 | (i % AS_SLOTS), .flags = k->flags,
			.guest_phys_addr = k->gpa, .memory_size = k->size,
			.userspace_addr = (uintptr_t)(backing[k->backing] + k->offset),
		};

		if (k->used && ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg))
			r = -errno;
	}
	pthread_mutex_unlock(&slot_lock);
	return r;
}

/*
 * Migration stream (MIG_FAMILY MIG_FAM_MEMSLOT): the kept slots and what
 * the guest can read through them, the backing buffers' resident non-zero
 * pages.  u32 nr_slots, nr_pages; nr_slots x struct ms_slot (ascending
 * slot number); nr_pages x struct ms_page (ascending backing, page).
 */
struct ms_slot {
	uint32_t slot, flags, backing, offset;
	uint64_t gpa, size;
};

struct ms_page {
	uint32_t backing, page;
	uint8_t data[4096];
};

#define BACKING_PAGES	(VMC_SLOT_BACKING_SIZE / 4096)

void memslot_save(struct mig_buf *b)
{
	static const uint8_t zero[4096];
	uint32_t head[2] = { 0, 0 }, n;
	struct mig_buf d = { 0 };
	unsigned char vec[BACKING_PAGES];

	pthread_mutex_lock(&slot_lock);
	head[0] = nr_kept;
	for (uint32_t bk = 0; bk < VMC_SLOT_BACKINGS; bk++) {
		if (!backing[bk] || mincore(backing[bk], VMC_SLOT_BACKING_SIZE, vec))
			continue;
		for (uint32_t pg = 0; pg < BACKING_PAGES; pg++)
			head[1] += (vec[pg] & 1) && memcmp(backing[bk] + pg * 4096ull, zero, 4096);
	}
	d.p = xcalloc(1, 8 + (uint64_t)head[0] * sizeof(struct ms_slot) +
			 (uint64_t)head[1] * sizeof(struct ms_page));
	memcpy(d.p, head, 8);
	d.len = 8;
	for (uint32_t i = 0; kept && i < NR_AS * AS_SLOTS; i++) {
		const struct kept_slot *k = &kept[i];
		struct ms_slot m = { (i / AS_SLOTS) << 16 | (i % AS_SLOTS), k->flags, k->backing,
				     k->offset, k->gpa, k->size };

		if (!k->used)
			continue;
		memcpy(d.p + d.len, &m, sizeof(m));
		d.len += sizeof(m);
	}
	n = 0;
	for (uint32_t bk = 0; bk < VMC_SLOT_BACKINGS && n < head[1]; bk++) {
		if (!backing[bk] || mincore(backing[bk], VMC_SLOT_BACKING_SIZE, vec))
			continue;
		for (uint32_t pg = 0; pg < BACKING_PAGES && n < head[1]; pg++) {
			const uint8_t *src = backing[bk] + pg * 4096ull;

			if (!(vec[pg] & 1) || !memcmp(src, zero, 4096))
				continue;
			memcpy(d.p + d.len, &bk, 4);
			memcpy(d.p + d.len + 4, &pg, 4);
			memcpy(d.p + d.len + 8, src, 4096);
			d.len += sizeof(struct ms_page);
			n++;
		}
	}
	pthread_mutex_unlock(&slot_lock);
	head[1] = n;	/* a page swapped out since it was counted is left out */
	memcpy(d.p, head, 8);
	mig_put(b, MIG_FAMILY, MIG_FAM_MEMSLOT, d.p, d.len);
	free(d.p);
}

bool memslot_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz)
{
	uint32_t head[2];
	uint64_t at;
	int64_t prev = -1;

	if (len < 8) {
		snprintf(err, errsz, "memslot state of %llu bytes", (unsigned long long)len);
		return false;
	}
	memcpy(head, d, 8);
	at = 8 + (uint64_t)head[0] * sizeof(struct ms_slot);
	if (head[0] > NR_AS * AS_SLOTS || head[1] > VMC_SLOT_BACKINGS * BACKING_PAGES ||
	    len != at + (uint64_t)head[1] * sizeof(struct ms_page)) {
		snprintf(err, errsz, "memslot state of %llu bytes does not hold its %u slots and "
			 "%u pages", (unsigned long long)len, head[0], head[1]);
		return false;
	}
	for (uint32_t i = 0; i < head[0]; i++) {
		struct ms_slot m;

		memcpy(&m, d + 8 + i * sizeof(m), sizeof(m));
		/* the rules op_set applies, slots in ascending order (no repeats) */
		if ((int64_t)m.slot <= prev || m.slot == 0 || (m.slot >> 16) >= NR_AS ||
		    (m.slot & 0xffff) >= AS_SLOTS || m.backing >= VMC_SLOT_BACKINGS ||
		    m.offset % 4096 || m.offset > VMC_SLOT_BACKING_SIZE || m.size == 0 ||
		    m.size > VMC_SLOT_BACKING_SIZE - m.offset) {
			snprintf(err, errsz, "memslot %u of the state malformed (slot 0x%x, backing "
				 "%u, offset 0x%x, size 0x%llx)", i, m.slot, m.backing, m.offset,
				 (unsigned long long)m.size);
			return false;
		}
		prev = m.slot;
	}
	prev = -1;
	for (uint32_t i = 0; i < head[1]; i++) {
		uint32_t bk, pg;

		memcpy(&bk, d + at + i * sizeof(struct ms_page), 4);
		memcpy(&pg, d + at + i * sizeof(struct ms_page) + 4, 4);
		if (bk >= VMC_SLOT_BACKINGS || pg >= BACKING_PAGES ||
		    (int64_t)bk * BACKING_PAGES + pg <= prev) {
			snprintf(err, errsz, "memslot backing page %u of the state malformed "
				 "(backing %u, page %u)", i, bk, pg);
			return false;
		}
		prev = (int64_t)bk * BACKING_PAGES + pg;
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&slot_lock);
	if (kept)
		memset(kept, 0, NR_AS * AS_SLOTS * sizeof(*kept));
	nr_kept = head[0];
	for (uint32_t i = 0; i < head[0]; i++) {
		struct ms_slot m;
		struct kept_slot *k;

		memcpy(&m, d + 8 + i * sizeof(m), sizeof(m));
		k = kept_of(m.slot);
		*k = (struct kept_slot){ .gpa = m.gpa, .size = m.size, .flags = m.flags,
					 .backing = m.backing, .offset = m.offset, .used = true };
	}
	for (uint32_t bk = 0; bk < VMC_SLOT_BACKINGS; bk++)
		if (backing[bk])
			memset(backing[bk], 0, VMC_SLOT_BACKING_SIZE);
	for (uint32_t i = 0; i < head[1]; i++) {
		const uint8_t *p = d + at + i * sizeof(struct ms_page);
		uint32_t bk, pg;

		memcpy(&bk, p, 4);
		memcpy(&pg, p + 4, 4);
		memcpy(backing_buf(bk) + pg * 4096ull, p + 8, 4096);
	}
	pthread_mutex_unlock(&slot_lock);
	return true;
}

static const struct chan_op memslot_ops[] = {
	{ VMC_OP_SLOT_SET, "SLOT_SET", sizeof(struct vmc_slot_set), sizeof(struct vmc_slot_set),
	  op_set },
	{ VMC_OP_SLOT_FILL, "SLOT_FILL", sizeof(struct vmc_slot_fill),
	  sizeof(struct vmc_slot_fill), op_fill },
	{ VMC_OP_SLOT_MANY, "SLOT_MANY", sizeof(struct vmc_slot_many),
	  sizeof(struct vmc_slot_many), op_many },
	{ VMC_OP_SLOT_INFO, "SLOT_INFO", sizeof(struct vmc_slot_info),
	  sizeof(struct vmc_slot_info), op_info },
};

const struct chan_family ops_memslot_family = {
	.name = "memslot",
	.ops = memslot_ops,
	.nr_ops = ARRAY_SIZE(memslot_ops),
	.handle_exit = slot_handle_exit,
	.reapply = memslot_reapply,
};
