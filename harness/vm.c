/*
 * vmc-harness: /dev/kvm, the VM, guest RAM and checked guest-memory access.
 *
 * Guest RAM is one anonymous MAP_NORESERVE mapping in memslot 0 at GPA 0;
 * only pages the guest touches cost host memory.  Every guest-supplied
 * address is checked by gpa_range_ok() before it is dereferenced.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

#define TSS_ADDR	0xfffbd000u	/* 3 pages KVM needs below 4 GiB (Intel) */
#define IDMAP_ADDR	0xfffbc000u

int kvm_open_or_skip(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("SKIP: /dev/kvm: %s (needs a KVM host: kvm_intel, kvm_amd or kvm_pvm "
		       "loaded and /dev/kvm read-write for this user)\n", strerror(errno));
		fflush(stdout);
		exit(HX_SKIP_NOKVM);
	}
	return fd;
}

void vm_open(struct vm *vm)
{
	int r;

	vm->kvm_fd = kvm_open_or_skip();
	host_detect(&vm->host, vm->kvm_fd, 0);
	r = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	TEST_ASSERT(r == KVM_API_VERSION, "KVM_GET_API_VERSION returned %d, want %d",
		    r, KVM_API_VERSION);
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(vm->run_size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE returned %d", vm->run_size);
	r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	vm->sync_regs = r > 0 && (r & KVM_SYNC_X86_REGS);

	vm->vm_type = KVM_X86_DEFAULT_VM;
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, vm->vm_type);
	} while (vm->vm_fd < 0 && errno == EINTR);
	TEST_ASSERT(vm->vm_fd >= 0, "KVM_CREATE_VM failed");
}

void vm_setup(struct vm *vm, uint64_t mem_size, bool irqchip)
{
	struct kvm_userspace_memory_region region;
	int r;

	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(vm->mem != MAP_FAILED, "mmap of %llu bytes of guest RAM failed",
		    (unsigned long long)mem_size);
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	r = ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
	TEST_ASSERT(r == 0, "KVM_SET_USER_MEMORY_REGION (%llu bytes at GPA 0)",
		    (unsigned long long)mem_size);

	/* harmless where not needed; required by VMX for real-mode/irqchip */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0 && verbose)
		warnx_h("KVM_SET_TSS_ADDR: %s (ignored)", strerror(errno));
	{
		uint64_t idmap = IDMAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0 && verbose)
			warnx_h("KVM_SET_IDENTITY_MAP_ADDR: %s (ignored)", strerror(errno));
	}
	if (irqchip) {
		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
			fprintf(stderr, "ERROR: KVM_CREATE_IRQCHIP: %s (needed for -smp > 1 "
				"and --irqchip)\n", strerror(errno));
			exit(HX_ERROR);
		}
		vm->irqchip = true;
	}
}

void vm_create(struct vm *vm, uint64_t mem_size, bool irqchip)
{
	vm_open(vm);
	vm_setup(vm, mem_size, irqchip);
}

bool gpa_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (add_overflows(gpa, len))
		return false;
	return gpa <= vm->mem_size && len <= vm->mem_size - gpa;
}

void *gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!gpa_range_ok(vm, gpa, len))
		return NULL;
	return vm->mem + gpa;
}

int gpa_read(const struct vm *vm, uint64_t gpa, void *dst, uint64_t len)
{
	void *p = gpa_ptr(vm, gpa, len);

	if (!p)
		return -VMC_EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gpa_write(const struct vm *vm, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gpa_ptr(vm, gpa, len);

	if (!p)
		return -VMC_EFAULT;
	memcpy(p, src, len);
	return 0;
}
