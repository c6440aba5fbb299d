/*
 * vmconform guest library: assert(expr).  A false expression is a broken
 * test, not a failed check: it prints the expression with file:line and
 * ends the run through report_abort() (VMC_STATUS_ERROR).
 */
#ifndef VMC_ASSERT_H
#define VMC_ASSERT_H

#include "report.h"

#define assert(expr)							\
	do {								\
		if (!(expr))						\
			report_abort("assertion failed: %s (%s:%d)",	\
				     #expr, __FILE__, __LINE__);	\
	} while (0)

#endif
