/*
 * vmconform guest library: the one header a test includes.
 *
 * Arch-neutral parts live in lib/, arch parts in lib/<arch>/ (x86, s390x,
 * arm64).  Every arch library provides the hooks declared at the bottom.
 */
#ifndef VMC_H
#define VMC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "string.h"
#include "ctype.h"
#include "stdlib.h"
#include "stdio.h"
#include "report.h"
#include "fault.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define PAGE_SIZE 4096UL

/* --- provided by lib/<arch> --- */

/* write bytes to the console (x86: COM1, s390x: SCLP, arm64: PL011) */
void console_write(const char *buf, size_t len);
/*
 * Optional (the default in lib/report.c returns NULL): room for at least
 * need bytes in the console's own buffer, to format one write straight into
 * it (x86 under the harness: the CONSOLE block), with the console locked;
 * console_commit(n) then sends those n bytes as console_write(them, n)
 * would and unlocks.  NULL: use console_write.
 */
char *console_reserve(size_t need);
void console_commit(size_t n);
/* x86: a fault in between left the console lock held by this CPU: drop it */
void console_abandon(void);
/*
 * fn(arg), run as cheaply as the arch can on hosts that emulate privileged
 * guest code: x86 runs it at CPL 3 when it can (lib/x86/usermode.c), the
 * default (lib/printf.c; s390x, arm64) calls it.  Same result either way.
 * For pure computation only: fn must not print, take locks another CPU's
 * console path holds, or use privileged instructions or port I/O.
 */
long arch_user_call(long (*fn)(void *), void *arg);
/* leave the VM with a status from status.h; never returns */
void exit(int status) __attribute__((noreturn));
/* bytes of guest RAM the boot loader reported */
uint64_t mem_size(void);
/* the guest command line as passed by the loader ("" if none) */
const char *boot_cmdline(void);

/* --- arch-neutral --- */

/* page allocator (lib/alloc.c): whole 4 KiB pages above the image */
void alloc_init(uintptr_t start, uintptr_t end);	/* arch start code */
void *alloc_page(void);
void *alloc_pages(unsigned int order);	/* 2^order pages, aligned to size */
/*
 * The same without the zero fill: contents undefined.  For memory the
 * caller overwrites or never reads (stacks, a bitmap filled in part): a
 * page fill is ~512 emulated `rep stosq` elements, ~0.6 ms on hosts that
 * run guest code in KVM's instruction emulator (kvm_pvm).
 */
void *alloc_pages_uninit(unsigned int order);
void *alloc_page_uninit(void);
void free_page(void *p);
void free_pages(void *p, unsigned int order);

#endif
