/* The viewer's logic without a window: time <-> pixel mapping, zoom around
 * the cursor, undo/redo, gap navigation, worst gaps, range statistics,
 * level-of-detail binning, layout and hit testing, input handlers, and
 * the draw list of a frame. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "gotrace/model.h"
#include "testutil.h"
#include "vw.h"

typedef struct loaded {
	char *data;
	size_t len;
	gt_trace *t;
	gt_model *m;
} loaded;

static void load(const char *rel, loaded *l)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), rel);
	l->data = tu_read_file(path, &l->len);
	ck_assert_msg(l->data != NULL, "cannot read %s", path);
	gt_error e;
	ck_assert_int_eq(gt_trace_open(l->data, l->len, &l->t, &e), GT_OK);
	ck_assert_int_eq(gt_model_build(l->t, &l->m, NULL, NULL, &e), GT_OK);
}

static void unload(loaded *l)
{
	gt_model_free(l->m);
	gt_trace_close(l->t);
	free(l->data);
}

/* Text measured as fixed-width glyphs: layouts only need a plausible width. */
static float measure(void *ctx, const char *s, float size, bool bold)
{
	(void)ctx;
	(void)bold;
	return (float)strlen(s) * size * 0.6f;
}

/* ---- view math ---- */

START_TEST(mapping_round_trips)
{
	vw_view v;
	vw_view_init(&v, 1000000, 1000);
	for (double x = -10; x < 1100; x += 37.5)
		ck_assert_double_eq_tol(vw_x_of(&v, vw_t_of(&v, x)), x, 1e-6);
	/* Fit shows the whole trace with a small margin. */
	ck_assert_double_le(vw_t_of(&v, 0), 0);
	ck_assert_double_ge(vw_view_end(&v), 1000000);
	ck_assert_double_le(vw_view_end(&v) - vw_t_of(&v, 0), 1000000 * 1.05);
}
END_TEST

START_TEST(zoom_keeps_time_under_cursor)
{
	vw_view v;
	vw_view_init(&v, 1000000000, 1500);
	for (int i = 0; i < 60; i++) {
		double x = 100 + 23 * (i % 50);
		double before = vw_t_of(&v, x);
		vw_view_zoom_at(&v, x, 0.8);
		ck_assert_double_eq_tol(vw_t_of(&v, x), before, fmax(1e-3, v.vp.ns_per_px * 1e-6));
	}
	/* Zoom stops at the finest level and never goes past the trace. */
	for (int i = 0; i < 200; i++)
		vw_view_zoom_at(&v, 700, 0.5);
	ck_assert_double_eq_tol(v.vp.ns_per_px, VW_MIN_NS_PER_PX, 1e-12);
	for (int i = 0; i < 200; i++)
		vw_view_zoom_at(&v, 700, 2);
	ck_assert_double_le(v.vp.ns_per_px * 1500, 1000000000 * 1.5 + 1);
	/* Panning is clamped: half a screen past either end at most. */
	vw_view_fit(&v);
	vw_view_zoom_at(&v, 0, 0.01);
	vw_view_pan(&v, 1e9);
	ck_assert_double_ge(vw_t_of(&v, 750), -1);
	vw_view_pan(&v, -1e9);
	ck_assert_double_le(vw_t_of(&v, 750), 1000000000 + 1);
}
END_TEST

START_TEST(undo_redo)
{
	vw_view v;
	vw_view_init(&v, 1000000, 1000);
	vw_viewport fit = v.vp;
	ck_assert(!vw_view_undo(&v));
	vw_view_push(&v);
	vw_view_zoom_at(&v, 500, 0.5);
	vw_viewport zoomed = v.vp;
	vw_view_push(&v);
	vw_view_pan(&v, 100);
	vw_viewport panned = v.vp;
	ck_assert(vw_view_undo(&v));
	ck_assert_double_eq(v.vp.t0, zoomed.t0);
	ck_assert(vw_view_undo(&v));
	ck_assert_double_eq(v.vp.ns_per_px, fit.ns_per_px);
	ck_assert(!vw_view_undo(&v));
	ck_assert(vw_view_redo(&v));
	ck_assert(vw_view_redo(&v));
	ck_assert_double_eq(v.vp.t0, panned.t0);
	ck_assert(!vw_view_redo(&v));
	/* A new change after undo drops the redo history. */
	ck_assert(vw_view_undo(&v));
	vw_view_push(&v);
	vw_view_pan(&v, 10);
	ck_assert(!vw_view_redo(&v));
	/* The history is bounded. */
	for (int i = 0; i < 3 * VW_UNDO_MAX; i++) {
		vw_view_push(&v);
		vw_view_pan(&v, 1);
	}
	ck_assert_int_eq(v.nundo, VW_UNDO_MAX);
}
END_TEST

/* ---- gaps ---- */

START_TEST(gap_navigation)
{
	loaded l;
	load("go1.26/starved.trace", &l);
	size_t n;
	gt_gap *g = tu_gaps_copy(l.m, &n);
	ck_assert_uint_gt(n, 10);
	int64_t thr = 1000000;
	/* Walking forward visits exactly the gaps over the threshold, in order. */
	size_t over = 0;
	for (size_t i = 0; i < n; i++)
		over += gt_gap_len(&g[i]) >= thr;
	size_t seen = 0;
	double t = -1;
	uint32_t prev = GT_NONE;
	for (uint32_t i; (i = vw_gap_next(l.m, t, thr)) != GT_NONE; t = (double)g[i].start) {
		ck_assert_int_ge(gt_gap_len(&g[i]), thr);
		if (prev != GT_NONE)
			ck_assert_int_gt(g[i].start, g[prev].start);
		prev = i;
		seen++;
	}
	/* Gaps sharing a start time collapse into one stop. */
	ck_assert_uint_le(seen, over);
	ck_assert_uint_gt(seen, 0);
	/* And backward from the end reaches the first one. */
	uint32_t last = vw_gap_prev(l.m, (double)gt_model_duration(l.m) + 1, thr);
	ck_assert_uint_eq(last, prev);
	ck_assert_uint_eq(vw_gap_prev(l.m, -1, thr), GT_NONE);
	ck_assert_uint_eq(vw_gap_next(l.m, (double)gt_model_duration(l.m), 0), GT_NONE);
	free(g);
	unload(&l);
}
END_TEST

START_TEST(worst_gaps_are_the_longest)
{
	loaded l;
	load("go1.26/gcassist.trace", &l);
	size_t n;
	gt_gap *g = tu_gaps_copy(l.m, &n);
	uint32_t w[50];
	size_t k = vw_worst_gaps(l.m, w, 50);
	ck_assert_uint_eq(k, n < 50 ? n : 50);
	for (size_t i = 1; i < k; i++)
		ck_assert_int_ge(gt_gap_len(&g[w[i - 1]]), gt_gap_len(&g[w[i]]));
	/* Nothing outside the list is longer than its last entry. */
	int64_t floor_ns = gt_gap_len(&g[w[k - 1]]);
	size_t longer = 0;
	for (size_t i = 0; i < n; i++)
		longer += gt_gap_len(&g[i]) > floor_ns;
	ck_assert_uint_le(longer, k);
	free(g);
	unload(&l);
}
END_TEST

START_TEST(range_statistics)
{
	loaded l;
	load("go1.26/gcassist.trace", &l);
	int64_t dur = gt_model_duration(l.m);
	vw_range_stats r;
	ck_assert_int_eq(vw_range_stats_compute(l.m, 0, dur + 1, 1000000, &r), 0);
	/* The whole trace: state times add up to every span's length. */
	int64_t spans = 0, states = 0, exec_max = 0;
	for (uint32_t gi = 0; gi < gt_model_ngoroutines(l.m); gi++) {
		int64_t exec = 0;
		gt_span_iter it;
		gt_span sp;
		gt_track_seek(l.m, 0, gi, INT64_MIN, &it);
		while (gt_track_next(&it, &sp)) {
			spans += sp.end - sp.start;
			if (sp.state == GT_GS_RUNNING)
				exec += sp.end - sp.start;
		}
		exec_max = exec > exec_max ? exec : exec_max;
	}
	for (int s = 0; s < GT_GS_COUNT; s++)
		states += r.state_ns[s];
	ck_assert_int_eq(states, spans);
	ck_assert_uint_eq(r.ngaps, gt_model_ngaps(l.m));
	ck_assert_int_le(r.gap_p50, r.gap_p90);
	ck_assert_int_le(r.gap_p90, r.gap_p99);
	ck_assert_int_le(r.gap_p99, r.gap_max);
	ck_assert_int_gt(r.gc_ns, 0);
	ck_assert_int_gt(r.stw_ns, 0);
	ck_assert_uint_gt(r.nbusiest, 0);
	ck_assert_int_eq(r.busiest[0].exec_ns, exec_max);
	for (size_t i = 1; i < r.nbusiest; i++)
		ck_assert_int_ge(r.busiest[i - 1].exec_ns, r.busiest[i].exec_ns);
	/* Halves add up to the whole. */
	vw_range_stats a, b;
	vw_range_stats_compute(l.m, 0, dur / 2, 1000000, &a);
	vw_range_stats_compute(l.m, dur / 2, dur + 1, 1000000, &b);
	ck_assert_uint_eq(a.ngaps + b.ngaps, r.ngaps);
	for (int s = 0; s < GT_GS_COUNT; s++)
		ck_assert_int_eq(a.state_ns[s] + b.state_ns[s], r.state_ns[s]);
	ck_assert_int_eq(a.gc_ns + b.gc_ns, r.gc_ns);
	unload(&l);
	/* The index (blocks of goroutines outside or wholly inside a range,
	 * checkpoints of long goroutines, gaps by length) changes nothing. */
	const char *const traces[] = {"go1.26/leak.trace", "go1.26/gcassist.trace", "go1.26/tasks.trace",
	                              "go1.26/flightrec.trace"};
	for (size_t ti = 0; ti < sizeof traces / sizeof traces[0]; ti++) {
		load(traces[ti], &l);
		dur = gt_model_duration(l.m);
		vw_range_index x;
		ck_assert_int_eq(vw_range_index_build(&x, l.m), 0);
		for (int64_t from = -dur / 10; from < dur; from += dur / 7 + 1)
			for (int64_t len = 1; len < 2 * dur; len = len * 5 + dur / 50) {
				vw_range_stats_compute(l.m, from, from + len, 100000, &a);
				vw_range_stats_compute_in(l.m, &x, from, from + len, 100000, &b);
				ck_assert_msg(memcmp(&a, &b, sizeof a) == 0, "%s [%" PRId64 ", +%" PRId64 ")", traces[ti], from, len);
			}
		vw_range_index_free(&x);
		unload(&l);
	}
}
END_TEST

START_TEST(radix_sort_is_stable)
{
	enum { N = 5000 };
	static uint64_t key[N], want_key[N];
	static uint32_t val[N];
	uint64_t x = 12345;
	for (size_t n = 0; n <= N; n = n * 3 + 1) {
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Few distinct keys in some rounds, to have ties; keys over every
			 * digit in others. */
			key[i] = n % 2 ? x % 17 : (i % 3 ? x : ~vw_radix_key(-(int64_t)(x % 1000)));
			val[i] = (uint32_t)i;
		}
		memcpy(want_key, key, n * sizeof *key);
		ck_assert_int_eq(vw_radix_sort(key, val, n), 0);
		for (size_t i = 0; i < n; i++) {
			ck_assert(key[i] == want_key[val[i]]);
			if (i)
				ck_assert(key[i - 1] < key[i] || (key[i - 1] == key[i] && val[i - 1] < val[i]));
		}
	}
	ck_assert(vw_radix_key(-5) < vw_radix_key(0) && vw_radix_key(0) < vw_radix_key(INT64_MAX));
	ck_assert(vw_radix_key(INT64_MIN) < vw_radix_key(-5));
}
END_TEST

/* ---- pinned results on every committed trace ---- */

/* The sort orders and range statistics of every trace in traces/, hashed
 * and compared with tests/data/view-pins.txt, so that a faster way to
 * compute them cannot change what the user sees. GOTRACE_WRITE_PINS=FILE
 * writes the hashes instead (only when the results are meant to change). */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t fnv_i64(uint64_t h, int64_t v) { return fnv(h, &v, sizeof v); }

/* Every group's name in display order, each followed by its members' ids. */
static uint64_t sort_digest(vw_layout *lay)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < lay->ngroups; i++)
		lay->groups[i].collapsed = false;
	ck_assert_int_eq(vw_layout_rows(lay, 1), 0);
	for (size_t r = 0; r < lay->nrows; r++) {
		const vw_row *row = &lay->rows[r];
		if (row->kind == VW_ROW_GROUP) {
			gt_str n = lay->groups[row->index].name;
			h = fnv(h, n.ptr, n.len);
			h = fnv_i64(h, (int64_t)lay->groups[row->index].n);
		} else if (row->kind == VW_ROW_GOROUTINE) {
			h = fnv_i64(h, gt_model_goroutine(lay->m, row->index).id);
			ck_assert_uint_eq(vw_layout_goroutine_row(lay, row->index), r);
		}
	}
	return h;
}

static uint64_t stats_digest(uint64_t h, const gt_model *m, const vw_range_stats *r)
{
	int64_t v[] = {r->from,    r->to,      (int64_t)r->ngaps, (int64_t)r->ngaps_over, r->gap_p50,
	               r->gap_p90, r->gap_p99, r->gap_max,        r->gc_ns,               r->stw_ns};
	h = fnv(h, v, sizeof v);
	h = fnv(h, r->state_ns, sizeof r->state_ns);
	for (int b = 0; b < VW_HIST_BUCKETS; b++)
		h = fnv_i64(h, (int64_t)r->hist[b]);
	h = fnv_i64(h, (int64_t)r->nbusiest);
	for (size_t i = 0; i < r->nbusiest; i++) {
		h = fnv_i64(h, gt_model_goroutine(m, r->busiest[i].goroutine).id);
		h = fnv_i64(h, r->busiest[i].exec_ns);
	}
	return h;
}

/* The ranges a pin covers: the whole trace (as a drag over the axis makes
 * it, with margins), halves, quarters, and spans of many lengths. */
static size_t pin_ranges(int64_t dur, int64_t (*out)[2], size_t cap)
{
	size_t n = 0;
	int64_t fixed[][2] = {{0, dur + 1},           {-dur / 40, dur + dur / 40}, {0, dur / 2},
	                      {dur / 2, dur + 1},      {dur / 4, dur * 3 / 4},       {dur / 3, dur / 3 + 1},
	                      {dur + 1, dur * 2 + 1}};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && n < cap; i++) {
		out[n][0] = fixed[i][0];
		out[n][1] = fixed[i][1];
		n++;
	}
	uint64_t x = 88172645463325252ULL;
	while (n < cap) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t a = (int64_t)(x % (uint64_t)(dur + 1));
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t len = (int64_t)(x % (uint64_t)(dur / (1 + (int64_t)(n % 5) * 7) + 1));
		out[n][0] = a;
		out[n][1] = a + len;
		n++;
	}
	return n;
}

static const int64_t pin_thresholds[] = {1000, 100000, 1000000};

/* The view state reads every gap once for several caches: each must equal
 * what its own rebuild (or a plain loop) makes. */
static void check_state_scan(const gt_model *m, const char *name)
{
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, m, 1400, 800, 1), 0);
	uint32_t w[sizeof s.worst / sizeof s.worst[0]];
	size_t k = vw_worst_gaps(m, w, sizeof w / sizeof w[0]);
	ck_assert_uint_eq(s.nworst, k);
	ck_assert_msg(memcmp(s.worst, w, k * sizeof *w) == 0, "%s: worst gaps", name);
	size_t ng = s.layout.ngroups;
	int64_t *worst = calloc(ng + 1, sizeof *worst);
	ck_assert_ptr_nonnull(worst);
	gt_gap_iter it;
	gt_gap g;
	for (gt_gap_seek(m, 0, &it); gt_gap_next(&it, &g);) {
		int64_t *gw = &worst[s.layout.group_of[g.goroutine]];
		*gw = gt_gap_len(&g) > *gw ? gt_gap_len(&g) : *gw;
	}
	for (size_t i = 0; i < ng; i++)
		ck_assert_msg(s.layout.groups[i].worst_gap_ns == worst[i], "%s: group %zu", name, i);
	free(worst);
	int cols = s.overview_cols;
	int64_t *ov = malloc(((size_t)cols + 1) * sizeof *ov);
	ck_assert_ptr_nonnull(ov);
	memcpy(ov, s.overview, ((size_t)cols + 1) * sizeof *ov);
	ck_assert_int_eq(vw_state_overview(&s, cols), 0);
	ck_assert_msg(memcmp(ov, s.overview, ((size_t)cols + 1) * sizeof *ov) == 0, "%s: overview", name);
	free(ov);
	size_t n = s.nover;
	uint32_t *over = malloc((n + 1) * sizeof *over);
	int64_t *ends = malloc((n + 1) * sizeof *ends);
	size_t *off = malloc((ng + 2) * sizeof *off);
	ck_assert(over && ends && off);
	memcpy(over, s.over, n * sizeof *over);
	memcpy(ends, s.over_end, n * sizeof *ends);
	memcpy(off, s.over_off, (ng + 2) * sizeof *off);
	ck_assert_int_eq(vw_state_gaps_over(&s), 0);
	ck_assert_uint_eq(s.nover, n);
	ck_assert_msg(memcmp(over, s.over, n * sizeof *over) == 0 && memcmp(ends, s.over_end, n * sizeof *ends) == 0 &&
	                  memcmp(off, s.over_off, (ng + 2) * sizeof *off) == 0,
	              "%s: gaps over the threshold", name);
	free(over);
	free(ends);
	free(off);
	vw_state_free(&s);
}

START_TEST(sort_and_range_statistics_are_pinned)
{
	char dir[4096], pins[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	snprintf(pins, sizeof pins, "%s/tests/data/view-pins.txt", tu_source_dir());
	char **traces;
	size_t ntraces = tu_list(dir, ".trace", &traces);
	ck_assert_uint_gt(ntraces, 0);
	const char *write = getenv("GOTRACE_WRITE_PINS");
	FILE *out = write && write[0] ? fopen(write, "w") : NULL;
	size_t plen = 0;
	char *want = out ? NULL : tu_read_file(pins, &plen);
	ck_assert_msg(out || want, "cannot read %s", pins);
	for (size_t ti = 0; ti < ntraces; ti++) {
		/* Traces Go's own parser rejects have no model to pin. */
		loaded l = {0};
		char path[8200];
		snprintf(path, sizeof path, "%s/%s", dir, traces[ti]);
		l.data = tu_read_file(path, &l.len);
		ck_assert_msg(l.data != NULL, "cannot read %s", path);
		gt_error e;
		if (gt_trace_open(l.data, l.len, &l.t, &e) != GT_OK || gt_model_build(l.t, &l.m, NULL, NULL, &e) != GT_OK) {
			gt_trace_close(l.t);
			free(l.data);
			continue;
		}
		check_state_scan(l.m, traces[ti]);
		vw_layout lay;
		ck_assert_int_eq(vw_layout_init(&lay, l.m), 0);
		uint64_t sd[VW_SORT_COUNT];
		for (int k = 0; k < VW_SORT_COUNT; k++) {
			vw_layout_sort(&lay, (vw_sort)k);
			sd[k] = sort_digest(&lay);
		}
		/* Back to the first order: the same as at the start. */
		vw_layout_sort(&lay, VW_SORT_WAIT);
		ck_assert(sort_digest(&lay) == sd[0]);
		vw_layout_free(&lay);
		int64_t dur = gt_model_duration(l.m), ranges[40][2];
		size_t nr = pin_ranges(dur, ranges, sizeof ranges / sizeof ranges[0]);
		uint64_t rd = 0xcbf29ce484222325ULL;
		vw_range_index x;
		ck_assert_int_eq(vw_range_index_build(&x, l.m), 0);
		for (size_t i = 0; i < nr; i++)
			for (size_t t = 0; t < sizeof pin_thresholds / sizeof pin_thresholds[0]; t++) {
				vw_range_stats r, ri;
				ck_assert_int_eq(vw_range_stats_compute(l.m, ranges[i][0], ranges[i][1], pin_thresholds[t], &r), 0);
				rd = stats_digest(rd, l.m, &r);
				/* What the viewer computes, with its index. */
				ck_assert_int_eq(vw_range_stats_compute_in(l.m, &x, ranges[i][0], ranges[i][1], pin_thresholds[t], &ri), 0);
				ck_assert_msg(memcmp(&r, &ri, sizeof r) == 0, "%s: range %zu threshold %" PRId64 " differs with the index",
				              traces[ti], i, pin_thresholds[t]);
			}
		vw_range_index_free(&x);
		char line[4400];
		snprintf(line, sizeof line, "%s sort-wait=%016" PRIx64 " sort-exec=%016" PRIx64 " sort-id=%016" PRIx64
		         " ranges=%016" PRIx64 "\n", traces[ti], sd[VW_SORT_WAIT], sd[VW_SORT_EXEC], sd[VW_SORT_ID], rd);
		if (out)
			fputs(line, out);
		else
			ck_assert_msg(strstr(want, line) != NULL, "changed or missing in tests/data/view-pins.txt: %s", line);
		unload(&l);
	}
	if (out)
		ck_assert_int_eq(fclose(out), 0);
	free(want);
	tu_list_free(traces, ntraces);
}
END_TEST

/* ---- level of detail ---- */

static void check_bins(const vw_bin *b, size_t n, int ncols)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_ge(b[i].x0, 0);
		ck_assert_int_lt(b[i].x0, b[i].x1);
		ck_assert_int_le(b[i].x0, ncols);
		if (i)
			ck_assert_int_ge(b[i].x0, b[i - 1].x0);
	}
}

START_TEST(binning_by_pixel_column)
{
	loaded l;
	load("go1.26/starved.trace", &l);
	enum { COLS = 800 };
	vw_bin bins[2 * COLS + 2];
	vw_view v;
	vw_view_init(&v, gt_model_duration(l.m), COLS);
	uint32_t worst;
	ck_assert_uint_eq(vw_worst_gaps(l.m, &worst, 1), 1);
	gt_gap wg = gt_model_gap(l.m, worst);
	uint32_t gi = wg.goroutine;
	size_t ns;
	gt_span *sp = tu_track_copy(l.m, 0, gi, &ns);
	/* Zoomed out: spans fold into columns, but the worst gap survives. */
	size_t n = vw_bin_track(l.m, 0, gi, &v, COLS, bins);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, 2 * COLS + 2);
	check_bins(bins, n, COLS);
	int64_t seen = 0;
	for (size_t i = 0; i < n; i++)
		seen = bins[i].worst_gap > seen ? bins[i].worst_gap : seen;
	ck_assert_int_eq(seen, gt_gap_len(&wg));
	/* Zoomed in on one span: exactly that span, unfolded, at its pixels. */
	const gt_span *mid = &sp[ns / 2];
	vw_view_show(&v, (double)mid->start, (double)mid->end, 0.25);
	n = vw_bin_track(l.m, 0, gi, &v, COLS, bins);
	check_bins(bins, n, COLS);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		if (!bins[i].folded && bins[i].state == mid->state && fabs(bins[i].x0 - vw_x_of(&v, (double)mid->start)) <= 1 &&
		    fabs(bins[i].x1 - vw_x_of(&v, (double)mid->end)) <= 1)
			found = true;
	ck_assert(found);
	free(sp);
	/* P tracks with many spans per column go through the model's pyramid. */
	vw_view_fit(&v);
	for (uint32_t p = 0; p < gt_model_nprocs(l.m); p++) {
		n = vw_bin_track(l.m, 1, p, &v, COLS, bins);
		check_bins(bins, n, COLS);
		ck_assert_uint_gt(n, 0);
	}
	/* Asked for a window before the trace, the view keeps some of it. */
	vw_view_show(&v, -1e9, -5e8, 0);
	ck_assert_double_ge(vw_view_end(&v), 0);
	unload(&l);
}
END_TEST

START_TEST(span_hit_testing)
{
	gt_span s[3] = {{.start = 0, .end = 100}, {.start = 100, .end = 150}, {.start = 400, .end = 500}};
	/* Which span is under t (within tol): -1 for none. */
	struct {
		double t, tol;
		int want;
	} cases[] = {{50, 0, 0}, {120, 0, 1}, {300, 10, -1}, {390, 15, 2}, {160, 15, 1}, {600, 10, -1}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gt_span_iter it;
		gt_span got;
		gt_spans_seek(s, 3, (int64_t)(cases[i].t - cases[i].tol), &it);
		bool on = vw_span_at(&it, cases[i].t, cases[i].tol, &got);
		ck_assert_int_eq(on, cases[i].want >= 0);
		if (on)
			ck_assert_int_eq(got.start, s[cases[i].want].start);
	}
}
END_TEST

/* ---- layout, state, input, frame ---- */

/* The O(1) row lookups agree with a scan of the rows. */
static void check_row_lookup(const vw_layout *lay)
{
	for (uint32_t gi = 0; gi < gt_model_ngoroutines(lay->m); gi++) {
		size_t want = SIZE_MAX;
		for (size_t i = 0; i < lay->nrows; i++)
			if (lay->rows[i].kind == VW_ROW_GOROUTINE && lay->rows[i].index == gi)
				want = i;
		ck_assert_uint_eq(vw_layout_goroutine_row(lay, gi), want);
	}
	for (uint32_t g = 0; g < lay->ngroups; g++) {
		size_t want = SIZE_MAX;
		for (size_t i = 0; i < lay->nrows; i++)
			if (lay->rows[i].kind == VW_ROW_GROUP && lay->rows[i].index == g)
				want = i;
		ck_assert_uint_eq(vw_layout_group_row(lay, g), want);
	}
}

START_TEST(layout_groups_and_rows)
{
	loaded l;
	load("go1.26/leak.trace", &l);
	vw_layout lay;
	ck_assert_int_eq(vw_layout_init(&lay, l.m), 0);
	ck_assert_int_eq(vw_layout_rows(&lay, 1), 0);
	size_t members = 0;
	for (size_t i = 0; i < lay.ngroups; i++) {
		members += lay.groups[i].n;
		for (size_t j = 1; j < lay.groups[i].n; j++)
			ck_assert_int_ge(gt_model_gstats(l.m, lay.groups[i].members[j - 1]).sched_wait_ns,
			                 gt_model_gstats(l.m, lay.groups[i].members[j]).sched_wait_ns);
	}
	ck_assert_uint_eq(members, gt_model_ngoroutines(l.m));
	for (size_t i = 1; i < lay.nrows; i++)
		ck_assert_float_eq(lay.rows[i].y, lay.rows[i - 1].y + lay.rows[i - 1].h);
	for (size_t i = 0; i < lay.nrows; i++)
		ck_assert_uint_eq(vw_layout_row_at(&lay, lay.rows[i].y + lay.rows[i].h / 2), i);
	ck_assert_uint_eq(vw_layout_row_at(&lay, lay.total_h + 1), SIZE_MAX);
	/* Collapsing every group leaves only headers; reveal opens one. */
	for (size_t i = 0; i < lay.ngroups; i++)
		lay.groups[i].collapsed = true;
	vw_layout_rows(&lay, 1);
	for (size_t i = 0; i < lay.nrows; i++)
		ck_assert_int_ne(lay.rows[i].kind, VW_ROW_GOROUTINE);
	check_row_lookup(&lay);
	size_t row = vw_layout_reveal(&lay, 0, 1);
	ck_assert_uint_ne(row, SIZE_MAX);
	ck_assert_uint_eq(lay.rows[row].index, 0);
	check_row_lookup(&lay);
	/* Sorting by id orders members by id. */
	vw_layout_sort(&lay, VW_SORT_ID);
	for (size_t i = 0; i < lay.ngroups; i++)
		for (size_t j = 1; j < lay.groups[i].n; j++)
			ck_assert_int_lt(gt_model_goroutine(l.m, lay.groups[i].members[j - 1]).id,
			                 gt_model_goroutine(l.m, lay.groups[i].members[j]).id);
	vw_layout_rows(&lay, 1);
	check_row_lookup(&lay);
	check_row_lookup(&lay);
	vw_layout_set_filter(&lay, "main", 1);
	check_row_lookup(&lay);
	vw_layout_free(&lay);
	unload(&l);
}
END_TEST


START_TEST(gap_histogram_buckets)
{
	/* Bucket b holds [2^b, 2^(b+1)) ns, as `gotrace gaps` prints. */
	ck_assert_int_eq(vw_hist_bucket(0), 0);
	ck_assert_int_eq(vw_hist_bucket(1), 0);
	ck_assert_int_eq(vw_hist_bucket(2), 1);
	ck_assert_int_eq(vw_hist_bucket(3), 1);
	ck_assert_int_eq(vw_hist_bucket(4), 2);
	ck_assert_int_eq(vw_hist_bucket(1023), 9);
	ck_assert_int_eq(vw_hist_bucket(1024), 10);
	ck_assert_int_eq(vw_hist_bucket(1000000), 19); /* 1 ms: 2^19 = 524288 */
	ck_assert_int_eq(vw_hist_bucket(-5), 0);
	ck_assert_int_eq(vw_hist_bucket(INT64_MAX), VW_HIST_BUCKETS - 1);
	for (int b = 1; b < VW_HIST_BUCKETS - 1; b++) {
		ck_assert_int_eq(vw_hist_bucket((int64_t)1 << b), b);
		ck_assert_int_eq(vw_hist_bucket(((int64_t)1 << b) - 1), b - 1);
	}
	/* A range's histogram counts each of its gaps once, in its bucket. */
	loaded l;
	load("go1.26/gcassist.trace", &l);
	int64_t dur = gt_model_duration(l.m);
	vw_range_stats r;
	ck_assert_int_eq(vw_range_stats_compute(l.m, dur / 4, dur * 3 / 4, 1000000, &r), 0);
	size_t want[VW_HIST_BUCKETS] = {0}, total = 0, over = 0;
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(l.m, 0, &it);
	while (gt_gap_next(&it, &g))
		if (g.start >= dur / 4 && g.start < dur * 3 / 4)
			want[vw_hist_bucket(gt_gap_len(&g))]++;
	for (int b = 0; b < VW_HIST_BUCKETS; b++) {
		ck_assert_uint_eq(r.hist[b], want[b]);
		total += r.hist[b];
		if (b > vw_hist_bucket(1000000))
			over += r.hist[b];
	}
	ck_assert_uint_eq(total, r.ngaps);
	ck_assert_uint_gt(total, 0);
	ck_assert_uint_le(over, r.ngaps_over);
	ck_assert_uint_ge(r.hist[vw_hist_bucket(r.gap_max)], 1);
	unload(&l);
}
END_TEST

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n > 0 ? (size_t)n : 0;
}

START_TEST(export_range_gaps)
{
	char name[128];
	vw_export_name(name, sizeof name, 0, 1100000000);
	ck_assert_str_eq(name, "gaps-0ms-1100ms");
	vw_export_name(name, sizeof name, 912500000, 1000000001);
	ck_assert_str_eq(name, "gaps-912.5ms-1000.000001ms");
	vw_export_name(name, sizeof name, 1234, 5000);
	ck_assert_str_eq(name, "gaps-0.001234ms-0.005ms");

	loaded l;
	load("go1.26/gcassist.trace", &l);
	char dir[] = "/tmp/gotrace-export-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	int64_t from = 0, to = gt_model_duration(l.m) / 2;
	char path[512];
	ck_assert_int_eq(vw_export_gaps(l.m, dir, from, to, 0, "gcassist.trace", path, sizeof path), 0);
	vw_export_name(name, sizeof name, from, to);
	char want[512];
	snprintf(want, sizeof want, "%s/%s.{html,json,csv,md}", dir, name);
	ck_assert_str_eq(path, want);
	for (int i = 0; i < VW_EXPORT_NFORMATS; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s/%s.%s", dir, name, vw_export_exts[i]);
		ck_assert_msg(file_size(p) > 0, "%s is missing or empty", p);
		remove(p);
	}
	/* The `e` key exports the selected range to $GOTRACE_EXPORT_DIR and
	 * says where in the status bar; without a range it says how. */
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, l.m, 1400, 800, 1), 0);
	s.measure = measure;
	setenv("GOTRACE_EXPORT_DIR", dir, 1);
	vw_input_key(&s, 'e');
	ck_assert_ptr_nonnull(strstr(s.status, "range"));
	vw_state_set_range(&s, 1000, to);
	vw_input_key(&s, 'e');
	vw_export_name(name, sizeof name, 1000, to);
	ck_assert_ptr_nonnull(strstr(s.status, name));
	ck_assert_ptr_nonnull(strstr(s.status, dir));
	for (int i = 0; i < VW_EXPORT_NFORMATS; i++) {
		char p[600];
		snprintf(p, sizeof p, "%s/%s.%s", dir, name, vw_export_exts[i]);
		ck_assert_msg(file_size(p) > 0, "%s is missing or empty", p);
		remove(p);
	}
	/* A directory that does not exist: an error in the status bar. */
	setenv("GOTRACE_EXPORT_DIR", "/nonexistent/gotrace", 1);
	vw_input_key(&s, 'e');
	ck_assert_ptr_nonnull(strstr(s.status, "cannot export"));
	unsetenv("GOTRACE_EXPORT_DIR");
	rmdir(dir);
	vw_state_free(&s);
	unload(&l);
}
END_TEST

START_TEST(start_screen_lists)
{
	/* Parsing: one path a line, blanks and repeats skipped, at most 20. */
	char **list;
	const char *text = "/a/x.trace\n\n/b/y.trace\r\n/a/x.trace\n  \n/c/z.trace";
	size_t n = vw_recent_parse(text, strlen(text), &list);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "/a/x.trace");
	ck_assert_str_eq(list[1], "/b/y.trace");
	ck_assert_str_eq(list[2], "/c/z.trace");
	vw_paths_free(list, n);
	char big[4096] = "";
	for (int i = 0; i < 30; i++)
		snprintf(big + strlen(big), sizeof big - strlen(big), "/t/%d.trace\n", i);
	n = vw_recent_parse(big, strlen(big), &list);
	ck_assert_uint_eq(n, VW_RECENT_MAX);
	ck_assert_str_eq(list[19], "/t/19.trace");
	vw_paths_free(list, n);

	/* Where the list lives. */
	char file[4096];
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	ck_assert_int_eq(vw_recent_file(file, sizeof file), 0);
	ck_assert_str_eq(file, "/xdg/state/gotrace/recent");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	ck_assert_int_eq(vw_recent_file(file, sizeof file), 0);
	ck_assert_str_eq(file, "/home/u/.local/state/gotrace/recent");

	/* Adding: most recent first, no repeats, at most 20, directories made. */
	char dir[] = "/tmp/gotrace-recent-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof file, "%s/state/gotrace/recent", dir);
	char t1[4096], t2[4096];
	snprintf(t1, sizeof t1, "%s/traces/go1.26/gcassist.trace", tu_source_dir());
	snprintf(t2, sizeof t2, "%s/traces/go1.26/starved.trace", tu_source_dir());
	ck_assert_int_eq(vw_recent_add(file, t1), 0);
	ck_assert_int_eq(vw_recent_add(file, t2), 0);
	ck_assert_int_eq(vw_recent_add(file, t1), 0);
	n = vw_recent_load(file, &list);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(list[0], "gcassist.trace"));
	ck_assert_ptr_nonnull(strstr(list[1], "starved.trace"));
	ck_assert_int_eq(list[0][0], '/');
	vw_paths_free(list, n);
	for (int i = 0; i < 25; i++) {
		char p[64];
		snprintf(p, sizeof p, "/nowhere/%d.trace", i);
		ck_assert_int_eq(vw_recent_add(file, p), 0);
	}
	n = vw_recent_load(file, &list);
	ck_assert_uint_eq(n, VW_RECENT_MAX);
	ck_assert_str_eq(list[0], "/nowhere/24.trace");
	ck_assert_str_eq(list[19], "/nowhere/5.trace");
	vw_paths_free(list, n);
	ck_assert_int_eq(vw_recent_add(file, t2), 0);

	/* The start screen: the recent files, then the shipped traces. */
	char traces[4096];
	snprintf(traces, sizeof traces, "%s/traces", tu_source_dir());
	vw_start st;
	ck_assert_int_eq(vw_start_build(&st, file, traces), 0);
	ck_assert_uint_eq(st.nrecent, VW_RECENT_MAX);
	ck_assert(st.items[0].recent);
	ck_assert_ptr_nonnull(strstr(st.items[0].path, "starved.trace"));
	ck_assert_uint_gt(st.n, st.nrecent + 10);
	bool found = false;
	for (size_t i = st.nrecent; i < st.n; i++) {
		ck_assert(!st.items[i].recent);
		ck_assert_ptr_nonnull(strstr(st.items[i].path, ".trace"));
		found |= strstr(st.items[i].path, "go1.26/gcassist.trace") != NULL;
		if (i > st.nrecent)
			ck_assert_int_lt(strcmp(st.items[i - 1].path, st.items[i].path), 0);
	}
	ck_assert(found);
	ck_assert_uint_eq(vw_start_row_of(&st, 0), 1);
	ck_assert_uint_eq(vw_start_row_of(&st, st.nrecent), st.nrecent + 2);

	/* Keys move the selection and keep it on screen; Enter and a click
	 * pick a path; the frame draws it. */
	vw_state s;
	memset(&s, 0, sizeof s);
	s.width = 1000, s.height = 600, s.scale = 1, s.start = &st, s.measure = measure;
	ck_assert_ptr_null(vw_start_key(&s, VW_KEY_UP));
	ck_assert_uint_eq(st.sel, 0);
	for (size_t i = 0; i < st.nrecent + 3; i++)
		vw_start_key(&s, VW_KEY_DOWN);
	ck_assert_uint_eq(st.sel, st.nrecent + 3);
	vw_start_geom g = vw_start_geometry(&s);
	float y = vw_start_item_y(&s, st.sel);
	ck_assert_float_ge(y, g.top);
	ck_assert_float_le(y + g.row_h, g.bottom);
	ck_assert_str_eq(vw_start_key(&s, VW_KEY_ENTER), st.items[st.nrecent + 3].path);
	ck_assert_uint_eq(vw_start_item_at(&s, g.x + 50, y + 2), st.sel);
	ck_assert_str_eq(vw_start_click(&s, g.x + 50, y + 2), st.items[st.sel].path);
	ck_assert_ptr_null(vw_start_click(&s, g.x + 50, 5));
	for (int i = 0; i < 100; i++)
		vw_start_key(&s, VW_KEY_PAGEDOWN);
	ck_assert_uint_eq(st.sel, st.n - 1);
	y = vw_start_item_y(&s, st.sel);
	ck_assert_float_le(y + g.row_h, g.bottom);
	vw_start_key(&s, VW_KEY_HOME);
	ck_assert_uint_eq(st.sel, 0);
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	bool recent_shown = false, head_shown = false;
	for (size_t i = 0; i < d.nops; i++)
		if (d.ops[i].kind == VW_OP_TEXT) {
			recent_shown |= strstr(d.text + d.ops[i].off, "starved.trace") != NULL;
			head_shown |= strstr(d.text + d.ops[i].off, "Recent files") != NULL;
		}
	ck_assert(recent_shown && head_shown);
	vw_dl_free(&d);
	vw_start_free(&st);
	/* No recent file and no traces: an empty list, keys do nothing. */
	ck_assert_int_eq(vw_start_build(&st, "/nonexistent/recent", "/nonexistent/traces"), 0);
	ck_assert_uint_eq(st.n, 0);
	ck_assert_ptr_null(vw_start_key(&s, VW_KEY_ENTER));
	vw_frame_build(&s, &d);
	vw_dl_free(&d);
	vw_start_free(&st);
	remove(file);
	char sub[4200];
	snprintf(sub, sizeof sub, "%s/state/gotrace", dir);
	rmdir(sub);
	snprintf(sub, sizeof sub, "%s/state", dir);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

START_TEST(arrows_for_every_gap)
{
	loaded l;
	load("go1.26/contention.trace", &l);
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, l.m, 1400, 800, 1), 0);
	s.measure = measure;
	/* Nothing selected: A only says how. */
	vw_input_key(&s, 'A');
	ck_assert(!s.arrows);
	ck_assert_uint_eq(vw_selected_goroutine(&s), GT_NONE);
	/* The goroutine with the most gaps made runnable by someone. */
	size_t ng = gt_model_ngoroutines(l.m);
	size_t *count = calloc(ng, sizeof *count);
	size_t ngaps;
	gt_gap *gp = tu_gaps_copy(l.m, &ngaps);
	uint32_t best = 0;
	for (size_t i = 0; i < ngaps; i++)
		if (gp[i].unblocker != GT_NONE && ++count[gp[i].goroutine] > count[best])
			best = gp[i].goroutine;
	ck_assert_uint_ge(count[best], 3);
	uint32_t first = GT_NONE;
	for (size_t i = 0; i < ngaps && first == GT_NONE; i++)
		if (gp[i].goroutine == best)
			first = (uint32_t)i;
	vw_state_select_gap(&s, first);
	ck_assert_uint_eq(vw_selected_goroutine(&s), best);
	vw_view_fit(&s.view);
	/* Its gaps in view: exactly those of the brute force. */
	uint32_t idx[4096];
	size_t n = vw_goroutine_gaps_in_view(&s, best, idx, 4096), want = 0;
	for (size_t i = 0; i < ngaps; i++)
		if (gp[i].goroutine == best && (double)gt_gap_end(&gp[i]) >= vw_t_of(&s.view, 0) &&
		    (double)gp[i].start < vw_view_end(&s.view)) {
			ck_assert_uint_lt(want, n);
			ck_assert_uint_eq(idx[want], i);
			want++;
		}
	ck_assert_uint_eq(n, want);
	/* Zoomed in, fewer. */
	vw_view_zoom_at(&s.view, 0, 0.01);
	ck_assert_uint_lt(vw_goroutine_gaps_in_view(&s, best, idx, 4096), n);
	vw_view_fit(&s.view);
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	size_t before = 0, after = 0;
	for (size_t i = 0; i < d.nops; i++)
		before += d.ops[i].kind == VW_OP_ARROW;
	vw_input_key(&s, 'A');
	ck_assert(s.arrows);
	ck_assert_ptr_nonnull(strstr(s.status, "on"));
	vw_frame_build(&s, &d);
	for (size_t i = 0; i < d.nops; i++)
		after += d.ops[i].kind == VW_OP_ARROW;
	ck_assert_uint_ge(after, before + 2);
	vw_input_key(&s, 'A');
	ck_assert(!s.arrows);
	vw_dl_free(&d);
	free(count);
	free(gp);
	vw_state_free(&s);
	unload(&l);
}
END_TEST

static gt_str str_of(const char *c) { return (gt_str){c, strlen(c)}; }

START_TEST(filter_by_name)
{
	ck_assert(vw_name_matches(str_of("main.worker"), ""));
	ck_assert(vw_name_matches(str_of("main.worker"), NULL));
	ck_assert(vw_name_matches(str_of("main.worker"), "work"));
	ck_assert(vw_name_matches(str_of("main.worker"), "MAIN.W"));
	ck_assert(vw_name_matches(str_of("main.worker"), "main.worker"));
	ck_assert(!vw_name_matches(str_of("main.worker"), "main.workers"));
	ck_assert(!vw_name_matches(str_of(""), "x"));
	ck_assert(!vw_name_matches(str_of("net/http.(*conn).serve"), "grpc"));

	loaded l;
	load("go1.26/leak.trace", &l);
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, l.m, 1400, 800, 1), 0);
	s.measure = measure;
	for (size_t i = 0; i < s.layout.ngroups; i++)
		s.layout.groups[i].collapsed = false;
	vw_layout_rows(&s.layout, 1);
	size_t all_rows = s.layout.nrows;
	/* Pick the name of one group and type a piece of it after `/`. */
	ck_assert_uint_ge(s.layout.ngroups, 2);
	const vw_group *pick = NULL;
	for (size_t i = 0; i < s.layout.ngroups && !pick; i++)
		if (s.layout.groups[i].name.len >= 4)
			pick = &s.layout.groups[i];
	ck_assert_ptr_nonnull(pick);
	char needle[8];
	memcpy(needle, pick->name.ptr + pick->name.len - 4, 4);
	needle[4] = '\0';
	vw_input_key(&s, '/');
	ck_assert(s.typing_filter);
	for (const char *p = needle; *p; p++)
		vw_input_key(&s, (unsigned char)*p);
	ck_assert_str_eq(s.layout.filter, needle);
	/* While typing, keys edit the filter instead of acting: 'q', 'f'... */
	vw_input_key(&s, 'f');
	vw_input_key(&s, VW_KEY_BACKSPACE);
	ck_assert_str_eq(s.layout.filter, needle);
	vw_input_key(&s, VW_KEY_ENTER);
	ck_assert(!s.typing_filter);
	ck_assert_str_eq(s.layout.filter, needle);
	ck_assert_uint_lt(s.layout.nrows, all_rows);
	size_t groups = 0, gors = 0;
	for (size_t i = 0; i < s.layout.nrows; i++) {
		const vw_row *r = &s.layout.rows[i];
		if (r->kind == VW_ROW_GROUP) {
			groups++;
			ck_assert(vw_name_matches(s.layout.groups[r->index].name, needle));
		} else if (r->kind == VW_ROW_GOROUTINE) {
			gors++;
			ck_assert(vw_name_matches(gt_model_goroutine(l.m, r->index).name, needle));
		}
	}
	ck_assert_uint_ge(groups, 1);
	ck_assert_uint_ge(gors, 1);
	for (size_t i = 1; i < s.layout.nrows; i++)
		ck_assert_float_eq(s.layout.rows[i].y, s.layout.rows[i - 1].y + s.layout.rows[i - 1].h);
	/* The status bar shows the filter. */
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	bool shown = false;
	for (size_t i = 0; i < d.nops; i++)
		if (d.ops[i].kind == VW_OP_TEXT && strstr(d.text + d.ops[i].off, needle))
			shown |= strstr(d.text + d.ops[i].off, "filter") != NULL;
	ck_assert(shown);
	/* A filter matching nothing leaves no goroutine rows; Esc restores all. */
	vw_input_key(&s, '/');
	vw_input_key(&s, '#');
	vw_input_key(&s, '#');
	for (size_t i = 0; i < s.layout.nrows; i++)
		ck_assert_int_ne(s.layout.rows[i].kind, VW_ROW_GOROUTINE);
	vw_input_key(&s, VW_KEY_ESCAPE);
	ck_assert(!s.typing_filter);
	ck_assert_str_eq(s.layout.filter, "");
	ck_assert_uint_eq(s.layout.nrows, all_rows);
	/* A kept filter: Esc with nothing selected clears it. */
	vw_input_key(&s, '/');
	vw_input_key(&s, (unsigned char)needle[0]);
	vw_input_key(&s, VW_KEY_ENTER);
	ck_assert_str_ne(s.layout.filter, "");
	vw_input_key(&s, VW_KEY_ESCAPE);
	ck_assert_str_eq(s.layout.filter, "");
	vw_dl_free(&d);
	vw_state_free(&s);
	unload(&l);
}
END_TEST

static int count_color(const vw_drawlist *d, uint32_t rgba)
{
	int n = 0;
	for (size_t i = 0; i < d->nrects; i++)
		n += d->rects[i].rgba == rgba;
	return n;
}

START_TEST(input_and_frame)
{
	loaded l;
	load("go1.26/starved.trace", &l);
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, l.m, 1600, 900, 1), 0);
	s.measure = measure;
	vw_geom g = vw_state_geom(&s);
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	ck_assert(!d.oom);
	ck_assert_int_gt(count_color(&d, VW_COLOR_RUNNING), 10);
	ck_assert_int_gt(count_color(&d, VW_COLOR_GAP), 10);
	ck_assert_uint_gt(d.nops, 50);

	/* Wheel zooms around the pointer. */
	float x = g.timeline_x + 400, y = g.tracks_y + 100;
	double t = vw_t_of(&s.view, 400);
	double npp = s.view.vp.ns_per_px;
	vw_input_wheel(&s, x, y, 3, false);
	ck_assert_double_lt(s.view.vp.ns_per_px, npp);
	ck_assert_double_eq_tol(vw_t_of(&s.view, 400), t, 1);
	/* Dragging the tracks pans by the drag distance. */
	double t0 = s.view.vp.t0;
	vw_input_press(&s, x, y, 1);
	vw_input_motion(&s, x - 100, y);
	vw_input_release(&s, x - 100, y, 1);
	ck_assert_double_eq_tol(s.view.vp.t0, t0 + 100 * s.view.vp.ns_per_px, 1);
	/* Undo walks back to before the pan, then before the zoom. */
	vw_input_key(&s, 'u');
	ck_assert_double_eq_tol(s.view.vp.t0, t0, 1e-6);
	vw_input_key(&s, 'u');
	ck_assert_double_eq_tol(s.view.vp.ns_per_px, npp, 1e-9);
	vw_input_key(&s, 'U');
	ck_assert_double_lt(s.view.vp.ns_per_px, npp);

	/* n selects the next gap over the threshold, and shows it. */
	vw_input_key(&s, 'f');
	vw_input_key(&s, 'n');
	ck_assert_int_eq(s.sel, VW_SEL_GAP);
	gt_gap sel = gt_model_gap(l.m, s.sel_gap);
	const gt_gap *gp = &sel;
	ck_assert_int_ge(gt_gap_len(gp), s.threshold);
	ck_assert_double_le(vw_t_of(&s.view, 0), (double)gp->start);
	ck_assert_double_ge(vw_view_end(&s.view), (double)gt_gap_end(gp));
	uint32_t first = s.sel_gap;
	vw_input_key(&s, 'n');
	ck_assert_int_gt(gt_model_gap(l.m, s.sel_gap).start, gp->start);
	vw_input_key(&s, 'p');
	ck_assert_uint_eq(s.sel_gap, first);

	/* Clicking the gap's pixels on its goroutine row hits that gap. */
	size_t row = vw_layout_reveal(&s.layout, gp->goroutine, 1);
	ck_assert_uint_ne(row, SIZE_MAX);
	float ry = g.tracks_y + s.layout.rows[row].y + s.layout.rows[row].h / 2 - (float)s.view.vp.scroll_y;
	float rx = g.timeline_x + (float)vw_x_of(&s.view, (double)(gp->start + gt_gap_end(gp)) / 2);
	vw_hit h = vw_hit_test(&s, rx, ry);
	ck_assert_int_eq(h.area, VW_AREA_TRACKS);
	ck_assert_uint_eq(h.gap, first);
	s.sel = VW_SEL_NONE;
	vw_input_press(&s, rx, ry, 1);
	vw_input_release(&s, rx, ry, 1);
	ck_assert_int_eq(s.sel, VW_SEL_GAP);
	ck_assert_uint_eq(s.sel_gap, first);
	/* The frame draws an arrow from the unblock to the start when some
	 * goroutine made it runnable. */
	vw_frame_build(&s, &d);
	bool arrow = false;
	for (size_t i = 0; i < d.nops; i++)
		arrow |= d.ops[i].kind == VW_OP_ARROW;
	ck_assert(arrow == (gp->unblocker != GT_NONE));
	for (uint32_t i = 0; i < gt_model_ngaps(l.m); i++)
		if (gt_model_gap(l.m, i).unblocker != GT_NONE) {
			vw_state_select_gap(&s, i);
			vw_frame_build(&s, &d);
			arrow = false;
			for (size_t j = 0; j < d.nops; j++)
				arrow |= d.ops[j].kind == VW_OP_ARROW;
			ck_assert(arrow);
			break;
		}
	vw_state_select_gap(&s, first);

	/* A range dragged on the axis gets statistics. */
	float ay = g.axis_y + g.axis_h / 2;
	vw_input_press(&s, g.timeline_x + 100, ay, 1);
	vw_input_motion(&s, g.timeline_x + 600, ay);
	vw_input_release(&s, g.timeline_x + 600, ay, 1);
	ck_assert(s.has_range);
	ck_assert_int_lt(s.range.from, s.range.to);
	/* The worst-gaps list: clicking the first entry selects the worst gap. */
	float ly = g.tracks_y + vw_side_list_top(&s) + 2;
	vw_input_press(&s, g.side_x + 20, ly, 1);
	ck_assert_int_eq(s.sel, VW_SEL_GAP);
	ck_assert_uint_eq(s.sel_gap, s.worst[0]);
	/* Threshold keys, sort key, help. */
	int64_t thr = s.threshold;
	vw_input_key(&s, ']');
	ck_assert_int_eq(s.threshold, 2 * thr);
	vw_input_key(&s, 't');
	ck_assert_int_eq(s.layout.sort, VW_SORT_EXEC);
	vw_input_key(&s, '?');
	ck_assert(s.help);
	vw_frame_build(&s, &d);
	vw_input_key(&s, VW_KEY_ESCAPE);
	ck_assert(!s.help);
	/* Resizing and HiDPI keep a valid frame. */
	vw_state_resize(&s, 800, 500, 2);
	vw_frame_build(&s, &d);
	ck_assert(!d.oom);
	vw_dl_free(&d);
	vw_state_free(&s);
	unload(&l);
}
END_TEST

START_TEST(durations)
{
	char b[32];
	vw_fmt_dur(b, sizeof b, 999);
	ck_assert_str_eq(b, "999ns");
	vw_fmt_dur(b, sizeof b, 1500000);
	ck_assert_str_eq(b, "1.5ms");
	vw_fmt_dur(b, sizeof b, 2e9);
	ck_assert_str_eq(b, "2s");
}
END_TEST

/* The pyramid's maximum equals a plain scan for every kind of range:
 * empty, inside one cell, across cell and level boundaries. */
START_TEST(series_pyramid_max)
{
	enum { N = 5000 };
	static gt_sample sm[N];
	uint32_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		sm[i].time = (int64_t)i * 100;
		sm[i].value = (int64_t)(x >> 8) % 100000 - 5000;
	}
	vw_series_pyr p;
	ck_assert_int_eq(vw_series_pyr_build(&p, sm, N), 0);
	ck_assert_int_ge(p.nlevels, 3);
	for (size_t lo = 0; lo < N; lo += 37) {
		for (size_t hi = lo; hi <= N; hi += 1 + (hi - lo) / 3) {
			int64_t want = INT64_MIN;
			for (size_t i = lo; i < hi; i++)
				want = sm[i].value > want ? sm[i].value : want;
			ck_assert_int_eq(vw_series_pyr_max(&p, lo, hi), want);
		}
	}
	ck_assert_uint_eq(vw_series_at(&p, 250), 3);
	ck_assert_uint_eq(vw_series_at(&p, 300), 3);
	ck_assert_uint_eq(vw_series_at(&p, 1e9), N);
	for (size_t lo = 0; lo <= N; lo += 97)
		for (double t = (double)lo * 100 - 50; t < N * 100 + 500; t += 333)
			ck_assert_uint_eq(vw_series_from(&p, lo, t), vw_series_at(&p, t) > lo ? vw_series_at(&p, t) : lo);
	vw_series_pyr_free(&p);
	ck_assert_int_eq(vw_series_pyr_build(&p, NULL, 0), 0);
	ck_assert_int_eq(vw_series_pyr_max(&p, 0, 0), INT64_MIN);
	vw_series_pyr_free(&p);
}
END_TEST

/* The same rectangles, to a thousandth of a pixel: cached rows are moved
 * by their offset from the row's top, which may round differently. */
static bool same_rects(const vw_drawlist *a, const vw_drawlist *b)
{
	if (a->nrects != b->nrects)
		return false;
	for (size_t i = 0; i < a->nrects; i++) {
		const vw_rect *p = &a->rects[i], *q = &b->rects[i];
		if (p->rgba != q->rgba || fabsf(p->x - q->x) > 1e-3f || fabsf(p->y - q->y) > 1e-3f ||
		    fabsf(p->w - q->w) > 1e-3f || fabsf(p->h - q->h) > 1e-3f)
			return false;
	}
	return true;
}

/* Rows drawn from the cache are the rows drawn afresh, however the view
 * moved in between; a collapsed group's row shows every gap over the
 * threshold of its goroutines, and nothing where they have none. */
START_TEST(cached_rows_and_collapsed_gaps)
{
	loaded l;
	load("go1.26/leak.trace", &l);
	vw_state s, f;
	ck_assert_int_eq(vw_state_init(&s, l.m, 1600, 900, 1), 0);
	s.measure = measure;
	s.threshold = 2000; /* many gaps over it */
	vw_drawlist d = {0}, fd = {0};
	float scrolls[] = {0, 40, 0, 200};
	for (int step = 0; step < 8; step++) {
		if (step == 4)
			vw_view_zoom_at(&s.view, 300, 0.3);
		if (step == 6)
			s.threshold = 50000;
		s.view.vp.scroll_y = scrolls[step % 4];
		vw_frame_build(&s, &d);
		ck_assert_int_eq(vw_state_init(&f, l.m, 1600, 900, 1), 0);
		f.measure = measure;
		f.threshold = s.threshold;
		f.view.vp = s.view.vp;
		vw_frame_build(&f, &fd);
		ck_assert_msg(same_rects(&d, &fd), "step %d", step);
		vw_state_free(&f);
	}
	/* Collapsed groups: each gap over the threshold in view lies under a
	 * gap-coloured rectangle of its group's row, and each such rectangle
	 * covers some gap's pixels. */
	vw_geom g = vw_state_geom(&s);
	s.view.vp.scroll_y = 0;
	vw_frame_build(&s, &d);
	size_t ngaps;
	gt_gap *gp = tu_gaps_copy(l.m, &ngaps);
	size_t checked = 0;
	for (size_t r = 0; r < s.layout.nrows; r++) {
		const vw_row *row = &s.layout.rows[r];
		float y = g.tracks_y + row->y;
		if (row->kind != VW_ROW_GROUP || !s.layout.groups[row->index].collapsed || y > g.status_y)
			continue;
		for (size_t i = 0; i < ngaps; i++) {
			if (s.layout.group_of[gp[i].goroutine] != row->index || gt_gap_len(&gp[i]) < s.threshold)
				continue;
			float a = g.timeline_x + (float)vw_x_of(&s.view, (double)gp[i].start);
			float b = g.timeline_x + (float)vw_x_of(&s.view, (double)gt_gap_end(&gp[i]));
			if (b < g.timeline_x || a > g.side_x)
				continue;
			/* In pixels, as the renderer fills a rectangle: from the floor
			 * of x, the ceiling of w; a gap alone is at least 2 px. */
			a = fmaxf(a, g.timeline_x);
			b = fmaxf(fminf(b, g.side_x), a + 2);
			float p0 = floorf(a), p1 = floorf(a) + ceilf(b - a);
			bool covered = false;
			for (size_t k = 0; k < d.nrects && !covered; k++) {
				const vw_rect *q = &d.rects[k];
				covered = q->rgba == VW_COLOR_GAP && q->y >= y && q->y < y + row->h && floorf(q->x) <= p0 &&
				          floorf(q->x) + ceilf(q->w) >= p1;
			}
			ck_assert_msg(covered, "gap %zu", i);
			checked++;
		}
		for (size_t k = 0; k < d.nrects; k++) {
			const vw_rect *q = &d.rects[k];
			if (q->rgba != VW_COLOR_GAP || q->y < y || q->y >= y + row->h)
				continue;
			bool some = false;
			for (size_t i = 0; i < ngaps && !some; i++) {
				float a = g.timeline_x + (float)vw_x_of(&s.view, (double)gp[i].start);
				float b = g.timeline_x + (float)vw_x_of(&s.view, (double)gt_gap_end(&gp[i]));
				some = s.layout.group_of[gp[i].goroutine] == row->index && gt_gap_len(&gp[i]) >= s.threshold &&
				       a < q->x + q->w && b + 2 >= q->x;
			}
			ck_assert(some);
		}
	}
	ck_assert_uint_gt(checked, 10);
	free(gp);
	vw_dl_free(&d);
	vw_dl_free(&fd);
	vw_state_free(&s);
	unload(&l);
}
END_TEST

static bool has_text(const vw_drawlist *d, const char *needle)
{
	for (size_t i = 0; i < d->nops; i++)
		if (d->ops[i].kind == VW_OP_TEXT && strstr(d->text + d->ops[i].off, needle))
			return true;
	return false;
}

/* What the window shows while a big trace loads: the model of the
 * trace's first bytes (a cut trace, up to its last complete generation)
 * is a smaller timeline of the same start, drawn with the loading bar. */
START_TEST(first_part_while_loading)
{
	loaded full;
	load("go1.26/periodic.trace", &full);
	gt_trace *t;
	gt_model *m;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(full.data, full.len / 2, &t, &e), GT_OK);
	ck_assert_int_eq(gt_model_build(t, &m, NULL, NULL, &e), GT_OK);
	ck_assert_int_gt(gt_model_duration(m), 0);
	ck_assert_int_lt(gt_model_duration(m), gt_model_duration(full.m));
	ck_assert_int_eq(gt_model_start_ns(m), gt_model_start_ns(full.m));
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, m, 1600, 900, 1), 0);
	s.measure = measure;
	s.loading = true;
	s.progress = 0.5;
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	ck_assert(!d.oom);
	ck_assert(has_text(&d, "loading 50%"));
	ck_assert(has_text(&d, "showing the first"));
	ck_assert_int_gt(count_color(&d, VW_COLOR_RUNNING), 0);
	s.loading = false;
	vw_frame_build(&s, &d);
	ck_assert(!has_text(&d, "loading"));
	vw_dl_free(&d);
	vw_state_free(&s);
	gt_model_free(m);
	gt_trace_close(t);
	unload(&full);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("view:math");
	tcase_add_test(tc, mapping_round_trips);
	tcase_add_test(tc, zoom_keeps_time_under_cursor);
	tcase_add_test(tc, undo_redo);
	tcase_add_test(tc, span_hit_testing);
	tcase_add_test(tc, durations);
	suite_add_tcase(s, tc);
	tc = tcase_create("view:gaps");
	tcase_add_test(tc, gap_navigation);
	tcase_add_test(tc, worst_gaps_are_the_longest);
	tcase_add_test(tc, range_statistics);
	tcase_add_test(tc, export_range_gaps);
	tcase_add_test(tc, gap_histogram_buckets);
	tcase_add_test(tc, radix_sort_is_stable);
	tcase_add_test(tc, sort_and_range_statistics_are_pinned);
	suite_add_tcase(s, tc);
	tc = tcase_create("view:lod");
	tcase_add_test(tc, binning_by_pixel_column);
	tcase_add_test(tc, series_pyramid_max);
	suite_add_tcase(s, tc);
	tc = tcase_create("view:state");
	tcase_add_test(tc, layout_groups_and_rows);
	tcase_add_test(tc, input_and_frame);
	tcase_add_test(tc, filter_by_name);
	tcase_add_test(tc, start_screen_lists);
	tcase_add_test(tc, arrows_for_every_gap);
	tcase_add_test(tc, first_part_while_loading);
	tcase_add_test(tc, cached_rows_and_collapsed_gaps);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? 1 : 0;
}
