/*
 * libc-compare, ctype group: every lib/ctype.c class and case mapping for
 * EOF and 0..255 against glibc in the C locale (the only locale a guest
 * has).  Classes are compared as true/false, mappings by value.
 */
#include <ctype.h>
#include <locale.h>
#include <stdio.h>

#include "common.h"
#include "vmc_api.h"

bool test_ctype(void)
{
	static const struct {
		const char *name;
		int (*ours)(int), (*theirs)(int);
		bool map;
	} fns[] = {
		{ "isdigit", vmc_isdigit, isdigit, false },
		{ "isxdigit", vmc_isxdigit, isxdigit, false },
		{ "isalpha", vmc_isalpha, isalpha, false },
		{ "isalnum", vmc_isalnum, isalnum, false },
		{ "isspace", vmc_isspace, isspace, false },
		{ "isupper", vmc_isupper, isupper, false },
		{ "islower", vmc_islower, islower, false },
		{ "isprint", vmc_isprint, isprint, false },
		{ "ispunct", vmc_ispunct, ispunct, false },
		{ "iscntrl", vmc_iscntrl, iscntrl, false },
		{ "isgraph", vmc_isgraph, isgraph, false },
		{ "toupper", vmc_toupper, toupper, true },
		{ "tolower", vmc_tolower, tolower, true },
	};
	struct group g = { .name = "ctype" };

	setlocale(LC_ALL, "C");
	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		for (int c = -1; c < 256; c++) {
			int a = fns[f].ours(c), b = fns[f].theirs(c);

			if (!fns[f].map) {
				a = !!a;
				b = !!b;
			}
			g.cases++;
			if (a != b)
				mismatch(&g, "%s(%d): ours %d, glibc %d",
					 fns[f].name, c, a, b);
		}
	}
	return group_done(&g, "glibc in the C locale");
}
