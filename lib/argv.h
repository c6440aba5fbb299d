/*
 * vmconform guest library: command line splitting (lib/argv.c).
 */
#ifndef VMC_ARGV_H
#define VMC_ARGV_H

/*
 * Split cmdline into words at white space; "double quotes" group words
 * (the quotes are removed, a quote may start or end mid-word).  Stores at
 * most max - 1 words in argv[0..] followed by a NULL and returns the number
 * stored.  The words are copied into static storage (4 KiB in all; words
 * beyond it are dropped), so cmdline may be read-only; the next call reuses
 * that storage.  The arch start code
 * puts the test name in argv[0] and calls
 *	argc = 1 + parse_cmdline(boot_cmdline(), argv + 1, max - 1);
 */
int parse_cmdline(const char *cmdline, char **argv, int max);

#endif
