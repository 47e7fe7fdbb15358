/* Builds one frame's draw list from the model and the view state. Reads
 * both, changes neither (except scratch buffers and caches). */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw.h"

/* Dark theme. Blocking states are muted so that running (green) and
 * gaps over the threshold (hot pink) are what the eye finds first. */
#define C_BG 0x15171cffu
#define C_PANEL 0x1d2027ffu
#define C_PANEL2 0x23272fffu
#define C_ROW_ALT 0x191c22ffu
#define C_GRID 0xffffff12u
#define C_TEXT 0xdde3ecffu
#define C_DIM 0x8b95a5ffu
#define C_ACCENT 0x58a6ffffu
const uint32_t VW_COLOR_RUNNING = 0x3fb950ffu;
const uint32_t VW_COLOR_RUNNABLE = 0xc9a227ffu;
const uint32_t VW_COLOR_GAP = 0xff2e88ffu;
const uint32_t VW_COLOR_SYSCALL = 0x4aa8ffffu;
const uint32_t VW_COLOR_SYSCALL_BLOCKED = 0xe8803affu;
#define C_GC 0x8957e5ccu
#define C_STW 0xf2f2f2ffu
#define C_ASSIST 0xc297ffffu
#define C_HEAP 0x58a6ffffu
#define C_GOAL 0xf0883effu

/* Blocking reasons, by what the goroutine waited for. */
enum { W_CHAN, W_SELECT, W_SYNC, W_SLEEP, W_NET, W_RUNTIME, W_OTHER, W_COUNT };
static const uint32_t wait_colors[W_COUNT] = {0x2e4a78ffu, 0x3a437fffu, 0x6a4a96ffu, 0x39424fffu,
                                              0x22676fffu, 0x4f4a2effu, 0x444b57ffu};
static const char *const wait_names[W_COUNT] = {"chan", "select", "sync", "sleep", "network", "runtime", "other"};

static bool has(gt_str s, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= s.len; i++)
		if (memcmp(s.ptr + i, w, n) == 0)
			return true;
	return false;
}

static int wait_class(const gt_model *m, uint16_t reason)
{
	gt_str r = gt_model_reason(m, reason);
	if (has(r, "chan"))
		return W_CHAN;
	if (has(r, "select"))
		return W_SELECT;
	if (has(r, "sync") || has(r, "Cond") || has(r, "emacquire") || has(r, "utex"))
		return W_SYNC;
	if (has(r, "sleep"))
		return W_SLEEP;
	if (has(r, "network") || has(r, "IO"))
		return W_NET;
	if (has(r, "GC") || has(r, "system") || has(r, "sweep") || has(r, "preempt") || has(r, "trace"))
		return W_RUNTIME;
	return W_OTHER;
}

uint32_t vw_gstate_color(const gt_model *m, const gt_span *sp)
{
	switch (sp->state) {
	case GT_GS_RUNNING:
		return VW_COLOR_RUNNING;
	case GT_GS_RUNNABLE:
		return VW_COLOR_RUNNABLE;
	case GT_GS_WAITING:
		return wait_colors[wait_class(m, sp->reason)];
	case GT_GS_SYSCALL:
		return VW_COLOR_SYSCALL;
	default:
		return VW_COLOR_SYSCALL_BLOCKED;
	}
}

/* A stable colour per goroutine for P tracks, from its id. */
static uint32_t goroutine_color(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
	double h = (double)(x >> 40) / (double)(1ULL << 24) * 6.0;
	double s = 0.45, v = 0.72, c = v * s, xx = c * (1 - fabs(fmod(h, 2) - 1)), mm = v - c;
	double r = 0, g = 0, b = 0;
	switch ((int)h) {
	case 0: r = c, g = xx; break;
	case 1: r = xx, g = c; break;
	case 2: g = c, b = xx; break;
	case 3: g = xx, b = c; break;
	case 4: r = xx, b = c; break;
	default: r = c, b = xx; break;
	}
	return (uint32_t)((r + mm) * 255) << 24 | (uint32_t)((g + mm) * 255) << 16 | (uint32_t)((b + mm) * 255) << 8 | 0xffu;
}

static const char *short_name(gt_str name, char *buf, size_t n)
{
	if (!name.len) {
		snprintf(buf, n, "(unknown)");
		return buf;
	}
	/* The package path is long and mostly the same: keep the last element. */
	size_t start = 0;
	for (size_t i = 0; i < name.len; i++)
		if (name.ptr[i] == '/')
			start = i + 1;
	snprintf(buf, n, "%.*s", (int)(name.len - start), name.ptr + start);
	return buf;
}

/* Text that fits in w px, cut with an ellipsis. */
static void fit_text(const vw_state *s, char *buf, float w, float size, bool bold)
{
	if (!s->measure || s->measure(s->measure_ctx, buf, size, bold) <= w)
		return;
	size_t n = strlen(buf);
	while (n > 1) {
		n--;
		while (n > 0 && ((unsigned char)buf[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf + n, "…", sizeof "…");
		if (s->measure(s->measure_ctx, buf, size, bold) <= w)
			return;
	}
}

/* Time labels on the axis: the unit and decimals follow the tick step. */
static void fmt_tick(char *buf, size_t n, double t, double step)
{
	static const struct {
		double div;
		const char *unit;
	} u[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
	size_t k = 0;
	while (k < 3 && step < u[k].div)
		k++;
	double v = t / u[k].div, st = step / u[k].div;
	if (fabs(v) < st * 1e-6)
		v = 0; /* no "-0ms" from rounding */
	int dec = st >= 1 ? 0 : st >= 0.1 ? 1 : st >= 0.01 ? 2 : 3;
	snprintf(buf, n, "%.*f%s", dec, v, u[k].unit);
}

static double nice_step(double min)
{
	double p = pow(10, floor(log10(min)));
	if (p * 1 >= min)
		return p;
	if (p * 2 >= min)
		return 2 * p;
	if (p * 5 >= min)
		return 5 * p;
	return 10 * p;
}

float vw_side_list_top(const vw_state *s)
{
	vw_geom g = vw_state_geom(s);
	return floorf(g.tracks_h * 0.5f) + 24 * s->scale;
}

size_t vw_side_list_count(const vw_state *s) { return s->nworst; }

/* ---- tracks ---- */

typedef struct ctx {
	vw_state *s;
	vw_drawlist *d;
	vw_geom g;
	float k; /* scale */
	float fs; /* font size */
	int ncols;
} ctx;

static float tx(const ctx *c, double t) { return c->g.timeline_x + (float)vw_x_of(&c->s->view, t); }

static void span_track(ctx *c, int kind, uint32_t index, float y, float h)
{
	vw_state *s = c->s;
	size_t need = (size_t)c->ncols * 2 + 2;
	if (s->nbins_cap < need) {
		vw_bin *b = realloc(s->bins, need * sizeof *b);
		if (!b)
			return;
		s->bins = b;
		s->nbins_cap = need;
	}
	size_t n = vw_bin_track(s->m, kind, index, &s->view, c->ncols, s->bins);
	float x0 = c->g.timeline_x;
	for (size_t i = 0; i < n; i++) {
		const vw_bin *b = &s->bins[i];
		float bx = x0 + (float)b->x0, bw = (float)(b->x1 - b->x0);
		uint32_t col;
		float yy = y + 1 * c->k, hh = h - 2 * c->k;
		if (kind == 0) {
			if (b->worst_gap >= s->threshold) {
				/* Gaps over the threshold never shrink below 2 px. */
				col = VW_COLOR_GAP;
				if (bw < 2 * c->k)
					bw = 2 * c->k;
			} else if (b->state == GT_GS_WAITING) {
				col = b->folded ? wait_colors[W_OTHER] : wait_colors[wait_class(s->m, b->reason)];
				yy += hh * 0.3f;
				hh *= 0.4f;
			} else {
				gt_span tmp = {.state = b->state, .reason = b->reason};
				col = vw_gstate_color(s->m, &tmp);
			}
		} else if (kind == 1) {
			if (b->state == GT_PS_IDLE)
				continue;
			if (b->state == GT_PS_SYSCALL)
				col = VW_COLOR_SYSCALL;
			else if (b->folded || b->other == GT_NONE || b->other >= gt_model_ngoroutines(s->m))
				col = 0x7d8590ffu;
			else
				col = goroutine_color(gt_model_goroutine(s->m, b->other).id);
		} else {
			if (b->state == GT_PS_IDLE)
				continue;
			col = b->state == GT_PS_SYSCALL ? VW_COLOR_SYSCALL : 0x6e7681ffu;
		}
		vw_dl_rect(c->d, bx, yy, bw, hh, col);
		/* Name what ran when there is room. */
		if (kind == 1 && !b->folded && b->state == GT_PS_RUNNING && bw > 46 * c->k && b->other != GT_NONE &&
		    b->other < gt_model_ngoroutines(s->m)) {
			char lab[64];
			snprintf(lab, sizeof lab, "G%" PRId64, gt_model_goroutine(s->m, b->other).id);
			float lx = bx < x0 ? x0 : bx;
			vw_dl_text(c->d, lx + 3 * c->k, y + h - 5 * c->k, c->fs * 0.9f, VW_ALIGN_LEFT, false, 0x0d1117ffu, lab);
		}
	}
}

/* Per column maximum of a series, as a step plot of pixel rectangles (a
 * filled column each and the outline's steps): no antialiased polygon of
 * thousands of points to rasterize each frame. */
static void series_plot(ctx *c, gt_series_id id, float y, float h, int64_t vmax, uint32_t col, bool fill)
{
	const vw_series_pyr *p = &c->s->series[id];
	if (!p->n || vmax <= 0)
		return;
	vw_view *v = &c->s->view;
	float lw = fmaxf(1, roundf(1.2f * c->k));
	uint32_t fill_col = (col & 0xffffff00u) | 0x55u;
	size_t i = vw_series_at(p, vw_t_of(v, 0));
	int end_col = (int)fmin(ceil(vw_x_of(v, (double)v->duration)), c->ncols);
	float prev_y = -1, run_y = -1;
	int run_x = 0;
	for (int x = 0; x < end_col; x++) {
		size_t j = vw_series_from(p, i, vw_t_of(v, x + 1));
		/* The value in effect when the column starts, and any peak in it. */
		int64_t best = vw_series_pyr_max(p, i, j);
		if (i > 0 && p->s[i - 1].value > best)
			best = p->s[i - 1].value;
		i = j;
		if (best == INT64_MIN) {
			prev_y = -1;
			continue;
		}
		float py = floorf(y + h - (float)((double)best / (double)vmax * (h - 2 * c->k)));
		float px = c->g.timeline_x + (float)x;
		if (fill && py != run_y) {
			if (run_y >= 0)
				vw_dl_rect(c->d, c->g.timeline_x + (float)run_x, run_y, (float)(x - run_x), y + h - run_y, fill_col);
			run_y = py;
			run_x = x;
		}
		if (prev_y >= 0 && prev_y != py)
			vw_dl_rect(c->d, px, fminf(prev_y, py), lw, fabsf(prev_y - py) + lw, col);
		vw_dl_rect(c->d, px, py, 1, lw, col);
		prev_y = py;
	}
	if (fill && run_y >= 0)
		vw_dl_rect(c->d, c->g.timeline_x + (float)run_x, run_y, (float)(end_col - run_x), y + h - run_y, fill_col);
}

/* Whether the CPU samples are in time order, looked at once. */
static bool cpu_in_order(vw_state *s)
{
	if (!s->cpu_order) {
		const gt_cpu_sample *cs;
		size_t n = gt_model_cpu_samples(s->m, &cs), i = 1;
		while (i < n && cs[i].time >= cs[i - 1].time)
			i++;
		s->cpu_order = i >= n ? 1 : -1;
	}
	return s->cpu_order > 0;
}

/* First sample in [lo, n) at or after t (samples are in time order). */
static size_t cpu_first_from(const gt_cpu_sample *cs, size_t lo, size_t n, double t)
{
	return vw_first_at(cs, sizeof *cs, offsetof(gt_cpu_sample, time), lo, n, t);
}

static void cpu_row(ctx *c, float y, float h)
{
	const gt_cpu_sample *cs;
	size_t n = gt_model_cpu_samples(c->s->m, &cs);
	double t_lo = vw_t_of(&c->s->view, 0), t_hi = vw_view_end(&c->s->view);
	int last = -1;
	if (!cpu_in_order(c->s)) {
		for (size_t i = 0; i < n; i++) {
			int x = (int)tx(c, (double)cs[i].time);
			if ((double)cs[i].time < t_lo || (double)cs[i].time > t_hi || x == last)
				continue;
			last = x;
			vw_dl_rect(c->d, (float)x, y + 2 * c->k, c->k, h - 4 * c->k, 0xd2a8ffffu);
		}
		return;
	}
	/* A mark per pixel column: a binary search to the next column's
	 * first sample instead of a walk over all of them. */
	for (size_t i = cpu_first_from(cs, 0, n, t_lo); i < n && (double)cs[i].time <= t_hi;) {
		int x = (int)tx(c, (double)cs[i].time);
		if (x != last)
			vw_dl_rect(c->d, (float)x, y + 2 * c->k, c->k, h - 4 * c->k, 0xd2a8ffffu);
		size_t next = x != last ? cpu_first_from(cs, i + 1, n, vw_t_of(&c->s->view, x + 1 - c->g.timeline_x)) : i + 1;
		last = x;
		i = next;
	}
}

/* Intervals sorted by start, with the running maximum of their ends: the
 * gaps of a group, the runtime ranges of a kind. */
typedef struct ivals {
	const void *base;
	size_t stride; /* bytes between records of base */
	size_t off;    /* of the int64_t start in a record */
	const int64_t *end_max;
	size_t lo, hi;
} ivals;

static int64_t iv_start(const ivals *v, size_t i)
{
	int64_t t;
	memcpy(&t, (const char *)v->base + i * v->stride + v->off, sizeof t);
	return t;
}

/* First i in [lo, hi) with start > t. */
static size_t iv_after(const ivals *v, size_t lo, double t)
{
	size_t hi = v->hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((double)iv_start(v, mid) <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Called for the first interval of each run drawn, with its own start
 * and end (for labels). */
typedef void (*run_fn)(ctx *c, size_t k, double start, double end, void *arg);

/* The pixel after the last one the renderer fills for an interval drawn
 * alone from x0 to x1 (clamped to [lo, hi), at least min_w wide): it
 * fills from the floor of x, the ceiling of w pixels. */
static float fill_end(float x0, float x1, float lo, float hi, float min_w)
{
	float a = x0 < lo ? lo : x0, b = x1 > hi ? hi : x1;
	if (b - a < min_w)
		b = a + min_w;
	return floorf(a) + ceilf(b - a);
}

/* Draws the union of the intervals in view as the renderer fills them one
 * by one, an interval starting in a pixel the run before it fills joining
 * that run: a few binary searches per run and per pixel it grows by,
 * never a walk over every interval. */
static void draw_union_on(ctx *c, const vw_view *vw, float x_lo, const ivals *v, float y, float h, float min_w,
                          uint32_t col, run_fn run, void *arg)
{
	double t_lo = vw_t_of(vw, 0), t_hi = vw_view_end(vw);
	float x_hi = x_lo + (float)vw->width;
#define X(t) (x_lo + (float)vw_x_of(vw, (double)(t)))
	/* The first whose running maximum reaches into the view is itself the
	 * one that does (the one before it ends before the view). */
	size_t k = vw_first_at(v->end_max, sizeof *v->end_max, 0, v->lo, v->hi, t_lo);
	while (k < v->hi && (double)iv_start(v, k) < t_hi) {
		/* The running maximum at a run's first interval is its own end:
		 * all before it ended before its pixel. */
		int64_t a = iv_start(v, k), e = v->end_max[k];
		if (run)
			run(c, k, (double)a, (double)e, arg);
		float fe = fill_end(X(a), X(e), x_lo, x_hi, min_w);
		size_t j = k + 1;
		for (;;) {
			/* Those starting in a pixel the run fills join it. */
			size_t nj = j, top = v->hi;
			while (nj < top) {
				size_t mid = nj + (top - nj) / 2;
				if (floorf(X(iv_start(v, mid))) < fe)
					nj = mid + 1;
				else
					top = mid;
			}
			if (nj == j)
				break;
			/* Where the run ends now: the joiner that reaches furthest (the
			 * first whose running maximum is the new one), or the last
			 * joiner when it is at its narrowest. */
			int64_t e2 = v->end_max[nj - 1];
			if (e2 > e) {
				size_t m = j, mt = nj - 1;
				while (m < mt) {
					size_t mid = m + (mt - m) / 2;
					if (v->end_max[mid] < e2)
						m = mid + 1;
					else
						mt = mid;
				}
				e = e2;
				float f = fill_end(X(iv_start(v, m)), X(e), x_lo, x_hi, min_w);
				fe = f > fe ? f : fe;
			}
			float xl = X(iv_start(v, nj - 1)), f = fill_end(xl, xl, x_lo, x_hi, min_w);
			fe = f > fe ? f : fe;
			j = nj;
		}
		float xa = floorf(X(a) < x_lo ? x_lo : X(a));
		vw_dl_rect(c->d, xa, y, fe - xa, h, col);
		k = j;
	}
#undef X
}

/* The same on the timeline. */
static void draw_union(ctx *c, const ivals *v, float y, float h, float min_w, uint32_t col, run_fn run, void *arg)
{
	draw_union_on(c, &c->s->view, c->g.timeline_x, v, y, h, min_w, col, run, arg);
}

/* Gaps over the threshold of goroutines whose group is collapsed, drawn on
 * the group's header row, so that closing a group never hides latency. */
static void collapsed_gaps(ctx *c, uint32_t group, float gy)
{
	vw_state *s = c->s;
	if (s->over_threshold != s->threshold && vw_state_gaps_over(s) != 0)
		return;
	uint32_t id = s->layout.groups[group].id;
	ivals v = {s->over_start, sizeof *s->over_start, 0, s->over_end, s->over_off[id], s->over_off[id + 1]};
	draw_union(c, &v, gy + 4 * c->k, 8 * c->k, 2 * c->k, VW_COLOR_GAP, NULL, NULL);
}

/* Running maximum of the ends of a kind of runtime range, built on first
 * use; NULL when out of memory. */
static const int64_t *range_ends(vw_state *s, gt_range_id id, const gt_range_span **r, size_t *n)
{
	*n = gt_model_ranges(s->m, id, r);
	if (!s->range_end_built[id]) {
		int64_t *e = malloc((*n + 1) * sizeof *e);
		if (!e)
			return NULL;
		for (size_t i = 0; i < *n; i++)
			e[i] = i && e[i - 1] > (*r)[i].end ? e[i - 1] : (*r)[i].end;
		s->range_end[id] = e;
		s->range_end_built[id] = true;
	}
	return s->range_end[id];
}

static void ranges_row(ctx *c, gt_range_id id, float y, float h, uint32_t col)
{
	const gt_range_span *r;
	size_t n;
	const int64_t *ends = range_ends(c->s, id, &r, &n);
	if (!ends)
		return;
	ivals v = {r, sizeof *r, offsetof(gt_range_span, start), ends, 0, n};
	draw_union(c, &v, y, h, 1, col, NULL, NULL);
}

/* qsort has no context argument in C11. */
static const gt_region *sort_regions;

static int cmp_region(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int64_t sx = sort_regions[x].start, sy = sort_regions[y].start;
	return sx != sy ? (sx < sy ? -1 : 1) : (x > y) - (x < y);
}

/* User regions by nesting depth (the drawn ones), in start order, with the
 * running maximum of their ends (an unended region ends with the trace);
 * built on first use. Out of memory: no regions. */
static void region_index(vw_state *s)
{
	if (s->reg_built)
		return;
	s->reg_built = true;
	const gt_region *r;
	size_t n = gt_model_regions(s->m, &r);
	for (int dp = 0; dp < VW_REGION_DEPTHS; dp++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			k += r[i].depth == (uint32_t)dp;
		s->reg_idx[dp] = malloc((k + 1) * sizeof *s->reg_idx[dp]);
		s->reg_start[dp] = malloc((k + 1) * sizeof *s->reg_start[dp]);
		s->reg_end[dp] = malloc((k + 1) * sizeof *s->reg_end[dp]);
		if (!s->reg_idx[dp] || !s->reg_start[dp] || !s->reg_end[dp])
			return;
		k = 0;
		bool sorted = true;
		for (size_t i = 0; i < n; i++)
			if (r[i].depth == (uint32_t)dp) {
				sorted &= !k || r[i].start >= r[s->reg_idx[dp][k - 1]].start;
				s->reg_idx[dp][k++] = (uint32_t)i;
			}
		/* Regions begin in time order; sorted anyway if they do not. */
		if (!sorted) {
			sort_regions = r;
			qsort(s->reg_idx[dp], k, sizeof *s->reg_idx[dp], cmp_region);
		}
		for (size_t i = 0; i < k; i++) {
			const gt_region *g = &r[s->reg_idx[dp][i]];
			int64_t end = g->end < 0 ? s->view.duration : g->end;
			s->reg_start[dp][i] = g->start;
			s->reg_end[dp][i] = i && s->reg_end[dp][i - 1] > end ? s->reg_end[dp][i - 1] : end;
		}
		s->reg_n[dp] = k;
	}
}

typedef struct region_run {
	float y, lh;
	int depth;
} region_run;

/* A region drawn alone (over the ones before it: overlaps look denser),
 * named when it is wide enough. */
static void region_one(ctx *c, const region_run *rr, const gt_region *g, double start, double end, bool box)
{
	float a = tx(c, start), b = tx(c, end);
	a = a < c->g.timeline_x ? c->g.timeline_x : a;
	b = b > c->g.side_x ? c->g.side_x : b;
	if (b - a < 1)
		b = a + 1;
	if (box)
		vw_dl_rect(c->d, a, rr->y + 1, b - a, rr->lh - 2, 0x2f81f7aau + ((uint32_t)rr->depth << 20));
	if (b - a > 40 * c->k) {
		char lab[128];
		snprintf(lab, sizeof lab, "%.*s", (int)g->type.len, g->type.ptr);
		fit_text(c->s, lab, b - a - 6 * c->k, c->fs * 0.85f, false);
		vw_dl_text(c->d, a + 3 * c->k, rr->y + rr->lh - 3 * c->k, c->fs * 0.85f, VW_ALIGN_LEFT, false, C_TEXT, lab);
	}
}

/* In a union, a run's first region is named when it is wide enough. */
static void region_label(ctx *c, size_t k, double start, double end, void *arg)
{
	const region_run *rr = arg;
	const gt_region *r;
	gt_model_regions(c->s->m, &r);
	region_one(c, rr, &r[c->s->reg_idx[rr->depth][k]], start, end, false);
}

/* Regions in view at a depth up to this many are drawn one by one; more
 * as the union of their extents, each run named after its first. */
#define VW_REGIONS_EACH 2048

static void regions_row(ctx *c, float y, float h)
{
	vw_state *s = c->s;
	region_index(s);
	const gt_region *r;
	gt_model_regions(s->m, &r);
	double t_lo = vw_t_of(&s->view, 0), t_hi = vw_view_end(&s->view);
	float lh = h / 3;
	for (int dp = 0; dp < VW_REGION_DEPTHS; dp++) {
		region_run rr = {y + lh * (float)dp, lh, dp};
		ivals v = {s->reg_start[dp], sizeof *s->reg_start[dp], 0, s->reg_end[dp], 0, s->reg_n[dp]};
		size_t lo = vw_first_at(s->reg_end[dp], sizeof *s->reg_end[dp], 0, 0, s->reg_n[dp], t_lo);
		size_t hi = iv_after(&v, lo, t_hi);
		if (hi - lo > VW_REGIONS_EACH) {
			draw_union(c, &v, rr.y + 1, lh - 2, 1, 0x2f81f7aau + ((uint32_t)dp << 20), region_label, &rr);
			continue;
		}
		for (size_t i = lo; i < hi; i++) {
			const gt_region *g = &r[s->reg_idx[dp][i]];
			double end = g->end < 0 ? (double)s->view.duration : (double)g->end;
			if (end >= t_lo)
				region_one(c, &rr, g, (double)g->start, end, true);
		}
	}
}

static void row_label(ctx *c, const vw_row *r, float y)
{
	vw_state *s = c->s;
	char buf[256], nm[200];
	uint32_t col = C_TEXT;
	bool bold = false;
	float x = 8 * c->k;
	switch (r->kind) {
	case VW_ROW_GC:
		snprintf(buf, sizeof buf, "GC / STW");
		break;
	case VW_ROW_HEAP: {
		char a[32];
		vw_fmt_dur(a, sizeof a, 0);
		snprintf(buf, sizeof buf, "heap  %.1f MB max", (double)s->heap_max / 1e6);
		break;
	}
	case VW_ROW_RUNNABLE:
		snprintf(buf, sizeof buf, "runnable  %" PRId64 " max", s->runnable_max);
		break;
	case VW_ROW_CPU:
		snprintf(buf, sizeof buf, "CPU samples");
		break;
	case VW_ROW_REGIONS:
		snprintf(buf, sizeof buf, "user regions");
		break;
	case VW_ROW_SECTION: {
		static const char *const names[] = {"Procs", "Threads", "Goroutines"};
		static const char *const sorts[] = {"wait", "exec", "id"};
		bool closed = (r->index == VW_SEC_PROCS && s->layout.procs_collapsed) ||
		              (r->index == VW_SEC_THREADS && s->layout.threads_collapsed);
		size_t cnt = r->index == VW_SEC_PROCS     ? gt_model_nprocs(s->m)
		             : r->index == VW_SEC_THREADS ? gt_model_nthreads(s->m)
		                                          : gt_model_ngoroutines(s->m);
		if (r->index == VW_SEC_GOROUTINES)
			snprintf(buf, sizeof buf, "%s (%zu) by %s", names[r->index], cnt, sorts[s->layout.sort]);
		else
			snprintf(buf, sizeof buf, "%s %s (%zu)", closed ? "▸" : "▾", names[r->index], cnt);
		bold = true;
		x = 4 * c->k;
		break;
	}
	case VW_ROW_PROC:
		snprintf(buf, sizeof buf, "P%" PRId64, gt_model_proc(s->m, r->index)->id);
		break;
	case VW_ROW_THREAD:
		snprintf(buf, sizeof buf, "M%" PRId64, gt_model_thread(s->m, r->index)->id);
		col = C_DIM;
		break;
	case VW_ROW_GROUP: {
		const vw_group *gr = &s->layout.groups[r->index];
		snprintf(buf, sizeof buf, "%s %s ×%zu", gr->collapsed ? "▸" : "▾", short_name(gr->name, nm, sizeof nm), gr->n);
		bold = true;
		x = 4 * c->k;
		col = gr->worst_gap_ns >= s->threshold ? 0xff86b8ffu : C_TEXT;
		break;
	}
	case VW_ROW_GOROUTINE: {
		const gt_goroutine g_rec = gt_model_goroutine(s->m, r->index), *g = &g_rec;
		snprintf(buf, sizeof buf, "G%" PRId64, g->id);
		x = 16 * c->k;
		col = C_DIM;
		break;
	}
	default:
		return;
	}
	fit_text(s, buf, c->g.label_w - x - 4 * c->k, c->fs, bold);
	vw_dl_text(c->d, x, y + r->h / 2 + c->fs * 0.36f, c->fs, VW_ALIGN_LEFT, bold, col, buf);
}

static float row_screen_y(const ctx *c, const vw_row *r) { return c->g.tracks_y + r->y - (float)c->s->view.vp.scroll_y; }

/* Screen y of the middle of goroutine gi's row, or -1 when not shown. */
static float goroutine_y(const ctx *c, uint32_t gi)
{
	const vw_layout *l = &c->s->layout;
	size_t i = vw_layout_goroutine_row(l, gi);
	if (i == SIZE_MAX && gi < gt_model_ngoroutines(c->s->m))
		i = vw_layout_group_row(l, l->group_of[gi]);
	return i == SIZE_MAX ? -1 : row_screen_y(c, &l->rows[i]) + l->rows[i].h / 2;
}

/* ---- the row cache ---- */

/* Forgets every row when what a row's rectangles depend on changed: the
 * time axis, the timeline's place, the scale and the threshold. */
static void rowcache_check(ctx *c)
{
	vw_state *s = c->s;
	if (!s->rowcache) {
		s->rowcache = calloc(VW_ROWCACHE, sizeof *s->rowcache);
		if (!s->rowcache)
			return;
	}
	if (s->rc_t0 == s->view.vp.t0 && s->rc_npp == s->view.vp.ns_per_px && s->rc_x == c->g.timeline_x &&
	    s->rc_w == c->g.timeline_w && s->rc_k == c->k && s->rc_threshold == s->threshold)
		return;
	for (size_t i = 0; i < VW_ROWCACHE; i++)
		s->rowcache[i].valid = false;
	s->rc_t0 = s->view.vp.t0;
	s->rc_npp = s->view.vp.ns_per_px;
	s->rc_x = c->g.timeline_x;
	s->rc_w = c->g.timeline_w;
	s->rc_k = c->k;
	s->rc_threshold = s->threshold;
}

static vw_row_cache *rowcache_slot(ctx *c, const vw_row *r, uint32_t *index)
{
	if (!c->s->rowcache)
		return NULL;
	*index = r->kind == VW_ROW_GROUP ? c->s->layout.groups[r->index].id : r->index;
	return &c->s->rowcache[((uint32_t)r->kind * 0x9E3779B1u + *index * 0x85EBCA77u) % VW_ROWCACHE];
}

/* Draws the row's rectangles from the cache; false when they are not in it. */
static bool rowcache_draw(ctx *c, const vw_row *r, float y)
{
	uint32_t index;
	const vw_row_cache *e = rowcache_slot(c, r, &index);
	if (!e || !e->valid || e->kind != r->kind || e->index != index || e->h != r->h)
		return false;
	for (size_t i = 0; i < e->n; i++)
		vw_dl_rect(c->d, e->rects[i].x, y + e->rects[i].y, e->rects[i].w, e->rects[i].h, e->rects[i].rgba);
	return true;
}

/* Keeps the rectangles rect0.. the row just drew; rows that drew other
 * ops (text) are not kept. */
static void rowcache_keep(ctx *c, const vw_row *r, float y, size_t rect0, size_t op0)
{
	uint32_t index;
	vw_row_cache *e = rowcache_slot(c, r, &index);
	if (!e)
		return;
	e->valid = false;
	if (c->d->nops != op0 || c->d->oom)
		return;
	size_t n = c->d->nrects - rect0;
	if (n > e->cap) {
		vw_rect *nr = realloc(e->rects, n * sizeof *nr);
		if (!nr)
			return;
		e->rects = nr;
		e->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		e->rects[i] = c->d->rects[rect0 + i];
		e->rects[i].y -= y;
	}
	e->n = n;
	e->kind = r->kind;
	e->index = index;
	e->h = r->h;
	e->valid = true;
}

static void tracks(ctx *c)
{
	vw_state *s = c->s;
	vw_drawlist *d = c->d;
	const vw_layout *l = &s->layout;
	float top = c->g.tracks_y, bottom = c->g.status_y;
	size_t first = vw_layout_row_at(l, (float)s->view.vp.scroll_y);
	if (first == SIZE_MAX)
		first = 0;
	vw_dl_region(d, c->g.timeline_x, top, c->g.side_x - c->g.timeline_x, bottom - top, false);
	/* Row backgrounds and grid first, then spans, then labels over. */
	for (size_t i = first; i < l->nrows; i++) {
		const vw_row *r = &l->rows[i];
		float y = row_screen_y(c, r);
		if (y > bottom)
			break;
		if (r->kind == VW_ROW_SECTION || r->kind == VW_ROW_GROUP)
			vw_dl_rect(d, 0, y, c->g.side_x, r->h, r->kind == VW_ROW_SECTION ? C_PANEL2 : C_PANEL);
		else if (i % 2)
			vw_dl_rect(d, 0, y, c->g.side_x, r->h, C_ROW_ALT);
	}
	/* The trace's bounds, so the eye knows where there is nothing. */
	float end_x = tx(c, (double)s->view.duration), start_x = tx(c, 0);
	if (start_x > c->g.timeline_x)
		vw_dl_rect(d, c->g.timeline_x, top, start_x - c->g.timeline_x, bottom - top, 0x0e0f13ffu);
	if (end_x < c->g.side_x)
		vw_dl_rect(d, end_x, top, c->g.side_x - end_x, bottom - top, 0x0e0f13ffu);
	/* Range selection under the spans. */
	if (s->has_range) {
		float a = tx(c, (double)s->range_from), b = tx(c, (double)s->range_to);
		vw_dl_rect(d, a, top, b - a < 1 ? 1 : b - a, bottom - top, 0x58a6ff22u);
	}
	rowcache_check(c);
	for (size_t i = first; i < l->nrows; i++) {
		const vw_row *r = &l->rows[i];
		float y = row_screen_y(c, r);
		if (y > bottom)
			break;
		if (r->kind == VW_ROW_SECTION || (r->kind == VW_ROW_GROUP && !l->groups[r->index].collapsed) ||
		    rowcache_draw(c, r, y))
			continue;
		size_t rect0 = d->nrects, op0 = d->nops;
		switch (r->kind) {
		case VW_ROW_GC:
			ranges_row(c, GT_RANGE_GC_MARK, y + 2 * c->k, r->h - 4 * c->k, C_GC);
			ranges_row(c, GT_RANGE_MARK_ASSIST, y + r->h - 5 * c->k, 3 * c->k, C_ASSIST);
			ranges_row(c, GT_RANGE_STW, y + 1 * c->k, r->h - 2 * c->k, C_STW);
			break;
		case VW_ROW_HEAP:
			series_plot(c, GT_SERIES_HEAP_ALLOC, y + 2 * c->k, r->h - 4 * c->k, s->heap_max, C_HEAP, true);
			series_plot(c, GT_SERIES_HEAP_GOAL, y + 2 * c->k, r->h - 4 * c->k, s->heap_max, C_GOAL, false);
			break;
		case VW_ROW_RUNNABLE:
			series_plot(c, GT_SERIES_RUNNABLE, y + 2 * c->k, r->h - 4 * c->k, s->runnable_max, VW_COLOR_RUNNABLE,
			            true);
			break;
		case VW_ROW_CPU:
			cpu_row(c, y, r->h);
			break;
		case VW_ROW_REGIONS:
			regions_row(c, y, r->h);
			break;
		case VW_ROW_PROC:
			span_track(c, 1, r->index, y, r->h);
			break;
		case VW_ROW_THREAD:
			span_track(c, 2, r->index, y, r->h);
			break;
		case VW_ROW_GOROUTINE:
			span_track(c, 0, r->index, y, r->h);
			break;
		case VW_ROW_GROUP:
			collapsed_gaps(c, r->index, y);
			break;
		default:
			break;
		}
		rowcache_keep(c, r, y, rect0, op0);
	}
	/* `A`: who made the selected goroutine runnable, for each of its gaps
	 * in view (the selected gap's own arrow is drawn brighter below). */
	uint32_t sel_g = s->arrows ? vw_selected_goroutine(s) : GT_NONE;
	if (sel_g != GT_NONE) {
		float gy = goroutine_y(c, sel_g);
		uint32_t idx[2048];
		size_t na = gy >= 0 ? vw_goroutine_gaps_in_view(s, sel_g, idx, sizeof idx / sizeof idx[0]) : 0;
		vw_gap_reader rd;
		vw_gap_reader_init(&rd, s->m);
		for (size_t i = 0; i < na; i++) {
			gt_gap gp = vw_gap_read(&rd, idx[i]);
			float uy = gp.unblocker != GT_NONE ? goroutine_y(c, gp.unblocker) : -1;
			if (uy < 0 || (s->sel == VW_SEL_GAP && idx[i] == s->sel_gap))
				continue;
			float a = tx(c, (double)gp.start), b = tx(c, (double)gt_gap_end(&gp));
			vw_dl_arrow(d, a, uy, b, gy, 1.5f * c->k, 0xffd33daau);
			vw_dl_fill(d, a - 2 * c->k, uy - 2 * c->k, 4 * c->k, 4 * c->k, 0xffd33daau);
		}
	}
	/* Selected span or gap outlined. */
	if (s->sel == VW_SEL_GAP) {
		gt_gap gp = gt_model_gap(s->m, s->sel_gap);
		float gy = goroutine_y(c, gp.goroutine);
		float a = tx(c, (double)gp.start), b = tx(c, (double)gt_gap_end(&gp));
		if (gy >= 0) {
			vw_dl_frame(d, a - 2 * c->k, gy - 9 * c->k, b - a + 4 * c->k, 18 * c->k, 2 * c->k, 0xffffffffu);
			/* Who made it runnable: an arrow from the unblock to the start.
			 * Preempted, yielded and created-by-runtime gaps have no one. */
			float uy = gp.unblocker != GT_NONE ? goroutine_y(c, gp.unblocker) : -1;
			if (uy >= 0) {
				vw_dl_arrow(d, a, uy, b, gy, 2 * c->k, 0xffd33dffu);
				vw_dl_fill(d, a - 3 * c->k, uy - 3 * c->k, 6 * c->k, 6 * c->k, 0xffd33dffu);
			}
		}
	} else if (s->sel == VW_SEL_SPAN) {
		/* Ps and threads come before the goroutines, which are found
		 * without a scan of their rows. */
		size_t gr = s->sel_kind == 0 ? vw_layout_goroutine_row(l, s->sel_track) : SIZE_MAX;
		for (size_t i = gr == SIZE_MAX ? 0 : gr; i < l->nrows; i++) {
			const vw_row *r = &l->rows[i];
			int kind = r->kind == VW_ROW_GOROUTINE ? 0 : r->kind == VW_ROW_PROC ? 1 : r->kind == VW_ROW_THREAD ? 2 : -1;
			if (r->kind == VW_ROW_GROUP || (gr != SIZE_MAX && i > gr))
				break;
			if (kind != (int)s->sel_kind || r->index != s->sel_track)
				continue;
			float y = row_screen_y(c, r), a = tx(c, (double)s->sel_span.start), b = tx(c, (double)s->sel_span.end);
			vw_dl_frame(d, a - 1, y, b - a + 2, r->h, 2 * c->k, 0xffffffffu);
		}
	}
	/* The axis' grid, over the spans. */
	double step = nice_step(s->view.vp.ns_per_px * 110 * c->k);
	for (double t = ceil(vw_t_of(&s->view, 0) / step) * step; t < vw_view_end(&s->view); t += step)
		vw_dl_line(d, tx(c, t), top, tx(c, t), bottom, 1, C_GRID);
	/* The label column: its own region, unchanged by panning and zooming. */
	vw_dl_region(d, 0, top, c->g.label_w, bottom - top, false);
	vw_dl_fill(d, 0, top, c->g.label_w, bottom - top, C_PANEL);
	for (size_t i = first; i < l->nrows; i++) {
		const vw_row *r = &l->rows[i];
		float y = row_screen_y(c, r);
		if (y > bottom)
			break;
		if (r->kind == VW_ROW_SECTION || r->kind == VW_ROW_GROUP)
			vw_dl_fill(d, 0, y, c->g.label_w, r->h, r->kind == VW_ROW_SECTION ? C_PANEL2 : 0x1a1d24ffu);
		row_label(c, r, y);
	}
	vw_dl_line(d, c->g.label_w - 1, top, c->g.label_w - 1, bottom, 1, 0x30363dffu);
}

/* ---- overview, axis ---- */

static void overview(ctx *c)
{
	vw_state *s = c->s;
	vw_drawlist *d = c->d;
	float x0 = c->g.timeline_x, w = c->g.timeline_w, y = c->g.overview_y, h = c->g.overview_h;
	int cols = (int)w;
	vw_dl_region(d, 0, y, c->g.side_x, h, false);
	vw_dl_rect(d, 0, y, c->g.side_x, h, 0x101216ffu);
	if (s->overview_cols != cols && vw_state_overview(s, cols) != 0)
		return;
	/* Latency density: a bar per column as tall as the log of its worst gap
	 * relative to the worst of the trace. */
	int64_t worst = vw_worst_gap_len(s);
	double lw = log((double)(worst > 1000 ? worst : 1000) / 1000.0) + 1;
	float bh = h - 12 * c->k;
	for (int x = 0; x < cols; x++) {
		int64_t v = s->overview[x];
		if (v < 1000)
			continue;
		float fh = (float)((log((double)v / 1000.0) + 1) / lw) * bh;
		uint32_t col = v >= s->threshold ? VW_COLOR_GAP : VW_COLOR_RUNNABLE;
		vw_dl_rect(d, x0 + (float)x, y + h - fh, 1, fh, (col & 0xffffff00u) | (v >= s->threshold ? 0xffu : 0x90u));
	}
	/* GC and STW along the top, on an axis of the whole trace. */
	vw_view whole = {.vp = {0, (double)s->view.duration / w, 0}, .duration = s->view.duration, .width = w};
	for (int which = 0; which < 2; which++) {
		const gt_range_span *r;
		size_t n;
		const int64_t *ends = range_ends(s, which ? GT_RANGE_STW : GT_RANGE_GC_MARK, &r, &n);
		ivals v = {r, sizeof *r, offsetof(gt_range_span, start), ends, 0, ends ? n : 0};
		draw_union_on(c, &whole, x0, &v, y + (which ? 1 : 5) * c->k, (which ? 3 : 6) * c->k, 1, which ? C_STW : C_GC,
		              NULL, NULL);
	}
	/* Where the view is. */
	float a = x0 + (float)(vw_t_of(&s->view, 0) / (double)s->view.duration * w);
	float b = x0 + (float)(vw_view_end(&s->view) / (double)s->view.duration * w);
	if (b - a < 3)
		a -= 1.5f, b += 1.5f;
	vw_dl_clip(d, x0, y, w, h);
	vw_dl_fill(d, a, y, b - a, h, 0x58a6ff26u);
	vw_dl_frame(d, a, y + 0.5f, b - a, h - 1, 1.2f * c->k, C_ACCENT);
	vw_dl_unclip(d);
	vw_dl_text(d, 8 * c->k, y + 16 * c->k, c->fs, VW_ALIGN_LEFT, true, C_TEXT, "overview");
	vw_dl_text(d, 8 * c->k, y + 31 * c->k, c->fs * 0.85f, VW_ALIGN_LEFT, false, C_DIM, "worst gap per column");
}

static void axis(ctx *c)
{
	vw_state *s = c->s;
	vw_drawlist *d = c->d;
	float y = c->g.axis_y, h = c->g.axis_h;
	vw_dl_region(d, 0, y, c->g.side_x, h, false);
	vw_dl_rect(d, 0, y, c->g.side_x, h, C_PANEL2);
	double step = nice_step(s->view.vp.ns_per_px * 110 * c->k);
	double t = ceil(vw_t_of(&s->view, 0) / step) * step;
	vw_dl_clip(d, c->g.timeline_x, y, c->g.timeline_w, c->g.status_y - y);
	for (; t < vw_view_end(&s->view); t += step) {
		float x = tx(c, t);
		char lab[48];
		fmt_tick(lab, sizeof lab, t, step);
		vw_dl_line(d, x, y + h - 6 * c->k, x, y + h, 1, C_DIM);
		vw_dl_text(d, x + 3 * c->k, y + h - 8 * c->k, c->fs * 0.9f, VW_ALIGN_LEFT, false, C_TEXT, lab);
	}
	if (s->has_range) {
		float a = tx(c, (double)s->range_from), b = tx(c, (double)s->range_to);
		vw_dl_fill(d, a, y, b - a < 1 ? 1 : b - a, h, 0x58a6ff66u);
	}
	vw_dl_unclip(d);
	char lab[64], w[32];
	vw_fmt_dur(w, sizeof w, s->view.vp.ns_per_px * c->g.timeline_w);
	snprintf(lab, sizeof lab, "view %s", w);
	vw_dl_text(d, 8 * c->k, y + h - 7 * c->k, c->fs * 0.9f, VW_ALIGN_LEFT, false, C_DIM, lab);
}

/* ---- side panel, tooltip, status, help ---- */

typedef struct textbox {
	ctx *c;
	float x, y, w;
	float line;
} textbox;

static void tb_line(textbox *tb, uint32_t col, bool bold, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static void tb_line(textbox *tb, uint32_t col, bool bold, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fit_text(tb->c->s, buf, tb->w, tb->c->fs, bold);
	tb->y += tb->line;
	vw_dl_text(tb->c->d, tb->x, tb->y, tb->c->fs, VW_ALIGN_LEFT, bold, col, buf);
}

static void tb_stack(textbox *tb, uint32_t stack, int max)
{
	const gt_frame *fr;
	size_t n = gt_model_stack(tb->c->s->m, stack, &fr);
	if (!n) {
		tb_line(tb, C_DIM, false, "  (no stack)");
		return;
	}
	for (size_t i = 0; i < n && (int)i < max; i++) {
		char nm[200];
		gt_str fn = fr[i].func;
		const char *base = fr[i].file.ptr;
		size_t bl = fr[i].file.len;
		for (size_t j = 0; j < fr[i].file.len; j++)
			if (fr[i].file.ptr[j] == '/')
				base = fr[i].file.ptr + j + 1, bl = fr[i].file.len - j - 1;
		tb_line(tb, C_TEXT, false, "  %s", short_name(fn, nm, sizeof nm));
		tb_line(tb, C_DIM, false, "      %.*s:%" PRIu64, (int)bl, base ? base : "", fr[i].line);
	}
	if ((int)n > max)
		tb_line(tb, C_DIM, false, "  … %zu more frames", n - (size_t)max);
}

static const char *gname(const gt_model *m, uint32_t gi, char *buf, size_t n)
{
	if (gi == GT_NONE || gi >= gt_model_ngoroutines(m)) {
		snprintf(buf, n, "(runtime / no goroutine)");
		return buf;
	}
	const gt_goroutine g_rec = gt_model_goroutine(m, gi), *g = &g_rec;
	char nm[160];
	snprintf(buf, n, "G%" PRId64 " %s", g->id, short_name(g->name, nm, sizeof nm));
	return buf;
}

static const char *const cause_names[GT_CAUSE_COUNT] = {"created", "unblocked", "preempted", "yielded",
                                                         "back from syscall", "runnable at trace start"};

static const char *state_name(int kind, uint8_t st)
{
	static const char *const gs[] = {"running", "runnable", "blocked", "syscall", "syscall (blocked, lost P)"};
	static const char *const ps[] = {"running", "syscall", "idle"};
	if (kind == 0)
		return st < GT_GS_COUNT ? gs[st] : "?";
	return st < GT_PS_COUNT ? ps[st] : "?";
}

/* The range's gap histogram: one bar per power-of-two bucket from the
 * shortest to the longest gap, buckets at or over the threshold in the gap
 * colour, the threshold's bucket edge marked. */
static void gap_histogram(textbox *tb, const vw_range_stats *r, int64_t threshold)
{
	ctx *c = tb->c;
	float k = c->k;
	int lo = VW_HIST_BUCKETS, hi = -1;
	size_t most = 0;
	for (int i = 0; i < VW_HIST_BUCKETS; i++)
		if (r->hist[i]) {
			lo = i < lo ? i : lo;
			hi = i;
			most = r->hist[i] > most ? r->hist[i] : most;
		}
	if (hi < 0)
		return;
	int tb_ = vw_hist_bucket(threshold);
	int nb = hi - lo + 1;
	float h = 40 * k, w = tb->w - 4 * k, bw = w / (float)nb, top = tb->y + 6 * k;
	if (bw > 24 * k)
		bw = 24 * k;
	vw_dl_fill(c->d, tb->x, top, bw * (float)nb, h, C_PANEL2);
	for (int i = lo; i <= hi; i++) {
		if (!r->hist[i])
			continue;
		float bh = (float)r->hist[i] / (float)most * (h - 2 * k);
		if (bh < 2 * k)
			bh = 2 * k;
		float bx = tb->x + (float)(i - lo) * bw;
		vw_dl_fill(c->d, bx + k, top + h - bh, bw - 2 * k > k ? bw - 2 * k : k, bh,
		           i >= tb_ ? VW_COLOR_GAP : VW_COLOR_RUNNABLE);
	}
	if (tb_ > lo && tb_ <= hi) {
		float tx_ = tb->x + (float)(tb_ - lo) * bw;
		vw_dl_line(c->d, tx_, top - 2 * k, tx_, top + h, 1 * k, C_TEXT);
	}
	char a[32], b[32];
	vw_fmt_dur(a, sizeof a, (double)((int64_t)1 << lo));
	vw_fmt_dur(b, sizeof b, (double)((int64_t)1 << hi));
	float fs = c->fs * 0.85f, ly = top + h + fs + 2 * k;
	vw_dl_text(c->d, tb->x, ly, fs, VW_ALIGN_LEFT, false, C_DIM, a);
	vw_dl_text(c->d, tb->x + bw * (float)nb, ly, fs, VW_ALIGN_RIGHT, false, C_DIM, b);
	tb->y = ly + 2 * k;
}

static void details(ctx *c, textbox *tb)
{
	vw_state *s = c->s;
	char a[32], b[32], nb[256];
	if (s->sel == VW_SEL_GAP) {
		gt_gap g = gt_model_gap(s->m, s->sel_gap);
		vw_fmt_dur(a, sizeof a, (double)gt_gap_len(&g));
		vw_fmt_dur(b, sizeof b, (double)g.start);
		tb_line(tb, VW_COLOR_GAP, true, "Gap %s at %s", a, b);
		tb_line(tb, C_TEXT, false, "%s", gname(s->m, g.goroutine, nb, sizeof nb));
		tb_line(tb, C_DIM, false, "runnable because: %s", cause_names[g.cause]);
		if (g.proc != GT_NONE)
			tb_line(tb, C_DIM, false, "then ran on P%" PRId64, gt_model_proc(s->m, g.proc)->id);
		gt_gap_sched sc = gt_gap_sched_of(s->m, &g);
		vw_fmt_dur(a, sizeof a, (double)sc.all_ps_busy_ns);
		vw_fmt_dur(b, sizeof b, (double)sc.idle_p_ns);
		tb_line(tb, C_DIM, false, "all Ps busy %s, a P idle %s", a, b);
		vw_fmt_dur(a, sizeof a, (double)sc.stw_ns);
		vw_fmt_dur(b, sizeof b, (double)sc.gc_ns);
		tb_line(tb, C_DIM, false, "STW %s, GC %s, %u runnable at start", a, b, g.runnable_at_start);
		tb_line(tb, 0xffd33dffu, true, "made runnable by %s", gname(s->m, g.unblocker, nb, sizeof nb));
		tb_stack(tb, g.unblock_stack, 6);
	} else if (s->sel == VW_SEL_SPAN) {
		const gt_span *sp = &s->sel_span;
		vw_fmt_dur(a, sizeof a, (double)(sp->end - sp->start));
		vw_fmt_dur(b, sizeof b, (double)sp->start);
		tb_line(tb, C_ACCENT, true, "%s %s at %s", state_name((int)s->sel_kind, sp->state), a, b);
		if (s->sel_kind == 0) {
			tb_line(tb, C_TEXT, false, "%s", gname(s->m, s->sel_track, nb, sizeof nb));
			if (sp->reason)
				tb_line(tb, C_DIM, false, "reason: %.*s", (int)gt_model_reason(s->m, sp->reason).len,
				        gt_model_reason(s->m, sp->reason).ptr);
			if (gt_span_other(sp) != GT_NONE)
				tb_line(tb, C_DIM, false, "on P%" PRId64, gt_model_proc(s->m, gt_span_other(sp))->id);
		} else if (s->sel_kind == 1) {
			tb_line(tb, C_TEXT, false, "P%" PRId64 " ran %s", gt_model_proc(s->m, s->sel_track)->id,
			        gname(s->m, gt_span_other(sp), nb, sizeof nb));
		} else {
			tb_line(tb, C_TEXT, false, "M%" PRId64, gt_model_thread(s->m, s->sel_track)->id);
		}
		tb_line(tb, C_TEXT, true, "stack");
		tb_stack(tb, gt_span_stack(sp), 12);
	} else if (s->has_range) {
		const vw_range_stats *r = &s->range;
		vw_fmt_dur(a, sizeof a, (double)(r->to - r->from));
		vw_fmt_dur(b, sizeof b, (double)r->from);
		tb_line(tb, C_ACCENT, true, "Range %s from %s", a, b);
		static const char *const names[] = {"running", "runnable", "blocked", "syscall", "syscall blocked"};
		for (int st = 0; st < GT_GS_COUNT; st++) {
			vw_fmt_dur(a, sizeof a, (double)r->state_ns[st]);
			tb_line(tb, C_TEXT, false, "  %-16s %s", names[st], a);
		}
		vw_fmt_dur(a, sizeof a, (double)s->threshold);
		tb_line(tb, C_TEXT, false, "gaps %zu, %zu over %s", r->ngaps, r->ngaps_over, a);
		char p50[32], p90[32], p99[32], mx[32];
		vw_fmt_dur(p50, sizeof p50, (double)r->gap_p50);
		vw_fmt_dur(p90, sizeof p90, (double)r->gap_p90);
		vw_fmt_dur(p99, sizeof p99, (double)r->gap_p99);
		vw_fmt_dur(mx, sizeof mx, (double)r->gap_max);
		tb_line(tb, C_DIM, false, "  p50 %s p90 %s p99 %s max %s", p50, p90, p99, mx);
		if (r->ngaps) {
			tb_line(tb, C_DIM, false, "  histogram, log2 buckets (pink: ≥ threshold)");
			gap_histogram(tb, r, s->threshold);
		}
		vw_fmt_dur(a, sizeof a, (double)r->gc_ns);
		vw_fmt_dur(b, sizeof b, (double)r->stw_ns);
		tb_line(tb, C_TEXT, false, "GC marking %s, stop-the-world %s", a, b);
		tb_line(tb, C_TEXT, true, "busiest goroutines");
		for (size_t i = 0; i < r->nbusiest; i++) {
			vw_fmt_dur(a, sizeof a, (double)r->busiest[i].exec_ns);
			tb_line(tb, C_DIM, false, "  %-9s %s", a, gname(s->m, r->busiest[i].goroutine, nb, sizeof nb));
		}
	} else {
		tb_line(tb, C_TEXT, true, "Nothing selected");
		tb_line(tb, C_DIM, false, "click a span or a gap; drag on the time");
		tb_line(tb, C_DIM, false, "axis to select a range; n/p: next gap;");
		tb_line(tb, C_DIM, false, "? for every key");
	}
}

static void side_panel(ctx *c)
{
	vw_state *s = c->s;
	vw_drawlist *d = c->d;
	if (c->g.side_w <= 0)
		return;
	float x = c->g.side_x, top = c->g.tracks_y, k = c->k;
	vw_dl_region(d, x, 0, c->g.side_w, c->g.status_y, false);
	vw_dl_fill(d, x, 0, c->g.side_w, c->g.status_y, C_PANEL);
	vw_dl_line(d, x, 0, x, c->g.status_y, 1, 0x30363dffu);
	/* Trace summary above, beside the overview and axis. */
	char a[32], b[32];
	vw_fmt_dur(a, sizeof a, (double)s->view.duration);
	char sum[160];
	snprintf(sum, sizeof sum, "%s · %zu goroutines · %zu Ps", a, gt_model_ngoroutines(s->m), gt_model_nprocs(s->m));
	vw_dl_text(d, x + 10 * k, 18 * k, c->fs, VW_ALIGN_LEFT, true, C_TEXT, sum);
	vw_fmt_dur(a, sizeof a, (double)s->threshold);
	snprintf(sum, sizeof sum, "%zu gaps · threshold %s ([ ])", gt_model_ngaps(s->m), a);
	vw_dl_text(d, x + 10 * k, 36 * k, c->fs * 0.9f, VW_ALIGN_LEFT, false, C_DIM, sum);
	float list_top = top + vw_side_list_top(s);
	vw_dl_clip(d, x, top, c->g.side_w, list_top - top - 24 * k);
	textbox tb = {c, x + 10 * k, top + 4 * k, c->g.side_w - 20 * k, c->fs * 1.35f};
	details(c, &tb);
	vw_dl_unclip(d);
	/* Worst gaps. */
	vw_dl_fill(d, x, list_top - 24 * k, c->g.side_w, 24 * k, C_PANEL2);
	vw_dl_text(d, x + 10 * k, list_top - 8 * k, c->fs, VW_ALIGN_LEFT, true, C_TEXT, "Worst gaps (click to go)");
	vw_dl_clip(d, x, list_top, c->g.side_w, c->g.status_y - list_top);
	float ih = VW_SIDE_ITEM_H * k;
	for (size_t i = (size_t)(s->side_scroll / ih); i < s->nworst; i++) {
		float y = list_top + (float)i * ih - s->side_scroll;
		if (y > c->g.status_y)
			break;
		gt_gap g = gt_model_gap(s->m, s->worst[i]);
		if (s->sel == VW_SEL_GAP && s->sel_gap == s->worst[i])
			vw_dl_fill(d, x, y, c->g.side_w, ih, 0x58a6ff40u);
		else if (i % 2)
			vw_dl_fill(d, x, y, c->g.side_w, ih, 0x23272f80u);
		vw_fmt_dur(a, sizeof a, (double)gt_gap_len(&g));
		vw_fmt_dur(b, sizeof b, (double)g.start);
		char nb[200], line[300];
		snprintf(line, sizeof line, "%s", gname(s->m, g.goroutine, nb, sizeof nb));
		fit_text(s, line, c->g.side_w - 150 * k, c->fs * 0.9f, false);
		uint32_t col = gt_gap_len(&g) >= s->threshold ? VW_COLOR_GAP : VW_COLOR_RUNNABLE;
		vw_dl_text(d, x + 10 * k, y + ih - 5 * k, c->fs * 0.9f, VW_ALIGN_LEFT, true, col, a);
		vw_dl_text(d, x + 70 * k, y + ih - 5 * k, c->fs * 0.9f, VW_ALIGN_LEFT, false, C_DIM, b);
		vw_dl_text(d, x + 140 * k, y + ih - 5 * k, c->fs * 0.9f, VW_ALIGN_LEFT, false, C_TEXT, line);
	}
	if (!s->nworst)
		vw_dl_text(d, x + 10 * k, list_top + 14 * k, c->fs, VW_ALIGN_LEFT, false, C_DIM, "no gaps in this trace");
	vw_dl_unclip(d);
}

static void tooltip(ctx *c)
{
	vw_state *s = c->s;
	if (!s->mouse_in || s->drag || s->help)
		return;
	vw_hit h = vw_hit_test(s, s->mouse_x, s->mouse_y);
	if (h.area != VW_AREA_TRACKS || !h.on_span)
		return;
	char lines[5][256];
	int n = 0;
	char a[32], b[32], nb[200];
	const gt_span *sp = &h.span;
	vw_fmt_dur(a, sizeof a, (double)(sp->end - sp->start));
	vw_fmt_dur(b, sizeof b, (double)sp->start);
	bool gap = h.gap != GT_NONE && sp->end - sp->start >= s->threshold;
	snprintf(lines[n++], sizeof lines[0], "%s%s  %s", gap ? "GAP · " : "", state_name(h.kind, sp->state), a);
	snprintf(lines[n++], sizeof lines[0], "at %s", b);
	if (h.kind == 0)
		snprintf(lines[n++], sizeof lines[0], "%s", gname(s->m, h.track, nb, sizeof nb));
	else if (h.kind == 1 && sp->state != GT_PS_IDLE)
		snprintf(lines[n++], sizeof lines[0], "%s", gname(s->m, gt_span_other(sp), nb, sizeof nb));
	if (h.kind == 0 && sp->reason) {
		gt_str r = gt_model_reason(s->m, sp->reason);
		snprintf(lines[n++], sizeof lines[0], "reason: %.*s", (int)r.len, r.ptr);
	}
	const gt_frame *fr;
	if (gt_model_stack(s->m, gt_span_stack(sp), &fr) > 0)
		snprintf(lines[n++], sizeof lines[0], "%s", short_name(fr[0].func, nb, sizeof nb));
	float w = 0, lh = c->fs * 1.35f;
	for (int i = 0; i < n; i++) {
		float lw = s->measure ? s->measure(s->measure_ctx, lines[i], c->fs, i == 0) : (float)strlen(lines[i]) * c->fs * 0.6f;
		w = lw > w ? lw : w;
	}
	w += 16 * c->k;
	float hh = lh * (float)n + 10 * c->k;
	float x = s->mouse_x + 14 * c->k, y = s->mouse_y + 16 * c->k;
	if (x + w > (float)s->width)
		x = s->mouse_x - w - 8 * c->k;
	if (y + hh > c->g.status_y)
		y = s->mouse_y - hh - 8 * c->k;
	vw_dl_region(c->d, x, y, w + 2 * c->k, hh + 3 * c->k, true);
	vw_dl_fill(c->d, x + 2 * c->k, y + 3 * c->k, w, hh, 0x00000066u);
	vw_dl_fill(c->d, x, y, w, hh, 0x2b303aeeu);
	vw_dl_frame(c->d, x, y, w, hh, 1, gap ? VW_COLOR_GAP : 0x586069ffu);
	for (int i = 0; i < n; i++)
		vw_dl_text(c->d, x + 8 * c->k, y + 5 * c->k + lh * (float)(i + 1) - lh * 0.3f, c->fs, VW_ALIGN_LEFT, i == 0,
		           i == 0 ? (gap ? VW_COLOR_GAP : C_TEXT) : C_DIM, lines[i]);
}

static void legend(ctx *c)
{
	vw_state *s = c->s;
	vw_drawlist *d = c->d;
	float y = c->g.status_y, h = c->g.status_h, k = c->k;
	vw_dl_region(d, 0, y, (float)s->width, h, false);
	vw_dl_fill(d, 0, y, (float)s->width, h, C_PANEL2);
	struct {
		uint32_t col;
		const char *name;
	} items[20];
	int n = 0;
	char gap_name[48], thr[32];
	vw_fmt_dur(thr, sizeof thr, (double)s->threshold);
	snprintf(gap_name, sizeof gap_name, "gap ≥ %s", thr);
	items[n].col = VW_COLOR_RUNNING, items[n++].name = "running";
	items[n].col = VW_COLOR_RUNNABLE, items[n++].name = "runnable";
	items[n].col = VW_COLOR_GAP, items[n++].name = gap_name;
	for (int i = 0; i < W_COUNT; i++)
		items[n].col = wait_colors[i], items[n++].name = wait_names[i];
	items[n].col = VW_COLOR_SYSCALL, items[n++].name = "syscall";
	items[n].col = VW_COLOR_SYSCALL_BLOCKED, items[n++].name = "syscall, P lost";
	items[n].col = C_GC, items[n++].name = "GC";
	items[n].col = C_STW, items[n++].name = "STW";
	items[n].col = C_ASSIST, items[n++].name = "assist";
	float x = 8 * k;
	float fs = c->fs * 0.9f;
	for (int i = 0; i < n; i++) {
		vw_dl_fill(d, x, y + 6 * k, 10 * k, 10 * k, items[i].col);
		x += 14 * k;
		vw_dl_text(d, x, y + 15 * k, fs, VW_ALIGN_LEFT, false, C_TEXT, items[i].name);
		x += (s->measure ? s->measure(s->measure_ctx, items[i].name, fs, false) : 40) + 12 * k;
	}
	const char *msg = s->status[0] ? s->status : "? for help";
	if (s->typing_filter || s->layout.filter[0]) {
		/* The filter stays in view while it hides goroutines. */
		char lab[160];
		if (s->typing_filter)
			snprintf(lab, sizeof lab, "filter goroutines: %s▏  Enter keeps · Esc clears", s->layout.filter);
		else
			snprintf(lab, sizeof lab, "filter: \"%s\" (/ to change, Esc to clear)", s->layout.filter);
		float lw = s->measure ? s->measure(s->measure_ctx, lab, fs, true) : 200 * k;
		float mw = s->measure ? s->measure(s->measure_ctx, msg, fs, false) : 100 * k;
		float fx = (float)s->width - 8 * k - (s->loading ? 0 : mw + 16 * k) - lw;
		if (fx < x)
			fx = x;
		vw_dl_fill(d, fx - 4 * k, y + 3 * k, lw + 8 * k, h - 6 * k, C_PANEL);
		vw_dl_text(d, fx, y + 15 * k, fs, VW_ALIGN_LEFT, true, C_ACCENT, lab);
	}
	if (s->loading) {
		/* The first part of the trace is on screen; the rest is loading. */
		char lab[96], dur[32];
		float bw = 160 * k, bx = (float)s->width - 8 * k - bw;
		vw_fmt_dur(dur, sizeof dur, (double)s->view.duration);
		snprintf(lab, sizeof lab, "showing the first %s · loading %.0f%%", dur, s->progress * 100);
		vw_dl_fill(d, bx, y + 8 * k, bw, 6 * k, C_PANEL);
		vw_dl_fill(d, bx, y + 8 * k, bw * (float)s->progress, 6 * k, C_ACCENT);
		vw_dl_text(d, bx - 8 * k, y + 15 * k, fs, VW_ALIGN_RIGHT, true, C_ACCENT, lab);
		return;
	}
	vw_dl_text(d, (float)s->width - 8 * k, y + 15 * k, fs, VW_ALIGN_RIGHT, false, C_DIM, msg);
}

static void help(ctx *c)
{
	static const char *const keys[][2] = {
		{"wheel", "zoom around the pointer"},
		{"shift/ctrl + wheel", "scroll tracks (wheel over labels too)"},
		{"drag on tracks", "pan time and scroll"},
		{"drag on overview", "move the view there"},
		{"drag on time axis", "select a range: statistics on the right"},
		{"click", "select a span or gap: details, stack, arrow"},
		{"click a group / section", "collapse or expand it"},
		{"click a worst gap", "go to it"},
		{"w s  + -", "zoom in / out"},
		{"a d  ← →", "pan left / right"},
		{"↑ ↓  PgUp PgDn  Home", "scroll tracks"},
		{"f  0", "fit the whole trace"},
		{"z", "zoom to the range or selection"},
		{"e", "export the range's gaps: html json csv md"},
		{"n  p", "next / previous gap over the threshold"},
		{"[  ]", "halve / double the gap threshold"},
		{"t", "sort goroutines: sched wait, exec time, id"},
		{"c", "collapse / expand all groups"},
		{"/", "filter goroutines by name (Enter keeps, Esc clears)"},
		{"A", "arrows: who unblocked each gap of the goroutine"},
		{"l", "show / hide the side panel"},
		{"u  ctrl+z", "undo view change"},
		{"U  ctrl+y", "redo view change"},
		{"Esc", "clear selection, then the name filter"},
		{"?  h", "this help"},
		{"q", "quit"},
	};
	size_t n = sizeof keys / sizeof keys[0];
	float k = c->k, lh = c->fs * 1.5f;
	float w = 560 * k, h = lh * (float)(n + 2) + 20 * k;
	float x = ((float)c->s->width - w) / 2, y = ((float)c->s->height - h) / 2;
	vw_dl_region(c->d, 0, 0, (float)c->s->width, (float)c->s->height, true);
	vw_dl_fill(c->d, 0, 0, (float)c->s->width, (float)c->s->height, 0x00000088u);
	vw_dl_fill(c->d, x, y, w, h, 0x22262eFFu);
	vw_dl_frame(c->d, x, y, w, h, 1.5f * k, C_ACCENT);
	vw_dl_text(c->d, x + 20 * k, y + lh + 4 * k, c->fs * 1.15f, VW_ALIGN_LEFT, true, C_TEXT, "gotrace viewer — keys and mouse");
	for (size_t i = 0; i < n; i++) {
		float ly = y + lh * (float)(i + 2) + 8 * k;
		vw_dl_text(c->d, x + 20 * k, ly, c->fs, VW_ALIGN_LEFT, true, C_ACCENT, keys[i][0]);
		vw_dl_text(c->d, x + 220 * k, ly, c->fs, VW_ALIGN_LEFT, false, C_TEXT, keys[i][1]);
	}
}

static void loading(ctx *c)
{
	vw_state *s = c->s;
	float k = c->k, w = 420 * k, x = ((float)s->width - w) / 2, y = (float)s->height / 2;
	if (s->error[0]) {
		vw_dl_text(c->d, (float)s->width / 2, y - 20 * k, c->fs * 1.2f, VW_ALIGN_CENTER, true, VW_COLOR_GAP,
		           "cannot open the trace");
		vw_dl_text(c->d, (float)s->width / 2, y + 6 * k, c->fs, VW_ALIGN_CENTER, false, C_TEXT, s->error);
		vw_dl_text(c->d, (float)s->width / 2, y + 30 * k, c->fs * 0.9f, VW_ALIGN_CENTER, false, C_DIM, "q to quit");
		return;
	}
	char lab[64];
	snprintf(lab, sizeof lab, "loading… %.0f%%", s->progress * 100);
	vw_dl_text(c->d, (float)s->width / 2, y - 14 * k, c->fs * 1.1f, VW_ALIGN_CENTER, true, C_TEXT, lab);
	vw_dl_fill(c->d, x, y, w, 10 * k, C_PANEL2);
	vw_dl_fill(c->d, x, y, w * (float)s->progress, 10 * k, C_ACCENT);
}

/* `gotrace view` without a file: recent files and the shipped traces. */
static void start_screen(ctx *c)
{
	vw_state *s = c->s;
	const vw_start *st = s->start;
	vw_drawlist *d = c->d;
	vw_start_geom g = vw_start_geometry(s);
	float k = c->k;
	vw_dl_text(d, g.x, 44 * k, c->fs * 1.6f, VW_ALIGN_LEFT, true, C_TEXT, "gotrace — open a Go execution trace");
	vw_dl_text(d, g.x, 70 * k, c->fs, VW_ALIGN_LEFT, false, C_DIM,
	           "click or Enter opens · ↑ ↓ PgUp PgDn select · drop a trace file on the window · q quits");
	vw_dl_clip(d, 0, g.top, (float)s->width, g.bottom - g.top);
	size_t recent_rows = st->nrecent ? st->nrecent : 1;
	float y0 = g.top - st->scroll;
	vw_dl_text(d, g.x, y0 + g.row_h * 0.75f, c->fs * 1.1f, VW_ALIGN_LEFT, true, C_ACCENT, "Recent files");
	if (!st->nrecent)
		vw_dl_text(d, g.x + 16 * k, y0 + g.row_h * 1.75f, c->fs, VW_ALIGN_LEFT, false, C_DIM,
		           "none yet: files you open are listed here");
	char head[1200];
	if (st->traces_dir[0])
		snprintf(head, sizeof head, "Traces in %s", st->traces_dir);
	else
		snprintf(head, sizeof head, "No traces/ directory found");
	vw_dl_text(d, g.x, y0 + g.row_h * ((float)recent_rows + 1.75f), c->fs * 1.1f, VW_ALIGN_LEFT, true, C_ACCENT,
	           head);
	for (size_t i = 0; i < st->n; i++) {
		float y = vw_start_item_y(s, i);
		if (y + g.row_h < g.top || y > g.bottom)
			continue;
		bool sel = i == st->sel, hover = s->mouse_in && vw_start_item_at(s, s->mouse_x, s->mouse_y) == i;
		if (sel || hover)
			vw_dl_fill(d, g.x, y, g.w, g.row_h, sel ? 0x58a6ff40u : C_PANEL2);
		char buf[1100];
		const char *p = st->items[i].path;
		if (!st->items[i].recent && st->traces_dir[0] && strncmp(p, st->traces_dir, strlen(st->traces_dir)) == 0 &&
		    p[strlen(st->traces_dir)] == '/')
			p += strlen(st->traces_dir) + 1; /* relative to the header */
		snprintf(buf, sizeof buf, "%s", p);
		fit_text(s, buf, g.w - 24 * k, c->fs, sel);
		vw_dl_text(d, g.x + 16 * k, y + g.row_h * 0.72f, c->fs, VW_ALIGN_LEFT, sel, sel ? C_TEXT : 0xc0c8d4ffu, buf);
	}
	vw_dl_unclip(d);
	if (s->error[0])
		vw_dl_text(d, g.x, (float)s->height - 10 * k, c->fs, VW_ALIGN_LEFT, true, VW_COLOR_GAP, s->error);
}

void vw_frame_prepare(vw_state *s)
{
	static const gt_range_id ids[] = {GT_RANGE_GC_MARK, GT_RANGE_MARK_ASSIST, GT_RANGE_STW};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const gt_range_span *r;
		size_t n;
		range_ends(s, ids[i], &r, &n);
	}
	region_index(s);
	cpu_in_order(s);
}

void vw_frame_build(vw_state *s, vw_drawlist *d)
{
	vw_dl_reset(d, s->width, s->height, C_BG);
	ctx c = {s, d, vw_state_geom(s), s->scale, 12.5f * s->scale, 0};
	if (!s->m) {
		if (s->start)
			start_screen(&c);
		else
			loading(&c);
		vw_dl_finish(d);
		return;
	}
	c.ncols = (int)ceilf(c.g.timeline_w);
	tracks(&c);
	overview(&c);
	axis(&c);
	side_panel(&c);
	legend(&c);
	tooltip(&c);
	if (s->help)
		help(&c);
	vw_dl_finish(d);
}
