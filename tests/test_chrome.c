/* Chrome trace-event export: valid JSON (parsed with json-c) with the
 * structure Perfetto's JSON importer reads -- phases, pid/tid, ts in us,
 * named tracks, slices nested per track, flows bound to slices at both
 * ends -- and windows that keep to their bounds. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "chrome.h"
#include "testutil.h"

static json_object *export_json(const gt_model *m, int64_t from, int64_t to)
{
	gf_buf b = {0};
	ch_export(&b, m, from, to);
	gf_putc(&b, '\0');
	json_object *j = json_tokener_parse(b.p);
	ck_assert_msg(j != NULL, "export is not valid JSON");
	gf_free(&b);
	return j;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing field %s", key);
	return v;
}

static bool has(json_object *o, const char *key) { return json_object_object_get_ex(o, key, NULL); }

/* ts and dur in ns, rounded from the us the file holds. */
static int64_t ns_of(json_object *v) { return (int64_t)(json_object_get_double(v) * 1000.0 + 0.5); }

typedef struct xs {
	int64_t pid, tid, start, end;
} xs;

static int cmp_xs(const void *a, const void *b)
{
	const xs *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (y->end > x->end) - (y->end < x->end); /* enclosing first */
}

/* Whether a slice of (pid, tid) covers t; slices sorted by cmp_xs. */
static bool covered(const xs *s, size_t n, int64_t pid, int64_t tid, int64_t t)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].pid == pid && s[i].tid == tid && s[i].start <= t && t <= s[i].end)
			return true;
	return false;
}

typedef struct checked {
	size_t slices, flows, counters, gc, stw, named_goroutines;
	int64_t min_ts, max_ts;
} checked;

static checked check_structure(json_object *j)
{
	checked r = {0, 0, 0, 0, 0, 0, INT64_MAX, INT64_MIN};
	ck_assert_str_eq(json_object_get_string(get(j, "displayTimeUnit")), "ns");
	json_object *ev = get(j, "traceEvents");
	ck_assert(json_object_is_type(ev, json_type_array));
	size_t n = json_object_array_length(ev);
	xs *s = calloc(n + 1, sizeof *s);
	size_t ns = 0;
	bool procs_named[5] = {false};
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(ev, i);
		const char *ph = json_object_get_string(get(e, "ph"));
		ck_assert_msg(strlen(ph) == 1 && strchr("XCMsf", ph[0]), "unexpected phase %s", ph);
		ck_assert(json_object_is_type(get(e, "pid"), json_type_int));
		ck_assert(json_object_is_type(get(e, "tid"), json_type_int));
		int64_t pid = json_object_get_int64(get(e, "pid"));
		ck_assert(pid >= CH_PID_RUNTIME && pid <= CH_PID_THREADS);
		if (ph[0] == 'M') {
			const char *what = json_object_get_string(get(e, "name"));
			json_object *args = get(e, "args");
			if (strcmp(what, "process_name") == 0)
				procs_named[pid] = true;
			else if (strcmp(what, "thread_name") == 0)
				r.named_goroutines += pid == CH_PID_GOROUTINES;
			else
				ck_assert(has(args, "sort_index"));
			continue;
		}
		int64_t ts = ns_of(get(e, "ts"));
		ck_assert_int_ge(ts, 0);
		r.min_ts = ts < r.min_ts ? ts : r.min_ts;
		r.max_ts = ts > r.max_ts ? ts : r.max_ts;
		get(e, "name");
		if (ph[0] == 'X') {
			int64_t dur = ns_of(get(e, "dur"));
			ck_assert_int_ge(dur, 0);
			r.max_ts = ts + dur > r.max_ts ? ts + dur : r.max_ts;
			s[ns++] = (xs){pid, json_object_get_int64(get(e, "tid")), ts, ts + dur};
			r.slices++;
			if (pid == CH_PID_RUNTIME)
				*(json_object_get_int64(get(e, "tid")) == CH_TID_GC ? &r.gc : &r.stw) += 1;
		} else if (ph[0] == 'C') {
			ck_assert(json_object_is_type(get(e, "args"), json_type_object));
			r.counters++;
		} else {
			get(e, "id");
			r.flows += ph[0] == 's';
		}
	}
	for (int p = CH_PID_RUNTIME; p <= CH_PID_THREADS; p++)
		ck_assert_msg(procs_named[p], "process %d has no name", p);

	/* Slices on one track nest or follow each other: no partial overlap. */
	qsort(s, ns, sizeof *s, cmp_xs);
	for (size_t i = 0; i + 1 < ns; i++) {
		if (s[i].pid != s[i + 1].pid || s[i].tid != s[i + 1].tid)
			continue;
		bool follows = s[i + 1].start >= s[i].end, nested = s[i + 1].end <= s[i].end;
		ck_assert_msg(follows || nested, "slices overlap on pid %lld tid %lld at %lld", (long long)s[i].pid,
		              (long long)s[i].tid, (long long)s[i + 1].start);
	}

	/* Each flow: one start and one end with its id, both on a slice. */
	size_t starts = 0, ends = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(ev, i);
		const char *ph = json_object_get_string(get(e, "ph"));
		if (ph[0] != 's' && ph[0] != 'f')
			continue;
		int64_t pid = json_object_get_int64(get(e, "pid")), tid = json_object_get_int64(get(e, "tid"));
		int64_t ts = ns_of(get(e, "ts"));
		ck_assert_msg(covered(s, ns, pid, tid, ts), "flow %s at %lld is on no slice", ph, (long long)ts);
		if (ph[0] == 'f')
			ck_assert_str_eq(json_object_get_string(get(e, "bp")), "e");
		*(ph[0] == 's' ? &starts : &ends) += 1;
	}
	ck_assert_uint_eq(starts, ends);
	free(s);
	return r;
}

START_TEST(contention_has_every_track)
{
	tu_model l;
	tu_load_model("go1.27/contention.trace", &l, false);
	json_object *j = export_json(l.m, 0, -1);
	checked r = check_structure(j);
	ck_assert_uint_eq(r.named_goroutines, gt_model_ngoroutines(l.m));
	ck_assert_uint_gt(r.slices, 1000);
	ck_assert_uint_gt(r.flows, 0); /* mutex and channel handoffs */
	ck_assert_uint_gt(r.counters, 0);
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

START_TEST(gc_and_stw_tracks)
{
	tu_model l;
	tu_load_model("go1.27/stw.trace", &l, false);
	json_object *j = export_json(l.m, 0, -1);
	checked r = check_structure(j);
	ck_assert_uint_gt(r.gc, 0);
	ck_assert_uint_gt(r.stw, 0);
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

START_TEST(window_keeps_to_its_bounds)
{
	tu_model l;
	tu_load_model("go1.27/contention.trace", &l, false);
	int64_t d = gt_model_duration(l.m), from = d / 3, to = 2 * d / 3;
	json_object *j = export_json(l.m, from, to);
	checked r = check_structure(j);
	ck_assert_uint_gt(r.slices, 0);
	ck_assert_int_ge(r.min_ts, from);
	ck_assert_int_le(r.max_ts, to);
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("chrome");
	TCase *tc = tcase_create("chrome:structure");
	tcase_add_test(tc, contention_has_every_track);
	tcase_add_test(tc, gc_and_stw_tracks);
	tcase_add_test(tc, window_keeps_to_its_bounds);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
