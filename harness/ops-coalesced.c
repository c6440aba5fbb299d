/*
 * vmc-harness channel ops, family 0x05: coalesced MMIO / PIO
 * (docs/channel.md "Coalesced PIO/MMIO"; wire format lib/coalesced-abi.h;
 * KVM side specs/kvm-x86.md §D.1).
 *
 *   COAL_ZONE   KVM_(UN)REGISTER_COALESCED_MMIO with the guest's fields
 *   COAL_INFO   ring page offset, mapping, entries drained, zones
 *
 * The ring is one page per VM, mapped through each vCPU's fd at the page
 * offset KVM_CAP_COALESCED_MMIO reports.  coalesced_drain() runs on a
 * vCPU's thread after every KVM_RUN that returned an exit and before that
 * exit is handled: it records the entries first..last (KVM's order) as
 * VMC_EXIT_COALESCED exit-log records, reading them through that vCPU's own
 * mapping, and advances first.  Ordinary exits touching a zone registered at
 * any time (writes that found the ring full, writes after UNREGISTER,
 * reads, which are never coalesced) are claimed here: recorded by the vCPU
 * loop as usual, writes dropped, reads answered VMC_COALESCED_READ_VALUE.
 * Zones are VM state: coalesced_reapply() registers them in a new VM.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "harness.h"
#include "coalesced-abi.h"
#include "migstream.h"

#define MAX_ZONES	16
#define RING_MAX	((4096 - sizeof(struct kvm_coalesced_mmio_ring)) / \
			 sizeof(struct kvm_coalesced_mmio))

_Static_assert(RING_MAX == VMC_COALESCED_RING_SLOTS, "ring slots per page");

struct zone {
	struct kvm_coalesced_mmio_zone z;
	bool active;		/* registered now (else only remembered) */
};

static pthread_mutex_t coal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone zones[MAX_ZONES];
static unsigned nr_zones;	/* entries of zones[] in use */
static bool ever;		/* a zone was registered: drain from now on */
static struct vm *ring_vm;	/* the VM the mappings below belong to */
static int ring_vm_fd = -1;	/* ... and its fd (a migration reuses struct vm) */
static struct kvm_coalesced_mmio_ring *rings[MAX_VCPUS];
static long page_offset = -1;
static uint64_t drained;

static void unmap_rings(void)
{
	for (int i = 0; i < MAX_VCPUS; i++) {
		if (rings[i])
			munmap(rings[i], 4096);
		rings[i] = NULL;
	}
	ring_vm = NULL;
	ring_vm_fd = -1;
}

/* this vCPU's view of the ring, mapped on first use; NULL if KVM has none */
static struct kvm_coalesced_mmio_ring *ring_of(struct vcpu *v)
{
	void *p;

	if (ring_vm != v->vm || ring_vm_fd != v->vm->vm_fd) {
		unmap_rings();
		ring_vm = v->vm;
		ring_vm_fd = v->vm->vm_fd;
		page_offset = ioctl(v->vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	}
	if (v->id < 0 || v->id >= MAX_VCPUS || page_offset <= 0)
		return NULL;
	if (rings[v->id])
		return rings[v->id];
	if ((uint64_t)(page_offset + 1) * 4096 > (uint64_t)v->vm->run_size)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, page_offset * 4096);
	if (p == MAP_FAILED) {
		warnx_h("coalesced: mmap of the ring (vcpu%d, page %ld): %s", v->id,
			page_offset, strerror(errno));
		return NULL;
	}
	rings[v->id] = p;
	return p;
}

void coalesced_drain(struct vcpu *v)
{
	struct kvm_coalesced_mmio_ring *ring;
	uint32_t first, last, n = 0;

	if (!__atomic_load_n(&ever, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&coal_lock);
	ring = ring_of(v);
	if (!ring)
		goto out;
	first = __atomic_load_n(&ring->first, __ATOMIC_RELAXED);
	last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
	/* at most one lap, and never an index outside the page */
	while (first != last && first < RING_MAX && last < RING_MAX && n++ < RING_MAX) {
		const struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[first];
		struct vmc_exit_rec rec = { .reason = VMC_EXIT_COALESCED };
		uint32_t len = e->len;

		rec.index = (uint32_t)e->phys_addr;
		rec.size = (uint8_t)(len > 255 ? 255 : len);
		rec.flags = VMC_EXITF_OUT | (e->pio ? VMC_EXITF_PIO : 0);
		memcpy(&rec.data, e->data, len < 8 ? len : 8);
		exitlog_record(v, &rec);
		drained++;
		first = (first + 1) % RING_MAX;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&coal_lock);
}

/* does [addr, addr + len) touch a zone ever registered, of this kind? */
static bool in_known_zone(uint64_t addr, uint32_t len, bool pio)
{
	bool hit = false;

	pthread_mutex_lock(&coal_lock);
	for (unsigned i = 0; i < nr_zones && !hit; i++) {
		const struct kvm_coalesced_mmio_zone *z = &zones[i].z;

		hit = !!z->pio == pio && !add_overflows(addr, len) &&
		      (add_overflows(z->addr, z->size) || addr < z->addr + z->size) &&
		      addr + len > z->addr;
	}
	pthread_mutex_unlock(&coal_lock);
	return hit;
}

bool coalesced_claim_pio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;

	if (!in_known_zone(run->io.port, run->io.size, true))
		return false;
	if (run->io.direction == KVM_EXIT_IO_IN) {
		/* devices_pio() checked data_offset + size * count against the page */
		if (run->io.data_offset > (uint64_t)v->vm->run_size ||
		    bytes > (uint64_t)v->vm->run_size - run->io.data_offset)
			return false;
		memset((uint8_t *)run + run->io.data_offset, 0xa5, bytes);
	}
	return true;
}

static bool coal_handle_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;

	if (rec->reason != KVM_EXIT_MMIO || run->mmio.len > 8 ||
	    !in_known_zone(run->mmio.phys_addr, run->mmio.len, false))
		return false;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xa5, run->mmio.len);
	return true;
}

/* the harness's own ports must keep exiting */
static bool overlaps_harness_ports(uint64_t addr, uint32_t size)
{
	static const struct { uint16_t lo, n; } own[] = {
		{ VMC_EXIT_PORT, 1 }, { VMC_CHANNEL_PORT, 2 }, { VMC_SERIAL_PORT, 8 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		if (addr < (uint64_t)own[i].lo + own[i].n && addr + size > own[i].lo)
			return true;
	return false;
}

static int32_t op_zone(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_coal_zone *c = block;
	struct kvm_coalesced_mmio_zone z = { .addr = c->addr, .size = c->size, .pio = c->pio };
	unsigned long req;
	unsigned i;
	int r;

	CHAN_OUT(ctx, struct vmc_coal_zone, kvm_ret, kvm_ret);
	(void)argsz;
	if (c->action == VMC_COAL_REGISTER)
		req = KVM_REGISTER_COALESCED_MMIO;
	else if (c->action == VMC_COAL_UNREGISTER)
		req = KVM_UNREGISTER_COALESCED_MMIO;
	else
		return -VMC_EINVAL;
	if (c->pio && !add_overflows(c->addr, c->size) && overlaps_harness_ports(c->addr, c->size))
		return -VMC_EPERM;
	if (c->pio && add_overflows(c->addr, c->size))
		return -VMC_EPERM;
	pthread_mutex_lock(&coal_lock);
	for (i = 0; i < nr_zones; i++)
		if (!memcmp(&zones[i].z, &z, sizeof(z)))
			break;
	if (req == KVM_REGISTER_COALESCED_MMIO && i == nr_zones && nr_zones == MAX_ZONES) {
		pthread_mutex_unlock(&coal_lock);
		return -VMC_ENOSPC;
	}
	r = ioctl(ctx->vm->vm_fd, req, &z);
	c->kvm_ret = r ? -errno : 0;
	if (r == 0 && req == KVM_REGISTER_COALESCED_MMIO) {
		if (i == nr_zones)
			zones[nr_zones++].z = z;
		zones[i].active = true;
		__atomic_store_n(&ever, true, __ATOMIC_RELEASE);
	} else if (r == 0 && i < nr_zones) {
		zones[i].active = false;	/* still known: later exits are claimed */
	}
	pthread_mutex_unlock(&coal_lock);
	return 0;
}

static int32_t op_info(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_coal_info *c = block;

	CHAN_OUT(ctx, struct vmc_coal_info, page_offset, zones);
	(void)argsz;
	if (c->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	pthread_mutex_lock(&coal_lock);
	c->page_offset = ioctl(ctx->vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	c->mapped = ring_vm == ctx->vm && ring_vm_fd == ctx->vm->vm_fd &&
		    ctx->vcpu->id < MAX_VCPUS &&
		    rings[ctx->vcpu->id] != NULL;
	c->drained = drained;
	c->zones = 0;
	for (unsigned i = 0; i < nr_zones; i++)
		c->zones += zones[i].active;
	pthread_mutex_unlock(&coal_lock);
	return 0;
}

/* register the active zones in vm (a migration's new VM); 0 or -errno */
static int coalesced_reapply(struct vm *vm)
{
	int r = 0;

	pthread_mutex_lock(&coal_lock);
	unmap_rings();		/* the new vCPUs map it again on first use */
	for (unsigned i = 0; i < nr_zones && !r; i++)
		if (zones[i].active && ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &zones[i].z))
			r = -errno;
	pthread_mutex_unlock(&coal_lock);
	return r;
}

/*
 * Migration stream (MIG_FAMILY MIG_FAM_COALESCED): every zone ever
 * registered (the inactive ones still claim their exits), whether any was,
 * and the drained count COAL_INFO reports.  Ring entries are never pending
 * in a stream: migrate.c drains the ring into the exit log before it saves.
 */
struct coal_saved {
	uint32_t nr_zones, ever;
	uint64_t drained;
	struct {
		uint64_t addr;
		uint32_t size, pio, active, pad;
	} z[MAX_ZONES];
};

void coalesced_save(struct mig_buf *b)
{
	struct coal_saved s;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&coal_lock);
	s.nr_zones = nr_zones;
	s.ever = __atomic_load_n(&ever, __ATOMIC_ACQUIRE);
	s.drained = drained;
	for (unsigned i = 0; i < nr_zones; i++) {
		s.z[i].addr = zones[i].z.addr;
		s.z[i].size = zones[i].z.size;
		s.z[i].pio = zones[i].z.pio;
		s.z[i].active = zones[i].active;
	}
	pthread_mutex_unlock(&coal_lock);
	mig_put(b, MIG_FAMILY, MIG_FAM_COALESCED, &s, sizeof(s));
}

bool coalesced_load(const uint8_t *d, uint64_t len, bool apply, char *err, size_t errsz)
{
	struct coal_saved s;

	if (len != sizeof(s)) {
		snprintf(err, errsz, "coalesced state of %llu bytes, want %zu",
			 (unsigned long long)len, sizeof(s));
		return false;
	}
	memcpy(&s, d, sizeof(s));
	if (s.nr_zones > MAX_ZONES || s.ever > 1 || (s.nr_zones && !s.ever)) {
		snprintf(err, errsz, "coalesced state malformed (%u zones)", s.nr_zones);
		return false;
	}
	for (unsigned i = 0; i < MAX_ZONES; i++) {
		/* the rules op_zone applies to a guest's zone */
		bool bad = s.z[i].pio > 1 || s.z[i].active > 1 || s.z[i].pad ||
			   (i >= s.nr_zones && (s.z[i].addr || s.z[i].size || s.z[i].pio ||
						s.z[i].active)) ||
			   (s.z[i].pio && (add_overflows(s.z[i].addr, s.z[i].size) ||
					   overlaps_harness_ports(s.z[i].addr, s.z[i].size)));

		if (bad) {
			snprintf(err, errsz, "coalesced zone %u malformed or over the harness's "
				 "ports (addr 0x%llx, size %u, pio %u)", i,
				 (unsigned long long)s.z[i].addr, s.z[i].size, s.z[i].pio);
			return false;
		}
	}
	if (!apply)
		return true;
	pthread_mutex_lock(&coal_lock);
	memset(zones, 0, sizeof(zones));
	nr_zones = s.nr_zones;
	for (unsigned i = 0; i < nr_zones; i++) {
		zones[i].z.addr = s.z[i].addr;
		zones[i].z.size = s.z[i].size;
		zones[i].z.pio = s.z[i].pio;
		zones[i].active = s.z[i].active;
	}
	drained = s.drained;
	__atomic_store_n(&ever, s.ever != 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&coal_lock);
	return true;
}

static const struct chan_op coalesced_ops[] = {
	{ VMC_OP_COAL_ZONE, "COAL_ZONE", sizeof(struct vmc_coal_zone),
	  sizeof(struct vmc_coal_zone), op_zone },
	{ VMC_OP_COAL_INFO, "COAL_INFO", sizeof(struct vmc_coal_info),
	  sizeof(struct vmc_coal_info), op_info },
};

const struct chan_family ops_coalesced_family = {
	.name = "coalesced",
	.ops = coalesced_ops,
	.nr_ops = ARRAY_SIZE(coalesced_ops),
	.handle_exit = coal_handle_exit,
	.reapply = coalesced_reapply,
};
