/*
 * boot_nullseg: every entry path hands main() FS = GS = the null selector
 * (docs/writing-tests.md "What an x86 test starts with"; the harness's
 * direct 64-bit entry promises the state the multiboot path builds, whose
 * MOV of 0 leaves both unusable).  Run by tests/harness/check.sh with
 * --boot direct and --boot multiboot.  A load through a null FS or GS in
 * 32-bit code (KERNEL_CS32) is #GP(0) (SDM, MOV: a NULL selector in DS, ES,
 * FS or GS used to access memory); through a usable data segment with
 * selector 0 (what the direct entry gave before: DS's descriptor with the
 * selector cleared) it reads the word.  QEMU TCG does not check null data
 * segments (and neither does a nested KVM under it): SKIP there.
 */
#include "vmc.h"
#include "processor.h"
#include "desc.h"

#define LOAD32(seg)								\
	asm volatile("pushq $%c[cs32]\n\tleaq 1f(%%rip), %[at]\n\tpushq %[at]\n\t"	\
		     "lretq\n\t.code32\n1: " FAULT_INSN("movl %%" seg ":(%%ebx), %%eax")	\
		     "pushl $%c[cs64]\n\tpushl $2f\n\tlret\n\t.code64\n2:\n\t"		\
		     : [at] "=&r"(at), "+a"(v) : "b"((uint32_t)(uintptr_t)&word),	\
		       [cs32] "i"(KERNEL_CS32), [cs64] "i"(KERNEL_CS) : "memory")

int main(void)
{
	static uint32_t word = 0x5a5a;
	struct fault f[2];
	uint32_t v = 0, got[2];
	uint64_t at;
	char sig[13];

	report_prefix_push("boot_nullseg");
	cpuid_hv_signature(sig);
	if (!strcmp(sig, "TCGTCGTCGTCG")) {
		report_skip("a load through the null FS/GS is #GP(0): QEMU TCG does not check "
			    "null data segments: run under KVM");
		return report_summary();
	}
	fault_arm();
	LOAD32("fs");
	f[0] = fault_take();
	got[0] = v;
	v = 0;
	fault_arm();
	LOAD32("gs");
	f[1] = fault_take();
	got[1] = v;
	report(f[0].raised && f[0].vector == GP_VECTOR && !f[0].error_code &&
	       f[1].raised && f[1].vector == GP_VECTOR && !f[1].error_code,
	       "FS and GS are null: a load through either in 32-bit code is #GP(0) (FS: raised "
	       "%d vector %u error %#lx read %#x; GS: raised %d vector %u error %#lx read %#x)",
	       f[0].raised, f[0].vector, f[0].error_code, got[0],
	       f[1].raised, f[1].vector, f[1].error_code, got[1]);
	report_prefix_pop();
	return report_summary();
}
