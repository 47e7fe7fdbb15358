/* The reports on real traces: every format is well formed (JSON parsed with
 * json-c), carries the fields the issue names, and tells the truth about the
 * recorded shapes. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "gaps.h"
#include "testutil.h"

static gp_options defaults(void)
{
	return (gp_options){.min_ns = 0, .from_ns = 0, .to_ns = -1, .name_filter = NULL, .top = -1, .file = "t"};
}

static json_object *gaps_json(const gt_model *m, gp_options o)
{
	gf_buf b = {0};
	gp_gaps(&b, m, RP_JSON, &o);
	gf_putc(&b, '\0');
	json_object *j = json_tokener_parse(b.p);
	ck_assert_msg(j != NULL, "gap report is not valid JSON");
	gf_free(&b);
	return j;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "missing field %s", key);
	return v;
}

START_TEST(durations_parse_like_go)
{
	int64_t ns;
	ck_assert_int_eq(gp_parse_duration("250us", &ns), 0);
	ck_assert_int_eq(ns, 250000);
	ck_assert_int_eq(gp_parse_duration("1.5ms", &ns), 0);
	ck_assert_int_eq(ns, 1500000);
	ck_assert_int_eq(gp_parse_duration("2s", &ns), 0);
	ck_assert_int_eq(ns, 2000000000);
	ck_assert_int_eq(gp_parse_duration("1m30s", &ns), 0);
	ck_assert_int_eq(ns, 90000000000);
	ck_assert_int_eq(gp_parse_duration("0", &ns), 0);
	ck_assert_int_eq(ns, 0);
	ck_assert_int_eq(gp_parse_duration("7ns", &ns), 0);
	ck_assert_int_eq(ns, 7);
	ck_assert_int_eq(gp_parse_duration("\xc2\xb5s", &ns), -1);
	ck_assert_int_eq(gp_parse_duration("3\xc2\xb5s", &ns), 0);
	ck_assert_int_eq(ns, 3000);
	ck_assert_int_eq(gp_parse_duration("10", &ns), -1);
	ck_assert_int_eq(gp_parse_duration("", &ns), -1);
	ck_assert_int_eq(gp_parse_duration("-1s", &ns), -1);
	ck_assert_int_eq(gp_parse_duration("1x", &ns), -1);
}
END_TEST

START_TEST(json_rows_carry_every_field)
{
	tu_model l;
	tu_load_model("go1.27/contention.trace", &l, false);
	json_object *j = gaps_json(l.m, defaults());
	json_object *gaps = get(j, "gaps");
	size_t n = json_object_array_length(gaps);
	ck_assert_uint_eq(n, gt_model_ngaps(l.m));
	ck_assert_int_eq(json_object_get_int64(get(get(j, "summary"), "count")), (int64_t)n);
	static const char *const fields[] = {"goroutine", "name", "start_ns", "duration_ns", "reason", "unblocked_by",
	                                     "proc", "all_ps_busy_ns", "stw_ns", "gc_ns", "idle_p_ns", "runnable_at_start"};
	size_t with_unblocker = 0;
	int64_t prev = INT64_MAX;
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(gaps, i);
		for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
			get(row, fields[k]);
		int64_t d = json_object_get_int64(get(row, "duration_ns"));
		ck_assert_int_le(d, prev); /* worst first */
		prev = d;
		json_object *ub = get(row, "unblocked_by");
		if (json_object_get_type(ub) == json_type_object) {
			get(ub, "goroutine");
			ck_assert(json_object_is_type(get(ub, "stack"), json_type_array));
			with_unblocker++;
		}
	}
	/* Mutex and channel handoffs are unblocked by other goroutines. */
	ck_assert_uint_gt(with_unblocker, 0);
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

START_TEST(filters_apply)
{
	tu_model l;
	tu_load_model("go1.27/starved.trace", &l, false);
	gp_options o = defaults();
	o.min_ns = 10000000;
	o.name_filter = "main.main.func*";
	o.top = 3;
	json_object *j = gaps_json(l.m, o);
	json_object *gaps = get(j, "gaps");
	ck_assert_uint_eq(json_object_array_length(gaps), 3);
	for (size_t i = 0; i < 3; i++) {
		json_object *row = json_object_array_get_idx(gaps, i);
		ck_assert_int_ge(json_object_get_int64(get(row, "duration_ns")), 10000000);
		ck_assert_ptr_nonnull(strstr(json_object_get_string(get(row, "name")), "main.main.func"));
	}
	json_object_put(j);
	o = defaults();
	o.from_ns = 500000000;
	o.to_ns = 600000000;
	j = gaps_json(l.m, o);
	gaps = get(j, "gaps");
	for (size_t i = 0; i < json_object_array_length(gaps); i++) {
		int64_t s = json_object_get_int64(get(json_object_array_get_idx(gaps, i), "start_ns"));
		ck_assert(s >= 500000000 && s < 600000000);
	}
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

/* The ping-pong pair of the starved recording waits while every P is busy
 * with spinners: that is what the report must show. */
START_TEST(starved_pingpong_waits_for_busy_ps)
{
	tu_model l;
	tu_load_model("go1.27/starved.trace", &l, false);
	gp_options o = defaults();
	o.min_ns = 1000000;
	o.name_filter = "main.main";
	json_object *j = gaps_json(l.m, o);
	json_object *gaps = get(j, "gaps");
	ck_assert_uint_gt(json_object_array_length(gaps), 0);
	json_object *worst = json_object_array_get_idx(gaps, 0);
	int64_t d = json_object_get_int64(get(worst, "duration_ns"));
	int64_t busy = json_object_get_int64(get(worst, "all_ps_busy_ns"));
	ck_assert_msg(busy * 10 >= d * 9, "pinger waited %lld ns, all Ps busy only %lld ns", (long long)d, (long long)busy);
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

START_TEST(gc_and_syscall_sources_are_listed)
{
	tu_model l;
	tu_load_model("go1.27/gcassist.trace", &l, false);
	json_object *j = gaps_json(l.m, defaults());
	ck_assert_uint_gt(json_object_array_length(get(j, "assists")), 0);
	ck_assert_uint_gt(json_object_array_length(get(j, "stw")), 0);
	json_object_put(j);
	tu_unload_model(&l);

	tu_load_model("go1.27/syscalls.trace", &l, false);
	j = gaps_json(l.m, defaults());
	json_object *sc = get(j, "syscalls");
	ck_assert_uint_gt(json_object_array_length(sc), 0);
	bool fsync = false;
	for (size_t i = 0; i < json_object_array_length(sc); i++)
		fsync |= strstr(json_object_to_json_string(json_object_array_get_idx(sc, i)), "Fsync") != NULL;
	ck_assert_msg(fsync, "the fsync syscall is not listed");
	json_object_put(j);
	tu_unload_model(&l);
}
END_TEST

START_TEST(leaks_are_grouped)
{
	tu_model l;
	tu_load_model("go1.27/leak.trace", &l, false);
	gf_buf b = {0};
	gp_leaks(&b, l.m, RP_JSON, "leak");
	gf_putc(&b, '\0');
	json_object *j = json_tokener_parse(b.p);
	ck_assert_ptr_nonnull(j);
	json_object *first = json_object_array_get_idx(j, 0);
	ck_assert_int_ge(json_object_get_int64(get(first, "count")), 50);
	ck_assert_str_eq(json_object_get_string(get(first, "reason")), "chan send");
	ck_assert_ptr_nonnull(strstr(json_object_to_json_string(get(first, "stack")), "main.fetch"));
	json_object_put(j);
	gf_free(&b);
	tu_unload_model(&l);
}
END_TEST

START_TEST(text_csv_md_html_are_complete)
{
	tu_model l;
	tu_load_model("go1.27/starved.trace", &l, false);
	gp_options o = defaults();
	o.min_ns = 1000000;
	static const struct {
		rp_format f;
		const char *must[3];
	} cases[] = {
		{RP_TEXT, {"worst gaps:", "histogram:", "stop-the-world pauses:"}},
		{RP_MD, {"| gaps | total |", "## Histogram", "## Worst gaps"}},
		{RP_CSV, {"goroutine,name,start_ns,duration_ns,reason,unblocked_by", "main.main.func1", "preempted"}},
		{RP_HTML, {"<svg", "<table id=\"gaps\">", "</html>"}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gf_buf b = {0};
		gp_gaps(&b, l.m, cases[i].f, &o);
		gf_putc(&b, '\0');
		for (int k = 0; k < 3; k++)
			ck_assert_msg(strstr(b.p, cases[i].must[k]) != NULL, "format %d lacks %s", cases[i].f, cases[i].must[k]);
		if (cases[i].f == RP_HTML)
			ck_assert_msg(strstr(b.p, "http") == NULL, "the HTML report must not load anything");
		gf_free(&b);
	}
	tu_unload_model(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("reports:gaps");
	tcase_add_test(tc, durations_parse_like_go);
	tcase_add_test(tc, json_rows_carry_every_field);
	tcase_add_test(tc, filters_apply);
	tcase_add_test(tc, starved_pingpong_waits_for_busy_ps);
	tcase_add_test(tc, gc_and_syscall_sources_are_listed);
	tcase_add_test(tc, text_csv_md_html_are_complete);
	suite_add_tcase(s, tc);
	tc = tcase_create("reports:leaks");
	tcase_add_test(tc, leaks_are_grouped);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? 1 : 0;
}
