/*
 * libc-compare, argv and alloc groups.
 * argv: lib/argv.c must split generated command lines (words joined by
 * random white space, some quoted whole or in part) back into the words
 * they were built from, and honour max.
 * alloc: lib/alloc.c on a host arena: blocks are page-aligned to their own
 * size, zeroed, inside the arena, never overlap a live block, come back
 * after free, and the allocator returns NULL (not a wrong block) when the
 * arena is used up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "vmc_api.h"

#define MAXW 12

static void test_argv(struct group *g, unsigned long n)
{
	char words[MAXW][24], line[1024], e[1100];
	char *argv[MAXW + 2];

	for (unsigned long i = 0; i < n; i++) {
		int nw = rnd_below(MAXW + 1), max = MAXW + 1, got, want;
		size_t l = 0;

		for (int w = 0; w < nw; w++) {
			int len = 1 + rnd_below(8);
			bool quote = rnd_below(3) == 0;

			for (int k = 0; k < len; k++)
				words[w][k] = quote && !rnd_below(3) ? ' ' :
					      'a' + rnd_below(26);
			words[w][len] = '\0';
			for (int k = rnd_below(3) + (w > 0); k > 0; k--)
				line[l++] = " \t\n"[rnd_below(3)];
			if (quote) {
				/* quote all of it or from a random point on */
				int at = 0;

				while (at < len && words[w][at] != ' ' && rnd_below(2))
					at++;
				l += sprintf(line + l, "%.*s\"%s\"", at, words[w],
					     words[w] + at);
			} else {
				l += sprintf(line + l, "%s", words[w]);
			}
		}
		line[l] = '\0';
		if (rnd_below(4) == 0)
			max = 1 + rnd_below(nw + 1);
		got = vmc_parse_cmdline(line, argv, max);
		want = nw < max - 1 ? nw : max - 1;
		g->cases++;
		if (got != want || argv[got] != NULL) {
			mismatch(g, "\"%s\" max %d: %d words (want %d)%s",
				 esc(line, l, e, sizeof(e)), max, got, want,
				 got >= 0 && got <= MAXW && argv[got] ? ", no NULL after" : "");
			continue;
		}
		for (int w = 0; w < got; w++) {
			g->cases++;
			if (strcmp(argv[w], words[w]))
				mismatch(g, "\"%s\": word %d is \"%s\", want \"%s\"",
					 esc(line, l, e, sizeof(e)), w, argv[w], words[w]);
		}
	}
}

#define PAGE 4096UL
#define ARENA_PAGES 512
#define LIVE 64

static void test_alloc(struct group *g, unsigned long n)
{
	struct { unsigned char *p; unsigned int order; unsigned char tag; } live[LIVE];
	unsigned char *arena = aligned_alloc(ARENA_PAGES * PAGE, ARENA_PAGES * PAGE);
	uintptr_t lo = (uintptr_t)arena, hi = lo + ARENA_PAGES * PAGE;
	int nlive = 0;
	unsigned char tag = 1;

	if (!arena) {
		mismatch(g, "no host memory for the arena");
		return;
	}
	memset(arena, 0xee, ARENA_PAGES * PAGE);
	/* start mid-page: the allocator must round up */
	vmc_alloc_init(lo + 123, hi);
	for (unsigned long i = 0; i < n / 4; i++) {
		if (nlive == LIVE || (nlive && rnd_below(2))) {
			int k = rnd_below(nlive);
			size_t size = PAGE << live[k].order;

			g->cases++;
			for (size_t b = 0; b < size; b++)
				if (live[k].p[b] != live[k].tag) {
					mismatch(g, "block %p order %u: byte %zu changed "
						 "while live (another block overlaps)",
						 live[k].p, live[k].order, b);
					break;
				}
			if (live[k].order)
				vmc_free_pages(live[k].p, live[k].order);
			else
				vmc_free_page(live[k].p);
			live[k] = live[--nlive];
		} else {
			unsigned int order = rnd_below(4) ? 0 : rnd_below(5);
			unsigned char *p = order || rnd_below(2) ?
					   vmc_alloc_pages(order) : vmc_alloc_page();
			size_t size = PAGE << order;
			bool zero = true;

			g->cases++;
			if (!p)
				continue;	/* arena used up: fine, checked below */
			for (size_t b = 0; b < size; b++)
				zero &= !p[b];
			if ((uintptr_t)p % size || (uintptr_t)p < lo ||
			    (uintptr_t)p + size > hi || !zero) {
				mismatch(g, "alloc_pages(%u) = %p: %s", order, p,
					 (uintptr_t)p % size ? "not aligned to its size" :
					 !zero ? "not zeroed" : "outside the arena");
				continue;
			}
			for (int k = 0; k < nlive; k++) {
				uintptr_t a = (uintptr_t)live[k].p;

				if ((uintptr_t)p < a + (PAGE << live[k].order) &&
				    a < (uintptr_t)p + size) {
					mismatch(g, "alloc_pages(%u) = %p overlaps the "
						 "live block %p order %u", order, p,
						 live[k].p, live[k].order);
					free(arena);
					return;	/* the free lists may be wrecked */
				}
			}
			if (++tag == 0)
				tag = 1;
			memset(p, tag, size);
			live[nlive].p = p;
			live[nlive].order = order;
			live[nlive++].tag = tag;
		}
	}
	/* use the arena up: the end is reached with NULL, never beyond */
	{
		unsigned long pages = 0;
		unsigned char *p, *last = NULL;

		while ((p = vmc_alloc_page())) {
			pages++;
			last = p;
			if ((uintptr_t)p < lo || (uintptr_t)p + PAGE > hi) {
				mismatch(g, "alloc_page = %p outside the arena", p);
				break;
			}
		}
		g->cases++;
		if (pages > ARENA_PAGES)
			mismatch(g, "%lu pages handed out from a %d-page arena",
				 pages, ARENA_PAGES);
		g->cases++;
		if (vmc_alloc_page())
			mismatch(g, "alloc_page succeeded again after returning NULL");
		/* a freed page is handed out again, zeroed */
		if (last) {
			unsigned char *q;

			memset(p = last, 0x5a, PAGE);
			g->cases++;
			vmc_free_page(p);
			q = vmc_alloc_page();
			if (q != p || q[0] || q[PAGE - 1])
				mismatch(g, "freed page %p not reused zeroed (got %p)",
					 p, q);
		}
		g->cases++;
		if (vmc_alloc_pages(21))
			mismatch(g, "alloc_pages(21) (above MAX_ORDER) succeeded");
	}
	free(arena);
}

bool test_misc(unsigned long n)
{
	struct group ga = { .name = "argv" }, gm = { .name = "alloc" };
	bool ok;

	test_argv(&ga, n / 4);
	ok = group_done(&ga, "the words the command lines were built from");
	test_alloc(&gm, n);
	return group_done(&gm, "the allocator's rules") && ok;
}
