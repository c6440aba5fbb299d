/*
 * x86_64-efi: the test's own x86_64 ELF (the multiboot build's .elf),
 * embedded in the EFI stub (stub.c loads it).  PAYLOAD and TEST_NAME come
 * from the command line (x86/Makefile.inc).
 */
	.section .rodata, "a"
	.balign 16
	.globl vmc_payload, vmc_payload_end, vmc_test_name
vmc_payload:
	.incbin PAYLOAD
vmc_payload_end:
vmc_test_name:
	.asciz TEST_NAME
	.section .note.GNU-stack, "", @progbits
