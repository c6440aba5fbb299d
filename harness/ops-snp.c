/*
 * vmc-harness channel ops, family 0x08: the SEV/SNP launch API (issue 13;
 * lib/snp-abi.h, docs/channel.md "SNP", docs/snp.md).
 *
 * SNP_PROBE runs the launch-API negative probes on throw-away fds (never
 * the VM the guest runs in) and returns raw results: KVM_CAP_VM_TYPES,
 * KVM_CREATE_VM(t) for t = 0..7, KVM_MEMORY_ENCRYPT_OP on a default VM,
 * guest_memfd creation and binding on a default VM, the kvm_amd sev*
 * parameters and the kernel release.  The guest (x86/snp.c) judges them
 * against the documented rules of that kernel (specs/kvm-x86.md §B.5).
 *
 * SNP_LAUNCH runs the launch positive paths on a throw-away SNP VM (SNP
 * hosts only, -VMC_EOPNOTSUPP elsewhere): KVM_SEV_INIT2, guest_memfd,
 * memslot, PRIVATE attributes, SNP_LAUNCH_START, LAUNCH_UPDATE per page
 * type, the partial-progress contract, a bad CPUID page, one vCPU and
 * LAUNCH_FINISH.  It needs /dev/sev (the SEV firmware device).
 *
 * Every fd is closed before the handler returns; nothing here touches the
 * running VM, so a guest can call these ops any number of times.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness.h"
#include "snp-abi.h"
#include "snp-uapi.h"	/* UAPI newer than Debian 12's 6.1 headers */

static int32_t neg_errno(int r)
{
	return r < 0 ? -errno : r;
}

static int32_t create_vm_type(int kvm_fd, unsigned long type, int *fd_out)
{
	int fd = ioctl(kvm_fd, KVM_CREATE_VM, type);

	if (fd < 0)
		return -errno;
	if (fd_out)
		*fd_out = fd;
	else
		close(fd);
	return 0;
}

/* /sys/module/kvm_amd/parameters/<name>: 0 N, 1 Y, VMC_SNP_PARAM_ABSENT */
static uint32_t amd_param(const char *name)
{
	char path[96], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kvm_amd/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return VMC_SNP_PARAM_ABSENT;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static int32_t op_snp_probe(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	struct vmc_snp_probe *p = block;
	int kvm_fd = ctx->vm->kvm_fd, vm_fd = -1, r;
	struct utsname u;
	unsigned maj = 0, min = 0;

	CHAN_OUT(ctx, struct vmc_snp_probe, kernel_major, param_sev_snp);
	(void)argsz;
	if (p->pad)
		return -VMC_EINVAL;	/* padding must be 0 */
	if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &maj, &min) != 2)
		maj = min = 0;
	p->kernel_major = maj;
	p->kernel_minor = min;
	r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	p->vm_types = r < 0 ? -errno : r;
	for (unsigned t = 0; t < VMC_SNP_NTYPES; t++)
		p->create_vm[t] = create_vm_type(kvm_fd, t, NULL);
	r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD);
	p->gmem_cap_sys = neg_errno(r);
	p->param_sev = amd_param("sev");
	p->param_sev_es = amd_param("sev_es");
	p->param_sev_snp = amd_param("sev_snp");

	r = create_vm_type(kvm_fd, KVM_X86_DEFAULT_VM, &vm_fd);
	if (r < 0)
		return r;
	{
		struct snp_launch_start st = { .policy = SNP_POLICY_DEFAULT };
		struct snp_sev_cmd cmd = { .id = SNP_CMD_LAUNCH_START, .data = (uintptr_t)&st,
					   .sev_fd = (__u32)-1 };

		p->enc_op = neg_errno(ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd));
		p->enc_op_fw_error = cmd.error;
	}
	p->gmem_cap_vm = neg_errno(ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD));
	p->mem_attr_cap_vm = neg_errno(ioctl(vm_fd, KVM_CHECK_EXTENSION,
					     KVM_CAP_MEMORY_ATTRIBUTES));
	{
		struct kvm_create_guest_memfd g = { .size = 4096, .flags = 1u << 31 };

		p->gmem_bad_flags = neg_errno(ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &g));
		if (p->gmem_bad_flags >= 0) {
			close(p->gmem_bad_flags);
			p->gmem_bad_flags = 0;
		}
		g.flags = 0;
		r = ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &g);
		p->gmem_create = neg_errno(r) >= 0 ? 0 : neg_errno(r);
		p->gmem_bind = 1;	/* not tried */
		if (r >= 0) {
			void *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			struct kvm_userspace_memory_region2 m = {
				.slot = 0, .flags = KVM_MEM_GUEST_MEMFD,
				.guest_phys_addr = 0, .memory_size = 4096,
				.userspace_addr = (uintptr_t)mem, .guest_memfd = (__u32)r,
			};

			if (mem != MAP_FAILED) {
				p->gmem_bind = neg_errno(ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &m));
				munmap(mem, 4096);
			}
			close(r);
		}
	}
	close(vm_fd);
	return 0;
}

/* ---- SNP launch positive paths (SNP hosts) ---- */
#define L_PAGES		80	/* 5 single pages at gfn 0..4, 64-page range at 16, CPUID at 8 */
#define L_SIZE		((uint64_t)L_PAGES * 4096)

static int sev_cmd(int vm_fd, int sev_fd, uint32_t id, void *data, uint32_t *fw)
{
	struct snp_sev_cmd cmd = { .id = id, .data = (uintptr_t)data, .sev_fd = (__u32)sev_fd };
	int r = ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);

	if (fw)
		*fw = cmd.error;
	return r < 0 ? -errno : r;
}

/* LAUNCH_UPDATE until len is 0; counts calls, checks each step's fields */
static int launch_update_all(int vm_fd, int sev_fd, uint64_t gfn, void *src, uint64_t len,
			     uint8_t type, uint32_t *fw, uint32_t *calls, uint32_t *consistent,
			     uint64_t *left)
{
	struct snp_launch_update u = { .gfn_start = gfn, .uaddr = (uintptr_t)src, .len = len,
				       .type = type };
	int r = 0;

	*calls = 0;
	*consistent = 1;
	while (u.len && *calls < 4096) {
		struct snp_launch_update before = u;
		uint64_t done;

		r = sev_cmd(vm_fd, sev_fd, SNP_CMD_LAUNCH_UPDATE, &u, fw);
		(*calls)++;
		if (r < 0 && r != -EAGAIN)
			break;
		/* AME: gfn_start += k, len -= k pages, uaddr += k pages (not for ZERO) */
		done = before.len - u.len;
		if (u.len > before.len || done % 4096 ||
		    u.gfn_start != before.gfn_start + done / 4096 ||
		    (type != VMC_SNP_PT_ZERO && u.uaddr != before.uaddr + done))
			*consistent = 0;
		if (!done && r == 0) {
			*consistent = 0;	/* success without progress: would loop */
			break;
		}
	}
	*left = u.len;
	return r;
}

static int32_t op_snp_launch(struct chan_ctx *ctx, void *block, uint32_t argsz)
{
	static const uint8_t types[VMC_SNP_NPT] = {
		VMC_SNP_PT_NORMAL, VMC_SNP_PT_ZERO, VMC_SNP_PT_UNMEASURED,
		VMC_SNP_PT_SECRETS, VMC_SNP_PT_CPUID,
	};
	struct vmc_snp_launch *l = block;
	int kvm_fd = ctx->vm->kvm_fd, vm_fd = -1, gmem = -1, sev_fd = -1, vcpu = -1;
	uint8_t *src = MAP_FAILED, *shared = MAP_FAILED;
	uint32_t calls, cons;
	int32_t r;

	/* out: everything but pad0 and pad1; steps not reached keep the request's values */
	CHAN_OUT(ctx, struct vmc_snp_launch, create_vm, big_consistent);
	CHAN_OUT(ctx, struct vmc_snp_launch, bad_cpuid_ret, finish_fw);
	(void)argsz;
	if (l->pad0 || l->pad1)
		return -VMC_EINVAL;	/* padding must be 0 */
	r = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (r <= 0 || !(r & (1 << KVM_X86_SNP_VM)))
		return -VMC_EOPNOTSUPP;
	sev_fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (sev_fd < 0)
		return -VMC_EOPNOTSUPP;
	l->create_vm = create_vm_type(kvm_fd, KVM_X86_SNP_VM, &vm_fd);
	if (l->create_vm < 0)
		goto out;
	{
		struct snp_sev_init init = { .ghcb_version = 2 };

		l->init2 = sev_cmd(vm_fd, sev_fd, SNP_CMD_INIT2, &init, NULL);
		if (l->init2 < 0)
			goto out;
	}
	{
		struct kvm_create_guest_memfd g = { .size = L_SIZE };

		gmem = ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &g);
		l->gmem = neg_errno(gmem) < 0 ? neg_errno(gmem) : 0;
		if (gmem < 0)
			goto out;
	}
	shared = mmap(NULL, L_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	src = mmap(NULL, L_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || src == MAP_FAILED) {
		l->memslot = -ENOMEM;
		goto out;
	}
	{
		struct kvm_userspace_memory_region2 m = {
			.slot = 0, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = 0,
			.memory_size = L_SIZE, .userspace_addr = (uintptr_t)shared,
			.guest_memfd = (__u32)gmem,
		};
		struct kvm_memory_attributes a = { .address = 0, .size = L_SIZE,
						   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };

		l->memslot = neg_errno(ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION2, &m));
		if (l->memslot < 0)
			goto out;
		l->attrs = neg_errno(ioctl(vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a));
		if (l->attrs < 0)
			goto out;
	}
	{
		struct snp_launch_start st = { .policy = SNP_POLICY_DEFAULT };

		l->start = sev_cmd(vm_fd, sev_fd, SNP_CMD_LAUNCH_START, &st, NULL);
		if (l->start < 0)
			goto out;
	}
	/* one page per type at gfn 0..4; the CPUID page holds one good leaf (0x0) */
	memset(src, 0x5a, L_SIZE);
	{
		struct snp_cpuid_page { __u32 count, r1; __u64 r2; struct {
			__u32 eax_in, ecx_in; __u64 xcr0, xss; __u32 a, b, c, d; __u64 rsvd; } fn[64]; };
		struct snp_cpuid_page *cp = (void *)(src + 4 * 4096);
		unsigned a, b, c, d;

		memset(cp, 0, 4096);
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
		cp->count = 1;
		cp->fn[0].a = a; cp->fn[0].b = b; cp->fn[0].c = c; cp->fn[0].d = d;
		/* the bad page at src page 8: leaf 1 with every feature bit claimed */
		cp = (void *)(src + 8 * 4096);
		memset(cp, 0, 4096);
		cp->count = 1;
		cp->fn[0].eax_in = 1;
		cp->fn[0].a = cp->fn[0].b = cp->fn[0].c = cp->fn[0].d = 0xffffffff;
	}
	for (int i = 0; i < VMC_SNP_NPT; i++) {
		if (types[i] == VMC_SNP_PT_SECRETS)
			memset(src + i * 4096, 0, 4096);	/* firmware fills it */
		l->update[i] = launch_update_all(vm_fd, sev_fd, (uint64_t)i, src + i * 4096, 4096,
						 types[i], &l->update_fw[i], &calls, &cons,
						 &l->update_left[i]);
	}
	/* partial-progress contract over 64 pages at gfn 16 */
	l->big_ret = launch_update_all(vm_fd, sev_fd, 16, src + 16 * 4096, 64 * 4096,
				       VMC_SNP_PT_NORMAL, &calls, &l->big_calls,
				       &l->big_consistent, &(uint64_t){ 0 });
	/* bad CPUID page at gfn 8: fails; the firmware's corrected page comes back */
	{
		uint8_t before[4096];
		struct snp_launch_update u = { .gfn_start = 8, .uaddr = (uintptr_t)(src + 8 * 4096),
					       .len = 4096, .type = VMC_SNP_PT_CPUID };
		const __u32 *fn0 = (const __u32 *)(src + 8 * 4096 + 16 + 24);

		memcpy(before, src + 8 * 4096, 4096);
		l->bad_cpuid_ret = sev_cmd(vm_fd, sev_fd, SNP_CMD_LAUNCH_UPDATE, &u,
					   &l->bad_cpuid_fw);
		l->bad_cpuid_changed = memcmp(before, src + 8 * 4096, 4096) != 0;
		l->bad_cpuid_fixed = fn0[0] != 0xffffffff || fn0[1] != 0xffffffff ||
				     fn0[2] != 0xffffffff || fn0[3] != 0xffffffff;
	}
	vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	l->vcpu = neg_errno(vcpu) < 0 ? neg_errno(vcpu) : 0;
	if (vcpu >= 0) {
		struct snp_launch_finish f = { 0 };

		l->finish = sev_cmd(vm_fd, sev_fd, SNP_CMD_LAUNCH_FINISH, &f, &l->finish_fw);
	}
out:
	if (vcpu >= 0)
		close(vcpu);
	if (src != MAP_FAILED)
		munmap(src, L_SIZE);
	if (shared != MAP_FAILED)
		munmap(shared, L_SIZE);
	if (gmem >= 0)
		close(gmem);
	if (vm_fd >= 0)
		close(vm_fd);
	close(sev_fd);
	return 0;
}

static const struct chan_op snp_ops[] = {
	{ VMC_OP_SNP_PROBE, "SNP_PROBE", sizeof(struct vmc_snp_probe),
	  sizeof(struct vmc_snp_probe), op_snp_probe },
	{ VMC_OP_SNP_LAUNCH, "SNP_LAUNCH", sizeof(struct vmc_snp_launch),
	  sizeof(struct vmc_snp_launch), op_snp_launch },
};

const struct chan_family ops_snp_family = {
	.name = "snp",
	.ops = snp_ops,
	.nr_ops = ARRAY_SIZE(snp_ops),
};
