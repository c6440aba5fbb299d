/*
 * vmc-supervise's two halves (DESIGN §6, docs/results.md): supervise.c runs
 * the command and watches its output (options, process, line state
 * machine, log, record), verdict.c turns what was seen into the verdict
 * (classify).  What they share is declared here.
 */
#ifndef VMC_SUPERVISE_H
#define VMC_SUPERVISE_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define LINE_KEEP 2048		/* bytes of each line the state machine sees */
#define MAX_FAILS 256		/* FAIL messages kept for details / errata */
#define MAX_CHECKS 20000	/* per-check lines kept in the record */
#define CHECK_BYTES (4u << 20)	/* and at most this many bytes of them */
#define MAX_ERRATA 1024

#define die_usage(...) do { fprintf(stderr, "vmc-supervise: " __VA_ARGS__); \
	fputc('\n', stderr); exit(EXIT_USAGE); } while (0)
#define check(cond) do { if (!(cond)) { fprintf(stderr, \
	"vmc-supervise: assertion failed: %s at %s:%d (errno %d: %s)\n", #cond, \
	__FILE__, __LINE__, errno, strerror(errno)); exit(EXIT_USAGE); } } while (0)

/* what the line state machine saw (supervise.c fills it, verdict.c reads it) */
struct scan {
	bool sum;
	char sumline[LINE_KEEP + 1];
	char *fails[MAX_FAILS];
	long nfails;
	long xpass;
	char firstskip[LINE_KEEP + 1], crash[LINE_KEEP + 1], herr[LINE_KEEP + 1];
	char htmo[LINE_KEEP + 1], hskip[LINE_KEEP + 1], qerr[LINE_KEEP + 1];
	char errline[LINE_KEEP + 1], fatal[LINE_KEEP + 1];
	int exit_line;		/* last EXIT: STATUS=v, -1 none */
	/* per-check lines: "S message\0" */
	char *checks;
	size_t checks_len;
	long nchecks, checks_dropped;
};
extern struct scan st;


/* options verdict.c reads (supervise.c) */
extern const char *o_kind, *o_arch;
extern const char *err_glob[MAX_ERRATA], *err_why[MAX_ERRATA];
extern int n_errata;

/* the verdict (verdict.c), written into the record by supervise.c */
extern char verdict[16];
extern char reason[3 * LINE_KEEP];
extern long c_checks, c_failed, c_skipped, c_xfail;
extern char *details[MAX_FAILS + 2];
extern int ndetails;

bool prefix(const char *s, const char *p);
/* verdict and reason */
void set(const char *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* one more detail line for the record */
void add_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the verdict of a run from its exit status and what st saw */
void classify(long rc, bool timed_out, int interrupted, double secs, double tmo);

#endif
