/* Minimum mutator utilization: on every real v2 trace, `gotrace mmu --format
 * json` for each flag set equals what Go's own internal/trace prints
 * (tests/golden/<toolchain>/<name>.mmu.json, from tests/gotools/gommu via
 * regen-mmu.sh), to the last bit of every double; plus the algorithm on
 * hand-made events where the answer is known. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "mmu.h"
#include "testutil.h"

static char **traces;
static size_t ntraces;

/* Keep in step with tests/gotools/regen-mmu.sh: one golden line each. */
static const unsigned mmu_flag_sets[] = {
	MU_DEFAULT,
	MU_DEFAULT | MU_SWEEP,
	MU_DEFAULT | MU_PER_PROC,
	MU_DEFAULT | MU_SWEEP | MU_PER_PROC,
	MU_ASSIST | MU_SWEEP,
};

START_TEST(mmu_matches_go)
{
	const char *name = traces[_i];
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), name);
	size_t len;
	char *data = tu_read_file(path, &len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	unsigned v = 0;
	if (sscanf(data, "go 1.%u trace", &v) != 1 || v < 22) {
		free(data); /* Go 1.11-1.21 traces have no golden yet */
		return;
	}
	char gpath[4096];
	snprintf(gpath, sizeof gpath, "%s/tests/golden/%.*s.mmu.json", tu_source_dir(),
	         (int)(strlen(name) - strlen(".trace")), name);
	size_t glen;
	char *golden = tu_read_file(gpath, &glen);
	ck_assert_msg(golden != NULL, "missing %s (tests/gotools/regen-mmu.sh writes it)", gpath);

	gf_buf b = {0};
	for (size_t k = 0; k < sizeof mmu_flag_sets / sizeof mmu_flag_sets[0]; k++) {
		gt_trace *t;
		gt_error e;
		ck_assert_int_eq(gt_trace_open(data, len, &t, &e), GT_OK);
		mu_util *u;
		gt_status s = mu_util_read(t, mmu_flag_sets[k], &u, &e);
		ck_assert_msg(s == GT_EOF, "%s: %s", name, e.detail);
		ck_assert_int_eq(mu_print(&b, u, true), GT_OK);
		mu_util_free(u);
		gt_trace_close(t);
	}
	size_t line = tu_first_diff_line(b.p, b.len, golden, glen);
	ck_assert_msg(line == 0, "%s: MMU differs from Go's at golden line %zu (flag set %zu)", name, line,
	              line ? line - 1 : 0);
	gf_free(&b);
	free(golden);
	free(data);
}
END_TEST

/* ---- hand-made events ---- */

static gt_event metric(int64_t time, uint64_t procs)
{
	gt_event ev = {.kind = GT_EV_METRIC, .time = time, .proc = 0, .goroutine = 1, .thread = 1};
	ev.u.metric.id = GT_METRIC_GOMAXPROCS;
	ev.u.metric.name = "/sched/gomaxprocs:threads";
	ev.u.metric.value = procs;
	return ev;
}

static gt_event stw(gt_event_kind kind, int64_t time, const char *what)
{
	gt_event ev = {.kind = kind, .time = time, .proc = 0, .goroutine = 1, .thread = 1};
	ev.u.range.id = GT_RANGE_STW;
	ev.u.range.stw_kind = (gt_str){what, strlen(what)};
	ev.u.range.scope = GT_RES_GOROUTINE;
	ev.u.range.scope_id = 1;
	return ev;
}

static gt_event sweep(gt_event_kind kind, int64_t time, int64_t proc)
{
	gt_event ev = {.kind = kind, .time = time, .proc = proc, .goroutine = 1, .thread = 1};
	ev.u.range.id = GT_RANGE_SWEEP;
	ev.u.range.scope = GT_RES_PROC;
	ev.u.range.scope_id = proc;
	return ev;
}

static gt_event sync_ev(int64_t time, uint64_t n)
{
	gt_event ev = {.kind = GT_EV_SYNC, .time = time, .proc = GT_NO_ID, .goroutine = GT_NO_ID, .thread = GT_NO_ID};
	ev.u.sync.n = n;
	return ev;
}

static mu_util *feed(unsigned flags, const gt_event *evs, size_t n)
{
	mu_util *u = mu_util_new(flags);
	ck_assert_ptr_nonnull(u);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(mu_util_event(u, &evs[i]), GT_OK);
	ck_assert_int_eq(mu_util_finish(u), GT_OK);
	return u;
}

/* Two Ps; a GC stop-the-world [100,110) takes both, sweeping [150,170) on
 * P1 takes half; a non-GC stop-the-world never counts. */
START_TEST(mmu_hand_made)
{
	const gt_event evs[] = {
		sync_ev(0, 1),
		metric(0, 2),
		stw(GT_EV_RANGE_BEGIN, 100, "GC sweep termination"),
		stw(GT_EV_RANGE_END, 110, "GC sweep termination"),
		sweep(GT_EV_RANGE_BEGIN, 150, 1),
		sweep(GT_EV_RANGE_END, 170, 1),
		stw(GT_EV_RANGE_BEGIN, 180, "ReadMemStats"),
		stw(GT_EV_RANGE_END, 185, "ReadMemStats"),
		sync_ev(200, 2),
	};
	mu_util *u = feed(MU_DEFAULT | MU_SWEEP, evs, sizeof evs / sizeof evs[0]);
	ck_assert_uint_eq(mu_util_nseries(u), 1);
	const mu_series *s = mu_util_borrow_series(u, 0);
	const mu_point want[] = {{0, 1}, {100, 0}, {110, 1}, {150, 0.5}, {170, 1}, {200, 0}};
	ck_assert_uint_eq(s->len, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < s->len; i++) {
		ck_assert_int_eq(s->pts[i].time, want[i].time);
		ck_assert_double_eq(s->pts[i].util, want[i].util);
	}
	ck_assert_int_eq(mu_span(u), 200);

	mu_curve *c;
	ck_assert_int_eq(mu_curve_new(u, &c), GT_OK);
	ck_assert_double_eq(mu_curve_mmu(c, 10), 0);
	ck_assert_double_eq(mu_curve_mmu(c, 20), 0.5);
	ck_assert_double_eq(mu_curve_mmu(c, 0), 0);
	mu_window w[4];
	long n = mu_curve_examples(c, 10, 4, w);
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(w[0].time, 100);
	ck_assert_double_eq(w[0].util, 0);
	ck_assert_double_eq(w[1].util, 0.5); /* the sweep, disjoint from the pause */
	ck_assert_int_ge(w[1].time, 150);
	ck_assert_int_le(w[1].time, 160);
	mu_curve_free(c);
	mu_util_free(u);

	/* Without sweep, only the pause counts; per P, each P has a function. */
	u = feed(MU_DEFAULT | MU_PER_PROC, evs, sizeof evs / sizeof evs[0]);
	ck_assert_uint_eq(mu_util_nseries(u), 2);
	ck_assert_int_eq(mu_curve_new(u, &c), GT_OK);
	ck_assert_double_eq(mu_curve_mmu(c, 20), 0.5);
	mu_curve_free(c);
	mu_util_free(u);
}
END_TEST

/* Events Go would panic on (no P, a P beyond GOMAXPROCS) are left out;
 * a GOMAXPROCS no runtime can have is an error, not an allocation. */
START_TEST(mmu_malformed)
{
	const gt_event evs[] = {
		sync_ev(0, 1), metric(0, 1), sweep(GT_EV_RANGE_BEGIN, 10, GT_NO_ID), sweep(GT_EV_RANGE_BEGIN, 20, 7),
		sweep(GT_EV_RANGE_END, 30, 3), sync_ev(40, 2),
	};
	mu_util *u = feed(MU_DEFAULT | MU_SWEEP, evs, sizeof evs / sizeof evs[0]);
	mu_curve *c;
	ck_assert_int_eq(mu_curve_new(u, &c), GT_OK);
	ck_assert_double_eq(mu_curve_mmu(c, 5), 1);
	mu_curve_free(c);
	mu_util_free(u);

	u = mu_util_new(MU_DEFAULT);
	gt_event big = metric(0, UINT64_MAX);
	ck_assert_int_eq(mu_util_event(u, &big), GT_ERR_LIMIT);
	mu_util_free(u);

	/* No GOMAXPROCS at all: nothing to measure, an empty report. */
	u = feed(MU_DEFAULT, evs, 1);
	ck_assert_uint_eq(mu_util_nseries(u), 0);
	gf_buf b = {0};
	ck_assert_int_eq(mu_print(&b, u, true), GT_OK);
	gf_putc(&b, '\0');
	ck_assert_str_eq(b.p, "{\"include\":[\"stw\",\"background\",\"assist\"],\"per_proc\":false,\"series\":0,"
	                      "\"span_ns\":0,\"mmu\":[],\"worst\":[]}\n");
	gf_free(&b);
	mu_util_free(u);
}
END_TEST

START_TEST(mmu_window_list)
{
	int64_t ws[MU_MAX_WINDOWS];
	ck_assert_uint_eq(mu_windows(0, ws), 0);
	ck_assert_uint_eq(mu_windows(500, ws), 1);
	ck_assert_int_eq(ws[0], 500);
	size_t n = mu_windows(5000, ws);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ws[0], 1000);
	ck_assert_int_eq(ws[1], 2000);
	ck_assert_int_eq(ws[2], 5000);
	n = mu_windows(INT64_MAX, ws);
	ck_assert_uint_le(n, MU_MAX_WINDOWS);
	ck_assert_int_eq(ws[n - 1], INT64_MAX);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	ntraces = tu_list(dir, ".trace", &traces);
	if (!ntraces)
		return 1;
	Suite *s = suite_create("mmu");
	TCase *tc = tcase_create("mmu:golden");
	tcase_add_loop_test(tc, mmu_matches_go, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	tc = tcase_create("mmu:algorithm");
	tcase_add_test(tc, mmu_hand_made);
	tcase_add_test(tc, mmu_malformed);
	tcase_add_test(tc, mmu_window_list);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(traces, ntraces);
	return failed ? 1 : 0;
}
