/*
 * libFuzzer target: the harness's channel request path (harness/channel.c
 * channel_request() and every op handler of every family, through the one
 * op table), fed what a hostile guest controls: the request block's GPA
 * and the contents of guest RAM.  Rule (DESIGN §5): guest bytes are never
 * trusted - no request may crash the harness, read or write outside guest
 * RAM (ASan), trip UBSan, or end the run (shim.c aborts on run_finish) -
 * and every request gets an answer in hdr.ret when its header lies in RAM.
 *
 * Input: bytes 0-1 the block's offset in RAM, byte 2 bit 0 "put the block
 * GPA above RAM", the rest is copied into guest RAM at the block's offset
 * (RAM is 64 KiB, zeroed per input, so addresses in a block often land
 * inside it).  With /dev/kvm usable the VM is real (ops make their ioctls
 * against it); without, its fds are -1 and ioctls fail with EBADF.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

#define FUZZ_RAM	(64u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vcpu vcpu0;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vm *vm = &the_vm;

	(void)argc;
	(void)argv;
	if (access("/dev/kvm", R_OK | W_OK) == 0) {
		/* vm_create maps more than FUZZ_RAM; only the first FUZZ_RAM is used */
		vm_create(vm, 2u << 20, false);
		vm->mem_size = FUZZ_RAM;
	} else {
		vm->kvm_fd = vm->vm_fd = -1;
		vm->mem_size = FUZZ_RAM;
		vm->mem = mmap(NULL, FUZZ_RAM, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vm->mem == MAP_FAILED)
			abort();
	}
	vm->nr_vcpus = 1;
	vm->vcpus = &vcpu0;
	vcpu0.vm = vm;
	vcpu0.id = 0;
	vcpu0.fd = -1;
	exitlog_init(NULL, EXITLOG_CAP_MAX);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm *vm = &the_vm;
	struct vmc_exit_rec rec;
	uint64_t gpa, seq;
	int32_t ret;

	if (size < 3)
		return 0;
	gpa = (data[0] | (uint32_t)data[1] << 8) % FUZZ_RAM;
	if (data[2] & 1)
		gpa += FUZZ_RAM + (data[2] >> 1);
	data += 3;
	size -= 3;
	memset(vm->mem, 0, FUZZ_RAM);
	if (gpa < FUZZ_RAM)
		memcpy(vm->mem + gpa, data, size < FUZZ_RAM - gpa ? size : FUZZ_RAM - gpa);
	/* as devices.c does: the OUT is recorded, then the request handled */
	memset(&rec, 0, sizeof(rec));
	rec.reason = KVM_EXIT_IO;
	rec.index = VMC_CHANNEL_PORT;
	rec.size = 4;
	rec.flags = VMC_EXITF_OUT;
	rec.data = gpa;
	seq = exitlog_record(&vcpu0, &rec);
	channel_request(&vcpu0, gpa, seq);
	if (gpa_read(vm, gpa + offsetof(struct vmc_req_hdr, ret), &ret, sizeof(ret)) == 0 &&
	    gpa + sizeof(struct vmc_req_hdr) <= FUZZ_RAM && ret == (int32_t)VMC_RET_NOANSWER)
		abort();	/* a block in RAM must be answered */
	return 0;
}
