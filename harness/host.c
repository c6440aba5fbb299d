/*
 * vmc-harness: host detection.  Which KVM module provides /dev/kvm
 * (kvm_intel, kvm_amd, kvm_pvm, other) and the capabilities tests depend on.
 * The same facts reach the guest as HELLO feature bits and the runner as
 * `vmc-harness --host-info` (one key=value per line, docs/channel.md).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

const char *flavor_name(int flavor)
{
	switch (flavor) {
	case VMC_FLAVOR_KVM_INTEL: return "kvm_intel";
	case VMC_FLAVOR_KVM_AMD: return "kvm_amd";
	case VMC_FLAVOR_KVM_PVM: return "kvm_pvm";
	case VMC_FLAVOR_OTHER: return "other";
	default: return "none";
	}
}

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

/* the capabilities reported as feature bits and host-info keys */
static const struct {
	const char *key;
	int cap;
	uint64_t feat;
} caps[] = {
	{ "cap_user_space_msr", KVM_CAP_X86_USER_SPACE_MSR, VMC_FEAT_CAP_USER_SPACE_MSR },
	{ "cap_msr_filter", KVM_CAP_X86_MSR_FILTER, VMC_FEAT_CAP_MSR_FILTER },
	{ "cap_exit_hypercall", KVM_CAP_EXIT_HYPERCALL, VMC_FEAT_CAP_EXIT_HYPERCALL },
	{ "cap_coalesced_pio", KVM_CAP_COALESCED_PIO, VMC_FEAT_CAP_COALESCED_PIO },
	{ "cap_coalesced_mmio", KVM_CAP_COALESCED_MMIO, VMC_FEAT_CAP_COALESCED_MMIO },
	{ "cap_exception_payload", KVM_CAP_EXCEPTION_PAYLOAD, VMC_FEAT_CAP_EXCEPTION_PAYLOAD },
	{ "cap_irqchip", KVM_CAP_IRQCHIP, 0 },
	{ "cap_sync_regs", KVM_CAP_SYNC_REGS, 0 },
	{ "cap_max_vcpus", KVM_CAP_MAX_VCPUS, 0 },
	{ "cap_disable_quirks2", KVM_CAP_DISABLE_QUIRKS2, 0 },
	{ "cap_vm_types", KVM_CAP_VM_TYPES, 0 },
	{ "cap_memory_attributes", KVM_CAP_MEMORY_ATTRIBUTES, 0 },
	{ "cap_guest_memfd", KVM_CAP_GUEST_MEMFD, 0 },
};

/* kvm.force_emulation_prefix: "Y"/"1" (bool, or bit 0 of the newer int) */
static bool fep_enabled(void)
{
	FILE *f = fopen("/sys/module/kvm/parameters/force_emulation_prefix", "r");
	char buf[16] = "";

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y' || buf[0] == 'y' || (strtol(buf, NULL, 0) & 1);
}

static bool fep_on;

static void fep_read(void)
{
	fep_on = fep_enabled();
}

/*
 * VMC_FEAT_HOST_FEP, read from sysfs on the first call only: a test asks
 * for it through HELLO, a boot need not open the file (issue 15).
 */
uint64_t host_fep_feature(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fep_read);
	return fep_on ? VMC_FEAT_HOST_FEP : 0;
}

void host_detect(struct host_info *h, int kvm_fd, int kvm_errno)
{
	memset(h, 0, sizeof(*h));
	h->kvm_ok = kvm_fd >= 0;
	h->kvm_errno = kvm_errno;
	if (module_loaded("kvm_pvm"))
		h->flavor = VMC_FLAVOR_KVM_PVM;
	else if (module_loaded("kvm_intel"))
		h->flavor = VMC_FLAVOR_KVM_INTEL;
	else if (module_loaded("kvm_amd"))
		h->flavor = VMC_FLAVOR_KVM_AMD;
	else
		h->flavor = h->kvm_ok ? VMC_FLAVOR_OTHER : VMC_FLAVOR_NONE;
	h->vmx_svm = h->flavor == VMC_FLAVOR_KVM_INTEL || h->flavor == VMC_FLAVOR_KVM_AMD;
	h->features |= h->flavor == VMC_FLAVOR_KVM_INTEL ? VMC_FEAT_HOST_KVM_INTEL :
		       h->flavor == VMC_FLAVOR_KVM_AMD ? VMC_FEAT_HOST_KVM_AMD :
		       h->flavor == VMC_FLAVOR_KVM_PVM ? VMC_FEAT_HOST_KVM_PVM :
		       h->flavor == VMC_FLAVOR_OTHER ? VMC_FEAT_HOST_OTHER : 0;
	if (h->vmx_svm)
		h->features |= VMC_FEAT_HOST_VMX_SVM;
	if (!h->kvm_ok)
		return;
	h->api_version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (caps[i].feat && ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) > 0)
			h->features |= caps[i].feat;
}

/* "vmx" or "svm" in /proc/cpuinfo flags: what the CPU shows this host */
static const char *cpu_virt_flag(void)
{
	static char line[8192];
	const char *found = "none";
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return "unknown";
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		if (strstr(line, " vmx"))
			found = "vmx";
		else if (strstr(line, " svm"))
			found = "svm";
		break;
	}
	fclose(f);
	return found;
}

int host_info_main(void)
{
	struct host_info h;
	int err = 0;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		err = errno;
	host_detect(&h, fd, err);
	printf("kvm=%s\n", h.kvm_ok ? "yes" : "no");
	if (!h.kvm_ok)
		printf("kvm_error=%s\n", strerror(h.kvm_errno));
	printf("flavor=%s\n", flavor_name(h.flavor));
	printf("vmx_svm=%s\n", h.vmx_svm ? "yes" : "no");
	printf("cpu_virt=%s\n", cpu_virt_flag());
	if (h.kvm_ok) {
		printf("api_version=%d\n", h.api_version);
		for (size_t i = 0; i < ARRAY_SIZE(caps); i++) {
			int r = ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap);
			printf("%s=%d\n", caps[i].key, r < 0 ? 0 : r);
		}
		int types = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
		printf("snp=%s\n", types > 0 && (types & (1 << KVM_X86_SNP_VM)) ? "yes" : "no");
		printf("sev=%s\n", types > 0 && (types & (1 << KVM_X86_SEV_VM)) ? "yes" : "no");
		/* hypercall exits work only where KVM runs on VMX/SVM (spec E.3) */
		printf("hypercall_exits=%s\n", h.vmx_svm &&
		       ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL) > 0 ? "yes" : "no");
		close(fd);
	}
	printf("channel_version=%d\n", VMC_CHAN_VERSION);
	return 0;
}
