/*
 * vmc-harness --vm-type=snp: boot the payload as an SEV-SNP guest of this
 * harness (issue 13; specs/kvm-x86.md §B.5, §C.4, §C.5; Linux 6.12
 * arch/x86/kvm/svm/sev.c, virt/kvm/guest_memfd.c, Documentation/virt/kvm/
 * x86/amd-memory-encryption.rst; docs/snp.md "The harness as SNP VMM").
 *
 * VM: KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) must have bit 4, else exit 77
 * with the kernel's answer; /dev/sev read-write, else exit 77.  Then
 * KVM_CREATE_VM(KVM_X86_SNP_VM), KVM_SEV_INIT2 (vmsa_features 0, GHCB v2),
 * KVM_CAP_EXIT_HYPERCALL with bit 12 (KVM_HC_MAP_GPA_RANGE: without it KVM
 * fails every page-state change, §C.4), guest RAM as a guest_memfd plus
 * the shared mapping (vm->mem) in one KVM_SET_USER_MEMORY_REGION2 slot with
 * KVM_MEM_GUEST_MEMFD, all of it KVM_MEMORY_ATTRIBUTE_PRIVATE.
 *
 * Launch (after the loader wrote the image into vm->mem and the vCPU
 * exists): the boot pages of snp-boot.h (C-bit page tables, CPUID page
 * from KVM_GET_SUPPORTED_CPUID, CC blob, hand-off block), the boot vCPU's
 * registers through KVM_SET_SREGS/KVM_SET_REGS (6.12: sev_es_sync_vmsa()
 * copies them into the VMSA when LAUNCH_FINISH encrypts it; afterwards
 * guest_state_protected makes those ioctls EINVAL), SNP_LAUNCH_START,
 * LAUNCH_UPDATE of every page of RAM: NORMAL for the image and the boot
 * pages (measured), CPUID, SECRETS, ZERO for the rest (all validated, so
 * the guest needs no PVALIDATE pass), SNP_LAUNCH_FINISH.  A CPUID page the
 * firmware rejects (SEV_RET_INVALID_PARAM) comes back corrected at uaddr
 * (§C.5, sev_gmem_post_populate()): it is retried once with that page.
 *
 * Exits: KVM_EXIT_HYPERCALL nr 12 (page-state change, §C.4): flip
 * KVM_MEMORY_ATTRIBUTE_PRIVATE for [gpa, gpa + npages * 4K), ret 0 (or
 * -EINVAL for arguments outside RAM), recorded in the PSC ring (op
 * SNP_PSC_LOG) next to the exit log; KVM_EXIT_MEMORY_FAULT (KVM_RUN -1
 * EFAULT, API "KVM_EXIT_MEMORY_FAULT"): convert the range as the access
 * asked.  The guest's own pages stay unreadable to the host: only shared
 * pages can be read back (op SNP_SHARED_READ).
 *
 * Never run on SNP hardware (none was available): compiled, the SKIP path
 * run (docs/snp.md).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "snp-abi.h"
#include "snp-boot.h"
#include "snp-uapi.h"
#include "hypercall-abi.h"
#include "x86/boot-abi.h"
#include <stdarg.h>

static struct {
	bool on;
	int sev_fd, gmem_fd;
	uint64_t entry;			/* start64_efi */
	uint8_t *shared;		/* 1 bit per 4 KiB page: private attribute clear */
	pthread_mutex_t lock;
	uint32_t psc_total;
	struct vmc_snp_psc_rec ring[VMC_SNP_PSC_RING];
	uint64_t fault_gpa;		/* last memory fault, to stop a loop */
	unsigned int fault_repeats;
} snp = { .sev_fd = -1, .gmem_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

bool snp_vm_active(void)
{
	return snp.on;
}

static void __attribute__((noreturn, format(printf, 1, 2))) snp_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: vmc-harness --vm-type=snp: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(HX_SKIP_NOKVM);
}

static void __attribute__((noreturn, format(printf, 1, 2))) snp_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "\nERROR: SNP launch: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(HX_ERROR);
}

static int sev_cmd(int vm_fd, uint32_t id, void *data, uint32_t *fw)
{
	struct snp_sev_cmd cmd = { .id = id, .data = (uintptr_t)data, .sev_fd = (__u32)snp.sev_fd };
	int r = ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);

	*fw = cmd.error;
	return r < 0 ? -errno : r;
}

static const char *kvm_amd_snp_param(void)
{
	static char buf[8];
	FILE *f = fopen("/sys/module/kvm_amd/parameters/sev_snp", "r");

	if (!f)
		return "absent (no such kvm_amd parameter: kvm_amd not loaded, or a kernel without SNP support)";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int set_attrs(struct vm *vm, uint64_t gpa, uint64_t size, bool private)
{
	struct kvm_memory_attributes a = {
		.address = gpa, .size = size,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	if (ioctl(vm->vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a) < 0)
		return -errno;
	for (uint64_t p = gpa >> 12; p < (gpa + size) >> 12; p++) {
		if (private)
			snp.shared[p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			snp.shared[p / 8] |= (uint8_t)(1u << (p % 8));
	}
	/* the old backing of the other side is garbage now: give it back (as QEMU does) */
	if (!private && snp.gmem_fd >= 0)
		(void)fallocate(snp.gmem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)gpa, (off_t)size);
	else if (private)
		(void)madvise(vm->mem + gpa, size, MADV_DONTNEED);
	return 0;
}

void snp_vm_create(struct vm *vm, uint64_t mem_size, bool irqchip)
{
	int r;

	vm->kvm_fd = kvm_open_or_skip();
	host_detect(&vm->host, vm->kvm_fd, 0);
	r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (r <= 0 || !(r & (1 << KVM_X86_SNP_VM)))
		snp_skip("needs an AMD EPYC host with SEV-SNP enabled in KVM (kvm_amd sev_snp=Y, "
			 "host kernel >= 6.11): KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) = %s%#x (%s); "
			 "kvm_amd sev_snp = %s", r < 0 ? "-" : "", r < 0 ? errno : r,
			 r < 0 ? "error" : r == 0 ? "capability unknown to this kernel" :
			 "bit 4, KVM_X86_SNP_VM, clear", kvm_amd_snp_param());
	snp.sev_fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (snp.sev_fd < 0)
		snp_skip("needs read-write /dev/sev (the SEV firmware, ccp driver): %s",
			 strerror(errno));
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	TEST_ASSERT(r == KVM_API_VERSION, "KVM_GET_API_VERSION returned %d", r);
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(vm->run_size >= (int)sizeof(struct kvm_run), "KVM_GET_VCPU_MMAP_SIZE");
	vm->sync_regs = false;	/* 6.12 kvm_sync_valid_fields(): none for protected state */
	vm->vm_type = KVM_X86_SNP_VM;
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, vm->vm_type);
	} while (vm->vm_fd < 0 && errno == EINTR);
	TEST_ASSERT(vm->vm_fd >= 0, "KVM_CREATE_VM(KVM_X86_SNP_VM) with bit 4 in VM_TYPES");
	{
		struct snp_sev_init init = { .ghcb_version = 2 };
		uint32_t fw = 0;

		r = sev_cmd(vm->vm_fd, SNP_CMD_INIT2, &init, &fw);
		if (r < 0)
			snp_fail("KVM_SEV_INIT2: %s (fw error %#x)", strerror(-r), fw);
	}
	{
		struct kvm_enable_cap cap = { .cap = VMC_KVM_CAP_EXIT_HYPERCALL,
					      .args = { 1ull << SNP_HC_MAP_GPA_RANGE } };

		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
			snp_fail("KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, bit 12): %s", strerror(errno));
	}
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(vm->mem != MAP_FAILED, "mmap of %llu bytes of guest RAM",
		    (unsigned long long)mem_size);
	snp.shared = xcalloc(mem_size / 4096 / 8 + 1, 1);
	{
		struct kvm_create_guest_memfd g = { .size = mem_size };

		snp.gmem_fd = ioctl(vm->vm_fd, KVM_CREATE_GUEST_MEMFD, &g);
		if (snp.gmem_fd < 0)
			snp_fail("KVM_CREATE_GUEST_MEMFD(%llu bytes): %s",
				 (unsigned long long)mem_size, strerror(errno));
	}
	{
		struct kvm_userspace_memory_region2 m = {
			.slot = 0, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = 0,
			.memory_size = mem_size, .userspace_addr = (uintptr_t)vm->mem,
			.guest_memfd = (__u32)snp.gmem_fd,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION2, &m) < 0)
			snp_fail("KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD: %s",
				 strerror(errno));
	}
	r = set_attrs(vm, 0, mem_size, true);
	if (r < 0)
		snp_fail("KVM_SET_MEMORY_ATTRIBUTES(PRIVATE, all RAM): %s", strerror(-r));
	if (irqchip) {
		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
			snp_fail("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		vm->irqchip = true;
	}
	snp.on = true;
}

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	for (int n = 128;; n *= 2) {
		struct kvm_cpuid2 *c = xcalloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		TEST_ASSERT(errno == E2BIG && n < 4096, "KVM_GET_SUPPORTED_CPUID");
		free(c);
	}
}

/* the 64-bit entry of the VEFI header right after the multiboot header (efi-boot.h) */
static uint64_t find_efi_entry(const struct vm *vm, const struct boot_info *bi)
{
	uint64_t end = bi->image_lo + 8192 < bi->image_hi ? bi->image_lo + 8192 : bi->image_hi;

	for (uint64_t a = bi->image_lo & ~3ull; a + 16 <= end; a += 4) {
		uint32_t w[2];
		uint64_t e;

		if (gpa_read(vm, a, w, sizeof(w)) < 0)
			break;
		if (w[0] != VMC_EFI_HDR_MAGIC || w[1] != VMC_EFI_VERSION)
			continue;
		if (gpa_read(vm, a + 8, &e, sizeof(e)) == 0 && e >= bi->image_lo && e < bi->image_hi)
			return e;
	}
	die(HX_USAGE, "%s: --vm-type=snp needs an x86_64 payload with the VEFI header "
	    "(lib/x86/cstart64.S start64_efi)", opts.payload);
}

void snp_vm_prepare(struct vm *vm, const char *cmdline, const struct boot_info *bi)
{
	struct kvm_cpuid2 *c = supported_cpuid(vm->kvm_fd);
	uint32_t dropped;
	unsigned int cbit;

	if (!bi->direct64)
		die(HX_USAGE, "%s: --vm-type=snp needs the vmconform boot header (GDT, selectors)",
		    opts.payload);
	TEST_ASSERT(bi->image_lo >= SNP_GPA_LOW_END, "image below the SNP boot pages");
	snp.entry = find_efi_entry(vm, bi);
	/* vCPU 0's CPUID exactly as vcpu.c set_cpuid() gives it to KVM_SET_CPUID2 */
	for (unsigned i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 1)
			c->entries[i].ebx &= 0x00ffffff;
		if (c->entries[i].function == 0xb || c->entries[i].function == 0x1f)
			c->entries[i].edx = 0;
	}
	cbit = snp_cbit_from_cpuid(c->entries, c->nent);
	if (!cbit)
		snp_fail("KVM_GET_SUPPORTED_CPUID has no C-bit (0x8000001F EBX[5:0])");
	snp_cpuid_build(gpa_ptr(vm, SNP_GPA_CPUID, 4096), c->entries, c->nent, &dropped);
	if (dropped)
		warnx_h("SNP CPUID page: %u of %u KVM entries did not fit (64 max)", dropped,
			c->nent);
	free(c);
	snp_pt_build(gpa_ptr(vm, SNP_GPA_PT, SNP_PT_PAGES * 4096), SNP_GPA_PT, cbit);
	memset(gpa_ptr(vm, SNP_GPA_SECRETS, 4096), 0, 4096);
	snp_cc_blob_fill(gpa_ptr(vm, SNP_GPA_CC_BLOB, 4096), SNP_GPA_SECRETS, SNP_GPA_CPUID);
	snp_boot_fill(gpa_ptr(vm, SNP_GPA_BOOT, SNP_BOOT_PAGES * 4096), vm->mem_size,
		      bi->image_lo, bi->image_hi, cbit, cmdline);
}

/* LAUNCH_UPDATE [gpa, gpa + len) until done (6.12 may do part and update the fields) */
static void launch_update(struct vm *vm, uint64_t gpa, uint64_t len, uint8_t type, const char *what)
{
	struct snp_launch_update u = { .gfn_start = gpa >> 12, .len = len, .type = type,
				       .uaddr = (uintptr_t)(vm->mem + gpa) };
	unsigned int calls = 0, retried = 0;

	while (u.len) {
		uint64_t before = u.len;
		uint32_t fw = 0;
		int r = sev_cmd(vm->vm_fd, SNP_CMD_LAUNCH_UPDATE, &u, &fw);

		if (r == -EIO && type == VMC_SNP_PT_CPUID && fw == SEV_RET_INVALID_PARAM && !retried++) {
			/* §C.5: the firmware's corrected page is at uaddr now; once */
			warnx_h("SNP CPUID page rejected (fw error %#x): retrying with the "
				"firmware-corrected page", fw);
			continue;
		}
		if (r < 0 && r != -EAGAIN)
			snp_fail("SNP_LAUNCH_UPDATE %s (type %u) at GPA %#llx, %llu bytes left: %s "
				 "(fw error %#x)", what, type, (unsigned long long)(u.gfn_start << 12),
				 (unsigned long long)u.len, strerror(-r), fw);
		if (u.len >= before && ++calls > 16)
			snp_fail("SNP_LAUNCH_UPDATE %s makes no progress", what);
	}
}

void snp_vm_launch(struct vm *vm, struct vcpu *v, const struct boot_info *bi)
{
	struct kvm_sregs s;
	struct kvm_regs regs;
	uint64_t lo = bi->image_lo & ~0xfffull, hi = (bi->image_hi + 0xfff) & ~0xfffull;
	uint32_t fw = 0;
	int r;

	/* the boot vCPU in 64-bit mode on the harness's C-bit page tables (snp-boot.h) */
	TEST_ASSERT(ioctl(v->fd, KVM_GET_SREGS, &s) == 0, "KVM_GET_SREGS");
	s.cs = bi->cs;
	s.ds = s.es = s.ss = bi->ds;
	/* FS = GS = 0, null and unusable, as start64_efi's MOV loads them (vcpu.c) */
	memset(&s.fs, 0, sizeof(s.fs));
	s.fs.unusable = 1;
	s.gs = s.fs;
	s.gdt.base = bi->gdt64_base;
	s.gdt.limit = bi->gdt64_limit;
	s.cr3 = SNP_GPA_PT;
	s.cr4 = VMC_BOOT_CR4;
	s.efer = VMC_BOOT_EFER;
	s.cr0 = VMC_BOOT_CR0;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_SREGS, &s) == 0, "KVM_SET_SREGS (SNP boot vCPU)");
	memset(&regs, 0, sizeof(regs));
	regs.rip = snp.entry;
	regs.rdi = SNP_GPA_BOOT;
	regs.rflags = 0x2;
	TEST_ASSERT(ioctl(v->fd, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS (SNP boot vCPU)");
	{
		struct snp_launch_start st = { .policy = SNP_POLICY_DEFAULT };

		r = sev_cmd(vm->vm_fd, SNP_CMD_LAUNCH_START, &st, &fw);
		if (r < 0)
			snp_fail("SNP_LAUNCH_START (policy %#llx): %s (fw error %#x)",
				 (unsigned long long)st.policy, strerror(-r), fw);
	}
	launch_update(vm, 0, SNP_GPA_PT, VMC_SNP_PT_ZERO, "low RAM");
	launch_update(vm, SNP_GPA_PT, SNP_PT_PAGES * 4096ull, VMC_SNP_PT_NORMAL, "page tables");
	launch_update(vm, SNP_GPA_CPUID, 4096, VMC_SNP_PT_CPUID, "CPUID page");
	launch_update(vm, SNP_GPA_SECRETS, 4096, VMC_SNP_PT_SECRETS, "secrets page");
	launch_update(vm, SNP_GPA_CC_BLOB, SNP_GPA_LOW_END - SNP_GPA_CC_BLOB, VMC_SNP_PT_NORMAL,
		      "CC blob and hand-off block");
	launch_update(vm, SNP_GPA_LOW_END, lo - SNP_GPA_LOW_END, VMC_SNP_PT_ZERO, "RAM below the image");
	launch_update(vm, lo, hi - lo, VMC_SNP_PT_NORMAL, "image");
	if (hi < vm->mem_size)
		launch_update(vm, hi, vm->mem_size - hi, VMC_SNP_PT_ZERO, "RAM above the image");
	{
		struct snp_launch_finish f = { 0 };

		r = sev_cmd(vm->vm_fd, SNP_CMD_LAUNCH_FINISH, &f, &fw);
		if (r < 0)
			snp_fail("SNP_LAUNCH_FINISH: %s (fw error %#x)", strerror(-r), fw);
	}
	if (verbose)
		warnx_h("SNP guest launched: entry %#llx, image [%#llx, %#llx), %llu MiB",
			(unsigned long long)snp.entry, (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)(vm->mem_size >> 20));
}

/* KVM_EXIT_HYPERCALL nr 12 from a page-state change (§C.4) */
static bool snp_exit(struct vcpu *v, const struct vmc_exit_rec *rec)
{
	struct kvm_run *run = v->run;
	uint64_t gpa, np, attrs, ret;
	struct vmc_snp_psc_rec *p;

	if (!snp.on || rec->reason != KVM_EXIT_HYPERCALL ||
	    run->hypercall.nr != SNP_HC_MAP_GPA_RANGE)
		return false;
	gpa = run->hypercall.args[0];
	np = run->hypercall.args[1];
	attrs = run->hypercall.args[2];
	pthread_mutex_lock(&snp.lock);
	if (!snp_map_gpa_ok(gpa, np, attrs, v->vm->mem_size))
		ret = (uint64_t)-EINVAL;
	else
		ret = (uint64_t)(int64_t)set_attrs(v->vm, gpa, np * 4096,
						   attrs & SNP_MAP_GPA_ENCRYPTED);
	p = &snp.ring[snp.psc_total % VMC_SNP_PSC_RING];
	*p = (struct vmc_snp_psc_rec){ .gpa = gpa, .npages = np, .attrs = attrs, .ret = ret,
				       .vcpu_exits = (uint32_t)v->exits, .vcpu = (uint32_t)v->id };
	snp.psc_total++;
	pthread_mutex_unlock(&snp.lock);
	if (ret && verbose)
		warnx_h("page-state change gpa %#llx npages %llu attrs %#llx refused (ret %lld)",
			(unsigned long long)gpa, (unsigned long long)np,
			(unsigned long long)attrs, (long long)ret);
	run->hypercall.ret = ret;
	return true;
}

/* KVM_RUN returned -1/EFAULT with KVM_EXIT_MEMORY_FAULT: true = converted, run again */
bool snp_vm_memory_fault(struct vcpu *v)
{
	/* 6.12 kvm_run union member memory_fault { flags, gpa, size } (not in 6.1 headers) */
	const uint64_t *mf = (const uint64_t *)(const void *)&v->run->mmio;
	uint64_t flags = mf[0], gpa = mf[1], size = mf[2];
	/* exit log: index = 1 for a private access, data = GPA */
	struct vmc_exit_rec rec = { .reason = KVM_EXIT_MEMORY_FAULT, .data = gpa,
				    .index = (flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) ? 1 : 0 };
	bool ok;

	if (!snp.on || v->run->exit_reason != KVM_EXIT_MEMORY_FAULT)
		return false;
	exitlog_record(v, &rec);
	pthread_mutex_lock(&snp.lock);
	snp.fault_repeats = gpa == snp.fault_gpa ? snp.fault_repeats + 1 : 0;
	snp.fault_gpa = gpa;
	ok = !(size & 0xfff) && snp_map_gpa_ok(gpa, size / 4096, 0, v->vm->mem_size) &&
	     snp.fault_repeats < 8 &&
	     set_attrs(v->vm, gpa, size, flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) == 0;
	pthread_mutex_unlock(&snp.lock);
	if (!ok)
		run_finish(HX_ERROR, "KVM_EXIT_MEMORY_FAULT on vcpu%d: %s access to GPA %#llx, "
			   "%llu bytes: %s", v->id, (flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) ?
			   "private" : "shared", (unsigned long long)gpa, (unsigned long long)size,
			   snp.fault_repeats >= 8 ? "the same fault again after converting it" :
			   "cannot convert that range");
	return ok;
}

static int32_t op_psc_log(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_snp_psc_log *l = block;
	int32_t ret = 0;

	CHAN_OUT(ctx, struct vmc_snp_psc_log, total, rec);
	(void)argsz;
	if (!snp.on)
		return -VMC_EOPNOTSUPP;
	pthread_mutex_lock(&snp.lock);
	l->total = snp.psc_total;
	if (l->index >= snp.psc_total || snp.psc_total - l->index > VMC_SNP_PSC_RING)
		ret = -VMC_EINVAL;
	else
		l->rec = snp.ring[l->index % VMC_SNP_PSC_RING];
	pthread_mutex_unlock(&snp.lock);
	return ret;
}

static int32_t op_shared_read(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_snp_shared_read *r = block;
	int32_t ret = 0;

	CHAN_OUT(ctx, struct vmc_snp_shared_read, data, data);
	(void)argsz;
	if (!snp.on)
		return -VMC_EOPNOTSUPP;
	if (r->pad || !r->len || r->len > VMC_SNP_READ_MAX)
		return -VMC_EINVAL;
	if (!gpa_range_ok(ctx->vm, r->gpa, r->len))
		return -VMC_EFAULT;
	pthread_mutex_lock(&snp.lock);
	for (uint64_t p = r->gpa >> 12; p <= (r->gpa + r->len - 1) >> 12; p++)
		if (!(snp.shared[p / 8] & (1u << (p % 8))))
			ret = -VMC_EPERM;
	if (!ret)
		memcpy(r->data, ctx->vm->mem + r->gpa, r->len);
	pthread_mutex_unlock(&snp.lock);
	return ret;
}

static const struct chan_op snpvm_ops[] = {
	{ VMC_OP_SNP_PSC_LOG, "SNP_PSC_LOG", sizeof(struct vmc_snp_psc_log),
	  sizeof(struct vmc_snp_psc_log), op_psc_log },
	{ VMC_OP_SNP_SHARED_READ, "SNP_SHARED_READ", sizeof(struct vmc_snp_shared_read),
	  sizeof(struct vmc_snp_shared_read), op_shared_read },
};

/* family 0x08, the part that needs the harness as SNP VMM (ops-snp.c has the rest) */
const struct chan_family ops_snpvm_family = {
	.name = "snp-vm",
	.ops = snpvm_ops,
	.nr_ops = ARRAY_SIZE(snpvm_ops),
	.handle_exit = snp_exit,
};
