/*
 * vmconform guest library: string and memory functions.
 *
 * Byte-at-a-time on purpose: no alignment assumptions (s390x/arm64 with the
 * MMU off), no SIMD.  NO_LOOP_CALLS keeps GCC from turning a copy loop back
 * into a call to memcpy/memset, which inside memcpy/memset would recurse.
 *
 * x86_64: memcpy and memset are `rep movsq` / `rep stosq` plus a byte tail
 * (an emulator pays per element: qwords are 8 times fewer),
 * memchr, strlen and strnlen one `repne scasb`.
 * A byte loop is 4 instructions per byte, and on hosts that run guest code
 * through KVM's instruction emulator for a while after a trap (kvm_pvm:
 * up to 1024 instructions after every exit or emulated instruction) such
 * a loop over a page was most of a test's run time (msr_filter: 2.8 M
 * emulated memset instructions, ~3 s); a rep string instruction is one
 * instruction for the emulator and fast natively.  DF is clear in all of
 * the library (the ABI's requirement).
 */
#include <stdint.h>

#include "string.h"

#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LOOP_CALLS void *memcpy(void *dst, const void *src, size_t n)
{
#ifdef __x86_64__
	void *d = dst;
	size_t q = n / 8, r = n % 8;

	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) : : "memory");
	return dst;
#else
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
#endif
}

NO_LOOP_CALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* dst is below src, or the ranges do not overlap: go forward */
		while (n--)
			*d++ = *s++;
	} else {
		/* dst overlaps the tail of src: go backward */
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

NO_LOOP_CALLS void *memset(void *s, int c, size_t n)
{
#ifdef __x86_64__
	void *p = s;
	size_t q = n / 8, r = n % 8;
	uint64_t v = (unsigned char)c * 0x0101010101010101ull;

	asm volatile("rep stosq" : "+D"(p), "+c"(q) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(p), "+c"(r) : "a"(v) : "memory");
	return s;
#else
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
#endif
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

#ifdef __x86_64__
	/* stops after the first match: p - 1 is it; else p - 1 is the last byte */
	if (!n)
		return NULL;
	asm volatile("repne scasb" : "+D"(p), "+c"(n) : "a"(c) : "cc", "memory");
	return p[-1] == (unsigned char)c ? (void *)(p - 1) : NULL;
#endif
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;

#ifdef __x86_64__
	size_t n = ~(size_t)0;

	asm volatile("repne scasb" : "+D"(p), "+c"(n) : "a"(0) : "cc", "memory");
	return ~n - 1;
#endif
	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

#ifdef __x86_64__
	const char *z = memchr(s, 0, max);

	return z ? (size_t)(z - s) : max;
#endif
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p == *q ? 0 : (*p < *q ? -1 : 1);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p < *q ? -1 : 1;
		if (!*p)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

NO_LOOP_CALLS char *strcpy(char *dst, const char *src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

NO_LOOP_CALLS char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *strcat(char *dst, const char *src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return (char *)haystack;
	for (; *haystack; haystack++)
		if (*haystack == *needle && !strncmp(haystack, needle, n))
			return (char *)haystack;
	return NULL;
}
