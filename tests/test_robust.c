/* Robustness: Go's own reader fuzz corpus decodes here exactly when Go
 * accepts it; real traces cut at every generation boundary (and around it)
 * and at random offsets keep exactly their complete generations, and
 * `gotrace dump` warns and exits 0 on them; unknown versions and values over
 * the documented ceilings give a clear error. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "gotrace/model.h"
#include "testutil.h"

/* ---- Go's fuzz corpus (tests/go-fuzz, see its README) ---- */

static char **fuzz_bins;
static size_t nfuzz_bins;

/* Reads everything; returns the final status and fills *info. */
static gt_status decode_all(const void *data, size_t len, gt_trace_info *info, gt_error *e)
{
	gt_trace *t;
	memset(info, 0, sizeof *info);
	gt_status s = gt_trace_open(data, len, &t, e);
	if (s)
		return s;
	gt_event ev;
	while ((s = gt_trace_next(t, &ev, e)) == GT_OK)
		;
	gt_trace_info_get(t, info);
	gt_trace_close(t);
	return s;
}

START_TEST(go_fuzz_corpus_verdicts)
{
	char path[4096], expect_path[4096];
	snprintf(path, sizeof path, "%s/tests/go-fuzz/%s", tu_source_dir(), fuzz_bins[_i]);
	snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)(strlen(path) - 4), path);
	size_t len, elen;
	char *data = tu_read_file(path, &len), *expect = tu_read_file(expect_path, &elen);
	ck_assert_msg(data && expect, "cannot read %s or its .expect", path);
	while (elen && (expect[elen - 1] == '\n' || expect[elen - 1] == '\r'))
		expect[--elen] = '\0';
	bool go_accepts = strcmp(expect, "accept") == 0;
	ck_assert_msg(go_accepts || strncmp(expect, "reject: ", 8) == 0, "%s: bad verdict '%s'", expect_path, expect);

	gt_trace_info info;
	gt_error e = {0};
	gt_status s = decode_all(data, len, &info, &e);
	/* A cut trace is GT_EOF with info.truncated. With no complete generation
	 * nothing was read, which is a rejection when Go rejects the input too.
	 * Where Go accepts such an input, it stopped silently at data it could
	 * not place in a generation (an incomplete last generation with no event
	 * batches); we report it as truncation instead, which the foundation
	 * issue specifies and which loses no events Go would have produced. */
	bool cut_empty = s == GT_EOF && info.truncated && info.generations == 0;
	bool we_accept = s == GT_EOF && !(cut_empty && !go_accepts);
	ck_assert_msg(we_accept == go_accepts, "%s: Go says '%s', we say %s (offset %llu: %s)", path, expect,
	              gt_status_str(s), (unsigned long long)e.offset, e.detail);
	if (!go_accepts && s != GT_EOF) {
		/* Clean failure: a real error status with Go's wording. */
		ck_assert_int_ne(s, GT_OK);
		ck_assert_msg(strstr(e.detail, expect + 8) != NULL, "%s: Go says '%s', we say '%s'", path, expect + 8,
		              e.detail);
	}
	free(data);
	free(expect);
}
END_TEST

/* ---- cut traces ---- */

static char **traces;
static size_t ntraces;

static bool read_uvarint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
	int n = gt_uvarint(p + *i, len - *i, v);
	if (n <= 0)
		return false;
	*i += (size_t)n;
	return true;
}

/* Offsets at which a generation ends, found by walking the batches. From
 * Go 1.26 (header 1.26) an EndOfGeneration byte closes each generation;
 * before, a generation ends where a batch of the next one starts, and the
 * last one at the end of the file. Returns the count (at most max). */
static size_t generation_ends(const uint8_t *d, size_t len, unsigned version, size_t *ends, size_t max)
{
	size_t i = 16, n = 0; /* every v2 header is 16 bytes */
	uint64_t prev = 0;
	while (i < len && n < max) {
		size_t start = i;
		uint8_t type = d[i++];
		if (type == 52) { /* EvEndOfGeneration */
			ends[n++] = i;
			continue;
		}
		if (type == 49) /* EvExperimentalBatch has an experiment byte */
			i++;
		uint64_t gen, m, ts, size;
		ck_assert(read_uvarint(d, len, &i, &gen) && read_uvarint(d, len, &i, &m) && read_uvarint(d, len, &i, &ts) &&
		          read_uvarint(d, len, &i, &size));
		ck_assert_uint_le(size, len - i);
		i += size;
		if (version < 26 && prev != 0 && gen != prev)
			ends[n++] = start;
		prev = gen;
	}
	if (version < 26 && n < max)
		ends[n++] = len;
	return n;
}

typedef struct cut_result {
	bool truncated;
	uint64_t generations;
} cut_result;

/* Decodes data[0..cut) and checks that its events before the final Sync are
 * exactly those of the whole trace's first complete generations. */
static cut_result check_cut(const char *name, const char *data, size_t cut, const char *full, size_t flen)
{
	char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
	memcpy(copy, data, cut);
	char *text;
	size_t tlen;
	gt_error e = {0};
	gt_status s = tu_dump(copy, cut, &text, &tlen, &e);
	ck_assert_msg(s == GT_EOF, "%s cut at %zu: %s: offset %llu: %s", name, cut, gt_status_str(s),
	              (unsigned long long)e.offset, e.detail);
	gt_trace_info info;
	ck_assert_int_eq(decode_all(copy, cut, &info, &e), GT_EOF);
	ck_assert_uint_le(info.valid_bytes, cut);
	ck_assert_msg(!info.truncated || info.valid_bytes < cut, "%s cut at %zu: truncated, yet valid up to %llu", name, cut,
	              (unsigned long long)info.valid_bytes);
	size_t ours = tu_nth_sync_line(text, tlen, info.generations + 1);
	size_t theirs = tu_nth_sync_line(full, flen, info.generations + 1);
	ck_assert_msg(ours == theirs && memcmp(text, full, ours) == 0,
	              "%s cut at %zu: events of the %llu complete generations differ", name, cut,
	              (unsigned long long)info.generations);
	free(text);
	free(copy);
	return (cut_result){info.truncated, info.generations};
}

/* Runs `gotrace dump` on a cut file: status 0 and the warning line. */
static void check_cli_warns(const char *name, const char *data, size_t cut)
{
	const char *gotrace = getenv("GT_GOTRACE");
	if (!gotrace)
		return;
	char tmpl[] = "/tmp/gotrace-cut-XXXXXX";
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, data, cut) == (ssize_t)cut);
	close(fd);
	char cmd[8192], errpath[64];
	snprintf(errpath, sizeof errpath, "%s.err", tmpl);
	snprintf(cmd, sizeof cmd, "'%s' dump '%s' >/dev/null 2>'%s'", gotrace, tmpl, errpath);
	int st = system(cmd);
	size_t elen = 0;
	char *err = tu_read_file(errpath, &elen);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s cut at %zu: gotrace dump exit %d: %s", name,
	              cut, WIFEXITED(st) ? WEXITSTATUS(st) : -1, err ? err : "");
	ck_assert_msg(err && strstr(err, ": warning: trace cut short at offset ") && strstr(err, " complete generations, lost "),
	              "%s cut at %zu: no warning line: %s", name, cut, err ? err : "");
	free(err);
	unlink(errpath);
	unlink(tmpl);
}

static unsigned header_version(const char *data, size_t len)
{
	unsigned v = 0;
	if (len < 16 || sscanf(data, "go 1.%u trace", &v) != 1)
		return 0;
	return v;
}

/* gt_trace_prefix_len for the generation ending at ends[k]: asked for
 * bytes up to that end, or just past the previous one, it gives the prefix
 * that holds generations 0..k whole (before Go 1.26 with the first batch
 * of the next, dropped as truncated), or 0 when that is the whole trace. */
static void check_prefix_len(const char *name, const char *data, size_t len, unsigned version, const size_t *ends,
                             size_t n, size_t k, const char *full, size_t flen)
{
	size_t wants[] = {ends[k], k ? ends[k - 1] + 1 : 1};
	for (size_t w = 0; w < 2; w++) {
		size_t p = gt_trace_prefix_len(data, len, wants[w]);
		if (k == n - 1) {
			ck_assert_msg(p == 0, "%s: prefix of %zu bytes is the whole trace, got %zu", name, wants[w], p);
			continue;
		}
		if (version >= 26)
			ck_assert_msg(p == ends[k], "%s: prefix for %zu bytes: %zu, want %zu", name, wants[w], p, ends[k]);
		else
			ck_assert_msg(p > ends[k] && p < ends[k + 1], "%s: prefix for %zu bytes: %zu, want past %zu", name,
			              wants[w], p, ends[k]);
		cut_result r = check_cut(name, data, p, full, flen);
		ck_assert_msg(r.generations == k + 1 && r.truncated == (version < 26),
		              "%s: prefix of %zu: truncated=%d gens=%llu, want %zu", name, p, r.truncated,
		              (unsigned long long)r.generations, k + 1);
	}
}

START_TEST(cut_at_generation_boundaries)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), traces[_i]);
	size_t len;
	char *data = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	unsigned version = header_version(data, len);
	ck_assert_uint_ge(version, 22);
	char *full;
	size_t flen;
	gt_error e;
	ck_assert_int_eq(tu_dump(data, len, &full, &flen, &e), GT_EOF);
	size_t ends[256];
	size_t n = generation_ends((const uint8_t *)data, len, version, ends, 256);
	ck_assert_uint_ge(n, 1);
	ck_assert_uint_eq(ends[n - 1], len); /* real traces end with a whole generation */
	for (size_t k = 0; k < n; k++) {
		size_t b = ends[k];
		/* Exactly at the boundary the prefix is itself a whole trace of k+1
		 * generations: nothing in the format can tell it was cut. */
		cut_result r = check_cut(traces[_i], data, b, full, flen);
		ck_assert_msg(!r.truncated && r.generations == k + 1, "%s cut at boundary %zu: truncated=%d gens=%llu",
		              traces[_i], b, r.truncated, (unsigned long long)r.generations);
		/* One byte short: generation k+1 is incomplete and dropped. */
		r = check_cut(traces[_i], data, b - 1, full, flen);
		ck_assert_msg(r.truncated && r.generations == k, "%s cut at %zu: truncated=%d gens=%llu, want %zu",
		              traces[_i], b - 1, r.truncated, (unsigned long long)r.generations, k);
		if (r.generations > 0)
			check_cli_warns(traces[_i], data, b - 1);
		check_prefix_len(traces[_i], data, len, version, ends, n, k, full, flen);
		if (b + 2 > len)
			continue;
		/* Into the next generation: generation k+1 is complete once the
		 * cut batch provably belongs to the next one. Before Go 1.26 that
		 * takes its generation number (the byte after the batch type); a
		 * cut right after the type byte could still be a batch of
		 * generation k+1, so that generation is dropped. */
		for (size_t extra = 1; extra <= 2; extra++) {
			r = check_cut(traces[_i], data, b + extra, full, flen);
			uint64_t want = version < 26 && extra == 1 ? k : k + 1;
			ck_assert_msg(r.truncated && r.generations == want, "%s cut at %zu: truncated=%d gens=%llu, want %llu",
			              traces[_i], b + extra, r.truncated, (unsigned long long)r.generations,
			              (unsigned long long)want);
			if (r.generations > 0)
				check_cli_warns(traces[_i], data, b + extra);
		}
	}
	/* And many random offsets (test_golden cuts at 40 others). */
	unsigned seed = 0x9e3779b9u ^ (unsigned)_i;
	for (int k = 0; k < 100; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t cut = 17 + (size_t)(seed >> 8) % (len - 17);
		cut_result r = check_cut(traces[_i], data, cut, full, flen);
		ck_assert_msg(r.truncated || cut == len, "%s cut at %zu: not reported as truncated", traces[_i], cut);
	}
	free(full);
	free(data);
}
END_TEST

/* ---- versions and limits ---- */

/* The old format has no generations, so no prefix of it holds whole ones. */
START_TEST(prefix_len_of_old_format_is_zero)
{
	size_t len;
	char *data = tu_read_source("traces/go1.21/gcassist.trace", &len);
	ck_assert_uint_eq(gt_trace_prefix_len(data, len, 1), 0);
	ck_assert_uint_eq(gt_trace_prefix_len(data, 10, 1), 0);
	ck_assert_uint_eq(gt_trace_prefix_len(NULL, 0, 1), 0);
	free(data);
}
END_TEST

START_TEST(unknown_version_message)
{
	static const char future[] = "go 1.99 trace\0\0\0";
	gt_trace *t;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(future, sizeof future - 1, &t, &e), GT_ERR_VERSION);
	ck_assert_str_eq(e.detail, "unsupported trace version go 1.99; gotrace supports 1.11\xe2\x80\x93" "1.26");
	ck_assert_uint_eq(e.offset, 0);
	static const char old[] = "go 1.5 trace\0\0\0";
	ck_assert_int_eq(gt_trace_open(old, sizeof old - 1, &t, &e), GT_ERR_VERSION);
	ck_assert_str_eq(e.detail, "unsupported trace version go 1.5; gotrace supports 1.11\xe2\x80\x93" "1.26");
	/* Inside the range, a header no Go release writes. */
	static const char gap[] = "go 1.24 trace\0\0\0";
	ck_assert_int_eq(gt_trace_open(gap, sizeof gap - 1, &t, &e), GT_ERR_VERSION);
	ck_assert_ptr_nonnull(strstr(e.detail, "unsupported trace version go 1.24"));
}
END_TEST

/* A v2 trace of one batch: header, EventBatch(gen 1, M 0, time 1), body. */
static size_t one_batch(uint8_t *out, const uint8_t *body, size_t n)
{
	memcpy(out, "go 1.23 trace\0\0\0", 16);
	size_t i = 16;
	out[i++] = 1;
	out[i++] = 1;
	out[i++] = 0;
	out[i++] = 1;
	/* The size as a varint. */
	size_t v = n;
	do {
		out[i++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	memcpy(out + i, body, n);
	return i + n;
}

START_TEST(ceilings_give_limit_errors)
{
	static uint8_t buf[1 << 18], body[(1 << 17)];
	gt_trace_info info;
	gt_error e;
	/* A batch over 64 KiB. */
	memset(body, 0, sizeof body);
	size_t n = one_batch(buf, body, (64u << 10) + 1);
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.detail, "batch size"));
	ck_assert_uint_eq(e.offset, 16);
	/* A string over 1024 bytes in a string table. */
	size_t i = 0;
	body[i++] = 4;    /* EvStrings */
	body[i++] = 5;    /* EvString */
	body[i++] = 1;    /* id */
	body[i++] = 0x81; /* length 1025 */
	body[i++] = 0x08;
	memset(body + i, 'x', 1025);
	n = one_batch(buf, body, i + 1025);
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.detail, "string"));
	/* A stack deeper than 128 frames. */
	i = 0;
	body[i++] = 2; /* EvStacks */
	body[i++] = 3; /* EvStack */
	body[i++] = 1; /* id */
	body[i++] = (129 & 0x7f) | 0x80;
	body[i++] = 1;
	memset(body + i, 1, 129 * 4);
	n = one_batch(buf, body, i + 129 * 4);
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.detail, "stack"));
}
END_TEST

static size_t put_uvarint(uint8_t *p, uint64_t v)
{
	size_t i = 0;
	do {
		p[i++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return i;
}

/* One generation of a Go 1.23 trace whose thread 1 reports more Ps than
 * GT_MAX_PROCS, as many batches as that takes: the decoder must stop with
 * GT_ERR_LIMIT, not keep allocating. */
START_TEST(too_many_procs)
{
	size_t nprocs = GT_MAX_PROCS + 1, cap = 64 + nprocs * 8 + (nprocs / 4096 + 1) * 32;
	uint8_t *buf = malloc(cap), body[8192];
	memcpy(buf, "go 1.23 trace\0\0\0", 16);
	size_t n = 16;
	/* Frequency batch: 1 tick per ns. */
	static const uint8_t freq[] = {1, 1, 0, 1, 6, 8, 0x80, 0x94, 0xeb, 0xdc, 0x03};
	memcpy(buf + n, freq, sizeof freq);
	n += sizeof freq;
	for (size_t p = 0; p < nprocs;) {
		size_t bl = 0;
		for (; p < nprocs && bl + 16 < sizeof body; p++) {
			body[bl++] = 13; /* EvProcStatus: time delta, P id, status idle */
			body[bl++] = 1;
			bl += put_uvarint(body + bl, p);
			body[bl++] = 2;
		}
		buf[n++] = 1; /* EvEventBatch gen 1, M 1, time 1, size */
		buf[n++] = 1;
		buf[n++] = 1;
		buf[n++] = 1;
		n += put_uvarint(buf + n, bl);
		memcpy(buf + n, body, bl);
		n += bl;
	}
	ck_assert_uint_le(n, cap);
	gt_trace_info info;
	gt_error e = {0};
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_str_eq(e.detail, "more than 65536 procs");

	/* The same in a Go 1.21 trace: one EvBatch per P. */
	memcpy(buf, "go 1.21 trace\0\0\0", 16);
	n = 16;
	for (size_t p = 0; p < nprocs; p++) {
		buf[n++] = 1 | 1 << 6; /* EvBatch, two inline arguments: P, ticks */
		n += put_uvarint(buf + n, p);
		buf[n++] = 1;
	}
	ck_assert_uint_le(n, cap);
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_str_eq(e.detail, "more than 65536 procs");
	free(buf);
}
END_TEST

/* One generation of a Go 1.23 trace in which more than GT_MAX_THREADS
 * threads each report the same idle P: the ordering must stop at the
 * ceiling with GT_ERR_LIMIT instead of growing its thread table. */
START_TEST(too_many_threads)
{
	size_t nthreads = GT_MAX_THREADS + 1, cap = 64 + nthreads * 16;
	uint8_t *buf = malloc(cap);
	memcpy(buf, "go 1.23 trace\0\0\0", 16);
	size_t n = 16;
	static const uint8_t freq[] = {1, 1, 0, 1, 6, 8, 0x80, 0x94, 0xeb, 0xdc, 0x03};
	memcpy(buf + n, freq, sizeof freq);
	n += sizeof freq;
	for (size_t m = 1; m <= nthreads; m++) {
		buf[n++] = 1; /* EvEventBatch gen 1, thread m, time 1, 4 bytes */
		buf[n++] = 1;
		n += put_uvarint(buf + n, m);
		buf[n++] = 1;
		buf[n++] = 4;
		buf[n++] = 13; /* EvProcStatus: time delta 1, P 0, idle */
		buf[n++] = 1;
		buf[n++] = 0;
		buf[n++] = 2;
	}
	ck_assert_uint_le(n, cap);
	gt_trace_info info;
	gt_error e = {0};
	ck_assert_int_eq(decode_all(buf, n, &info, &e), GT_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.detail, "threads"));
	free(buf);
}
END_TEST

/* A clock that runs for 2^56 ns (found by fuzz_model): the model says so
 * instead of overflowing its sums. */
START_TEST(model_time_span_limit)
{
	size_t len;
	char *data = tu_read_source("tests/fuzz/crashers/model-lod-permille-overflow.trace", &len);
	gt_trace *t;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(data, len, &t, &e), GT_OK);
	gt_model *m;
	ck_assert_int_eq(gt_model_build(t, &m, NULL, NULL, &e), GT_ERR_LIMIT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(e.detail, "more than 2^50 ns"));
	gt_trace_close(t);
	free(data);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tests/go-fuzz", tu_source_dir());
	nfuzz_bins = tu_list(dir, ".bin", &fuzz_bins);
	/* Go 1.22 and later: the generations the cut tests look for. */
	char **all;
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	size_t nall = tu_list(dir, ".trace", &all);
	traces = calloc(nall + 1, sizeof *traces);
	for (size_t i = 0; i < nall; i++) {
		unsigned v = 0;
		if (sscanf(all[i], "go1.%u/", &v) == 1 && v >= 22)
			traces[ntraces++] = all[i];
		else
			free(all[i]);
	}
	free(all);
	if (nfuzz_bins == 0 || ntraces == 0) {
		fprintf(stderr, "no fuzz corpus or traces under %s\n", tu_source_dir());
		return 1;
	}
	Suite *s = suite_create("robust");
	TCase *tc = tcase_create("robust:go-fuzz");
	tcase_add_loop_test(tc, go_fuzz_corpus_verdicts, 0, (int)nfuzz_bins);
	suite_add_tcase(s, tc);
	tc = tcase_create("robust:cut");
	tcase_add_loop_test(tc, cut_at_generation_boundaries, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("robust:limits");
	tcase_add_test(tc, unknown_version_message);
	tcase_add_test(tc, prefix_len_of_old_format_is_zero);
	tcase_add_test(tc, ceilings_give_limit_errors);
	tcase_add_test(tc, too_many_procs);
	tcase_add_test(tc, too_many_threads);
	tcase_add_test(tc, model_time_span_limit);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(fuzz_bins, nfuzz_bins);
	tu_list_free(traces, ntraces);
	return failed ? 1 : 0;
}
