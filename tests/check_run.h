/* Runs a Check suite the way every test program here does, and returns the
 * number of failed tests, so a caller can free its fixtures first. */
#ifndef GOTRACE_TESTS_CHECK_RUN_H
#define GOTRACE_TESTS_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

#endif
