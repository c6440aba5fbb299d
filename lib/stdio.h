/*
 * vmconform guest library: formatted output (lib/printf.c).
 *
 * Conversions d i u x X o c s p %; length modifiers hh h l ll z t j; flags
 * - 0 + space #; width and precision, both may be '*'.  C99 semantics: the
 * snprintf family returns the length the whole output would have had and
 * always terminates a non-empty buffer.  %p prints 0x followed by lower-case
 * hex; %s of NULL prints "(null)".  No floating point, no %n.
 * Not C: a width or precision above VMC_PRINTF_MAX_FIELD (literal or '*')
 * counts as VMC_PRINTF_MAX_FIELD, so "%1000000000d" costs 4 KiB of output,
 * not 1 GB of console exits (the return value then counts the clamped
 * field).
 * printf/puts/putchar write to console_write() (provided by the arch).
 */
#ifndef VMC_STDIO_H
#define VMC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define VMC_PRINTF_MAX_FIELD 4096

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(__printf__, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(__printf__, 1, 0)));
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
/* writes s and a newline, like C puts */
int puts(const char *s);
int putchar(int c);

#endif
