/* The model on real traces: goroutine summaries equal Go's own
 * (tests/golden/<toolchain>/<name>.goroutines.jsonl.gz, from internal/trace's
 * Summarizer via tests/gotools/gosummary), gaps add up to each goroutine's
 * scheduler wait, spans are well formed, and the failure shapes recorded in
 * traces/ show up where they should. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "gotrace/model.h"
#include "input.h"
#include "report.h"
#include "gappack.h"
#include "spanpack.h"
#include "testutil.h"
#include "same_gap.h"
#include "tracewriter.h"

static char **traces;
static size_t ntraces;

/* Compares gotrace goroutines --format jsonl for one trace with Go's. The
 * file is mapped and its pages given back generation by generation as the
 * command does: names that point into them must read the same. */
static void check_summaries(const char *trace_path, const char *golden_path)
{
	size_t glen;
	char *golden = tu_read_file(golden_path, &glen);
	if (!golden)
		return; /* Go's reader rejects this trace: no summary to compare */
	gt_input in;
	ck_assert_msg(gt_input_open(&in, trace_path) == 0, "cannot read %s", trace_path);
	gt_trace *t;
	gt_model *m;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(in.data, in.len, &t, &e), GT_OK);
	ck_assert_msg(gt_model_build(t, &m, gt_input_retire_progress, &in, &e) == GT_OK, "%s: %s", trace_path, e.detail);
	gf_buf b = {0};
	rp_goroutines(&b, m, RP_JSONL, false);
	size_t line = tu_first_diff_line(b.p, b.len, golden, glen);
	ck_assert_msg(line == 0, "%s: goroutine summaries differ from Go's at line %zu", trace_path, line);
	gf_free(&b);
	gt_model_free(m);
	gt_trace_close(t);
	gt_input_close(&in);
	free(golden);
}

/* Every trace Go reads, old format included. */
START_TEST(goroutine_summaries_match_go)
{
	const char *name = traces[_i];
	char tpath[4096], gpath[4096];
	snprintf(tpath, sizeof tpath, "%s/traces/%s", tu_source_dir(), name);
	snprintf(gpath, sizeof gpath, "%s/tests/golden/%.*s.goroutines.jsonl.gz", tu_source_dir(),
	         (int)(strlen(name) - strlen(".trace")), name);
	check_summaries(tpath, gpath);
}
END_TEST

static char **gotests;
static size_t ngotests;

/* Go's own reader tests, hand-made edge cases of the scheduler. */
START_TEST(go_testdata_summaries_match_go)
{
	const char *name = gotests[_i];
	char tpath[4096], gpath[4096];
	snprintf(tpath, sizeof tpath, "%s/tests/go-testdata/%s", tu_source_dir(), name);
	snprintf(gpath, sizeof gpath, "%s/tests/go-testdata/%.*s.goroutines.jsonl", tu_source_dir(),
	         (int)(strlen(name) - strlen(".trace")), name);
	check_summaries(tpath, gpath);
}
END_TEST

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* First index in v[0..n) (ascending) whose value is > t (or >= t). */
static size_t count_le(const int64_t *v, size_t n, int64_t t, bool or_equal)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < t || (or_equal && v[mid] == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Starts and ends of gaps, each ascending; with or without the gaps of
 * goroutines runnable when the trace started. */
typedef struct gap_times {
	int64_t *starts, *ends;
	size_t n;
} gap_times;

static gap_times gap_times_of(const gt_model *m, bool trace_start)
{
	size_t n = gt_model_ngaps(m);
	gap_times gt = {malloc((n + 1) * sizeof(int64_t)), malloc((n + 1) * sizeof(int64_t)), 0};
	ck_assert(gt.starts && gt.ends);
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	while (gt.n < n && gt_gap_next(&it, &g))
		if (trace_start || g.cause != GT_CAUSE_TRACE_START) {
			gt.starts[gt.n] = g.start;
			gt.ends[gt.n++] = gt_gap_end(&g);
		}
	qsort(gt.ends, gt.n, sizeof *gt.ends, cmp_i64);
	return gt;
}

/* The goroutines runnable when a gap begins are the gaps open then: at
 * least those that began before and end after it, itself included, at
 * most those that began by then and had not ended. A goroutine runnable
 * when the trace started counts from when its status arrives, though its
 * gap is moved back to the trace's start: only the most may count it. */
static void check_runnable_at_start(const gt_model *m, const char *name)
{
	size_t ngaps;
	gt_gap *gaps = tu_gaps_copy(m, &ngaps);
	gap_times all = gap_times_of(m, true), later = gap_times_of(m, false);
	for (size_t i = 0; i < ngaps; i++) {
		if (gaps[i].cause == GT_CAUSE_TRACE_START)
			continue;
		int64_t t = gaps[i].start;
		int64_t most = (int64_t)count_le(all.starts, all.n, t, true) - (int64_t)count_le(all.ends, all.n, t, false);
		int64_t least =
		    (int64_t)count_le(later.starts, later.n, t, false) - (int64_t)count_le(later.ends, later.n, t, true) + 1;
		ck_assert_msg(gaps[i].runnable_at_start >= least && gaps[i].runnable_at_start <= most,
		              "%s: gap %zu: %u runnable at its start, not within %lld..%lld", name, i,
		              gaps[i].runnable_at_start, (long long)least, (long long)most);
	}
	free(all.starts);
	free(all.ends);
	free(later.starts);
	free(later.ends);
	free(gaps);
}

/* Every runnable interval is a gap, so per goroutine the gaps sum to Go's
 * scheduler wait -- except that Go's summary also counts, as scheduler wait,
 * a syscall still blocked without a P when the trace ends. */
START_TEST(gaps_sum_to_sched_wait)
{
	tu_model l;
	if (!tu_load_model(traces[_i], &l, true))
		return;
	size_t ng = gt_model_ngoroutines(l.m);
	int64_t *sum = calloc(ng, sizeof *sum);
	size_t ngaps;
	gt_gap *gaps = tu_gaps_copy(l.m, &ngaps);
	for (size_t i = 0; i < ngaps; i++) {
		ck_assert_int_le(gaps[i].start, gt_gap_end(&gaps[i]));
		gt_gap_sched sc = gt_gap_sched_of(l.m, &gaps[i]);
		ck_assert_int_ge(sc.all_ps_busy_ns, 0);
		ck_assert_int_ge(sc.idle_p_ns, 0);
		ck_assert_int_ge(sc.stw_ns, 0);
		ck_assert_int_ge(sc.gc_ns, 0);
		ck_assert_int_le(sc.all_ps_busy_ns + sc.idle_p_ns, gt_gap_len(&gaps[i]));
		ck_assert_int_le(sc.stw_ns, gt_gap_len(&gaps[i]));
		ck_assert_int_le(sc.gc_ns, gt_gap_len(&gaps[i]));
		ck_assert_uint_ge(gaps[i].runnable_at_start, 1);
		if (i)
			ck_assert_int_le(gaps[i - 1].start, gaps[i].start);
		sum[gaps[i].goroutine] += gt_gap_len(&gaps[i]);
	}
	free(gaps);
	check_runnable_at_start(l.m, traces[_i]);
	for (uint32_t gi = 0; gi < ng; gi++) {
		const gt_goroutine g_rec = gt_model_goroutine(l.m, gi), *g = &g_rec;
		size_t n;
		gt_span *sp = tu_track_copy(l.m, 0, gi, &n);
		int64_t extra = 0;
		if (n && sp[n - 1].state == GT_GS_SYSCALL_BLOCKED && g->end < 0)
			extra = sp[n - 1].end - sp[n - 1].start;
		int64_t wait = gt_model_gstats(l.m, gi).sched_wait_ns;
		ck_assert_msg(sum[gi] + extra == wait, "%s: goroutine %lld: gaps %lld, sched wait %lld", traces[_i],
		              (long long)g->id, (long long)sum[gi], (long long)wait);
		for (size_t s = 0; s < n; s++) {
			ck_assert_int_le(sp[s].start, sp[s].end);
			if (s)
				ck_assert_int_le(sp[s - 1].end, sp[s].start);
		}
		free(sp);
	}
	free(sum);
	tu_unload_model(&l);
}
END_TEST

/* The first of gaps[0..n) starting at or after t, the slow way. */
static size_t first_at_by_scan(const gt_gap *gaps, size_t n, int64_t t)
{
	size_t i = 0;
	while (i < n && gaps[i].start < t)
		i++;
	return i;
}

/* Gaps are packed in blocks, each decoded from its start: every way of
 * reading one must give what one pass from the first gap gives at that
 * index, whether it lands at the start, the middle or the end of a block
 * or reads on into the next. */
static void check_gap_reads(const gt_model *m, const char *name)
{
	size_t n;
	gt_gap *all = tu_gaps_copy(m, &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			ck_assert_msg(all[i - 1].start <= all[i].start, "%s: gap %zu starts at %lld, before gap %zu at %lld",
			              name, i, (long long)all[i].start, i - 1, (long long)all[i - 1].start);
		gt_gap g = gt_model_gap(m, i);
		ck_assert_msg(same_gap(m, &g, &all[i]), "%s: gt_model_gap(%zu) differs from gap %zu read in order", name, i,
		              i);
	}
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(all[i].start >= all[i - 1].start, "%s: gap %zu starts before gap %zu", name, i, i - 1);
	/* A seek to every index, then on across the next block boundary; at
	 * the end the iterator stays at the end. */
	for (size_t i = 0; i <= n + GT_GAP_BLOCK; i++) {
		gt_gap_iter it;
		gt_gap g;
		gt_gap_seek(m, i, &it);
		size_t k = i;
		for (; k < n && k <= i + GT_GAP_BLOCK; k++) {
			ck_assert_msg(gt_gap_next(&it, &g), "%s: seek to %zu ends before gap %zu of %zu", name, i, k, n);
			ck_assert_msg(same_gap(m, &g, &all[k]), "%s: seek to %zu reads gap %zu wrong", name, i, k);
		}
		if (k >= n) {
			ck_assert_msg(!gt_gap_next(&it, &g), "%s: seek to %zu reads past the last of %zu gaps", name, i, n);
			ck_assert(!gt_gap_next(&it, &g));
		}
	}
	/* Every start, either side of it, before all and after all. */
	int64_t edges[] = {INT64_MIN, -1, 0, n ? all[0].start - 1 : 1, n ? all[n - 1].start + 1 : 2, INT64_MAX};
	for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
		size_t got = gt_model_gap_first_at(m, edges[e]), want = first_at_by_scan(all, n, edges[e]);
		ck_assert_msg(got == want, "%s: first gap at %lld: %zu, want %zu", name, (long long)edges[e], got, want);
	}
	ck_assert_uint_eq(gt_model_gap_first_at(m, INT64_MAX), n);
	for (size_t i = 0; i < n; i++) {
		if (i && all[i].start == all[i - 1].start)
			continue;
		for (int64_t d = -1; d <= 1; d++) {
			int64_t t = all[i].start + d;
			size_t got = gt_model_gap_first_at(m, t), want = first_at_by_scan(all, n, t);
			ck_assert_msg(got == want, "%s: first gap at %lld: %zu, want %zu", name, (long long)t, got, want);
		}
	}
	free(all);
}

/* Every recording of the current format; those of flightrec have over a
 * hundred blocks of gaps. */
START_TEST(gap_reads_agree)
{
	tu_model l;
	if (!tu_load_model(traces[_i], &l, true))
		return;
	if (strstr(traces[_i], "/flightrec."))
		ck_assert_uint_ge(gt_model_ngaps(l.m), 64 * GT_GAP_BLOCK);
	check_gap_reads(l.m, traces[_i]);
	tu_unload_model(&l);
}
END_TEST

/* The recording with the most gaps, about 150 blocks, is of the old
 * format, which the loop above leaves out. */
START_TEST(gap_reads_agree_old_format)
{
	tu_model l;
	ck_assert(tu_load_model("go1.19/gcassist.trace", &l, false));
	ck_assert_uint_ge(gt_model_ngaps(l.m), 100 * GT_GAP_BLOCK);
	check_gap_reads(l.m, "go1.19/gcassist.trace");
	tu_unload_model(&l);
}
END_TEST

/* Two goroutines on one P hand it to each other: g1 unblocks g2 and
 * blocks, g2 runs, unblocks g1 and blocks, g1 runs; 20 ns in each gap.
 * Sequence numbers count each goroutine's unblocks and starts. */
static void hand_over(wbuf *b, uint64_t *seq)
{
	w_ev(b, EvGoUnblock, 4, (uint64_t)10, (uint64_t)2, ++seq[2], (uint64_t)0);
	w_ev(b, EvGoBlock, 3, (uint64_t)10, (uint64_t)0, (uint64_t)0);
	w_ev(b, EvGoStart, 3, (uint64_t)10, (uint64_t)2, ++seq[2]);
	w_ev(b, EvGoUnblock, 4, (uint64_t)10, (uint64_t)1, ++seq[1], (uint64_t)0);
	w_ev(b, EvGoBlock, 3, (uint64_t)10, (uint64_t)0, (uint64_t)0);
	w_ev(b, EvGoStart, 3, (uint64_t)10, (uint64_t)1, ++seq[1]);
}

/* A goroutine's status can come long after the trace began: Go puts its
 * gap at the trace's start, before thousands of gaps the model may have
 * packed already (GAP_PACK_MIN), which it must then take back to keep the
 * gaps in order of start. No recording shows this: their late statuses
 * come while earlier gaps are still open. Here EARLY goroutines found
 * runnable at the start run first, so the gaps that start later begin
 * inside a block, which the taking back starts from. */
START_TEST(late_status_gap_goes_in_order)
{
	enum { EARLY = 40, BEFORE = 3000, AFTER = 40, PER_BATCH = 1000 };
	static wbuf w, b;
	w.n = b.n = 0;
	w_bytes(&w, "go 1.26 trace\0\0\0", 16);
	uint64_t seq[3] = {0}, at = 1000;
	w_ev(&b, EvProcStatus, 3, (uint64_t)0, (uint64_t)0, (uint64_t)1);
	w_ev(&b, EvGoStatus, 4, (uint64_t)0, (uint64_t)2, NO_THREAD, (uint64_t)GoWaiting);
	for (uint64_t g = 10; g < 10 + EARLY; g++)
		w_ev(&b, EvGoStatus, 4, (uint64_t)0, g, NO_THREAD, (uint64_t)GoRunnable);
	w_ev(&b, EvGoStatus, 4, (uint64_t)0, (uint64_t)1, NO_THREAD, (uint64_t)GoRunnable);
	for (uint64_t g = 10; g < 10 + EARLY; g++) {
		w_ev(&b, EvGoStart, 3, (uint64_t)10, g, (uint64_t)1);
		w_ev(&b, EvGoBlock, 3, (uint64_t)10, (uint64_t)0, (uint64_t)0);
	}
	w_ev(&b, EvGoStart, 3, (uint64_t)10, (uint64_t)1, ++seq[1]);
	for (int k = 0; k < BEFORE + AFTER; k++) {
		if (k == BEFORE)
			w_ev(&b, EvGoStatus, 4, (uint64_t)10, (uint64_t)3, NO_THREAD, (uint64_t)GoRunnable);
		hand_over(&b, seq);
		if ((k + 1) % PER_BATCH == 0 || k + 1 == BEFORE + AFTER) {
			w_batch(&w, 1, 1, at, &b);
			at += 70 * PER_BATCH;
			b.n = 0;
		}
	}
	w_end_generation(&w, 1);

	gt_trace *t;
	gt_model *m;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(w.b, w.n, &t, &e), GT_OK);
	ck_assert_msg(gt_model_build(t, &m, NULL, NULL, &e) == GT_OK, "%s", e.detail);
	size_t early = EARLY + 1; /* g1 was found runnable too */
	ck_assert_uint_eq(gt_model_ngaps(m), early + 2 * (BEFORE + AFTER) + 1);
	check_gap_reads(m, "late status");
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	for (size_t i = 0; gt_gap_next(&it, &g); i++) {
		int64_t id = gt_model_goroutine(m, g.goroutine).id;
		if (i <= early) {
			/* Equal starts in the order the gaps began: g3's last. */
			ck_assert_int_eq(g.cause, GT_CAUSE_TRACE_START);
			ck_assert_int_eq(g.start, 0);
			ck_assert_int_eq(id, i < EARLY ? 10 + (int64_t)i : i == EARLY ? 1 : 3);
			ck_assert_uint_eq(g.proc, i < early ? 0 : GT_NONE); /* g3 never runs */
			continue;
		}
		ck_assert_msg(gt_gap_len(&g) == 20 && g.proc == 0 && id == ((i - early) % 2 ? 2 : 1), "gap %zu", i);
	}
	gt_model_free(m);
	gt_trace_close(t);
}
END_TEST

static bool same_str(gt_str a, gt_str b) { return a.len == b.len && (!a.len || memcmp(a.ptr, b.ptr, a.len) == 0); }

/* A goroutine's name index reads as its name, and two goroutines share an
 * index exactly when they share a name: the viewer groups by index. */
START_TEST(name_indices_are_names)
{
	tu_model l;
	if (!tu_load_model(traces[_i], &l, true))
		return;
	size_t nn = gt_model_nnames(l.m), ng = gt_model_ngoroutines(l.m);
	ck_assert_uint_ge(nn, 1);
	ck_assert_uint_eq(gt_model_name(l.m, 0).len, 0);
	for (uint32_t a = 0; a < nn; a++)
		for (uint32_t b = a + 1; b < nn; b++)
			ck_assert(!same_str(gt_model_name(l.m, a), gt_model_name(l.m, b)));
	for (uint32_t gi = 0; gi < ng; gi++) {
		uint32_t n = gt_model_goroutine_name(l.m, gi);
		ck_assert_uint_lt(n, nn);
		ck_assert(same_str(gt_model_name(l.m, n), gt_model_goroutine(l.m, gi).name));
	}
	ck_assert_uint_eq(gt_model_goroutine_name(l.m, (uint32_t)ng), 0);
	ck_assert_uint_eq(gt_model_name(l.m, (uint32_t)nn).len, 0);
	tu_unload_model(&l);
}
END_TEST

static int name_has(const gt_goroutine *g, const char *s)
{
	return g->name.len && memmem(g->name.ptr, g->name.len, s, strlen(s)) != NULL;
}

/* The recordings show their shapes in the model. */
START_TEST(shapes_are_visible)
{
	tu_model l;
	const char *name = traces[_i];
	if (!tu_load_model(name, &l, true))
		return;
	const gt_range_span *r;
	if (strstr(name, "/starved.")) {
		/* The worst gaps are waits while every P was busy. */
		gt_gap g, worst = {0};
		bool any = false;
		gt_gap_iter it;
		gt_gap_seek(l.m, 0, &it);
		while (gt_gap_next(&it, &g))
			if (!any || gt_gap_len(&g) > gt_gap_len(&worst)) {
				worst = g;
				any = true;
			}
		ck_assert(any);
		int64_t busy = gt_gap_sched_of(l.m, &worst).all_ps_busy_ns;
		ck_assert_msg(busy * 2 > gt_gap_len(&worst), "%s: worst gap %lld ns, all Ps busy only %lld ns", name,
		              (long long)gt_gap_len(&worst), (long long)busy);
		ck_assert_int_gt(gt_gap_len(&worst), 1000000);
	} else if (strstr(name, "/gcassist.")) {
		ck_assert_uint_gt(gt_model_ranges(l.m, GT_RANGE_MARK_ASSIST, &r), 0);
		ck_assert_uint_gt(gt_model_ranges(l.m, GT_RANGE_STW, &r), 0);
		ck_assert_uint_gt(gt_model_ranges(l.m, GT_RANGE_GC_MARK, &r), 0);
	} else if (strstr(name, "/stw.")) {
		ck_assert_uint_ge(gt_model_ranges(l.m, GT_RANGE_STW, &r), 8);
	} else if (strstr(name, "/syscalls.")) {
		size_t syscalls = 0, blocked = 0;
		for (uint32_t gi = 0; gi < gt_model_ngoroutines(l.m); gi++) {
			gt_span_iter it;
			gt_span sp;
			gt_track_seek(l.m, 0, gi, INT64_MIN, &it);
			while (gt_track_next(&it, &sp)) {
				syscalls += sp.state == GT_GS_SYSCALL;
				blocked += sp.state == GT_GS_SYSCALL_BLOCKED;
			}
		}
		ck_assert_uint_gt(syscalls, 0);
		ck_assert_uint_gt(blocked, 0);
	} else if (strstr(name, "/leak.")) {
		size_t stuck = 0;
		for (uint32_t gi = 0; gi < gt_model_ngoroutines(l.m); gi++) {
			const gt_goroutine g_rec = gt_model_goroutine(l.m, gi), *g = &g_rec;
			gt_span last_span;
			const gt_span *last = gt_track_last(l.m, 0, gi, &last_span) ? &last_span : NULL;
			if (name_has(g, "main.") && last && last->state == GT_GS_WAITING && g->end < 0 &&
			    last->end == gt_model_duration(l.m))
				stuck++;
		}
		ck_assert_uint_ge(stuck, 50);
	} else if (strstr(name, "/tasks.")) {
		const gt_task *tasks;
		const gt_region *regions;
		const gt_log *logs;
		ck_assert_uint_ge(gt_model_tasks(l.m, &tasks), 24);
		ck_assert_uint_gt(gt_model_regions(l.m, &regions), 0);
		ck_assert_uint_gt(gt_model_logs(l.m, &logs), 0);
	} else if (strstr(name, "/cpuprofile.")) {
		const gt_cpu_sample *samples;
		ck_assert_uint_ge(gt_model_cpu_samples(l.m, &samples), 20);
	}
	tu_unload_model(&l);
}
END_TEST

START_TEST(lod_levels)
{
	tu_model l;
	if (!tu_load_model(traces[_i], &l, true))
		return;
	int64_t dur = gt_model_duration(l.m);
	for (uint32_t p = 0; p < gt_model_nprocs(l.m); p++) {
		gt_lod lod = gt_model_lod(l.m, 1, p, dur / 100 + 1);
		if (!lod.nbuckets)
			continue;
		ck_assert_int_le((int64_t)1 << lod.shift, dur / 100 + 1);
		/* Busy time in buckets equals busy time in spans. */
		int64_t spans = 0, buckets = 0;
		gt_span_iter it;
		gt_span s;
		gt_track_seek(l.m, 1, p, INT64_MIN, &it);
		while (gt_track_next(&it, &s))
			spans += s.end - s.start;
		for (size_t k = 0; k < lod.nbuckets; k++)
			buckets += (int64_t)lod.buckets[k].busy_permille * ((int64_t)1 << lod.shift) / 1000;
		int64_t tol = (int64_t)lod.nbuckets * (((int64_t)1 << lod.shift) / 1000 + 1);
		ck_assert_msg(buckets >= spans - tol && buckets <= spans + tol, "busy %lld in buckets vs %lld in spans",
		              (long long)buckets, (long long)spans);
	}
	tu_unload_model(&l);
}
END_TEST

/* One level of a track's level of detail, computed from its spans bucket
 * by bucket as the buckets are defined, without the builder's streaming
 * and summing of levels; compared field by field. */
static void check_lod_level(const char *name, int kind, uint32_t track, const gt_span *sp, size_t n, gt_lod lod)
{
	int64_t width = (int64_t)1 << lod.shift;
	for (size_t j = 0; j < lod.nbuckets; j++) {
		int64_t lo = (int64_t)j * width, hi = lo + width;
		int64_t by_state[GT_GS_COUNT] = {0}, busy = 0, worst = 0;
		unsigned count = 0;
		/* Spans are sorted and do not overlap: those touching [lo, hi)
		 * start at the first one ending after lo. */
		for (size_t i = gt_spans_find(sp, n, lo > 0 ? lo - 1 : 0); i < n && sp[i].start < hi; i++) {
			int64_t a = sp[i].start < 0 ? 0 : sp[i].start, e = sp[i].end < a ? a : sp[i].end;
			if (a >> lod.shift == (int64_t)j)
				count++;
			int64_t ov = (e < hi ? e : hi) - (a > lo ? a : lo);
			if (ov <= 0)
				continue;
			by_state[sp[i].state] += ov;
			bool is_busy = kind == 0 ? sp[i].state != GT_GS_WAITING && sp[i].state != GT_GS_RUNNABLE
			                         : sp[i].state != GT_PS_IDLE;
			if (is_busy)
				busy += ov;
			if (kind == 0 && sp[i].state == GT_GS_RUNNABLE && e - a > worst)
				worst = e - a;
		}
		uint8_t dominant = 0xff;
		int64_t best = 0;
		for (int st = 0; st < GT_GS_COUNT; st++)
			if (by_state[st] > best) {
				best = by_state[st];
				dominant = (uint8_t)st;
			}
		const gt_lod_bucket *b = &lod.buckets[j];
		ck_assert_msg(b->dominant == dominant && b->count == (count < 255 ? count : 255) &&
		                  b->busy_permille == (uint16_t)((double)busy * 1000.0 / (double)width) &&
		                  b->worst_gap_ns == worst,
		              "%s: track %d/%u, buckets of 2^%u ns, bucket %zu: dominant %u count %u busy %u worst %lld, "
		              "from the spans %u %u %u %lld",
		              name, kind, track, lod.shift, j, b->dominant, b->count, b->busy_permille,
		              (long long)b->worst_gap_ns, dominant, count < 255 ? count : 255,
		              (uint16_t)((double)busy * 1000.0 / (double)width), (long long)worst);
	}
}

START_TEST(lod_buckets_match_spans)
{
	tu_model l;
	if (!tu_load_model(traces[_i], &l, true))
		return;
	/* Every track that has a level of detail, every level it keeps. */
	gt_model_warm_lod(l.m, 0);
	size_t counts[3] = {gt_model_ngoroutines(l.m), gt_model_nprocs(l.m), gt_model_nthreads(l.m)};
	size_t levels = 0;
	for (int kind = 0; kind < 3; kind++) {
		for (uint32_t i = 0; i < counts[kind]; i++) {
			size_t n;
			gt_span *sp = tu_track_copy(l.m, kind, i, &n);
			unsigned last = 0;
			for (int k = 0; k < 24; k++) {
				gt_lod lod = gt_model_lod(l.m, kind, i, (int64_t)1 << (10 + 2 * k));
				if (!lod.nbuckets || lod.shift == last)
					continue;
				last = lod.shift;
				check_lod_level(traces[_i], kind, i, sp, n, lod);
				levels++;
			}
			free(sp);
		}
	}
	ck_assert_uint_gt(levels, 0);
	tu_unload_model(&l);
}
END_TEST

/* The decoder's status and error at the end of reading every event. */
static gt_status decode_all(const void *data, size_t len, gt_error *err)
{
	gt_trace *t;
	gt_status s = gt_trace_open(data, len, &t, err);
	if (s != GT_OK)
		return s;
	gt_event ev;
	while ((s = gt_trace_next(t, &ev, err)) == GT_OK)
		;
	gt_trace_close(t);
	return s;
}

/* The model is built on a thread of its own, fed by the thread that
 * decodes: a trace damaged at any point must stop the build with the
 * decoder's own error, at the same offset, or build as the decoder reads
 * it. Bytes overwritten at a dozen places in each trace. */
START_TEST(model_stops_with_the_decoder_error)
{
	const char *name = traces[_i];
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), name);
	size_t len;
	unsigned char *data = (unsigned char *)tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_gt(len, 64);
	uint32_t seed = 2166136261u ^ (uint32_t)len;
	for (int round = 0; round < 12; round++) {
		unsigned char *bad = malloc(len);
		ck_assert_ptr_nonnull(bad);
		memcpy(bad, data, len);
		seed = seed * 1664525u + 1013904223u;
		size_t at = 16 + seed % (len - 16);
		for (size_t k = 0; k < 8 && at + k < len; k++)
			bad[at + k] ^= (unsigned char)(0x5a + k * 37 + round);
		gt_error de = {0}, me = {0};
		gt_status ds = decode_all(bad, len, &de);
		gt_trace *t;
		gt_model *m = NULL;
		gt_status ms = gt_trace_open(bad, len, &t, &me);
		if (ms == GT_OK) {
			ms = gt_model_build(t, &m, NULL, NULL, &me);
			gt_trace_close(t);
		}
		if (ds == GT_EOF) {
			ck_assert_msg(ms == GT_OK, "%s: damaged at %zu: decodes, model fails: %s", name, at, me.detail);
		} else {
			ck_assert_msg(ms == ds, "%s: damaged at %zu: decoder %d, model %d", name, at, (int)ds, (int)ms);
			ck_assert_msg(me.offset == de.offset && strcmp(me.detail, de.detail) == 0,
			              "%s: damaged at %zu: decoder offset %llu (%s), model offset %llu (%s)", name, at,
			              (unsigned long long)de.offset, de.detail, (unsigned long long)me.offset, me.detail);
		}
		gt_model_free(m);
		free(bad);
	}
	free(data);
}
END_TEST

/* Events decoded from the start of a trace, counted, and the time of the
 * k-th of them (1-based). */
static uint64_t count_events(const void *data, size_t len, uint64_t k, int64_t *time_k)
{
	gt_trace *t;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(data, len, &t, &e), GT_OK);
	gt_event ev;
	uint64_t n = 0;
	while (gt_trace_next(t, &ev, &e) == GT_OK)
		if (++n == k)
			*time_k = ev.time;
	gt_trace_close(t);
	return n;
}

/* A track of the model of the first events is the whole model's track
 * cut at its end: the same spans, the last one ending no later. */
static void check_track_prefix(const gt_model *first, const gt_model *whole, int kind, uint32_t fi, uint32_t wi,
                               const char *name)
{
	size_t nf, nw;
	gt_span *f = tu_track_copy(first, kind, fi, &nf);
	gt_span *w = tu_track_copy(whole, kind, wi, &nw);
	ck_assert_msg(nf <= nw, "%s: track %d/%u has %zu spans, whole trace %zu", name, kind, fi, nf, nw);
	for (size_t k = 0; k < nf; k++) {
		bool last = k + 1 == nf;
		ck_assert_msg(f[k].start == w[k].start && f[k].state == w[k].state && f[k].ref == w[k].ref &&
		                  f[k].reason == w[k].reason && (last ? f[k].end <= w[k].end : f[k].end == w[k].end),
		              "%s: track %d/%u span %zu: [%lld,%lld) state %u, whole trace [%lld,%lld) state %u", name, kind,
		              fi, k, (long long)f[k].start, (long long)f[k].end, f[k].state, (long long)w[k].start,
		              (long long)w[k].end, w[k].state);
	}
	free(f);
	free(w);
}

/* The viewer's first frame shows a model of a trace's first events: it
 * must be the whole trace's model cut at the last of them, every track,
 * goroutine and gap, and all of the events must give the whole model. */
START_TEST(first_events_are_a_prefix)
{
	tu_model l;
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), traces[_i]);
	l.data = tu_read_file(path, &l.len);
	ck_assert_ptr_nonnull(l.data);
	gt_error le;
	ck_assert_int_eq(gt_trace_open(l.data, l.len, &l.t, &le), GT_OK);
	if (gt_model_build(l.t, &l.m, NULL, NULL, &le) != GT_OK) {
		/* The old-format cgo recordings: Go cannot order them either. */
		gt_trace_close(l.t);
		free(l.data);
		return;
	}
	int64_t unused;
	uint64_t n = count_events(l.data, l.len, 0, &unused);
	const gt_model *whole = l.m;
	for (int part = 1; part <= 4; part++) {
		uint64_t k = part == 4 ? n + 1 : n * (uint64_t)part / 4;
		gt_trace *t;
		gt_model *m;
		gt_error e;
		ck_assert_int_eq(gt_trace_open(l.data, l.len, &t, &e), GT_OK);
		ck_assert_msg(gt_model_build_first(t, k, &m, &e) == GT_OK, "%s: %s", traces[_i], e.detail);
		int64_t end = gt_model_duration(m);
		ck_assert_int_eq(gt_model_start_ns(m), gt_model_start_ns(whole));
		ck_assert_int_le(end, gt_model_duration(whole));
		int64_t last = 0;
		if (k > 0 && count_events(l.data, l.len, k, &last) >= k)
			ck_assert_int_eq(gt_model_start_ns(m) + end, last);
		if (k >= n) {
			ck_assert_int_eq(end, gt_model_duration(whole));
			ck_assert_uint_eq(gt_model_ngoroutines(m), gt_model_ngoroutines(whole));
			ck_assert_uint_eq(gt_model_ngaps(m), gt_model_ngaps(whole));
		}
		ck_assert_uint_le(gt_model_ngoroutines(m), gt_model_ngoroutines(whole));
		for (uint32_t g = 0; g < gt_model_ngoroutines(m); g++) {
			const gt_goroutine fg_rec = gt_model_goroutine(m, g), *fg = &fg_rec;
			uint32_t wi = gt_model_find_goroutine(whole, fg->id);
			ck_assert_msg(wi != GT_NONE, "%s: goroutine %lld not in the whole trace", traces[_i], (long long)fg->id);
			ck_assert_int_eq(fg->creation, gt_model_goroutine(whole, wi).creation);
			check_track_prefix(m, whole, GT_TRACK_GOROUTINE, g, wi, traces[_i]);
		}
		ck_assert_uint_le(gt_model_nprocs(m), gt_model_nprocs(whole));
		for (uint32_t p = 0; p < gt_model_nprocs(m); p++)
			check_track_prefix(m, whole, GT_TRACK_PROC, p, p, traces[_i]);
		/* Gaps over before the cut are the whole trace's. */
		size_t nf, nw, over = 0;
		gt_gap *fgaps = tu_gaps_copy(m, &nf), *wgaps = tu_gaps_copy(whole, &nw);
		for (size_t i = 0, j = 0; i < nf; i++) {
			if (gt_gap_end(&fgaps[i]) >= end)
				continue;
			over++;
			int64_t id = gt_model_goroutine(m, fgaps[i].goroutine).id;
			while (j < nw && wgaps[j].start < fgaps[i].start)
				j++;
			size_t q = j;
			while (q < nw && wgaps[q].start == fgaps[i].start &&
			       gt_model_goroutine(whole, wgaps[q].goroutine).id != id)
				q++;
			ck_assert_msg(q < nw && wgaps[q].start == fgaps[i].start && gt_gap_end(&wgaps[q]) == gt_gap_end(&fgaps[i]) &&
			                  wgaps[q].cause == fgaps[i].cause,
			              "%s: gap %zu of the first %llu events is not the whole trace's", traces[_i], i,
			              (unsigned long long)k);
			gt_gap_sched fs = gt_gap_sched_of(m, &fgaps[i]), ws = gt_gap_sched_of(whole, &wgaps[q]);
			ck_assert_msg(!memcmp(&fs, &ws, sizeof fs), "%s: gap %zu of the first %llu events: other scheduler figures",
			              traces[_i], i, (unsigned long long)k);
		}
		ck_assert_uint_le(over, nw);
		free(fgaps);
		free(wgaps);
		gt_model_free(m);
		gt_trace_close(t);
	}
	tu_unload_model(&l);
}
END_TEST

/* Scheduler figures of 2^32 ns (4.3 s) or more are kept in wide records.
 * No recording holds so long a gap, so this one slows a real recording's
 * clock 1000 times: it rewrites the frequency event of each generation
 * (15625000 ticks/s, a 4-byte uvarint) to 15625 ticks/s in 4 bytes too,
 * padded with continuation bytes (`go tool trace -d=parsed` prints the
 * rewritten file as `gotrace dump` does). A tick is then
 * 64 us instead of 64 ns and every time 1000 times what it was, but for the
 * nanosecond Go adds to an event that has its predecessor's time; the gaps
 * of more than 4.3 ms cross 2^32 ns. */
START_TEST(long_gaps_keep_their_figures)
{
	tu_model l;
	ck_assert(tu_load_model("go1.27/starved.trace", &l, true));
	char *slow = malloc(l.len);
	ck_assert_ptr_nonnull(slow);
	memcpy(slow, l.data, l.len);
	static const uint8_t freq[] = {8, 0xa8, 0xd6, 0xb9, 0x07}, slower[] = {8, 0x89, 0xfa, 0x80, 0x00};
	int patched = 0;
	for (size_t i = 0; i + sizeof freq <= l.len; i++)
		if (!memcmp(slow + i, freq, sizeof freq)) {
			memcpy(slow + i, slower, sizeof slower);
			patched++;
		}
	ck_assert_int_ge(patched, 2); /* a generation each */

	gt_trace *t;
	gt_model *m;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(slow, l.len, &t, &e), GT_OK);
	ck_assert_msg(gt_model_build(t, &m, NULL, NULL, &e) == GT_OK, "%s", e.detail);
	ck_assert_uint_eq(gt_model_ngaps(m), gt_model_ngaps(l.m));
	size_t nfast, ngaps, wide = 0;
	gt_gap *fast = tu_gaps_copy(l.m, &nfast), *gaps = tu_gaps_copy(m, &ngaps);
	for (size_t i = 0; i < ngaps; i++) {
		const gt_gap *g = &gaps[i];
		/* Those added nanoseconds become microseconds in the slowed trace. */
		enum { SLACK_NS = 100000 };
		ck_assert_int_le(llabs(g->start - fast[i].start * 1000), SLACK_NS);
		ck_assert_int_le(llabs(gt_gap_end(g) - gt_gap_end(&fast[i]) * 1000), SLACK_NS);
		gt_gap_sched sc = gt_gap_sched_of(m, g), was = gt_gap_sched_of(l.m, &fast[i]);
		int64_t v[] = {sc.all_ps_busy_ns, sc.idle_p_ns, sc.stw_ns, sc.gc_ns};
		int64_t w[] = {was.all_ps_busy_ns, was.idle_p_ns, was.stw_ns, was.gc_ns};
		bool big = false;
		for (int k = 0; k < 4; k++) {
			ck_assert_msg(llabs(v[k] - w[k] * 1000) <= SLACK_NS, "gap %zu, figure %d: %lld, want %lld", i, k,
			              (long long)v[k], (long long)w[k] * 1000);
			big |= v[k] > UINT32_MAX;
		}
		ck_assert_int_eq(g->sched_wide, big);
		wide += big;
	}
	ck_assert_uint_gt(wide, 10);
	ck_assert_uint_lt(wide, gt_model_ngaps(m));
	/* Wide gaps read alike however they are reached. */
	check_gap_reads(m, "go1.27/starved.trace slowed");
	free(fast);
	free(gaps);
	gt_model_free(m);
	gt_trace_close(t);
	free(slow);
	tu_unload_model(&l);
}
END_TEST

/* Packed spans read back as written, from the start and from a seek to
 * any time: lengths and gaps from zero to beyond 32 bits, references up
 * and down, reasons, and a seek lands where a binary search over the
 * array does, across block boundaries. */
/* Gaps of one start on both sides of block boundaries, as a generation's
 * goroutines found runnable all begin at its start: finding that time
 * must give the first of them, in the block before the boundary. */
/* Scheduler figures of gap i of length i that add up to less than the
 * length, to it, and past it (idle time is kept as the difference). */
static void sched_figures(size_t i, uint32_t out[4])
{
	out[0] = (uint32_t)(i / 2);
	out[1] = (uint32_t)(i % 5 ? i - i / 2 : i / 3);
	out[2] = (uint32_t)(i % 7 == 0);
	out[3] = (uint32_t)(i % 4);
}

START_TEST(packed_gaps_equal_starts_across_blocks)
{
	gp_store s = {0};
	size_t n = 3 * GT_GAP_BLOCK + 5;
	for (size_t i = 0; i < n; i++) {
		int64_t start = i < 20 ? (int64_t)i : i < 2 * GT_GAP_BLOCK + 10 ? 100 : 200;
		gt_gap g = {.start = start, .len32 = (uint32_t)i, .goroutine = (uint32_t)(n - i), .unblocker = GT_NONE,
		            .proc = i % 3 ? (uint32_t)i : GT_NONE, .runnable_at_start = (uint32_t)i};
		sched_figures(i, g.sched);
		ck_assert_int_eq(gp_append(&s, &g, NULL), 0);
	}
	gt_gap_iter all;
	gt_gap r;
	gp_seek(&s, 0, &all);
	for (size_t i = 0; gt_gap_next(&all, &r); i++) {
		uint32_t want[4];
		sched_figures(i, want);
		ck_assert_msg(memcmp(r.sched, want, sizeof want) == 0, "gap %zu: scheduler figures differ", i);
	}
	ck_assert_uint_eq(gp_first_at(&s, 100), 20);
	ck_assert_uint_eq(gp_first_at(&s, 101), 2 * GT_GAP_BLOCK + 10);
	ck_assert_uint_eq(gp_first_at(&s, 200), 2 * GT_GAP_BLOCK + 10);
	ck_assert_uint_eq(gp_first_at(&s, 201), n);
	gt_gap_iter it;
	gt_gap g;
	gp_seek(&s, GT_GAP_BLOCK, &it);
	ck_assert(gt_gap_next(&it, &g));
	ck_assert_int_eq(g.start, 100);
	ck_assert_uint_eq(g.len32, GT_GAP_BLOCK);
	ck_assert_uint_eq(g.goroutine, n - GT_GAP_BLOCK);
	ck_assert_uint_eq(g.proc, GT_GAP_BLOCK % 3 ? GT_GAP_BLOCK : GT_NONE);
	gp_free(&s);
}
END_TEST

START_TEST(packed_tracks_round_trip)
{
	enum { N = 3 * SP_BLOCK_SPANS + 7 };
	gt_span want[N];
	uint64_t x = 88172645463325252ull; /* xorshift: the same spans every run */
	int64_t t = 5;
	sp_track pk = {0};
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t idle = i % 5 == 0 ? 0 : (int64_t)(x % 1000);
		int64_t len = i % 11 == 0 ? (int64_t)1 << 40 : i % 7 == 0 ? 0 : (int64_t)(x >> 20) % 100000;
		uint32_t ref = i % 13 == 0 ? GT_NONE : (uint32_t)(x >> 40) % 5000000;
		uint16_t reason = i % 17 == 0 ? (uint16_t)(x % 60000 + 1) : 0;
		want[i] = (gt_span){t + idle, t + idle + len, ref, reason, (uint8_t)(i % GT_GS_COUNT), GT_TRACK_PROC};
		t = want[i].end;
		ck_assert_int_eq(sp_append(&pk, &want[i]), 0);
	}
	ck_assert_uint_eq(pk.n, N);
	int64_t probes[] = {INT64_MIN, 0, 5, want[0].end, want[SP_BLOCK_SPANS - 1].end - 1, want[SP_BLOCK_SPANS].start,
	                    want[SP_BLOCK_SPANS].end, want[2 * SP_BLOCK_SPANS + 3].start + 1, want[N - 1].end - 1,
	                    want[N - 1].end, INT64_MAX};
	for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
		gt_span_iter it, arr;
		sp_seek(&pk, GT_TRACK_PROC, probes[p], &it);
		gt_spans_seek(want, N, probes[p], &arr);
		/* Counting spans that start before a time agrees with the array's. */
		for (size_t q = 0; q < sizeof probes / sizeof probes[0]; q++)
			for (size_t max = 1; max <= N + 1; max += SP_BLOCK_SPANS / 2 + 3)
				ck_assert_uint_eq(gt_track_count(&it, probes[q], max), gt_track_count(&arr, probes[q], max));
		size_t k = gt_spans_find(want, N, probes[p]);
		gt_span got;
		while (gt_track_next(&it, &got)) {
			ck_assert_uint_lt(k, N);
			ck_assert_msg(memcmp(&got, &want[k], sizeof got) == 0, "probe %zu: span %zu differs", p, k);
			k++;
		}
		ck_assert_uint_eq(k, N);
	}
	sp_free(&pk);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	ntraces = tu_list(dir, ".trace", &traces);
	if (!ntraces)
		return 1;
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model:summaries");
	tcase_add_loop_test(tc, goroutine_summaries_match_go, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	snprintf(dir, sizeof dir, "%s/tests/go-testdata", tu_source_dir());
	ngotests = tu_list(dir, ".trace", &gotests);
	tcase_add_loop_test(tc, go_testdata_summaries_match_go, 0, (int)ngotests);
	tcase_add_loop_test(tc, name_indices_are_names, 0, (int)ntraces);
	tc = tcase_create("model:gaps");
	tcase_add_loop_test(tc, gaps_sum_to_sched_wait, 0, (int)ntraces);
	tcase_add_test(tc, long_gaps_keep_their_figures);
	tcase_add_loop_test(tc, gap_reads_agree, 0, (int)ntraces);
	tcase_add_test(tc, gap_reads_agree_old_format);
	tcase_add_test(tc, late_status_gap_goes_in_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("model:shapes");
	tcase_add_loop_test(tc, shapes_are_visible, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("model:errors");
	tcase_add_loop_test(tc, model_stops_with_the_decoder_error, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("model:first");
	tcase_add_loop_test(tc, first_events_are_a_prefix, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("model:lod");
	tcase_add_loop_test(tc, lod_levels, 0, (int)ntraces);
	tcase_add_loop_test(tc, lod_buckets_match_spans, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("model:packed");
	tcase_add_test(tc, packed_tracks_round_trip);
	tcase_add_test(tc, packed_gaps_equal_starts_across_blocks);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(traces, ntraces);
	tu_list_free(gotests, ngotests);
	return failed ? 1 : 0;
}
