/* Go's own old-format test traces (src/internal/trace/internal/tracev1/
 * testdata in Go 1.27, copied to tests/go-testdata-v1/NAME_good.trace) and
 * broken old-format inputs (bad_*.trace: Go's TestCorruptedInputs bodies
 * under 1.11-1.21 headers, and good traces cut short).
 *
 * A good trace must decode to the events `TZ=UTC go tool trace -d=parsed`
 * printed (NAME.parsed.gz): exactly, or up to Go's random tie order where
 * NAME.unstable says Go's output varied between runs. A bad one must fail
 * from gt_trace_next with Go's message (NAME.parsed.err). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"
#include "tiecmp.h"

static char **names;
static size_t nnames;

static char *data_path(size_t i, const char *ext)
{
	char *p = malloc(4096);
	const char *n = names[i];
	snprintf(p, 4096, "%s/tests/go-testdata-v1/%.*s%s", tu_source_dir(), (int)(strlen(n) - strlen(".trace")), n,
	         ext);
	return p;
}

START_TEST(decodes_as_go_does)
{
	char *tpath = data_path((size_t)_i, ".trace"), *ppath = data_path((size_t)_i, ".parsed.gz"),
	     *epath = data_path((size_t)_i, ".parsed.err"), *upath = data_path((size_t)_i, ".unstable");
	size_t tlen, plen, elen;
	char *trace = tu_read_file(tpath, &tlen);
	ck_assert_msg(trace != NULL, "cannot read %s", tpath);
	char *text;
	size_t textlen;
	gt_error e = {0};
	gt_status s = tu_dump(trace, tlen, &text, &textlen, &e);
	char *goerr = tu_read_file(epath, &elen);
	if (goerr) {
		while (elen && goerr[elen - 1] == '\n')
			goerr[--elen] = '\0';
		ck_assert_msg(s != GT_EOF && s != GT_OK, "%s: decoded, but Go failed with: %s", tpath, goerr);
		ck_assert_msg(strcmp(e.detail, goerr) == 0, "%s: error \"%s\", Go's is \"%s\"", tpath, e.detail, goerr);
		ck_assert_uint_le(e.offset, tlen);
		/* Go's reader parses an old trace whole before handing anything out. */
		ck_assert_uint_eq(textlen, 0);
		free(goerr);
	} else {
		char *parsed = tu_read_file(ppath, &plen);
		ck_assert_msg(parsed != NULL, "missing %s", ppath);
		ck_assert_msg(s == GT_EOF, "%s: offset %llu: %s", tpath, (unsigned long long)e.offset, e.detail);
		char why[512];
		ck_assert_msg(tc_matches_go(text, textlen, parsed, plen, upath, why, sizeof why), "%s: %s", tpath, why);
		free(parsed);
	}
	free(text);
	free(trace);
	free(tpath);
	free(ppath);
	free(epath);
	free(upath);
}
END_TEST

/* The whole trace is one generation for gotrace info and the model. */
START_TEST(info_reports_one_generation)
{
	char *tpath = data_path((size_t)_i, ".trace"), *epath = data_path((size_t)_i, ".parsed.err");
	FILE *bad = fopen(epath, "r");
	size_t tlen;
	char *trace = tu_read_file(tpath, &tlen);
	ck_assert_ptr_nonnull(trace);
	gt_trace *t;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(trace, tlen, &t, &e), GT_OK);
	gt_event ev;
	gt_status s;
	while ((s = gt_trace_next(t, &ev, &e)) == GT_OK)
		;
	gt_trace_info info;
	gt_trace_info_get(t, &info);
	ck_assert_int_eq(info.format, GT_FORMAT_V1);
	ck_assert(info.version == 11 || info.version == 19 || info.version == 21);
	ck_assert_uint_eq(info.size, tlen);
	ck_assert(!info.truncated);
	if (bad) {
		fclose(bad);
		ck_assert_uint_eq(info.generations, 0);
		/* The error sticks. */
		gt_error again;
		ck_assert_int_eq(gt_trace_next(t, &ev, &again), s);
		ck_assert_str_eq(again.detail, e.detail);
	} else {
		ck_assert_int_eq(s, GT_EOF);
		ck_assert_uint_eq(info.generations, 1);
		ck_assert_uint_eq(info.valid_bytes, tlen);
		ck_assert_int_eq(gt_trace_next(t, &ev, &e), GT_EOF);
	}
	gt_trace_close(t);
	free(trace);
	free(tpath);
	free(epath);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/go-testdata-v1", tu_source_dir());
	nnames = tu_list(dir, ".trace", &names);
	if (nnames == 0) {
		fprintf(stderr, "no traces under %s\n", dir);
		return 1;
	}
	Suite *s = suite_create("gotestdata-v1");
	TCase *tc = tcase_create("gotestdata-v1:reader");
	tcase_add_loop_test(tc, decodes_as_go_does, 0, (int)nnames);
	tcase_add_loop_test(tc, info_reports_one_generation, 0, (int)nnames);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(names, nnames);
	return failed ? 1 : 0;
}
