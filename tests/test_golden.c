/* Golden tests over the real traces in traces/: `gotrace dump` must print
 * exactly what Go 1.27's `go tool trace -d=parsed` printed for the same file
 * (tests/golden/<toolchain>/<name>.parsed.gz, recorded by traces/record.sh),
 * and a trace cut short must yield exactly its complete generations. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "testutil.h"
#include "tiecmp.h"

static char **traces;
static size_t ntraces;

static char *trace_path(size_t i)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/traces/%s", tu_source_dir(), traces[i]);
	return p;
}

/* traces/go1.27/leak.trace -> tests/golden/go1.27/leak.parsed.gz */
static char *golden_path(size_t i, const char *ext)
{
	char *p = malloc(4096);
	const char *name = traces[i];
	size_t n = strlen(name) - strlen(".trace");
	snprintf(p, 4096, "%s/tests/golden/%.*s%s", tu_source_dir(), (int)n, name, ext);
	return p;
}

static int is_v2(const char *data, size_t len)
{
	unsigned v = 0;
	return len >= 16 && sscanf(data, "go 1.%u trace", &v) == 1 && v >= 22;
}

START_TEST(dump_matches_go)
{
	char *path = trace_path((size_t)_i), *gpath = golden_path((size_t)_i, ".parsed.gz"),
	     *epath = golden_path((size_t)_i, ".parsed.err"), *upath = golden_path((size_t)_i, ".unstable");
	size_t len, glen, elen;
	char *data = tu_read_file(path, &len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	char *text;
	size_t tlen;
	gt_error e = {0};
	gt_status s = tu_dump(data, len, &text, &tlen, &e);
	char *goerr = tu_read_file(epath, &elen);
	if (goerr) {
		/* Go refused the trace: so must we, with Go's words. */
		while (elen && goerr[elen - 1] == '\n')
			goerr[--elen] = '\0';
		ck_assert_msg(s != GT_EOF && s != GT_OK, "%s: decoded, but Go failed with: %s", path, goerr);
		ck_assert_msg(strcmp(e.detail, goerr) == 0, "%s: error \"%s\", Go's is \"%s\"", path, e.detail, goerr);
		free(goerr);
	} else {
		char *golden = tu_read_file(gpath, &glen);
		ck_assert_msg(golden != NULL, "no golden output %s", gpath);
		ck_assert_msg(s == GT_EOF, "%s: decoding failed: offset %llu: %s", path, (unsigned long long)e.offset,
		              e.detail);
		char why[512];
		ck_assert_msg(tc_matches_go(text, tlen, golden, glen, upath, why, sizeof why), "%s: %s", path, why);
		free(golden);
	}
	free(text);
	free(data);
	free(path);
	free(gpath);
	free(epath);
	free(upath);
}
END_TEST

/* Byte offset just past the n-th line that starts with "M=-1 P=-1 G=-1 Sync". */
static size_t nth_sync_line_end(const char *text, size_t len, size_t n)
{
	size_t seen = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		if (strncmp(text + i, "M=-1 P=-1 G=-1 Sync", 19) == 0 && ++seen == n)
			return i;
		i = end;
	}
	return len;
}

/* Cuts every v2 trace at many offsets: the decoder must report the cut as
 * truncation (not an error), produce the same events as the whole trace for
 * every complete generation, and nothing from the incomplete one. */
START_TEST(cut_traces_keep_complete_generations)
{
	char *path = trace_path((size_t)_i);
	size_t len;
	char *data = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	if (!is_v2(data, len)) {
		free(data);
		free(path);
		return;
	}
	char *full;
	size_t flen;
	gt_error e;
	ck_assert_int_eq(tu_dump(data, len, &full, &flen, &e), GT_EOF);
	unsigned seed = 12345;
	for (int k = 0; k < 40; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = 17 + (size_t)(seed >> 8) % (len - 17); /* 16 bytes would be an empty trace */
		char *copy = malloc(cut);
		memcpy(copy, data, cut);
		char *text;
		size_t tlen;
		gt_status s = tu_dump(copy, cut, &text, &tlen, &e);
		gt_trace *t;
		ck_assert_int_eq(gt_trace_open(copy, cut, &t, &e), GT_OK);
		gt_event ev;
		while (gt_trace_next(t, &ev, &e) == GT_OK)
			;
		gt_trace_info info;
		gt_trace_info_get(t, &info);
		gt_trace_close(t);
		ck_assert_msg(s == GT_EOF, "%s cut at %zu: status %s: %s", path, cut, gt_status_str(s), e.detail);
		ck_assert_msg(info.truncated, "%s cut at %zu: not reported as truncated", path, cut);
		ck_assert_uint_le(info.valid_bytes, cut);
		/* Everything before the final Sync equals the whole trace's output
		 * up to the Sync that starts generation number generations+1. */
		size_t ours = nth_sync_line_end(text, tlen, info.generations + 1);
		size_t theirs = nth_sync_line_end(full, flen, info.generations + 1);
		ck_assert_msg(ours == theirs && memcmp(text, full, ours) == 0,
		              "%s cut at %zu: events of the %llu complete generations differ", path, cut,
		              (unsigned long long)info.generations);
		free(text);
		free(copy);
	}
	free(full);
	free(data);
	free(path);
}
END_TEST

/* An old-format trace is read whole or not at all (as Go's reader does), so
 * a cut one either still parses or fails with an error: never a crash, an
 * out-of-bounds read or a runaway allocation (run under the sanitizers). */
START_TEST(cut_v1_traces_fail_cleanly)
{
	char *path = trace_path((size_t)_i);
	size_t len;
	char *data = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	if (is_v2(data, len)) {
		free(data);
		free(path);
		return;
	}
	unsigned seed = 4242;
	for (int k = 0; k < 40; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = 16 + (size_t)(seed >> 8) % (len - 16);
		char *copy = malloc(cut);
		memcpy(copy, data, cut);
		char *text;
		size_t tlen;
		gt_error e = {0};
		gt_status s = tu_dump(copy, cut, &text, &tlen, &e);
		ck_assert_msg(s == GT_EOF || (s != GT_OK && e.detail[0] && e.offset <= cut), "%s cut at %zu: status %s", path,
		              cut, gt_status_str(s));
		free(text);
		free(copy);
	}
	free(data);
	free(path);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	ntraces = tu_list(dir, ".trace", &traces);
	if (ntraces == 0) {
		fprintf(stderr, "no traces found under %s\n", dir);
		return 1;
	}
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("golden:go-parsed");
	tcase_add_loop_test(tc, dump_matches_go, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	TCase *cut = tcase_create("golden:cut");
	tcase_add_loop_test(cut, cut_traces_keep_complete_generations, 0, (int)ntraces);
	suite_add_tcase(s, cut);
	TCase *cut1 = tcase_create("golden:cut-v1");
	tcase_add_loop_test(cut1, cut_v1_traces_fail_cleanly, 0, (int)ntraces);
	suite_add_tcase(s, cut1);
	int failed = check_run(s);
	tu_list_free(traces, ntraces);
	return failed ? 1 : 0;
}
