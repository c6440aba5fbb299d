/*
 * libFuzzer target: the harness's payload validation (harness/load.c
 * parse_image(), the one function every payload goes through before
 * anything is copied into guest RAM).  Rule: no input may crash it, read
 * out of bounds or trip UBSan, and whatever it accepts must really be
 * loadable: every segment inside the file and inside guest RAM above the
 * boot area, no two segments overlapping, the entry point inside a segment
 * - checked here again independently, so an accepting bug aborts.  The
 * optional vmconform boot header (check_boot_header()) likewise.
 * load.c is included, not linked, to reach its static parse_image()
 * without changing the harness.
 */
#include "../../harness/load.c"

#define FUZZ_MEM	(64ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img;
	uint8_t *buf = malloc(size ? size : 1);
	const char *err;

	if (!buf)
		return 0;
	memcpy(buf, data, size);	/* parse_image may not keep pointers into it */
	err = parse_image(buf, size, FUZZ_MEM, &img);
	if (!err) {
		bool entry_in = false;

		if (img.nseg < 1 || img.nseg > MAX_SEGS)
			abort();
		for (int i = 0; i < img.nseg; i++) {
			const struct seg *s = &img.seg[i];

			if (s->filesz > s->memsz || s->offset > size || s->filesz > size - s->offset ||
			    s->paddr < LOAD_MIN || s->paddr > FUZZ_MEM || s->memsz > FUZZ_MEM - s->paddr)
				abort();
			for (int j = 0; j < i; j++)
				if (s->paddr < img.seg[j].paddr + img.seg[j].memsz &&
				    img.seg[j].paddr < s->paddr + s->memsz)
					abort();
			if (img.entry_phys >= s->paddr && img.entry_phys - s->paddr < s->memsz)
				entry_in = true;
		}
		if (!entry_in)
			abort();
		/*
		 * the vmconform boot header (optional): what it accepts must point
		 * into the image / RAM, checked here again
		 */
		err = check_boot_header(buf, size, FUZZ_MEM, &img);
		if (!err && img.has_boot_hdr) {
			const struct vmc_boot_header *h = &img.boot;

			if (h->entry64 >= (1ull << 32) || !seg_of(&img, h->entry64, 1, false) ||
			    (h->cr3 & 0xfff) || h->cr3 > FUZZ_MEM - 4096 ||
			    h->gdt_base > FUZZ_MEM - h->gdt_limit - 1 ||
			    (h->console && !seg_of(&img, h->console, sizeof(struct vmc_console), true)))
				abort();
		} else if (err && !err[0]) {
			abort();
		}
	} else if (!err[0]) {
		abort();	/* a refusal must name its reason */
	}
	free(buf);
	return 0;
}
