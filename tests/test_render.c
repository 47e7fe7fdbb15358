/* The renderer's repaint of changed regions only: after each input, the
 * frame painted over the previous one (dirty regions only) must equal,
 * pixel for pixel, the frame painted from scratch, or the window would
 * show leftovers of earlier frames. */
#include <cairo.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "gotrace/model.h"
#include "testutil.h"
#include "vw.h"
#include "vw_cairo.h"

enum { W = 1200, H = 700 };

static void paint_full(const vw_drawlist *d, cairo_surface_t *s)
{
	cairo_t *cr = cairo_create(s);
	vw_cairo_render(cr, d);
	cairo_destroy(cr);
	cairo_surface_flush(s);
}

/* Rows that differ between two surfaces, 0 when equal. */
static int rows_differing(cairo_surface_t *a, cairo_surface_t *b)
{
	int n = 0, stride = cairo_image_surface_get_stride(a);
	const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
	for (int y = 0; y < H; y++)
		n += memcmp(pa + (size_t)y * (size_t)stride, pb + (size_t)y * (size_t)stride, (size_t)W * 4) != 0;
	return n;
}

/* Opens a trace, drives the view through a fixed script of inputs, and
 * checks each frame repainted over the previous one equals a full repaint.
 * With region_checks, also that panning and scrolling repaint only part of
 * the frame and an unchanged frame repaints nothing. Returns false when
 * the trace does not decode (the decoder's own tests cover that). */
static bool drive(const char *path, bool region_checks)
{
	size_t len;
	char *data = tu_read_file(path, &len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	gt_trace *t;
	gt_model *m = NULL;
	gt_error e;
	if (gt_trace_open(data, len, &t, &e) != GT_OK) {
		free(data);
		return false;
	}
	if (gt_model_build(t, &m, NULL, NULL, &e) != GT_OK) {
		gt_trace_close(t);
		free(data);
		return false;
	}
	cairo_surface_t *live = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
	cairo_surface_t *fresh = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
	cairo_t *mcr = cairo_create(fresh);
	vw_state s;
	ck_assert_int_eq(vw_state_init(&s, m, W, H, 1), 0);
	s.measure = vw_cairo_measure;
	s.measure_ctx = mcr;
	vw_drawlist d = {0};
	vw_damage dm = {0};
	bool dirty[VW_REGIONS_MAX];
	vw_geom g = vw_state_geom(&s);
	float mid_y = g.tracks_y + g.tracks_h / 2, mid_x = g.timeline_x + g.timeline_w / 2;
	for (int step = 0; step < 14; step++) {
		switch (step) {
		case 1: vw_input_key(&s, 'd'); break;                   /* pan */
		case 2: vw_input_motion(&s, mid_x, mid_y); break;       /* tooltip */
		case 3: vw_input_motion(&s, mid_x + 40, mid_y + 30); break;
		case 4: vw_input_leave(&s); break;                      /* tooltip gone */
		case 5: vw_input_key(&s, 'n'); break;                   /* select a gap */
		case 6: vw_input_key(&s, '?'); break;                   /* help over all */
		case 7: vw_input_key(&s, '?'); break;
		case 8: vw_input_key(&s, VW_KEY_DOWN); break;           /* scroll */
		case 9: vw_input_key(&s, 'w'); break;                   /* zoom */
		case 10: vw_input_key(&s, 'l'); break;                  /* side panel off */
		case 11: vw_input_key(&s, 'l'); break;
		case 12: vw_input_key(&s, ']'); break;                  /* threshold */
		default: break;
		}
		vw_frame_build(&s, &d);
		size_t n = vw_damage_compute(&dm, &d, dirty);
		if (region_checks) {
			if (step == 0)
				ck_assert_uint_eq(n, d.nregions);
			if (step == 13)
				ck_assert_uint_eq(n, 0); /* nothing changed: nothing to paint */
			if (step == 1 || step == 8)
				ck_assert_msg(n < d.nregions, "step %d repainted every region", step);
		}
		cairo_t *cr = cairo_create(live);
		vw_cairo_render_dirty(cr, &d, dirty);
		cairo_destroy(cr);
		cairo_surface_flush(live);
		paint_full(&d, fresh);
		ck_assert_msg(rows_differing(live, fresh) == 0, "%s step %d: %d rows differ from a full repaint", path, step,
		              rows_differing(live, fresh));
	}
	vw_dl_free(&d);
	vw_state_free(&s);
	cairo_destroy(mcr);
	cairo_surface_destroy(live);
	cairo_surface_destroy(fresh);
	gt_model_free(m);
	gt_trace_close(t);
	free(data);
	return true;
}

START_TEST(partial_repaint_equals_full)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/go1.26/gcassist.trace", tu_source_dir());
	ck_assert(drive(path, true));
}
END_TEST

static char **traces;
static size_t ntraces;

/* Every shipped trace, old formats included, through the same script:
 * under the sanitizer builds this is the viewer's robustness run. */
START_TEST(scripted_session_on_every_trace)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), traces[_i]);
	drive(path, false);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render:damage");
	tcase_add_test(tc, partial_repaint_equals_full);
	suite_add_tcase(s, tc);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	ntraces = tu_list(dir, ".trace", &traces);
	tc = tcase_create("render:every-trace");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, scripted_session_on_every_trace, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	tu_list_free(traces, ntraces);
	return failed ? 1 : 0;
}
