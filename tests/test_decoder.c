/* Unit tests of the decoder on hand-made bytes: varints, the header, a
 * minimal two-thread generation whose order depends on sequence numbers, and
 * a corpus of broken inputs with the status and offset each must give. */
#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "check_run.h"
#include "gotrace/decoder.h"
#include "tracewriter.h"

/* Offsets of interesting bytes in the trace built below. */
typedef struct built {
	wbuf w;
	size_t m1_batch, m1_unblock, m2_batch;
} built;

/* One generation of a go 1.26 trace. M1 unblocks g2 at t=1020; M2 starts
 * g2 at t=1010 by its own clock. The start must come after the unblock:
 * sequence numbers beat timestamps. */
static void build_minimal(built *t, uint64_t unblock_stack, uint64_t label_string)
{
	memset(t, 0, sizeof *t);
	wbuf *w = &t->w;
	w_bytes(w, "go 1.26 trace\0\0\0", 16);

	wbuf m1 = {0};
	w_ev(&m1, EvProcStatus, 3, (uint64_t)0, (uint64_t)0, (uint64_t)1);            /* t=1000 P0 Running */
	w_ev(&m1, EvGoStatus, 4, (uint64_t)1, (uint64_t)1, (uint64_t)1, (uint64_t)2); /* t=1001 g1 Running on M1 */
	size_t unblock_at = m1.n;
	w_ev(&m1, EvGoUnblock, 4, (uint64_t)19, (uint64_t)2, (uint64_t)1, unblock_stack); /* t=1020 */
	if (label_string)
		w_ev(&m1, EvGoLabel, 2, (uint64_t)1, label_string);
	t->m1_batch = w->n;
	w_batch(w, 1, 1, 1000, &m1);
	t->m1_unblock = w->n - m1.n + unblock_at;

	wbuf m2 = {0};
	w_ev(&m2, EvProcStatus, 3, (uint64_t)0, (uint64_t)1, (uint64_t)1);                /* t=1005 P1 Running */
	w_ev(&m2, EvGoStatus, 4, (uint64_t)1, (uint64_t)2, NO_THREAD, (uint64_t)4);        /* t=1006 g2 Waiting */
	w_ev(&m2, EvGoStart, 3, (uint64_t)4, (uint64_t)2, (uint64_t)2);                    /* t=1010 g2 seq 2 */
	t->m2_batch = w->n;
	w_batch(w, 1, 2, 1005, &m2);

	w_end_generation(w, 1);
}

typedef struct seen {
	gt_event_kind kind;
	int64_t time, thread;
	uint8_t to;
	int64_t id;
} seen;

static gt_status decode_all(const void *p, size_t n, seen *out, size_t *nout, size_t max, gt_error *err,
                            gt_trace_info *info)
{
	gt_trace *t;
	gt_status s = gt_trace_open(p, n, &t, err);
	if (s)
		return s;
	gt_event ev;
	*nout = 0;
	while ((s = gt_trace_next(t, &ev, err)) == GT_OK) {
		if (*nout < max)
			out[(*nout)++] = (seen){ev.kind, ev.time, ev.thread, ev.u.transition.to, ev.u.transition.id};
	}
	if (info)
		gt_trace_info_get(t, info);
	gt_trace_close(t);
	return s;
}

/* ---- varints ---- */

START_TEST(varint_lengths)
{
	uint64_t v;
	const uint8_t one[] = {0x7f};
	ck_assert_int_eq(gt_uvarint(one, 1, &v), 1);
	ck_assert_uint_eq(v, 127);
	const uint8_t two[] = {0x80, 0x01};
	ck_assert_int_eq(gt_uvarint(two, 2, &v), 2);
	ck_assert_uint_eq(v, 128);
	const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	ck_assert_int_eq(gt_uvarint(max, 10, &v), 10);
	ck_assert_uint_eq(v, UINT64_MAX);
	/* The tenth byte may only carry one bit. */
	const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	ck_assert_int_eq(gt_uvarint(big, 10, &v), -1);
	const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	ck_assert_int_eq(gt_uvarint(eleven, 11, &v), -1);
	ck_assert_int_eq(gt_uvarint(two, 1, &v), 0);
	ck_assert_int_eq(gt_uvarint(two, 0, &v), 0);
}
END_TEST

/* ---- header ---- */

START_TEST(header_rejects)
{
	gt_trace *t;
	gt_error e;
	ck_assert_int_eq(gt_trace_open("", 0, &t, &e), GT_ERR_NOT_TRACE);
	ck_assert_uint_eq(e.offset, 0);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(gt_trace_open("hello, world, not a trace", 25, &t, &e), GT_ERR_NOT_TRACE);
	ck_assert_int_eq(gt_trace_open("go 1.22 trace", 13, &t, &e), GT_ERR_NOT_TRACE);
	ck_assert_int_eq(gt_trace_open("go 1.99 trace\0\0\0", 16, &t, &e), GT_ERR_VERSION);
	ck_assert_ptr_nonnull(strstr(e.detail, "go 1.99"));
	ck_assert_int_eq(gt_trace_open("go 1.24 trace\0\0\0", 16, &t, &e), GT_ERR_VERSION);
}
END_TEST

START_TEST(header_only)
{
	seen ev[4];
	size_t n;
	gt_error e;
	gt_trace_info info;
	/* Go 1.26 marks generation ends, so an empty trace is just empty. */
	ck_assert_int_eq(decode_all("go 1.26 trace\0\0\0", 16, ev, &n, 4, &e, &info), GT_EOF);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ev[0].kind, GT_EV_SYNC);
	ck_assert(!info.truncated);
	/* Before 1.26 nothing marks a generation's end, and one without its
	 * frequency (written first) is what a cut right after the header leaves. */
	ck_assert_int_eq(decode_all("go 1.22 trace\0\0\0", 16, ev, &n, 4, &e, &info), GT_EOF);
	ck_assert(info.truncated);
	ck_assert_uint_eq(info.generations, 0);
	ck_assert_ptr_nonnull(strstr(info.truncation.detail, "no frequency event found"));
}
END_TEST

/* ---- ordering ---- */

START_TEST(minimal_generation_order)
{
	built t;
	build_minimal(&t, 0, 0);
	seen ev[16];
	size_t n;
	gt_error e;
	gt_trace_info info;
	ck_assert_int_eq(decode_all(t.w.b, t.w.n, ev, &n, 16, &e, &info), GT_EOF);
	ck_assert_uint_eq(n, 8);
	ck_assert_int_eq(ev[0].kind, GT_EV_SYNC);
	ck_assert_int_eq(ev[0].time, 999);
	const struct {
		int64_t time, thread, id;
		uint8_t to;
	} want[] = {
		{1000, 1, 0, GT_PROC_RUNNING}, {1001, 1, 1, GT_GO_RUNNING}, {1005, 2, 1, GT_PROC_RUNNING},
		{1006, 2, 2, GT_GO_WAITING},   {1020, 1, 2, GT_GO_RUNNABLE},
		/* Stamped 1010 by M2, but it can only follow the unblock. */
		{1021, 2, 2, GT_GO_RUNNING},
	};
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(ev[i + 1].kind, GT_EV_STATE_TRANSITION);
		ck_assert_int_eq(ev[i + 1].time, want[i].time);
		ck_assert_int_eq(ev[i + 1].thread, want[i].thread);
		ck_assert_int_eq(ev[i + 1].id, want[i].id);
		ck_assert_uint_eq(ev[i + 1].to, want[i].to);
	}
	ck_assert_int_eq(ev[7].kind, GT_EV_SYNC);
	ck_assert_int_eq(ev[7].time, 1022);
	ck_assert_uint_eq(info.generations, 1);
	ck_assert(!info.truncated);
}
END_TEST

/* ---- broken inputs: each gives its status at the right offset ---- */

START_TEST(bad_unknown_event_type)
{
	built t;
	build_minimal(&t, 0, 0);
	t.w.b[t.w.n - 1 - 0] = EvEndOfGeneration; /* unchanged end */
	t.w.b[t.m1_unblock] = 100;                /* no event has type 100 */
	seen ev[16];
	size_t n;
	gt_error e;
	ck_assert_int_eq(decode_all(t.w.b, t.w.n, ev, &n, 16, &e, NULL), GT_ERR_MALFORMED);
	ck_assert_uint_eq(e.offset, t.m1_unblock);
	ck_assert_ptr_nonnull(strstr(e.detail, "100"));
}
END_TEST

START_TEST(bad_undefined_stack)
{
	built t;
	build_minimal(&t, 7, 0);
	seen ev[16];
	size_t n;
	gt_error e;
	ck_assert_int_eq(decode_all(t.w.b, t.w.n, ev, &n, 16, &e, NULL), GT_ERR_INVALID);
	ck_assert_uint_eq(e.offset, t.m1_unblock);
	ck_assert_ptr_nonnull(strstr(e.detail, "invalid stack ID 7"));
}
END_TEST

START_TEST(bad_undefined_string)
{
	built t;
	build_minimal(&t, 0, 9);
	seen ev[16];
	size_t n;
	gt_error e;
	ck_assert_int_eq(decode_all(t.w.b, t.w.n, ev, &n, 16, &e, NULL), GT_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(e.detail, "invalid string ID 9"));
}
END_TEST

START_TEST(bad_varint_over_ten_bytes)
{
	wbuf w = {0};
	w_bytes(&w, "go 1.26 trace\0\0\0", 16);
	w_u8(&w, 1);
	for (int i = 0; i < 11; i++)
		w_u8(&w, 0x80);
	w_u8(&w, 0);
	seen ev[4];
	size_t n;
	gt_error e;
	ck_assert_int_eq(decode_all(w.b, w.n, ev, &n, 4, &e, NULL), GT_ERR_MALFORMED);
	ck_assert_uint_eq(e.offset, 17);
	ck_assert_ptr_nonnull(strstr(e.detail, "overflows"));
}
END_TEST

START_TEST(bad_batch_over_limit)
{
	built t;
	build_minimal(&t, 0, 0);
	/* Rewrite M1's batch size (after type, gen, M and a two-byte time) as 100000. */
	wbuf w = {0};
	w_bytes(&w, t.w.b, t.m1_batch + 5);
	w_uv(&w, 100000);
	seen ev[4];
	size_t n;
	gt_error e;
	ck_assert_int_eq(decode_all(w.b, w.n, ev, &n, 4, &e, NULL), GT_ERR_LIMIT);
	ck_assert_uint_eq(e.offset, t.m1_batch);
}
END_TEST

/* A batch longer than the rest of the file reads as a cut trace. */
START_TEST(batch_longer_than_file_is_truncation)
{
	built t;
	build_minimal(&t, 0, 0);
	size_t cut = t.m2_batch + 8;
	seen ev[4];
	size_t n;
	gt_error e;
	gt_trace_info info;
	ck_assert_int_eq(decode_all(t.w.b, cut, ev, &n, 4, &e, &info), GT_EOF);
	ck_assert(info.truncated);
	ck_assert_uint_eq(info.generations, 0);
	ck_assert_uint_eq(info.truncation.offset, t.m2_batch);
	ck_assert_int_eq(info.truncation.status, GT_ERR_TRUNCATED);
	/* Only the final Sync: nothing of the incomplete generation. */
	ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(every_cut_is_clean)
{
	built t;
	build_minimal(&t, 0, 0);
	for (size_t cut = 17; cut < t.w.n; cut++) { /* 16 bytes: a header alone is an empty trace */
		seen ev[16];
		size_t n;
		gt_error e;
		gt_trace_info info;
		gt_status s = decode_all(t.w.b, cut, ev, &n, 16, &e, &info);
		ck_assert_msg(s == GT_EOF, "cut at %zu: %s", cut, e.detail);
		ck_assert_msg(info.truncated, "cut at %zu not reported", cut);
		ck_assert_uint_eq(n, 1);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decoder");
	TCase *tc = tcase_create("decoder:varint");
	tcase_add_test(tc, varint_lengths);
	suite_add_tcase(s, tc);
	tc = tcase_create("decoder:header");
	tcase_add_test(tc, header_rejects);
	tcase_add_test(tc, header_only);
	suite_add_tcase(s, tc);
	tc = tcase_create("decoder:ordering");
	tcase_add_test(tc, minimal_generation_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("decoder:bad-input");
	tcase_add_test(tc, bad_unknown_event_type);
	tcase_add_test(tc, bad_undefined_stack);
	tcase_add_test(tc, bad_undefined_string);
	tcase_add_test(tc, bad_varint_over_ten_bytes);
	tcase_add_test(tc, bad_batch_over_limit);
	tcase_add_test(tc, batch_longer_than_file_is_truncation);
	tcase_add_test(tc, every_cut_is_clean);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? 1 : 0;
}
