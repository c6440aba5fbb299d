/*
 * vmc-cfg FILE: the unittests.cfg parser (format in unittests.cfg's header,
 * docs/writing-tests.md).  Linear in the file's size; every error is
 * "FILE:LINE: message" on stderr, exit 2 if there was any.  On success it
 * prints, fields separated by US (0x1f, refused inside the file):
 *   S name line            a section, in file order
 *   K name key value       a key (value trimmed)
 *   W name key word        the words of args, qemu_params, harness_params,
 *                          modparams ('...' and "..." group, \ escapes)
 * It refuses at parse time what a runner would refuse later: NUL bytes,
 * CR (CRLF files), other control characters, section names that look like
 * options, fractional or too-large timeouts, smp above the harness's
 * MAX_VCPUS, memory outside the harness's -m range.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#ifndef HARNESS_MAX_VCPUS
#error "HARNESS_MAX_VCPUS (harness/harness.h MAX_VCPUS) must be given by the Makefile"
#endif
#define MAX_TIMEOUT 86400	/* the harness's -t limit */
#define MIN_MEMORY 2		/* the harness's -m range, MiB */
#define MAX_MEMORY 3072
#define US "\x1f"

static const char *const keys[] = { "file", "arch", "envs", "runner", "smp", "memory", "args",
	"qemu_params", "harness_params", "modparams", "groups", "timeout", "requires", NULL };
static const char *const arches[] = { "x86_64", "s390x", "arm64", NULL };
static const char *const runners[] = { "qemu", "harness", "any", NULL };
static const char *const caps[] = { "kvm", "kvm-vmx-svm", "snp", "ap", "efi", NULL };
/* environment, its arch */
static const char *const envs[][2] = { { "x86_64", "x86_64" }, { "x86_64-efi", "x86_64" },
	{ "s390x", "s390x" }, { "arm64", "arm64" }, { NULL, NULL } };

static const char *file;
static int errs;
static FILE *outf;

#define err(line, ...) do { fprintf(stderr, "%s:%ld: ", file, (long)(line)); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); errs++; } while (0)

struct sect {
	char *name;
	long line;
	bool has[16];
	char arch[16], runner[16];
	char *envs;
};
static struct sect *sects;
static size_t nsects;

/* a hash set of section names: duplicate checks in linear time */
static size_t *hs;
static size_t hcap;
static size_t hash(const char *s) { size_t h = 5381; while (*s) h = h * 33 + (unsigned char)*s++; return h; }
static long find_sect(const char *name)
{
	for (size_t i = hash(name) & (hcap - 1);; i = (i + 1) & (hcap - 1)) {
		if (!hs[i])
			return -(long)i - 1;
		if (!strcmp(sects[hs[i] - 1].name, name))
			return (long)hs[i] - 1;
	}
}

static int in(const char *w, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(w, list[i]))
			return i;
	return -1;
}

static void emit(const char *tag, const char *name, const char *key, const char *val)
{
	fprintf(outf, "%s" US "%s" US "%s" US "%s\n", tag, name, key, val);
}

/* split into words; writes them as W records when name is given */
static bool words(const char *s, const char *name, const char *key, long line,
		  bool (*each)(const char *w, long line))
{
	size_t n = strlen(s), len = 0;
	char *w = malloc(n + 1), q = 0;
	bool inw = false, ok = true;

	if (!w)
		exit(EXIT_USAGE);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				w[len++] = c;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			w[len++] = s[++i];
			inw = true;
			continue;
		}
		if (q == '"') {
			if (c == '"')
				q = 0;
			else
				w[len++] = c;
			continue;
		}
		if (c == '\'' || c == '"') {
			q = c;
			inw = true;
		} else if (c == ' ' || c == '\t') {
			if (inw) {
				w[len] = 0;
				if (each && !each(w, line))
					ok = false;
				if (name)
					emit("W", name, key, w);
				len = 0;
				inw = false;
			}
		} else {
			w[len++] = c;
			inw = true;
		}
	}
	if (q) {
		free(w);
		return false;
	}
	if (inw) {
		w[len] = 0;
		if (each && !each(w, line))
			ok = false;
		if (name)
			emit("W", name, key, w);
	}
	free(w);
	return ok;
}

static bool cap_word(const char *w, long line)
{
	if (in(w, caps) >= 0)
		return true;
	err(line, "bad value for requires: '%s' (known: kvm kvm-vmx-svm snp ap efi)", w);
	return false;
}

static bool env_word(const char *w, long line)
{
	for (int i = 0; envs[i][0]; i++)
		if (!strcmp(w, envs[i][0]))
			return true;
	err(line, "bad value for envs: '%s' (known: x86_64 x86_64-efi s390x arm64)", w);
	return false;
}

static bool group_word(const char *w, long line)
{
	for (const char *p = w; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-", *p)) {
			err(line, "bad value for groups: '%s' (words of A-Z a-z 0-9 _ . + -)", w);
			return false;
		}
	return true;
}

static bool modparam_word(const char *w, long line)
{
	const char *c = strchr(w, ':');

	if (c && c > w && c[1])
		return true;
	err(line, "bad value for modparams: '%s' (MODULE:ARGS, e.g. kvm:force_emulation_prefix=1)", w);
	return false;
}

/* all digits, 1..max */
static bool number(const char *v, long max)
{
	long n = 0;

	if (!*v || strlen(v) > 9)
		return false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (*p - '0');
	}
	return n >= 1 && n <= max;
}

static void value(struct sect *s, int k, char *v, long line)
{
	const char *key = keys[k];
	bool ok = true;

	switch (k) {
	case 0: /* file */
		ok = (v[0] && !strchr("./-", v[0]) &&
		      !strstr(v, "..") && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-") == strlen(v));
		if (!ok)
			err(line, "bad value for file: '%s' (a test name, or a path from the top of the tree without suffix)", v);
		break;
	case 1: /* arch */
		if (!(ok = in(v, arches) >= 0))
			err(line, "bad value for arch: '%s' (one of: x86_64 s390x arm64)", v);
		else
			snprintf(s->arch, sizeof(s->arch), "%s", v);
		break;
	case 2: /* envs */
		ok = words(v, NULL, key, line, env_word);
		if (ok)
			s->envs = strdup(v);
		break;
	case 3: /* runner */
		if (!(ok = in(v, runners) >= 0))
			err(line, "bad value for runner: '%s' (one of: qemu harness any)", v);
		else
			snprintf(s->runner, sizeof(s->runner), "%s", v);
		break;
	case 4: /* smp */
		if (!(ok = number(v, HARNESS_MAX_VCPUS)))
			err(line, "bad value for smp: '%s' (vCPUs, 1..%d: the harness's MAX_VCPUS)", v,
			    HARNESS_MAX_VCPUS);
		break;
	case 5: /* memory */
		if (!(ok = number(v, MAX_MEMORY) && atol(v) >= MIN_MEMORY))
			err(line, "bad value for memory: '%s' (MiB, a whole number %d..%d)", v,
			    MIN_MEMORY, MAX_MEMORY);
		break;
	case 6: case 7: case 8: case 9: /* word lists */
		if (!words(v, NULL, key, line, k == 9 ? modparam_word : NULL)) {
			ok = false;
			if (k != 9 || strchr(v, '\'') || strchr(v, '"'))
				err(line, "bad value for %s: unterminated quote", key);
		}
		break;
	case 10: /* groups */
		ok = words(v, NULL, key, line, group_word);
		break;
	case 11: /* timeout */
		if (!(ok = number(v, MAX_TIMEOUT)))
			err(line, "bad value for timeout: '%s' (whole seconds, 1..%d; use "
			    "--timeout-factor to scale)", v, MAX_TIMEOUT);
		break;
	case 12: /* requires */
		ok = words(v, NULL, key, line, cap_word);
		break;
	}
	if (!ok)
		return;
	s->has[k] = true;
	emit("K", s->name, key, v);
	if (k >= 6 && k <= 9)
		words(v, s->name, key, line, NULL);
}

static char *trim(char *s, size_t *n)
{
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		s[--*n] = 0;
	while (*s == ' ' || *s == '\t')
		s++, --*n;
	return s;
}

int main(int argc, char **argv)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	struct sect *cur = NULL;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: vmc-cfg FILE\n");
		return EXIT_USAGE;
	}
	file = argv[1];
	if (!(f = fopen(file, "r"))) {
		fprintf(stderr, "%s: cannot read test list: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	/* stdout is only written when all is well: buffer it in memory */
	char *obuf = NULL;
	size_t olen = 0;
	if (!(outf = open_memstream(&obuf, &olen)))
		return EXIT_USAGE;
	hcap = 1024;
	hs = calloc(hcap, sizeof(*hs));
	while ((len = getline(&buf, &cap, f)) > 0) {
		size_t n = (size_t)len;
		lineno++;
		if (buf[n - 1] == '\n')
			buf[--n] = 0;
		if (memchr(buf, 0, n)) {
			err(lineno, "NUL byte in the line (the file must be text)");
			continue;
		}
		if (memchr(buf, '\r', n)) {
			err(lineno, "carriage return (CRLF line ending?): use LF line endings "
			    "(sed -i 's/\\r$//' %s)", file);
			continue;
		}
		bool bad = false;
		for (size_t i = 0; i < n && !bad; i++)
			if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') || buf[i] == 0x7f)
				bad = true;
		if (bad) {
			err(lineno, "control character in the line (only tab is allowed)");
			continue;
		}
		char *l = trim(buf, &n);
		if (!n || l[0] == '#')
			continue;
		if (l[0] == '[') {
			char *e = l + n - 1;
			char *nm = l + 1;
			size_t nn;
			if (*e != ']') {
				err(lineno, "bad section header '%s' (want [name], name of A-Z a-z 0-9 _ . + -)", l);
				cur = NULL;
				continue;
			}
			*e = 0;
			nn = (size_t)(e - nm);
			nm = trim(nm, &nn);
			if (!nn || strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-") != nn) {
				err(lineno, "bad section header '[%s]' (want [name], name of A-Z a-z 0-9 _ . + -)", nm);
				cur = NULL;
				continue;
			}
			if (nm[0] == '-') {
				err(lineno, "section name '%s' looks like an option (it cannot be named on "
				    "the command line): do not start it with '-'", nm);
				cur = NULL;
				continue;
			}
			long at = find_sect(nm);
			if (at >= 0) {
				err(lineno, "duplicate section [%s] (first at line %ld)", nm, sects[at].line);
				cur = NULL;
				continue;
			}
			if (nsects * 2 >= hcap) {	/* grow and rehash */
				free(hs);
				hcap *= 2;
				hs = calloc(hcap, sizeof(*hs));
				for (size_t i = 0; i < nsects; i++)
					hs[-find_sect(sects[i].name) - 1] = i + 1;
				at = find_sect(nm);
			}
			sects = realloc(sects, (nsects + 1) * sizeof(*sects));
			if (!sects || !hs)
				return EXIT_USAGE;
			cur = &sects[nsects];
			memset(cur, 0, sizeof(*cur));
			cur->name = strdup(nm);
			cur->line = lineno;
			strcpy(cur->arch, "x86_64");
			strcpy(cur->runner, "any");
			hs[-at - 1] = ++nsects;
			fprintf(outf, "S" US "%s" US "%ld\n", nm, lineno);
			continue;
		}
		char *eq = strchr(l, '=');
		if (!eq) {
			err(lineno, "missing '=' in '%s' (want key = value)", l);
			continue;
		}
		*eq = 0;
		size_t kn = (size_t)(eq - l), vn = n - kn - 1;
		char *k = trim(l, &kn), *v = trim(eq + 1, &vn);
		if (!cur) {
			err(lineno, "'%s = ...' outside a section (or after a bad section header)", k);
			continue;
		}
		int ki = in(k, keys);
		if (ki < 0) {
			err(lineno, "unknown key '%s' (known: file arch envs runner smp memory args "
			    "qemu_params harness_params modparams groups timeout requires)", k);
			continue;
		}
		if (cur->has[ki]) {
			err(lineno, "duplicate key '%s' in [%s]", k, cur->name);
			continue;
		}
		value(cur, ki, v, lineno);
	}
	fclose(f);
	for (size_t i = 0; i < nsects; i++) {
		struct sect *s = &sects[i];
		if (!s->has[0])
			err(s->line, "[%s] has no 'file = ...' (required)", s->name);
		if (s->envs) {
			char *save, *w;
			for (w = strtok_r(s->envs, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
				for (int e = 0; envs[e][0]; e++)
					if (!strcmp(w, envs[e][0]) && strcmp(envs[e][1], s->arch))
						err(s->line, "[%s]: environment '%s' is not one of arch %s",
						    s->name, w, s->arch);
		}
		if (!strcmp(s->runner, "harness") && strcmp(s->arch, "x86_64"))
			err(s->line, "[%s]: runner harness exists for arch x86_64 only", s->name);
	}
	fclose(outf);
	if (errs)
		return EXIT_USAGE;
	fwrite(obuf, 1, olen, stdout);
	return fflush(stdout) ? EXIT_USAGE : 0;
}
