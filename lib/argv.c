/*
 * vmconform guest library: split the boot command line into argv words.
 */
#include "vmc.h"
#include "argv.h"

static char storage[4096];
static size_t used;

int parse_cmdline(const char *s, char **argv, int max)
{
	int argc = 0;

	if (max < 1)
		return 0;
	used = 0;
	while (argc < max - 1) {
		char *word = storage + used;
		bool quoted = false;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (; *s && (quoted || !isspace((unsigned char)*s)); s++) {
			if (*s == '"') {
				quoted = !quoted;
				continue;
			}
			if (used + 1 >= sizeof(storage))
				goto full;
			storage[used++] = *s;
		}
		storage[used++] = '\0';
		argv[argc++] = word;
	}
full:
	argv[argc] = NULL;
	return argc;
}
