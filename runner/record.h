/*
 * Result records (docs/results.md): one file per run, written by
 * vmc-supervise, read by vmc-report.  Text, one field per line:
 *   KEY SP VALUE LF
 * VALUE is escaped (rec_put): bytes 0x21..0x7e except '\' as they are,
 * "\\", "\s" (space), "\n", "\t" and "\xNN" for everything else, so a
 * record line never holds a raw guest byte that could break a reader.
 * The first line is "verdict V" (V one of VERDICTS), so run_tests.sh can
 * read the verdict without looking at any guest text.
 */
#ifndef VMC_RECORD_H
#define VMC_RECORD_H

#include <stddef.h>
#include <stdio.h>

#define REC_MAGIC "vmc-record 1"

/* verdicts, in the order the runner documents them */
#define VERDICTS "PASS FAIL SKIP XFAIL TIMEOUT ERROR INTERRUPTED"

/* the exit status of every vmc-* tool on a bad command line */
#define EXIT_USAGE 2

void rec_put(FILE *f, const char *key, const char *val, size_t len);
/* decode an escaped VALUE in place; returns the decoded length */
size_t rec_unescape(char *s);

#endif
