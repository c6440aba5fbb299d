/*
 * vmconform guest library: vsnprintf and friends, integers only.
 *
 * One formatter writes through a small sink: for snprintf the sink is the
 * caller's buffer (counting what does not fit, for the C99 return value), for
 * printf a 512-byte stack buffer written with one console_write() at the end
 * (a longer text: a 256-byte buffer flushed to console_write() when full).
 * The formatting itself runs through arch_user_call() (vmc.h).
 * No floating point: guest code must not touch FP/SIMD state.
 */
#include <stdint.h>

#include "vmc.h"

#define VPRINTF_BUF	512	/* vprintf's one-write buffer */

struct sink {
	char *buf;
	size_t size;		/* bytes of buf usable (0: count only) */
	size_t pos;		/* bytes stored in buf */
	size_t total;		/* bytes produced */
	bool console;		/* flush to console_write when buf fills */
};

static void put(struct sink *o, char c)
{
	if (o->console && o->pos == o->size) {
		console_write(o->buf, o->pos);
		o->pos = 0;
	}
	if (o->pos < o->size)
		o->buf[o->pos++] = c;
	o->total++;
}

/*
 * n bytes at once: the same as n put()s.  Guest code can run in the host's
 * instruction emulator (kvm_pvm), where every instruction counts (~2 us)
 * and a rep string instruction costs about one more per element moved
 * (measured: rep movsb ~1.2 us a byte, rep movsq ~1.3 us a qword): a byte
 * per put() was most of a test's run time.  Short runs (digits, a prefix)
 * are one inline `rep movsb`, longer ones memcpy's qwords; a run that fits
 * takes no loop.
 */
static inline void copy(char *d, const char *s, size_t n)
{
#ifdef __x86_64__
	if (n < 24) {
		asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return;
	}
#endif
	memcpy(d, s, n);
}

static void put_n_slow(struct sink *o, const char *s, size_t n)
{
	while (n) {
		size_t room;

		if (o->console && o->pos == o->size) {
			console_write(o->buf, o->pos);
			o->pos = 0;
		}
		room = o->size - o->pos;
		if (!room)
			return;		/* snprintf: counted, not stored */
		if (room > n)
			room = n;
		copy(o->buf + o->pos, s, room);
		o->pos += room;
		s += room;
		n -= room;
	}
}

static inline void put_n(struct sink *o, const char *s, size_t n)
{
	o->total += n;
	if (n <= o->size - o->pos) {
		copy(o->buf + o->pos, s, n);
		o->pos += n;
		return;
	}
	put_n_slow(o, s, n);
}

static void pad(struct sink *o, char c, int n)
{
	static const char spaces[16] = "                ";
	static const char zeros[16] = "0000000000000000";
	const char *run = c == ' ' ? spaces : c == '0' ? zeros : NULL;

	if (n <= 0)
		return;
	if (!run) {
		while (n-- > 0)
			put(o, c);
		return;
	}
	while (n > 0) {
		int k = n < 16 ? n : 16;

		put_n(o, run, k);
		n -= k;
	}
}

struct spec {
	bool left, plus, space, alt, zero;
	int width;
	int prec;		/* -1: none */
};

/* sign/prefix, zero padding from precision, digits, width padding */
static void emit_number(struct sink *o, const struct spec *sp,
			unsigned long long v, bool neg, unsigned int base,
			bool upper, bool is_ptr)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];		/* 22 octal digits cover 64 bits; filled from the end */
	const char *prefix = "";
	int n = 0, prec = sp->prec, zeros, plen, fill;
	bool v0 = v != 0;

	if (base == 16) {
		while (v) {
			tmp[sizeof(tmp) - 1 - n++] = digits[v & 15];
			v >>= 4;
		}
	} else {
		while (v) {
			tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
			v /= base;
		}
	}
	/*
	 * No width and no precision (most conversions: %d, %u, %x, %#lx,
	 * %p): what the general path below prints then -- the sign or the
	 * 0x prefix, one '0' for a zero value or for '#' with o, the digits --
	 * put in front of the digits in tmp and out in one put_n.
	 */
	if (!sp->width && prec < 0) {
		char *p = tmp + sizeof(tmp) - n;

		if (!n || (base == 8 && sp->alt))
			*--p = '0';
		if (base == 16 && (is_ptr || (sp->alt && v0))) {
			*--p = upper ? 'X' : 'x';
			*--p = '0';
		} else if (neg) {
			*--p = '-';
		} else if (sp->plus) {
			*--p = '+';
		} else if (sp->space) {
			*--p = ' ';
		}
		put_n(o, p, (size_t)(tmp + sizeof(tmp) - p));
		return;
	}
	/* no precision: at least one digit; "%.0d" of 0 prints nothing */
	if (prec < 0)
		prec = 1;
	zeros = prec > n ? prec - n : 0;

	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (base == 16 && (is_ptr || (sp->alt && n)))
		prefix = upper ? "0X" : "0x";
	/* '#' with o: the first digit is a 0 */
	if (base == 8 && sp->alt && zeros == 0 && (n == 0 || tmp[sizeof(tmp) - n] != '0'))
		zeros = 1;
	plen = prefix[0] ? (prefix[1] ? 2 : 1) : 0;

	fill = sp->width - plen - zeros - n;
	/* '0' pads with zeros after the prefix, unless a precision was given */
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += fill > 0 ? fill : 0;
		fill = 0;
	}
	if (!sp->left)
		pad(o, ' ', fill);
	put_n(o, prefix, plen);
	pad(o, '0', zeros);
	put_n(o, tmp + sizeof(tmp) - n, n);
	if (sp->left)
		pad(o, ' ', fill);
}

/*
 * A conversion with no flag, width or precision (%d, %u, %x, %lu, ...): the
 * digits, with a '-' in front if neg -- what emit_number prints for it, with
 * fewer instructions (it is most conversions, and boot code may run in the
 * host's instruction emulator); inline: the call alone was a third of it.
 */
static inline __attribute__((always_inline))
void put_int(struct sink *o, unsigned long long v, bool neg, bool hex, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], *p = tmp + sizeof(tmp);

	if (hex) {
		do {
			*--p = digits[v & 15];
			v >>= 4;
		} while (v);
	} else {
		do {
			*--p = digits[v % 10];
			v /= 10;
		} while (v);
	}
	if (neg)
		*--p = '-';
	put_n(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void emit_string(struct sink *o, const struct spec *sp, const char *s)
{
	int len = 0;

	if (!s)
		s = "(null)";
	/* with a precision, s need not be terminated within it */
	if (sp->prec < 0) {
		size_t l = strlen(s);

		len = l > INT32_MAX ? INT32_MAX : (int)l;
	} else {
		len = (int)strnlen(s, (size_t)sp->prec);
	}
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	put_n(o, s, (size_t)len);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

static unsigned long long get_unsigned(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_T:  return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

static long long get_signed(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	/* the signed type that goes with size_t has its width */
	case LEN_Z:  return (__PTRDIFF_TYPE__)va_arg(*ap, size_t);
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	default:     return va_arg(*ap, int);
	}
}

/* a literal width or precision, clamped to VMC_PRINTF_MAX_FIELD */
static int parse_int(const char **f)
{
	int v = 0;

	while (**f >= '0' && **f <= '9') {
		v = v * 10 + (*(*f)++ - '0');
		if (v > VMC_PRINTF_MAX_FIELD)
			v = VMC_PRINTF_MAX_FIELD;
	}
	return v;
}

static void format(struct sink *o, const char *f, va_list *ap)
{
	const char *end = f + strlen(f);

	for (; *f; f++) {
		struct spec sp;
		enum len_mod lm = LEN_NONE;
		unsigned long long u;
		long long s;
		const char *start;
		bool bare = false;	/* no flag, width or precision */

		if (*f != '%') {
			/* the literal run up to the next conversion, at once */
			const char *pct = memchr(f, '%', (size_t)(end - f));
			size_t n = pct ? (size_t)(pct - f) : (size_t)(end - f);

			put_n(o, f, n);
			f += n;
			if (!pct)
				return;
		}
		start = f;
		f++;
		/*
		 * The commonest conversions -- %u %d %x %s, %lu %ld %lx, %#x %#lx --
		 * straight to their output, as the general path below prints
		 * them (tests/libc compares both with glibc).
		 */
		{
			bool l = f[0] == 'l' && (f[1] == 'u' || f[1] == 'd' || f[1] == 'x');
			const char *s1;

			/* %#x, %#lx: 0x and the digits, or "0" for a zero value */
			if (f[0] == '#' && (f[1] == 'x' || (f[1] == 'l' && f[2] == 'x'))) {
				l = f[1] == 'l';
				u = l ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
				if (u)
					put_n(o, "0x", 2);
				put_int(o, u, false, true, false);
				f += 1 + l;
				continue;
			}
			switch (f[l]) {
			case 'u':
			case 'x':
				u = l ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
				put_int(o, u, false, f[l] == 'x', false);
				f += l;
				continue;
			case 'd':
				s = l ? va_arg(*ap, long) : va_arg(*ap, int);
				put_int(o, s < 0 ? -(unsigned long long)s : (unsigned long long)s,
					s < 0, false, false);
				f += l;
				continue;
			case 's':
				if (l)
					break;
				s1 = va_arg(*ap, const char *);
				if (!s1)
					s1 = "(null)";
				put_n(o, s1, strlen(s1));
				continue;
			}
		}
		sp = (struct spec){ .prec = -1 };
		/*
		 * flags, '*', digits and '.' are all below 'A': a conversion or
		 * length letter right after the '%' (the usual case) skips them
		 */
		if ((unsigned char)*f >= 'A') {
			bare = true;
			goto length;
		}
		for (;; f++) {
			if (*f == '-')
				sp.left = true;
			else if (*f == '+')
				sp.plus = true;
			else if (*f == ' ')
				sp.space = true;
			else if (*f == '#')
				sp.alt = true;
			else if (*f == '0')
				sp.zero = true;
			else
				break;
		}
		if (*f == '*') {
			long long w = va_arg(*ap, int);

			if (w < 0) {
				sp.left = true;
				w = -w;
			}
			sp.width = w > VMC_PRINTF_MAX_FIELD ? VMC_PRINTF_MAX_FIELD : (int)w;
			f++;
		} else {
			sp.width = parse_int(&f);
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				sp.prec = va_arg(*ap, int);
				if (sp.prec < 0)
					sp.prec = -1;	/* as if omitted */
				else if (sp.prec > VMC_PRINTF_MAX_FIELD)
					sp.prec = VMC_PRINTF_MAX_FIELD;
				f++;
			} else {
				sp.prec = parse_int(&f);
			}
		}
length:
		switch (*f) {
		case 'h':
			lm = f[1] == 'h' ? LEN_HH : LEN_H;
			f += lm == LEN_HH ? 2 : 1;
			break;
		case 'l':
			lm = f[1] == 'l' ? LEN_LL : LEN_L;
			f += lm == LEN_LL ? 2 : 1;
			break;
		case 'z': lm = LEN_Z; f++; break;
		case 't': lm = LEN_T; f++; break;
		case 'j': lm = LEN_J; f++; break;
		}

		switch (*f) {
		case 'd':
		case 'i':
			s = get_signed(ap, lm);
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			if (bare)
				put_int(o, u, s < 0, false, false);
			else
				emit_number(o, &sp, u, s < 0, 10, false, false);
			break;
		case 'u':
			sp.plus = sp.space = false;
			if (bare)
				put_int(o, get_unsigned(ap, lm), false, false, false);
			else
				emit_number(o, &sp, get_unsigned(ap, lm), false, 10, false, false);
			break;
		case 'x':
		case 'X':
			sp.plus = sp.space = false;
			if (bare)
				put_int(o, get_unsigned(ap, lm), false, true, *f == 'X');
			else
				emit_number(o, &sp, get_unsigned(ap, lm), false, 16, *f == 'X',
					    false);
			break;
		case 'o':
			sp.plus = sp.space = false;
			emit_number(o, &sp, get_unsigned(ap, lm), false, 8, false, false);
			break;
		case 'p':
			sp.plus = sp.space = sp.alt = false;
			emit_number(o, &sp, (uintptr_t)va_arg(*ap, void *), false, 16,
				    false, true);
			break;
		case 'c': {
			char c = (char)va_arg(*ap, int);

			if (!sp.left)
				pad(o, ' ', sp.width - 1);
			put(o, c);
			if (sp.left)
				pad(o, ' ', sp.width - 1);
			break;
		}
		case 's':
			emit_string(o, &sp, va_arg(*ap, const char *));
			break;
		case '%':
			put(o, '%');
			break;
		default:
			/* unknown conversion: print it as written */
			while (start <= f && *start)
				put(o, *start++);
			if (!*f)
				return;
			break;
		}
	}
}

/* the arch's cheaper way to run pure computation (vmc.h); default: a call */
__attribute__((weak)) long arch_user_call(long (*fn)(void *), void *arg)
{
	return fn(arg);
}

/*
 * The formatting runs through arch_user_call (x86: at CPL 3, natively on
 * hosts that emulate CPL-0 code) whenever the sink is a buffer; a console
 * sink (vprintf's fallback below) writes to the console and stays here.
 */
struct format_job {
	struct sink *o;
	const char *fmt;
	va_list *ap;
};

static long format_job(void *p)
{
	struct format_job *j = p;

	format(j->o, j->fmt, j->ap);
	return 0;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink o = { .buf = buf, .size = size ? size - 1 : 0 };
	struct format_job j = { &o, fmt, NULL };
	va_list aq;

	va_copy(aq, ap);
	j.ap = &aq;
	arch_user_call(format_job, &j);
	va_end(aq);
	if (size)
		buf[o.pos] = '\0';
	return o.total > INT32_MAX ? -1 : (int)o.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Formatted into a buffer first (through arch_user_call, as vsnprintf),
 * written with one console_write if it fit; a longer text is formatted
 * again, here, through a console sink that writes every 256 bytes.  The
 * console sees the same bytes in the same order either way.
 */
int vprintf(const char *fmt, va_list ap)
{
	char buf[VPRINTF_BUF];
	struct sink o = { .buf = buf, .size = sizeof(buf) };
	struct format_job j = { &o, fmt, NULL };
	va_list aq;

	va_copy(aq, ap);
	j.ap = &aq;
	arch_user_call(format_job, &j);
	va_end(aq);
	if (o.total > sizeof(buf)) {
		o = (struct sink){ .buf = buf, .size = 256, .console = true };
		va_copy(aq, ap);
		format(&o, fmt, &aq);
		va_end(aq);
	}
	if (o.pos)
		console_write(buf, o.pos);
	return o.total > INT32_MAX ? -1 : (int)o.total;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int puts(const char *s)
{
	console_write(s, strlen(s));
	console_write("\n", 1);
	return 1;
}

int putchar(int c)
{
	char ch = (char)c;

	console_write(&ch, 1);
	return (unsigned char)ch;
}
