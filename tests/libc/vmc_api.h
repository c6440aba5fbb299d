/*
 * For host test drivers: the guest library's declarations under their vmc_
 * names (vmc_snprintf, vmc_strtol, ...), read from lib/'s own headers so
 * a signature change there is caught here.  Include after every system
 * header; afterwards the plain names are glibc's again.
 */
#ifndef VMC_API_H
#define VMC_API_H

/* glibc may define these as macros; the functions stay declared */
#undef isdigit
#undef isxdigit
#undef isalpha
#undef isalnum
#undef isspace
#undef isupper
#undef islower
#undef isprint
#undef ispunct
#undef iscntrl
#undef isgraph
#undef toupper
#undef tolower

#include "rename.h"
#include "../../lib/vmc.h"
#include "../../lib/argv.h"
#include "unrename.h"

#endif
