/* The view state and the input handlers that change it. Handlers take
 * plain coordinates and key codes, so tests drive them without a window. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw.h"

typedef struct rix_job {
	vw_range_index *x;
	const gt_model *m;
	int r;
} rix_job;

static void *rix_main(void *arg)
{
	rix_job *j = arg;
	j->r = vw_range_index_build(j->x, j->m);
	return NULL;
}

static void overview_add(vw_state *s, double per, const gt_gap *g)
{
	int a = (int)((double)g->start / per), b = (int)((double)gt_gap_end(g) / per), cols = s->overview_cols;
	int64_t len = gt_gap_len(g);
	for (int x = a; x <= b && x < cols; x++)
		if (x >= 0 && len > s->overview[x])
			s->overview[x] = len;
}

static int overview_alloc(vw_state *s, int cols)
{
	free(s->overview);
	s->overview = calloc((size_t)(cols > 0 ? cols : 0) + 1, sizeof *s->overview);
	s->overview_cols = s->overview ? cols : 0;
	return s->overview ? 0 : -1;
}

static int gaps_over_from(vw_state *s, uint32_t *by_start, size_t n);

/* What the first frame needs of every gap, in one pass over millions of
 * them: each group's worst gap, the worst gaps, the overview, the gaps
 * over the threshold. */
static int scan_gaps(vw_state *s, int cols)
{
	if (overview_alloc(s, cols) != 0)
		return -1;
	double per = (double)s->view.duration / cols;
	vw_worst w;
	vw_worst_init(&w, s->worst, sizeof s->worst / sizeof s->worst[0]);
	vw_over o = {0};
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(s->m, 0, &it);
	for (uint32_t i = 0; gt_gap_next(&it, &g); i++) {
		vw_layout_add_gap(&s->layout, &g);
		vw_worst_add(&w, i, gt_gap_len(&g));
		overview_add(s, per, &g);
		vw_over_add(&o, s->threshold, i, &g);
	}
	s->nworst = vw_worst_finish(&w);
	return o.oom ? -1 : gaps_over_from(s, o.idx, o.n);
}

/* All of the state but the range index. */
static int state_fill(vw_state *s, const gt_model *m)
{
	if (vw_layout_init(&s->layout, m) != 0 || vw_layout_rows(&s->layout, s->scale) != 0)
		return -1;
	for (int i = 0; i < GT_SERIES_COUNT; i++) {
		const gt_sample *sm;
		size_t n = gt_model_series(m, (gt_series_id)i, &sm);
		if (vw_series_pyr_build(&s->series[i], sm, n) != 0)
			return -1;
	}
	int64_t goal = s->series[GT_SERIES_HEAP_GOAL].max, alloc = s->series[GT_SERIES_HEAP_ALLOC].max;
	s->heap_max = goal > alloc ? goal : alloc;
	if (!s->heap_max)
		s->heap_max = 1;
	s->runnable_max = s->series[GT_SERIES_RUNNABLE].max;
	vw_geom g = vw_state_geom(s);
	vw_view_init(&s->view, gt_model_duration(m), g.timeline_w);
	/* Caches the first frame would otherwise build, scanning every gap. */
	if (scan_gaps(s, (int)g.timeline_w) != 0)
		return -1;
	vw_frame_prepare(s);
	return 0;
}

int vw_state_init(vw_state *s, const gt_model *m, int width, int height, float scale)
{
	memset(s, 0, sizeof *s);
	s->m = m;
	s->scale = scale > 0 ? scale : 1;
	s->width = width;
	s->height = height;
	s->threshold = 1000000; /* 1 ms: where scheduler latency starts to hurt requests */
	s->show_side = true;
	s->sel_gap = GT_NONE;
	s->over_threshold = -1;
	/* The range index reads every span of every goroutine, the rest every
	 * gap several times: seconds each for millions of goroutines, so they
	 * take a core each. Both only read the model. */
	rix_job job = {&s->rix, m, 0};
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, rix_main, &job) == 0;
	int r = state_fill(s, m);
	if (threaded)
		pthread_join(th, NULL);
	else
		rix_main(&job);
	return r == 0 && job.r == 0 ? 0 : -1;
}

int vw_state_overview(vw_state *s, int cols)
{
	if (overview_alloc(s, cols) != 0)
		return -1;
	double per = (double)s->view.duration / cols;
	gt_gap_iter it;
	gt_gap g;
	for (gt_gap_seek(s->m, 0, &it); gt_gap_next(&it, &g);)
		overview_add(s, per, &g);
	return 0;
}

int vw_state_gaps_over(vw_state *s)
{
	uint32_t *by_start = NULL;
	size_t n = vw_gaps_over(s->m, s->threshold, &by_start);
	return n == SIZE_MAX ? -1 : gaps_over_from(s, by_start, n);
}

/* Groups the gaps over the threshold, by_start (n, taken and freed). */
static int gaps_over_from(vw_state *s, uint32_t *by_start, size_t n)
{
	const vw_layout *l = &s->layout;
	if (s->rowcache)
		for (size_t i = 0; i < VW_ROWCACHE; i++)
			free(s->rowcache[i].rects);
	free(s->rowcache);
	s->rowcache = NULL;
	free(s->over);
	free(s->over_start);
	free(s->over_end);
	free(s->over_off);
	s->over = NULL;
	s->over_start = NULL;
	s->over_end = NULL;
	s->over_off = NULL;
	s->nover = 0;
	s->over_threshold = -1;
	s->over = malloc((n + 1) * sizeof *s->over);
	s->over_start = malloc((n + 1) * sizeof *s->over_start);
	s->over_end = malloc((n + 1) * sizeof *s->over_end);
	s->over_off = calloc(l->ngroups + 2, sizeof *s->over_off);
	if (!s->over || !s->over_start || !s->over_end || !s->over_off) {
		free(by_start);
		return -1;
	}
	/* A counting sort by group id keeps each group's gaps in start order.
	 * Both passes read the gaps in index order, as by_start holds them. */
	vw_gap_reader rd;
	vw_gap_reader_init(&rd, s->m);
	for (size_t i = 0; i < n; i++) {
		gt_gap gap = vw_gap_read(&rd, by_start[i]);
		s->over_off[l->groups[l->group_of[gap.goroutine]].id + 2]++;
	}
	for (size_t g = 2; g < l->ngroups + 2; g++)
		s->over_off[g] += s->over_off[g - 1];
	vw_gap_reader_init(&rd, s->m);
	for (size_t i = 0; i < n; i++) {
		gt_gap gap = vw_gap_read(&rd, by_start[i]);
		size_t at = s->over_off[l->groups[l->group_of[gap.goroutine]].id + 1]++;
		s->over[at] = by_start[i];
		s->over_start[at] = gap.start;
		s->over_end[at] = gt_gap_end(&gap);
	}
	free(by_start);
	/* Ends become the latest end so far within each group. */
	for (size_t g = 0; g < l->ngroups; g++)
		for (size_t i = s->over_off[g]; i < s->over_off[g + 1]; i++) {
			int64_t e = s->over_end[i];
			s->over_end[i] = i > s->over_off[g] && s->over_end[i - 1] > e ? s->over_end[i - 1] : e;
		}
	s->nover = n;
	s->over_threshold = s->threshold;
	return 0;
}

void vw_state_free(vw_state *s)
{
	vw_layout_free(&s->layout);
	vw_range_index_free(&s->rix);
	for (int i = 0; i < GT_SERIES_COUNT; i++)
		vw_series_pyr_free(&s->series[i]);
	free(s->overview);
	free(s->bins);
	if (s->rowcache)
		for (size_t i = 0; i < VW_ROWCACHE; i++)
			free(s->rowcache[i].rects);
	free(s->rowcache);
	s->rowcache = NULL;
	free(s->over);
	free(s->over_start);
	free(s->over_end);
	free(s->over_off);
	for (int i = 0; i <= GT_RANGE_STW; i++)
		free(s->range_end[i]);
	for (int i = 0; i < VW_REGION_DEPTHS; i++) {
		free(s->reg_idx[i]);
		free(s->reg_start[i]);
		free(s->reg_end[i]);
	}
	s->over = NULL;
	s->over_start = NULL;
	s->over_end = NULL;
	s->over_off = NULL;
	s->overview = NULL;
	s->bins = NULL;
}

vw_geom vw_state_geom(const vw_state *s)
{
	float k = s->scale;
	vw_geom g;
	g.overview_y = 0;
	g.overview_h = 40 * k;
	g.axis_y = g.overview_h;
	g.axis_h = 22 * k;
	g.status_h = 22 * k;
	g.status_y = (float)s->height - g.status_h;
	g.tracks_y = g.axis_y + g.axis_h;
	g.tracks_h = g.status_y - g.tracks_y;
	g.label_w = 180 * k;
	g.side_w = s->show_side && s->width > 900 * k ? 340 * k : 0;
	g.side_x = (float)s->width - g.side_w;
	g.timeline_x = g.label_w;
	g.timeline_w = g.side_x - g.label_w;
	if (g.timeline_w < 1)
		g.timeline_w = 1;
	return g;
}

static void clamp_scroll(vw_state *s)
{
	vw_geom g = vw_state_geom(s);
	double max = s->layout.total_h - g.tracks_h + 8 * s->scale;
	if (s->view.vp.scroll_y > max)
		s->view.vp.scroll_y = max;
	if (s->view.vp.scroll_y < 0)
		s->view.vp.scroll_y = 0;
}

void vw_state_resize(vw_state *s, int width, int height, float scale)
{
	bool rescale = scale != s->scale;
	s->width = width;
	s->height = height;
	s->scale = scale;
	if (!s->m)
		return; /* still loading: nothing laid out yet */
	if (rescale)
		vw_layout_rows(&s->layout, scale);
	vw_view_resize(&s->view, vw_state_geom(s).timeline_w);
	clamp_scroll(s);
}

/* Continuous actions (wheel, held keys) make one undo step, not one per
 * event: a step is saved only when the kind of action changes. */
static void begin_action(vw_state *s, int action)
{
	if (s->last_action != action || action == VW_ACT_JUMP)
		vw_view_push(&s->view);
	s->last_action = action;
}

static void scroll_to_row(vw_state *s, size_t row)
{
	if (row >= s->layout.nrows)
		return;
	vw_geom g = vw_state_geom(s);
	const vw_row *r = &s->layout.rows[row];
	if (r->y < s->view.vp.scroll_y || r->y + r->h > s->view.vp.scroll_y + g.tracks_h)
		s->view.vp.scroll_y = r->y - g.tracks_h / 3;
	clamp_scroll(s);
}

void vw_state_select_gap(vw_state *s, uint32_t gap)
{
	if (gap >= gt_model_ngaps(s->m))
		return;
	begin_action(s, VW_ACT_JUMP);
	gt_gap g = gt_model_gap(s->m, gap);
	s->sel = VW_SEL_GAP;
	s->sel_gap = gap;
	int64_t len = gt_gap_len(&g);
	/* Room on both sides to see what made it runnable and what ran. */
	vw_view_show(&s->view, (double)g.start - (double)len * 0.6, (double)gt_gap_end(&g) + (double)len * 0.6, 0.05);
	scroll_to_row(s, vw_layout_reveal(&s->layout, g.goroutine, s->scale));
	char d[32];
	vw_fmt_dur(d, sizeof d, (double)len);
	snprintf(s->status, sizeof s->status, "gap of %s on G%lld", d, (long long)gt_model_goroutine(s->m, g.goroutine).id);
}

void vw_state_set_range(vw_state *s, int64_t from, int64_t to)
{
	if (to < from) {
		int64_t t = from;
		from = to;
		to = t;
	}
	s->has_range = vw_range_stats_compute_in(s->m, &s->rix, from, to, s->threshold, &s->range) == 0;
	s->range_from = from;
	s->range_to = to;
}

void vw_state_clear_range(vw_state *s) { s->has_range = false; }

static void jump_gap(vw_state *s, int dir)
{
	double from;
	if (s->sel == VW_SEL_GAP)
		from = (double)gt_model_gap(s->m, s->sel_gap).start;
	else
		from = dir > 0 ? vw_t_of(&s->view, 0) : vw_view_end(&s->view);
	uint32_t i = dir > 0 ? vw_gap_next(s->m, from, s->threshold) : vw_gap_prev(s->m, from, s->threshold);
	if (i == GT_NONE) {
		char d[32];
		vw_fmt_dur(d, sizeof d, (double)s->threshold);
		snprintf(s->status, sizeof s->status, "no %s gap over %s", dir > 0 ? "later" : "earlier", d);
		return;
	}
	vw_state_select_gap(s, i);
}

static void set_threshold(vw_state *s, int64_t t)
{
	if (t < 1000)
		t = 1000;
	if (t > 10000000000LL)
		t = 10000000000LL;
	s->threshold = t;
	if (s->has_range)
		vw_state_set_range(s, s->range_from, s->range_to);
	char d[32];
	vw_fmt_dur(d, sizeof d, (double)t);
	snprintf(s->status, sizeof s->status, "gap threshold %s", d);
}

static void zoom_key(vw_state *s, double factor)
{
	begin_action(s, VW_ACT_ZOOM);
	vw_geom g = vw_state_geom(s);
	double x = s->mouse_in && s->mouse_x >= g.timeline_x && s->mouse_x < g.side_x ? s->mouse_x - g.timeline_x
	                                                                               : g.timeline_w / 2;
	vw_view_zoom_at(&s->view, x, factor);
}

static void scroll_by(vw_state *s, double dy)
{
	s->view.vp.scroll_y += dy;
	clamp_scroll(s);
}

uint32_t vw_selected_goroutine(const vw_state *s)
{
	if (s->sel == VW_SEL_GAP && s->sel_gap != GT_NONE)
		return gt_model_gap(s->m, s->sel_gap).goroutine;
	if (s->sel == VW_SEL_SPAN && s->sel_kind == 0)
		return s->sel_track;
	return GT_NONE;
}

int64_t vw_worst_gap_len(const vw_state *s)
{
	if (!s->nworst)
		return 0;
	gt_gap g = gt_model_gap(s->m, s->worst[0]);
	return gt_gap_len(&g);
}

size_t vw_goroutine_gaps_in_view(const vw_state *s, uint32_t gi, uint32_t *out, size_t cap)
{
	size_t n = 0;
	double lo = vw_t_of(&s->view, 0), hi = vw_view_end(&s->view);
	/* Gaps are sorted by start: one starting before the window reaches
	 * into it by at most the longest gap. */
	size_t i = vw_gap_first_from(s->m, lo - (double)vw_worst_gap_len(s));
	gt_gap_iter it;
	gt_gap g;
	for (gt_gap_seek(s->m, i, &it); n < cap && gt_gap_next(&it, &g) && (double)g.start < hi; i++)
		if (g.goroutine == gi && (double)gt_gap_end(&g) >= lo)
			out[n++] = (uint32_t)i;
	return n;
}

/* Typing a goroutine filter: printable keys edit it and the rows follow
 * each key; Enter keeps it, Esc clears it. */
static void filter_key(vw_state *s, int key)
{
	vw_layout *l = &s->layout;
	size_t n = strlen(l->filter);
	char f[sizeof l->filter];
	memcpy(f, l->filter, n + 1);
	if (key == VW_KEY_ENTER) {
		s->typing_filter = false;
	} else if (key == VW_KEY_ESCAPE) {
		s->typing_filter = false;
		f[0] = '\0';
	} else if (key == VW_KEY_BACKSPACE) {
		while (n > 0 && ((unsigned char)f[n - 1] & 0xc0) == 0x80)
			n--; /* a whole UTF-8 character */
		if (n > 0)
			f[--n] = '\0';
		else
			f[0] = '\0';
	} else if (key >= 0x20 && key < 0x7f && n + 1 < sizeof f) {
		f[n] = (char)key;
		f[n + 1] = '\0';
	} else {
		return;
	}
	if (strcmp(f, l->filter) != 0) {
		vw_layout_set_filter(l, f, s->scale);
		clamp_scroll(s);
	}
}

void vw_input_key(vw_state *s, int key)
{
	vw_geom g = vw_state_geom(s);
	if (s->typing_filter) {
		filter_key(s, key);
		return;
	}
	if (s->help && key != '?') {
		s->help = false;
		if (key == VW_KEY_ESCAPE)
			return;
	}
	switch (key) {
	case 'w':
	case '+':
	case '=':
		zoom_key(s, 0.7);
		break;
	case 's':
	case '-':
		zoom_key(s, 1 / 0.7);
		break;
	case 'a':
	case VW_KEY_LEFT:
		begin_action(s, VW_ACT_PAN);
		vw_view_pan(&s->view, g.timeline_w * 0.15);
		break;
	case 'd':
	case VW_KEY_RIGHT:
		begin_action(s, VW_ACT_PAN);
		vw_view_pan(&s->view, -g.timeline_w * 0.15);
		break;
	case 'f':
	case '0':
		begin_action(s, VW_ACT_JUMP);
		vw_view_fit(&s->view);
		break;
	case 'z':
		if (s->has_range) {
			begin_action(s, VW_ACT_JUMP);
			vw_view_show(&s->view, (double)s->range_from, (double)s->range_to, 0.02);
		} else if (s->sel == VW_SEL_GAP) {
			vw_state_select_gap(s, s->sel_gap);
		} else if (s->sel == VW_SEL_SPAN) {
			begin_action(s, VW_ACT_JUMP);
			vw_view_show(&s->view, (double)s->sel_span.start, (double)s->sel_span.end, 0.2);
		}
		break;
	case 'n':
		jump_gap(s, 1);
		break;
	case 'p':
		jump_gap(s, -1);
		break;
	case 'u':
	case VW_KEY_UNDO:
		if (!vw_view_undo(&s->view))
			snprintf(s->status, sizeof s->status, "nothing to undo");
		s->last_action = VW_ACT_NONE;
		break;
	case 'U':
	case VW_KEY_REDO:
		if (!vw_view_redo(&s->view))
			snprintf(s->status, sizeof s->status, "nothing to redo");
		s->last_action = VW_ACT_NONE;
		break;
	case ']':
		set_threshold(s, s->threshold * 2);
		break;
	case '[':
		set_threshold(s, s->threshold / 2);
		break;
	case 't': {
		static const char *const names[] = {"scheduler wait", "execution time", "goroutine id"};
		vw_layout_sort(&s->layout, (vw_sort)((s->layout.sort + 1) % VW_SORT_COUNT));
		vw_layout_rows(&s->layout, s->scale);
		snprintf(s->status, sizeof s->status, "goroutines sorted by %s", names[s->layout.sort]);
		break;
	}
	case 'c': {
		bool any_open = false;
		for (size_t i = 0; i < s->layout.ngroups; i++)
			any_open |= !s->layout.groups[i].collapsed;
		for (size_t i = 0; i < s->layout.ngroups; i++)
			s->layout.groups[i].collapsed = any_open;
		vw_layout_rows(&s->layout, s->scale);
		clamp_scroll(s);
		break;
	}
	case 'l':
		s->show_side = !s->show_side;
		vw_view_resize(&s->view, vw_state_geom(s).timeline_w);
		break;
	case '?':
	case 'h':
		s->help = !s->help;
		break;
	case 'e': {
		if (!s->has_range) {
			snprintf(s->status, sizeof s->status, "select a range first (drag on the time axis), then e exports its gaps");
			break;
		}
		const char *dir = getenv("GOTRACE_EXPORT_DIR");
		char path[200];
		if (vw_export_gaps(s->m, dir, s->range_from, s->range_to, s->threshold, s->file, path, sizeof path) == 0)
			snprintf(s->status, sizeof s->status, "wrote %s", path);
		else
			snprintf(s->status, sizeof s->status, "cannot export to %s: %s", dir && dir[0] ? dir : ".",
			         strerror(errno));
		break;
	}
	case 'A': {
		uint32_t gi = vw_selected_goroutine(s);
		if (gi == GT_NONE && !s->arrows) {
			snprintf(s->status, sizeof s->status, "select a gap or a goroutine's span first, then A shows its arrows");
			break;
		}
		s->arrows = !s->arrows;
		if (gi != GT_NONE)
			snprintf(s->status, sizeof s->status, "unblock arrows for every gap of G%" PRId64 " %s",
			         gt_model_goroutine(s->m, gi).id, s->arrows ? "on" : "off");
		else
			snprintf(s->status, sizeof s->status, "unblock arrows off");
		break;
	}
	case '/':
		s->typing_filter = true;
		vw_layout_set_filter(&s->layout, "", s->scale);
		clamp_scroll(s);
		break;
	case VW_KEY_ESCAPE:
		/* Selection first; with nothing selected, the name filter. */
		if (s->sel == VW_SEL_NONE && !s->has_range && s->layout.filter[0]) {
			vw_layout_set_filter(&s->layout, "", s->scale);
			clamp_scroll(s);
		}
		s->sel = VW_SEL_NONE;
		s->has_range = false;
		break;
	case VW_KEY_UP:
		scroll_by(s, -40 * s->scale);
		break;
	case VW_KEY_DOWN:
		scroll_by(s, 40 * s->scale);
		break;
	case VW_KEY_PAGEUP:
		scroll_by(s, -g.tracks_h * 0.9);
		break;
	case VW_KEY_PAGEDOWN:
		scroll_by(s, g.tracks_h * 0.9);
		break;
	case VW_KEY_HOME:
		s->view.vp.scroll_y = 0;
		break;
	default:
		break;
	}
}

void vw_input_wheel(vw_state *s, float x, float y, float dy, bool modifier)
{
	vw_geom g = vw_state_geom(s);
	if (x >= g.side_x) {
		s->side_scroll -= dy * 48 * s->scale;
		if (s->side_scroll < 0)
			s->side_scroll = 0;
		return;
	}
	if (modifier || (x < g.timeline_x && y >= g.tracks_y)) {
		scroll_by(s, -dy * 48 * s->scale);
		return;
	}
	begin_action(s, VW_ACT_ZOOM);
	vw_view_zoom_at(&s->view, x - g.timeline_x, pow(0.8, dy));
}

vw_hit vw_hit_test(const vw_state *s, float x, float y)
{
	vw_geom g = vw_state_geom(s);
	vw_hit h = {.area = VW_AREA_NONE, .row = SIZE_MAX, .gap = GT_NONE};
	h.t = vw_t_of(&s->view, x - g.timeline_x);
	if (x >= g.side_x && y < g.status_y) {
		h.area = VW_AREA_SIDE;
		float ly = y - g.tracks_y - vw_side_list_top(s);
		if (ly >= 0) {
			size_t i = (size_t)((ly + s->side_scroll) / (VW_SIDE_ITEM_H * s->scale));
			if (i < vw_side_list_count(s))
				h.gap = s->worst[i];
		}
		return h;
	}
	if (y < g.overview_y + g.overview_h) {
		h.area = VW_AREA_OVERVIEW;
		h.t = (x - g.timeline_x) / g.timeline_w * (double)s->view.duration;
		return h;
	}
	if (y < g.tracks_y) {
		h.area = VW_AREA_AXIS;
		return h;
	}
	if (y >= g.status_y)
		return h;
	h.area = x < g.timeline_x ? VW_AREA_LABELS : VW_AREA_TRACKS;
	h.row = vw_layout_row_at(&s->layout, (float)(y - g.tracks_y + s->view.vp.scroll_y));
	if (h.row == SIZE_MAX || h.area != VW_AREA_TRACKS)
		return h;
	const vw_row *r = &s->layout.rows[h.row];
	double tol = 3 * s->scale * s->view.vp.ns_per_px;
	h.track = r->index;
	if (r->kind != VW_ROW_GOROUTINE && r->kind != VW_ROW_PROC && r->kind != VW_ROW_THREAD)
		return h;
	h.kind = r->kind == VW_ROW_GOROUTINE ? 0 : r->kind == VW_ROW_PROC ? 1 : 2;
	gt_span_iter it;
	gt_track_seek(s->m, h.kind, r->index, (int64_t)floor(h.t - tol), &it);
	h.on_span = vw_span_at(&it, h.t, tol, &h.span);
	if (h.on_span && h.kind == 0 && h.span.state == GT_GS_RUNNABLE) {
		/* The gap of this runnable span: gaps are sorted by start. */
		size_t lo = vw_gap_first_from(s->m, (double)h.span.start);
		gt_gap_iter gi;
		gt_gap gap;
		for (gt_gap_seek(s->m, lo, &gi); gt_gap_next(&gi, &gap) && gap.start == h.span.start; lo++)
			if (gap.goroutine == r->index) {
				h.gap = (uint32_t)lo;
				break;
			}
	}
	return h;
}

void vw_input_motion(vw_state *s, float x, float y)
{
	vw_geom g = vw_state_geom(s);
	s->mouse_x = x;
	s->mouse_y = y;
	s->mouse_in = true;
	switch (s->drag) {
	case VW_DRAG_PAN:
		s->view.vp.t0 = s->drag_t0 - (x - s->drag_x0) * s->view.vp.ns_per_px;
		s->view.vp.scroll_y = s->drag_scroll0 - (y - s->drag_y0);
		vw_view_pan(&s->view, 0); /* clamps */
		clamp_scroll(s);
		break;
	case VW_DRAG_OVERVIEW: {
		double t = (x - g.timeline_x) / g.timeline_w * (double)s->view.duration;
		s->view.vp.t0 = t - g.timeline_w / 2 * s->view.vp.ns_per_px;
		vw_view_pan(&s->view, 0);
		break;
	}
	case VW_DRAG_RANGE: {
		double a = s->drag_t0, b = vw_t_of(&s->view, x - g.timeline_x);
		s->has_range = true;
		s->range_from = (int64_t)(a < b ? a : b);
		s->range_to = (int64_t)(a < b ? b : a);
		break;
	}
	default:
		break;
	}
}

void vw_input_leave(vw_state *s) { s->mouse_in = false; }

void vw_input_press(vw_state *s, float x, float y, int button)
{
	vw_geom g = vw_state_geom(s);
	vw_hit h = vw_hit_test(s, x, y);
	s->drag_x0 = x;
	s->drag_y0 = y;
	s->drag_moved = false;
	if (button != 1)
		return;
	switch (h.area) {
	case VW_AREA_OVERVIEW:
		begin_action(s, VW_ACT_JUMP);
		s->drag = VW_DRAG_OVERVIEW;
		vw_input_motion(s, x, y);
		break;
	case VW_AREA_AXIS:
		s->drag = VW_DRAG_RANGE;
		s->drag_t0 = vw_t_of(&s->view, x - g.timeline_x);
		break;
	case VW_AREA_TRACKS:
		begin_action(s, VW_ACT_PAN);
		s->drag = VW_DRAG_PAN;
		s->drag_t0 = s->view.vp.t0;
		s->drag_scroll0 = s->view.vp.scroll_y;
		break;
	case VW_AREA_LABELS:
		if (h.row != SIZE_MAX) {
			const vw_row *r = &s->layout.rows[h.row];
			if (r->kind == VW_ROW_GROUP)
				s->layout.groups[r->index].collapsed = !s->layout.groups[r->index].collapsed;
			else if (r->kind == VW_ROW_SECTION && r->index == VW_SEC_PROCS)
				s->layout.procs_collapsed = !s->layout.procs_collapsed;
			else if (r->kind == VW_ROW_SECTION && r->index == VW_SEC_THREADS)
				s->layout.threads_collapsed = !s->layout.threads_collapsed;
			vw_layout_rows(&s->layout, s->scale);
			clamp_scroll(s);
		}
		break;
	case VW_AREA_SIDE:
		if (h.gap != GT_NONE)
			vw_state_select_gap(s, h.gap);
		break;
	default:
		break;
	}
}

void vw_input_release(vw_state *s, float x, float y, int button)
{
	int drag = s->drag;
	s->drag = VW_DRAG_NONE;
	bool click = fabsf(x - s->drag_x0) < 4 * s->scale && fabsf(y - s->drag_y0) < 4 * s->scale;
	if (button != 1)
		return;
	if (drag == VW_DRAG_RANGE) {
		if (click)
			vw_state_clear_range(s);
		else
			vw_state_set_range(s, s->range_from, s->range_to);
		return;
	}
	if (drag != VW_DRAG_PAN || !click)
		return;
	vw_hit h = vw_hit_test(s, x, y);
	if (h.gap != GT_NONE) {
		s->sel = VW_SEL_GAP;
		s->sel_gap = h.gap;
	} else if (h.on_span) {
		s->sel = VW_SEL_SPAN;
		s->sel_kind = (uint32_t)h.kind;
		s->sel_track = h.track;
		s->sel_span = h.span;
	} else {
		s->sel = VW_SEL_NONE;
	}
}
