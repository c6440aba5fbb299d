/* Result-record field escaping (record.h).  Linear in the value's length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

void rec_put(FILE *f, const char *key, const char *val, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	fputs(key, f);
	fputc(' ', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == ' ')
			fputs("\\s", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c > 0x20 && c < 0x7f)
			fputc(c, f);
		else {
			fputc('\\', f);
			fputc('x', f);
			fputc(hex[c >> 4], f);
			fputc(hex[c & 15], f);
		}
	}
	fputc('\n', f);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t rec_unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		switch (r[1]) {
		case '\\': *w++ = '\\'; r++; break;
		case 's': *w++ = ' '; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case 'x':
			if (hexval(r[2]) >= 0 && hexval(r[3]) >= 0) {
				int v = hexval(r[2]) << 4 | hexval(r[3]);

				/* a NUL would end the C string early */
				*w++ = v ? (char)v : '?';
				r += 3;
				break;
			}
			/* fall through */
		default:
			*w++ = '?';
			if (r[1])
				r++;
			break;
		}
	}
	*w = 0;
	return (size_t)(w - s);
}
