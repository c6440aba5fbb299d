/*
 * vmconform guest library: page allocator.
 *
 * alloc_init() hands over [start, end) (free RAM after the image).  Blocks of
 * 2^order pages come from a per-order free list, else from the top of the
 * unused region (aligned to the block size; the pages skipped to align go on
 * the order-0 list).  Freed blocks go back on their order's list; blocks
 * are not merged or split, which is enough for tests that take a few pages.
 * Every block alloc_pages() returns is zeroed (alloc_pages_uninit():
 * not).  One spinlock: any CPU may allocate.
 */
#include "vmc.h"

#define MAX_ORDER 20

struct free_block { struct free_block *next; };

static int lock;
static uintptr_t cur, top;
static struct free_block *free_list[MAX_ORDER + 1];

static void lock_alloc(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		;
}

static void unlock_alloc(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static void push(unsigned int order, uintptr_t p)
{
	struct free_block *b = (struct free_block *)p;

	b->next = free_list[order];
	free_list[order] = b;
}

void alloc_init(uintptr_t start, uintptr_t end)
{
	lock_alloc();
	cur = ALIGN_UP(start, PAGE_SIZE);
	top = end & ~(PAGE_SIZE - 1);
	if (top < cur)
		top = cur;
	memset(free_list, 0, sizeof(free_list));	/* rep stosq: one instruction */
	unlock_alloc();
}

void *alloc_pages_uninit(unsigned int order)
{
	uintptr_t size, p = 0;

	if (order > MAX_ORDER)
		return NULL;
	size = PAGE_SIZE << order;
	lock_alloc();
	if (free_list[order]) {
		p = (uintptr_t)free_list[order];
		free_list[order] = free_list[order]->next;
	} else {
		uintptr_t a = ALIGN_UP(cur, size);

		if (a >= cur && a <= top && top - a >= size) {
			for (; cur < a; cur += PAGE_SIZE)
				push(0, cur);
			p = a;
			cur = a + size;
		}
	}
	unlock_alloc();
	return (void *)p;
}

void *alloc_pages(unsigned int order)
{
	void *p = alloc_pages_uninit(order);

	if (p)
		memset(p, 0, PAGE_SIZE << order);
	return p;
}

void *alloc_page_uninit(void)
{
	return alloc_pages_uninit(0);
}

void *alloc_page(void)
{
	return alloc_pages(0);
}

void free_pages(void *p, unsigned int order)
{
	if (!p)
		return;
	if (order > MAX_ORDER || ((uintptr_t)p & ((PAGE_SIZE << order) - 1)))
		report_abort("free_pages(%p, %u): not a block from alloc_pages",
			     p, order);
	lock_alloc();
	push(order, (uintptr_t)p);
	unlock_alloc();
}

void free_page(void *p)
{
	free_pages(p, 0);
}
