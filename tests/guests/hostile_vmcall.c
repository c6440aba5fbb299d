/*
 * hostile_vmcall: VMCALL with KVM_HC_MAP_GPA_RANGE (12).  On kvm_pvm the
 * vCPU never returns from KVM_RUN by itself (specs/kvm-x86.md E.3: the
 * instruction is re-patched and re-executed in the kernel forever); the
 * harness's per-KVM_RUN watchdog must still end the run as TIMEOUT within
 * its deadline.  On VMX/SVM without the hypercall-exit capability, KVM
 * returns -KVM_ENOSYS (-1000) in RAX and the guest goes on: that is
 * reported, and the test SKIPs (it needs kvm_pvm to be a hang fixture).
 */
#include "vmc.h"

int main(int argc, char **argv)
{
	uint64_t rax = 12;

	(void)argc;
	(void)argv;
	printf("INFO: VMCALL nr 12 (gpa 0x200000, 2 pages, attrs 0x11)\n");
	asm volatile("vmcall" : "+a"(rax) : "b"(0x200000ul), "c"(2ul), "d"(0x11ul) : "memory");
	report_info("VMCALL returned RAX %lld", (long long)rax);
	report_skip("the VMCALL returned: this host is not kvm_pvm, the hang fixture needs it");
	return report_summary();
}
