/* Go's own reader tests (the .test files under src/internal/trace/testdata/tests in
 * Go 1.27), converted to binary by tests/gotools/regen.sh. A SUCCESS test must decode
 * to exactly the events Go's reader produced; a FAILURE test must fail with
 * an error matching Go's expected message, after the same events. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"

static char **names;
static size_t nnames;

static char *data_path(size_t i, const char *ext)
{
	char *p = malloc(4096);
	const char *n = names[i];
	snprintf(p, 4096, "%s/tests/go-testdata/%.*s%s", tu_source_dir(), (int)(strlen(n) - strlen(".trace")), n, ext);
	return p;
}

START_TEST(decodes_as_go_does)
{
	char *tpath = data_path((size_t)_i, ".trace"), *epath = data_path((size_t)_i, ".expect"),
	     *ppath = data_path((size_t)_i, ".parsed");
	size_t tlen, elen, plen;
	char *trace = tu_read_file(tpath, &tlen), *expect = tu_read_file(epath, &elen), *parsed = tu_read_file(ppath, &plen);
	ck_assert_msg(trace && expect && parsed, "missing files for %s", tpath);

	char *text;
	size_t textlen;
	gt_error e = {0};
	gt_status s = tu_dump(trace, tlen, &text, &textlen, &e);
	if (strncmp(expect, "SUCCESS", 7) == 0) {
		ck_assert_msg(s == GT_EOF, "%s: offset %llu: %s", tpath, (unsigned long long)e.offset, e.detail);
		size_t line = tu_first_diff_line(text, textlen, parsed, plen);
		ck_assert_msg(line == 0, "%s: differs from Go's events at line %zu", tpath, line);
	} else {
		ck_assert_msg(strncmp(expect, "FAILURE \"", 9) == 0, "%s: unknown expectation", epath);
		ck_assert_msg(s != GT_EOF && s != GT_OK, "%s: decoded, but Go's test expects failure", tpath);
		/* The regexp between the quotes of the first line. */
		char *re_start = expect + 9, *re_end = strstr(re_start, "\"\n");
		ck_assert_ptr_nonnull(re_end);
		*re_end = '\0';
		regex_t re;
		ck_assert_int_eq(regcomp(&re, re_start, REG_EXTENDED | REG_NOSUB), 0);
		ck_assert_msg(regexec(&re, e.detail, 0, NULL, 0) == 0, "%s: error \"%s\" does not match /%s/", tpath, e.detail,
		              re_start);
		regfree(&re);
		/* Go printed the same events before failing: its file ends with an
		 * "error: ..." line. */
		char *err_line = strstr(parsed, "error: ");
		ck_assert_ptr_nonnull(err_line);
		size_t before = (size_t)(err_line - parsed);
		ck_assert_msg(textlen == before && memcmp(text, parsed, before) == 0,
		              "%s: events before the failure differ from Go's", tpath);
	}
	free(text);
	free(trace);
	free(expect);
	free(parsed);
	free(tpath);
	free(epath);
	free(ppath);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/go-testdata", tu_source_dir());
	nnames = tu_list(dir, ".trace", &names);
	if (nnames == 0) {
		fprintf(stderr, "no traces under %s\n", dir);
		return 1;
	}
	Suite *s = suite_create("gotestdata");
	TCase *tc = tcase_create("gotestdata:reader");
	tcase_add_loop_test(tc, decodes_as_go_does, 0, (int)nnames);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(names, nnames);
	return failed ? 1 : 0;
}
