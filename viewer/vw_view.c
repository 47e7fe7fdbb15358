/* Time <-> pixels, zoom and pan, undo; gap navigation and range
 * statistics; level-of-detail binning by pixel column. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaps.h"
#include "mem.h"
#include "vw.h"

void vw_view_init(vw_view *v, int64_t duration, double width)
{
	memset(v, 0, sizeof *v);
	v->duration = duration > 0 ? duration : 1;
	v->width = width > 1 ? width : 1;
	vw_view_fit(v);
}

double vw_x_of(const vw_view *v, double t) { return (t - v->vp.t0) / v->vp.ns_per_px; }
double vw_t_of(const vw_view *v, double x) { return v->vp.t0 + x * v->vp.ns_per_px; }
double vw_view_end(const vw_view *v) { return vw_t_of(v, v->width); }

/* Keeps some of the trace on screen and the zoom between a few ns per
 * screen and a little more than the whole trace. */
static void clamp(vw_view *v)
{
	double max_npp = (double)v->duration * 1.5 / v->width;
	if (max_npp < VW_MIN_NS_PER_PX)
		max_npp = VW_MIN_NS_PER_PX;
	if (!(v->vp.ns_per_px >= VW_MIN_NS_PER_PX))
		v->vp.ns_per_px = VW_MIN_NS_PER_PX;
	if (v->vp.ns_per_px > max_npp)
		v->vp.ns_per_px = max_npp;
	double span = v->width * v->vp.ns_per_px;
	double lo = -0.5 * span, hi = (double)v->duration - 0.5 * span;
	if (!(v->vp.t0 >= lo))
		v->vp.t0 = lo;
	if (v->vp.t0 > hi)
		v->vp.t0 = hi;
	if (v->vp.scroll_y < 0)
		v->vp.scroll_y = 0;
}

void vw_view_resize(vw_view *v, double width)
{
	v->width = width > 1 ? width : 1;
	clamp(v);
}

void vw_view_fit(vw_view *v)
{
	double margin = (double)v->duration * 0.01;
	v->vp.ns_per_px = ((double)v->duration + 2 * margin) / v->width;
	v->vp.t0 = -margin;
	clamp(v);
}

void vw_view_zoom_at(vw_view *v, double x, double factor)
{
	double t = vw_t_of(v, x);
	v->vp.ns_per_px *= factor;
	clamp(v);
	v->vp.t0 = t - x * v->vp.ns_per_px;
	clamp(v);
}

void vw_view_pan(vw_view *v, double dx_px)
{
	v->vp.t0 -= dx_px * v->vp.ns_per_px;
	clamp(v);
}

void vw_view_show(vw_view *v, double from, double to, double margin)
{
	double len = to - from;
	if (len < 1)
		len = 1;
	v->vp.ns_per_px = len / (v->width * (1 - 2 * margin));
	clamp(v);
	v->vp.t0 = from + len / 2 - v->width * v->vp.ns_per_px / 2;
	clamp(v);
}

void vw_view_push(vw_view *v)
{
	if (v->nundo && memcmp(&v->undo[v->nundo - 1], &v->vp, sizeof v->vp) == 0)
		return;
	if (v->nundo == VW_UNDO_MAX) {
		memmove(v->undo, v->undo + 1, (VW_UNDO_MAX - 1) * sizeof v->undo[0]);
		v->nundo--;
	}
	v->undo[v->nundo++] = v->vp;
	v->nredo = 0;
}

bool vw_view_undo(vw_view *v)
{
	if (!v->nundo)
		return false;
	if (v->nredo < VW_UNDO_MAX)
		v->redo[v->nredo++] = v->vp;
	v->vp = v->undo[--v->nundo];
	clamp(v);
	return true;
}

bool vw_view_redo(vw_view *v)
{
	if (!v->nredo)
		return false;
	if (v->nundo < VW_UNDO_MAX)
		v->undo[v->nundo++] = v->vp;
	v->vp = v->redo[--v->nredo];
	clamp(v);
	return true;
}

/* ---- gaps ---- */

size_t vw_first_at(const void *base, size_t stride, size_t off, size_t lo, size_t hi, double t)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v;
		memcpy(&v, (const char *)base + mid * stride + off, sizeof v);
		if ((double)v < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t vw_gap_first_from(const gt_model *m, double t)
{
	/* Starts are whole ns, exact in a double, so start < t exactly when
	 * start < ceil(t). They lie well within 2^62 either way: t beyond it
	 * answers without a conversion that could overflow. Nothing is below
	 * NaN, which answers as -inf does. */
	const double lim = 0x1p62;
	if (!(t > -lim))
		return 0;
	if (t > lim)
		return gt_model_ngaps(m);
	return gt_model_gap_first_at(m, (int64_t)ceil(t));
}

void vw_gap_reader_init(vw_gap_reader *r, const gt_model *m)
{
	r->m = m;
	r->at = SIZE_MAX;
}

gt_gap vw_gap_read(vw_gap_reader *r, size_t i)
{
	/* Reading on decodes i - at gaps and a seek i % GT_GAP_BLOCK, so
	 * reading on pays within i's block only. */
	if (r->at > i || r->at / GT_GAP_BLOCK != i / GT_GAP_BLOCK) {
		gt_gap_seek(r->m, i, &r->it);
		r->at = i;
	}
	gt_gap g;
	do
		gt_gap_next(&r->it, &g);
	while (++r->at <= i);
	return g;
}

uint32_t vw_gap_next(const gt_model *m, double t, int64_t min_ns)
{
	size_t i = vw_gap_first_from(m, floor(t) + 1);
	gt_gap_iter it;
	gt_gap g;
	for (gt_gap_seek(m, i, &it); gt_gap_next(&it, &g); i++)
		if (gt_gap_len(&g) >= min_ns)
			return (uint32_t)i;
	return GT_NONE;
}

uint32_t vw_gap_prev(const gt_model *m, double t, int64_t min_ns)
{
	/* The iterator only reads forward: a block at a time, backwards. */
	for (size_t i = vw_gap_first_from(m, ceil(t)); i > 0;) {
		size_t b = (i - 1) / GT_GAP_BLOCK * GT_GAP_BLOCK;
		int64_t len[GT_GAP_BLOCK];
		gt_gap_iter it;
		gt_gap g;
		gt_gap_seek(m, b, &it);
		for (size_t j = b; j < i && gt_gap_next(&it, &g); j++)
			len[j - b] = gt_gap_len(&g);
		while (i-- > b)
			if (len[i - b] >= min_ns)
				return (uint32_t)i;
		i = b;
	}
	return GT_NONE;
}

size_t vw_gaps_over(const gt_model *m, int64_t min_ns, uint32_t **out)
{
	vw_over o = {0};
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	for (uint32_t i = 0; gt_gap_next(&it, &g); i++)
		vw_over_add(&o, min_ns, i, &g);
	*out = o.idx;
	return o.oom ? SIZE_MAX : o.n;
}

void vw_over_add(vw_over *o, int64_t min_ns, uint32_t i, const gt_gap *g)
{
	if (gt_gap_len(g) < min_ns || o->oom)
		return;
	if (!mem_grow(&o->idx, &o->cap, o->n + 1, sizeof *o->idx, 256)) {
		free(o->idx);
		*o = (vw_over){.oom = true};
		return;
	}
	o->idx[o->n++] = i;
}

/* Longer first; on a tie the earlier gap. */
static bool worse(int64_t da, uint32_t a, int64_t db, uint32_t b) { return da != db ? da > db : a < b; }

void vw_worst_init(vw_worst *w, uint32_t *out, size_t k)
{
	w->out = out;
	w->len = 0;
	w->k = k;
	/* The heap's lengths beside it, so that no comparison decodes a gap.
	 * Out of memory, the VW_WORST_LOCAL worst are still the worst. */
	w->d = w->local;
	if (k > VW_WORST_LOCAL && !(w->d = malloc(k * sizeof *w->d))) {
		w->d = w->local;
		w->k = VW_WORST_LOCAL;
	}
}

void vw_worst_add(vw_worst *w, uint32_t c, int64_t dc)
{
	uint32_t *out = w->out;
	int64_t *d = w->d;
	/* A min-heap of the k worst so far: one pass over millions of gaps. */
	if (w->len < w->k) {
		size_t j = w->len++;
		while (j && worse(d[(j - 1) / 2], out[(j - 1) / 2], dc, c)) {
			out[j] = out[(j - 1) / 2];
			d[j] = d[(j - 1) / 2];
			j = (j - 1) / 2;
		}
		out[j] = c;
		d[j] = dc;
	} else if (w->k && worse(dc, c, d[0], out[0])) {
		size_t j = 0, len = w->len;
		for (;;) {
			size_t a = 2 * j + 1, b = a + 1, s = j;
			uint32_t sv = c;
			int64_t sd = dc;
			if (a < len && worse(sd, sv, d[a], out[a]))
				s = a, sv = out[a], sd = d[a];
			if (b < len && worse(sd, sv, d[b], out[b]))
				s = b;
			if (s == j)
				break;
			out[j] = out[s];
			d[j] = d[s];
			j = s;
		}
		out[j] = c;
		d[j] = dc;
	}
}

size_t vw_worst_finish(vw_worst *w)
{
	uint32_t *out = w->out;
	int64_t *d = w->d;
	/* Heap to sorted, worst first: insertion sort is fine for k ~ 200. */
	for (size_t i = 1; i < w->len; i++) {
		uint32_t c = out[i];
		int64_t dc = d[i];
		size_t j = i;
		while (j && worse(dc, c, d[j - 1], out[j - 1])) {
			out[j] = out[j - 1];
			d[j] = d[j - 1];
			j--;
		}
		out[j] = c;
		d[j] = dc;
	}
	if (d != w->local)
		free(d);
	w->d = w->local;
	return w->len;
}

size_t vw_worst_gaps(const gt_model *m, uint32_t *out, size_t k)
{
	vw_worst w;
	vw_worst_init(&w, out, k);
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	for (uint32_t c = 0; gt_gap_next(&it, &g); c++)
		vw_worst_add(&w, c, gt_gap_len(&g));
	return vw_worst_finish(&w);
}

/* ---- series pyramid ---- */

int vw_series_pyr_build(vw_series_pyr *p, const gt_sample *s, size_t n)
{
	memset(p, 0, sizeof *p);
	p->s = s;
	p->n = n;
	p->nlevels = 1;
	for (size_t i = 0; i < n; i++)
		p->max = s[i].value > p->max ? s[i].value : p->max;
	size_t below = n;
	for (int l = 1; l < VW_PYR_LEVELS && below > VW_PYR_FANOUT; l++) {
		size_t cells = (below + VW_PYR_FANOUT - 1) / VW_PYR_FANOUT;
		int64_t *c = malloc(cells * sizeof *c);
		if (!c) {
			vw_series_pyr_free(p);
			return -1;
		}
		for (size_t i = 0; i < cells; i++) {
			int64_t m = INT64_MIN;
			for (size_t j = i * VW_PYR_FANOUT; j < below && j < (i + 1) * VW_PYR_FANOUT; j++) {
				int64_t v = l == 1 ? s[j].value : p->level[l - 1][j];
				m = v > m ? v : m;
			}
			c[i] = m;
		}
		p->level[l] = c;
		p->nlevel[l] = cells;
		p->nlevels = l + 1;
		below = cells;
	}
	return 0;
}

void vw_series_pyr_free(vw_series_pyr *p)
{
	for (int l = 1; l < VW_PYR_LEVELS; l++)
		free(p->level[l]);
	memset(p, 0, sizeof *p);
}

static int64_t cell(const vw_series_pyr *p, int l, size_t i) { return l == 0 ? p->s[i].value : p->level[l][i]; }

int64_t vw_series_pyr_max(const vw_series_pyr *p, size_t lo, size_t hi)
{
	int64_t m = INT64_MIN;
	if (hi > p->n)
		hi = p->n;
	/* Climb while the range spans whole cells of the level above: the
	 * ragged ends are scanned at each level, at most 2 * fanout cells. */
	for (int l = 0; lo < hi; l++) {
		if (l + 1 >= p->nlevels || hi - lo < 2 * VW_PYR_FANOUT) {
			for (size_t i = lo; i < hi; i++)
				m = cell(p, l, i) > m ? cell(p, l, i) : m;
			break;
		}
		size_t alo = (lo + VW_PYR_FANOUT - 1) / VW_PYR_FANOUT * VW_PYR_FANOUT, ahi = hi / VW_PYR_FANOUT * VW_PYR_FANOUT;
		for (size_t i = lo; i < alo; i++)
			m = cell(p, l, i) > m ? cell(p, l, i) : m;
		for (size_t i = ahi; i < hi; i++)
			m = cell(p, l, i) > m ? cell(p, l, i) : m;
		lo = alo / VW_PYR_FANOUT;
		hi = ahi / VW_PYR_FANOUT;
	}
	return m;
}

size_t vw_series_at(const vw_series_pyr *p, double t) { return vw_series_from(p, 0, t); }

size_t vw_series_from(const vw_series_pyr *p, size_t lo, double t)
{
	size_t step = 1, hi = lo;
	while (hi < p->n && (double)p->s[hi].time < t) {
		lo = hi + 1;
		hi = lo + step;
		step *= 2;
	}
	if (hi > p->n)
		hi = p->n;
	return vw_first_at(p->s, sizeof *p->s, offsetof(gt_sample, time), lo, hi, t);
}

/* ---- range statistics ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
	return hi > lo ? hi - lo : 0;
}

/* Nearest rank, as the gap report computes it: the index into the sorted
 * lengths. */
static size_t rank_at(size_t n, int pct)
{
	size_t r = (size_t)ceil((double)pct / 100.0 * (double)n);
	return r ? r - 1 : 0;
}

static size_t ranges_time(const gt_model *m, gt_range_id id, int64_t from, int64_t to, int64_t *ns)
{
	const gt_range_span *r;
	size_t n = gt_model_ranges(m, id, &r), hits = 0;
	for (size_t i = 0; i < n && r[i].start < to; i++) {
		int64_t o = overlap(r[i].start, r[i].end, from, to);
		*ns += o;
		hits += o > 0;
	}
	return hits;
}

/* Keeps the VW_BUSIEST goroutines with the most running time, the lowest
 * index first among equals, whatever order they come in. */
static void busiest_add(vw_busy *top, size_t *n, uint32_t gi, int64_t exec)
{
	size_t j = *n < VW_BUSIEST ? (*n)++ : VW_BUSIEST;
	while (j > 0 && (top[j - 1].exec_ns < exec || (top[j - 1].exec_ns == exec && top[j - 1].goroutine > gi))) {
		if (j < VW_BUSIEST)
			top[j] = top[j - 1];
		j--;
	}
	if (j < VW_BUSIEST)
		top[j] = (vw_busy){gi, exec};
}

/* A gap's length from the 32-bit copy index_gaps keeps: those of 4.3 s
 * or more, a handful in any trace, are read again from the model. */
static int64_t len_at(const gt_model *m, const uint32_t *len, size_t i)
{
	if (len[i] != UINT32_MAX)
		return len[i];
	gt_gap g = gt_model_gap(m, i);
	return gt_gap_len(&g);
}

/* Every gap's index in order of length, equal lengths in index order. */
static int index_gaps(vw_range_index *x, const gt_model *m)
{
	size_t n = x->ngaps, at[VW_HIST_BUCKETS + 1] = {0}, most = 0;
	/* The lengths in one sequential read: the sort reads them by length,
	 * where reading each gap from the model would decode a block apiece.
	 * In 32 bits, half the memory at the view state's peak. */
	uint32_t *len = malloc((n + 1) * sizeof *len);
	if (!len)
		return -1;
	uint32_t h[VW_HIST_BUCKETS] = {0};
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	for (size_t i = 0; i < n && gt_gap_next(&it, &g); i++) {
		int64_t l = gt_gap_len(&g);
		len[i] = l >= 0 && l < UINT32_MAX ? (uint32_t)l : UINT32_MAX;
		int b = vw_hist_bucket(l);
		at[b + 1]++;
		if (i % VW_GAP_BLOCK == 0)
			memcpy(x->hist[i / VW_GAP_BLOCK], h, sizeof h);
		h[b]++;
	}
	if (n % VW_GAP_BLOCK == 0)
		memcpy(x->hist[n / VW_GAP_BLOCK], h, sizeof h);
	for (int b = 0; b < VW_HIST_BUCKETS; b++) {
		most = at[b + 1] > most ? at[b + 1] : most;
		at[b + 1] += at[b];
	}
	memcpy(x->bucket_at, at, sizeof at);
	for (size_t i = 0; i < n; i++)
		x->by_len[at[vw_hist_bucket(len_at(m, len, i))]++] = (uint32_t)i;
	/* A bucket at a time: its lengths share their high bits, so the sort
	 * skips those digits, and the keys need room for one bucket only. */
	uint64_t *key = malloc((most + 1) * sizeof *key);
	if (!key) {
		free(len);
		return -1;
	}
	for (int b = 0; b < VW_HIST_BUCKETS; b++) {
		uint32_t *v = x->by_len + x->bucket_at[b];
		size_t k = x->bucket_at[b + 1] - x->bucket_at[b];
		for (size_t i = 0; i < k; i++)
			key[i] = vw_radix_key(len_at(m, len, v[i]));
		if (vw_radix_sort(key, v, k) != 0) {
			free(key);
			free(len);
			return -1;
		}
	}
	free(key);
	free(len);
	return 0;
}

int vw_range_index_build(vw_range_index *x, const gt_model *m)
{
	memset(x, 0, sizeof *x);
	size_t n = gt_model_ngoroutines(m), nb = (n + VW_LIFE_BLOCK - 1) / VW_LIFE_BLOCK;
	x->ngaps = gt_model_ngaps(m);
	/* 32-bit counts and indices: as many gaps as gt_gap can number. */
	if (x->ngaps > UINT32_MAX)
		return -1;
	x->nblocks = nb;
	x->lo = malloc((nb + 1) * sizeof *x->lo);
	x->hi = malloc((nb + 1) * sizeof *x->hi);
	x->state_ns = calloc(nb + 1, sizeof *x->state_ns);
	x->busiest = malloc((nb + 1) * sizeof *x->busiest);
	x->nbusiest = calloc(nb + 1, sizeof *x->nbusiest);
	x->hist = malloc((x->ngaps / VW_GAP_BLOCK + 1) * sizeof *x->hist);
	x->by_len = malloc((x->ngaps + 1) * sizeof *x->by_len);
	if (!x->lo || !x->hi || !x->state_ns || !x->busiest || !x->nbusiest || !x->hist || !x->by_len) {
		vw_range_index_free(x);
		return -1;
	}
	for (size_t b = 0; b < nb; b++) {
		x->lo[b] = INT64_MAX;
		x->hi[b] = INT64_MIN;
		size_t nbusy = 0;
		for (uint32_t gi = (uint32_t)(b * VW_LIFE_BLOCK); gi < n && gi < (b + 1) * VW_LIFE_BLOCK; gi++) {
			gt_span_iter it;
			gt_span span;
			const gt_span *sp = &span;
			gt_track_seek(m, 0, gi, INT64_MIN, &it);
			if (!gt_track_next(&it, &span))
				continue;
			x->lo[b] = sp->start < x->lo[b] ? sp->start : x->lo[b];
			int64_t exec = 0, sums[GT_GS_COUNT] = {0};
			size_t nsp = 0, checks_before = x->nchecks;
			do {
				if (nsp++ % VW_CHECK_SPANS == 0) {
					if (!mem_grow(&x->checks, &x->capchecks, x->nchecks + 1, sizeof *x->checks, 64))
						goto oom;
					vw_checkpoint *c = &x->checks[x->nchecks++];
					c->start = sp->start;
					memcpy(c->state_ns, sums, sizeof sums);
				}
				/* Every end, not just the last: "wholly in a range" must hold
				 * for every span. */
				x->hi[b] = sp->end > x->hi[b] ? sp->end : x->hi[b];
				int64_t o = overlap(sp->start, sp->end, INT64_MIN, INT64_MAX);
				sums[sp->state] += o;
				if (sp->state == GT_GS_RUNNING)
					exec += o;
			} while (gt_track_next(&it, &span));
			for (int st = 0; st < GT_GS_COUNT; st++)
				x->state_ns[b][st] += sums[st];
			if (exec > 0)
				busiest_add(x->busiest[b], &nbusy, gi, exec);
			if (nsp < 2 * VW_CHECK_SPANS) {
				x->nchecks = checks_before;
			} else {
				if (!mem_grow(&x->long_g, &x->caplong, x->nlong + 1, sizeof *x->long_g, 16) ||
				    !mem_grow(&x->long_first, &x->caplongfirst, x->nlong + 2, sizeof *x->long_first, 16))
					goto oom;
				x->long_g[x->nlong] = gi;
				x->long_first[x->nlong] = checks_before;
				x->long_first[++x->nlong] = x->nchecks;
			}
		}
		x->nbusiest[b] = (uint8_t)nbusy;
	}
	if (index_gaps(x, m) != 0)
		goto oom;
	return 0;
oom:
	vw_range_index_free(x);
	return -1;
}

void vw_range_index_free(vw_range_index *x)
{
	free(x->lo);
	free(x->hi);
	free(x->state_ns);
	free(x->busiest);
	free(x->nbusiest);
	free(x->long_g);
	free(x->long_first);
	free(x->checks);
	free(x->hist);
	free(x->by_len);
	memset(x, 0, sizeof *x);
}

int vw_range_stats_compute(const gt_model *m, int64_t from, int64_t to, int64_t threshold, vw_range_stats *out)
{
	return vw_range_stats_compute_in(m, NULL, from, to, threshold, out);
}

/* Adds to out the time in [from, to) of goroutine gi's spans from the
 * first that ends after `seek` up to the first that starts at or after
 * `until`; returns the running part of it. */
static int64_t spans_in(const gt_model *m, uint32_t gi, int64_t seek, int64_t until, int64_t from, int64_t to,
                        vw_range_stats *out)
{
	int64_t exec = 0;
	gt_span_iter it;
	gt_span sp;
	gt_track_seek(m, 0, gi, seek, &it);
	while (gt_track_next(&it, &sp) && sp.start < until) {
		int64_t o = overlap(sp.start, sp.end, from, to);
		out->state_ns[sp.state] += o;
		if (sp.state == GT_GS_RUNNING)
			exec += o;
	}
	return exec;
}

/* The checkpoints of goroutine gi if it is a long one. */
static size_t checks_of(const vw_range_index *x, uint32_t gi, const vw_checkpoint **c)
{
	if (!x)
		return 0;
	size_t lo = 0, hi = x->nlong;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->long_g[mid] < gi)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == x->nlong || x->long_g[lo] != gi)
		return 0;
	*c = &x->checks[x->long_first[lo]];
	return x->long_first[lo + 1] - x->long_first[lo];
}

/* Time in each state and running time of goroutine gi clipped to the range.
 * A span counts when it ends after from and starts before to. */
static void goroutine_in(const gt_model *m, const vw_range_index *x, uint32_t gi, int64_t from, int64_t to,
                         vw_range_stats *out)
{
	const vw_checkpoint *c = NULL;
	size_t nc = checks_of(x, gi, &c);
	/* a: the first checkpoint at or after from; b - 1: the last before
	 * to. The spans between them lie wholly in the range (a goroutine's
	 * spans do not overlap) and their sums differ by exactly that time. */
	size_t a = vw_first_at(c, sizeof *c, offsetof(vw_checkpoint, start), 0, nc, (double)from);
	size_t b = vw_first_at(c, sizeof *c, offsetof(vw_checkpoint, start), a, nc, (double)to);
	int64_t exec;
	if (b < a + 2) {
		exec = spans_in(m, gi, from, to, from, to, out);
	} else {
		const vw_checkpoint *ca = &c[a], *cb = &c[b - 1];
		exec = spans_in(m, gi, from, ca->start, from, to, out);
		for (int st = 0; st < GT_GS_COUNT; st++)
			out->state_ns[st] += cb->state_ns[st] - ca->state_ns[st];
		exec += cb->state_ns[GT_GS_RUNNING] - ca->state_ns[GT_GS_RUNNING];
		exec += spans_in(m, gi, cb->start, to, from, to, out);
	}
	if (exec > 0)
		busiest_add(out->busiest, &out->nbusiest, gi, exec);
}

static void goroutines_in(const gt_model *m, const vw_range_index *x, int64_t from, int64_t to, vw_range_stats *out)
{
	size_t n = gt_model_ngoroutines(m);
	if (!x) {
		for (uint32_t gi = 0; gi < n; gi++)
			goroutine_in(m, x, gi, from, to, out);
		return;
	}
	for (size_t b = 0; b < x->nblocks; b++) {
		if (x->lo[b] >= to || x->hi[b] <= from)
			continue;
		if (x->lo[b] >= from && x->hi[b] <= to) {
			for (int st = 0; st < GT_GS_COUNT; st++)
				out->state_ns[st] += x->state_ns[b][st];
			for (size_t i = 0; i < x->nbusiest[b]; i++)
				busiest_add(out->busiest, &out->nbusiest, x->busiest[b][i].goroutine, x->busiest[b][i].exec_ns);
			continue;
		}
		for (uint32_t gi = (uint32_t)(b * VW_LIFE_BLOCK); gi < n && gi < (b + 1) * VW_LIFE_BLOCK; gi++)
			goroutine_in(m, x, gi, from, to, out);
	}
}

/* The histogram of gaps [0, i). */
static void hist_upto(const gt_model *m, const vw_range_index *x, size_t i, int64_t *h)
{
	size_t b = i / VW_GAP_BLOCK;
	for (int k = 0; k < VW_HIST_BUCKETS; k++)
		h[k] = x->hist[b][k];
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, b * VW_GAP_BLOCK, &it);
	for (size_t j = b * VW_GAP_BLOCK; j < i && gt_gap_next(&it, &g); j++)
		h[vw_hist_bucket(gt_gap_len(&g))]++;
}

/* For the few gaps a query looks at, found through by_len. */
static int64_t len_of(const gt_model *m, size_t i)
{
	gt_gap g = gt_model_gap(m, i);
	return gt_gap_len(&g);
}

/* How many of by_len[lo, hi) are gaps [first, last): without branches, so
 * that it runs over millions of a bucket's entries in a few milliseconds. */
static size_t count_in(const uint32_t *v, size_t lo, size_t hi, size_t first, size_t last)
{
	uint32_t f = (uint32_t)first, w = (uint32_t)(last - first);
	size_t n = 0;
	for (size_t i = lo; i < hi; i++)
		n += (uint32_t)(v[i] - f) < w;
	return n;
}

/* Small enough that the committed traces walk several chunks of a bucket. */
#define SCAN_CHUNK 256

/* The k-th shortest (from 0) of the gaps [first, last) in by_len[lo, hi),
 * which holds want of them. */
static int64_t kth_in(const gt_model *m, const vw_range_index *x, size_t lo, size_t hi, size_t want, size_t k,
                      size_t first, size_t last)
{
	const uint32_t *v = x->by_len;
	if (first == 0 && last == x->ngaps)
		return len_of(m, v[lo + k]);
	/* Whole chunks are counted, the one holding the k-th walked; from the
	 * nearer end, since p99 and the maximum lie at the end of a bucket. */
	if (k < want / 2) {
		for (;;) {
			size_t end = hi - lo > SCAN_CHUNK ? lo + SCAN_CHUNK : hi, c = count_in(v, lo, end, first, last);
			if (k < c || end == hi)
				break;
			k -= c;
			lo = end;
		}
		for (size_t i = lo; i < hi; i++)
			if (v[i] >= first && v[i] < last && k-- == 0)
				return len_of(m, v[i]);
	} else {
		k = want - 1 - k;
		for (;;) {
			size_t start = hi - lo > SCAN_CHUNK ? hi - SCAN_CHUNK : lo, c = count_in(v, start, hi, first, last);
			if (k < c || start == lo)
				break;
			k -= c;
			hi = start;
		}
		for (size_t i = hi; i-- > lo;)
			if (v[i] >= first && v[i] < last && k-- == 0)
				return len_of(m, v[i]);
	}
	return 0; /* not reached: the bucket holds want of them */
}

/* The k-th shortest of the gaps [first, last), whose histogram is h. */
static int64_t kth_gap(const gt_model *m, const vw_range_index *x, const size_t *h, size_t k, size_t first, size_t last)
{
	int b = 0;
	while (b < VW_HIST_BUCKETS - 1 && k >= h[b])
		k -= h[b++];
	return kth_in(m, x, x->bucket_at[b], x->bucket_at[b + 1], h[b], k, first, last);
}

/* How many of the gaps [first, last) are at least threshold long. */
static size_t count_over(const gt_model *m, const vw_range_index *x, const size_t *h, int64_t threshold, size_t first,
                         size_t last)
{
	int bt = vw_hist_bucket(threshold);
	size_t n = 0;
	for (int b = bt + 1; b < VW_HIST_BUCKETS; b++)
		n += h[b];
	/* Below the threshold's bucket every gap is shorter than 2^bt <= threshold
	 * (bucket 0 holds everything below 2, but then there is none below). */
	size_t lo = x->bucket_at[bt], hi = x->bucket_at[bt + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (len_of(m, x->by_len[mid]) < threshold)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (first == 0 && last == x->ngaps)
		return n + x->bucket_at[bt + 1] - lo;
	return n + count_in(x->by_len, lo, x->bucket_at[bt + 1], first, last);
}

static int gaps_in(const gt_model *m, const vw_range_index *x, size_t first, size_t last, int64_t threshold,
                   vw_range_stats *out)
{
	out->ngaps = last - first;
	if (!out->ngaps)
		return 0;
	if (x) {
		int64_t a[VW_HIST_BUCKETS], b[VW_HIST_BUCKETS];
		hist_upto(m, x, first, a);
		hist_upto(m, x, last, b);
		for (int k = 0; k < VW_HIST_BUCKETS; k++)
			out->hist[k] = (size_t)(b[k] - a[k]);
		out->ngaps_over = count_over(m, x, out->hist, threshold, first, last);
		out->gap_p50 = kth_gap(m, x, out->hist, rank_at(out->ngaps, 50), first, last);
		out->gap_p90 = kth_gap(m, x, out->hist, rank_at(out->ngaps, 90), first, last);
		out->gap_p99 = kth_gap(m, x, out->hist, rank_at(out->ngaps, 99), first, last);
		out->gap_max = kth_gap(m, x, out->hist, out->ngaps - 1, first, last);
		return 0;
	}
	int64_t *d = malloc(out->ngaps * sizeof *d);
	if (!d)
		return -1;
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, first, &it);
	for (size_t i = first; i < last && gt_gap_next(&it, &g); i++) {
		d[i - first] = gt_gap_len(&g);
		out->ngaps_over += d[i - first] >= threshold;
		out->hist[vw_hist_bucket(d[i - first])]++;
	}
	qsort(d, out->ngaps, sizeof *d, cmp_i64);
	out->gap_p50 = d[rank_at(out->ngaps, 50)];
	out->gap_p90 = d[rank_at(out->ngaps, 90)];
	out->gap_p99 = d[rank_at(out->ngaps, 99)];
	out->gap_max = d[out->ngaps - 1];
	free(d);
	return 0;
}

int vw_range_stats_compute_in(const gt_model *m, const vw_range_index *x, int64_t from, int64_t to, int64_t threshold,
                              vw_range_stats *out)
{
	memset(out, 0, sizeof *out);
	out->from = from;
	out->to = to;
	/* An index of another model would answer for the wrong goroutines. */
	if (x && (x->nblocks != (gt_model_ngoroutines(m) + VW_LIFE_BLOCK - 1) / VW_LIFE_BLOCK ||
	          x->ngaps != gt_model_ngaps(m)))
		x = NULL;
	goroutines_in(m, x, from, to, out);
	size_t first = vw_gap_first_from(m, (double)from), last = vw_gap_first_from(m, (double)to);
	if (gaps_in(m, x, first, last, threshold, out) != 0)
		return -1;
	ranges_time(m, GT_RANGE_GC_MARK, from, to, &out->gc_ns);
	ranges_time(m, GT_RANGE_STW, from, to, &out->stw_ns);
	return 0;
}

/* ---- level of detail ---- */

/* Appends a column item, merging with the previous one when it continues
 * it with the same look. */
static size_t emit(vw_bin *out, size_t n, vw_bin b)
{
	if (n) {
		vw_bin *p = &out[n - 1];
		if (p->x1 >= b.x0 && p->state == b.state && p->folded && b.folded && p->worst_gap == b.worst_gap) {
			p->x1 = b.x1 > p->x1 ? b.x1 : p->x1;
			return n;
		}
	}
	out[n] = b;
	return n + 1;
}

/* Time per state within one column, to fold sub-pixel spans. */
typedef struct column {
	int x;
	int64_t by_state[GT_GS_COUNT];
	int64_t worst_gap;
	int spans;
	uint16_t reason;
	uint32_t other;
} column;

/* Blocked (goroutines) and idle (Ps, threads) share an index: the state
 * that is background rather than activity. */
#define VW_QUIET 2
_Static_assert(GT_GS_WAITING == VW_QUIET && GT_PS_IDLE == VW_QUIET, "quiet state index");

/* The state a folded column shows: activity wins over being blocked when
 * it fills at least 1/1000 of the column, so that the short bursts of a
 * mostly idle goroutine stay visible when zoomed out (as every P-track
 * span does); otherwise the state covering most. */
static uint8_t column_state(const int64_t *by_state)
{
	uint8_t best = 0xff, active = 0xff;
	int64_t bt = 0, at = 0, total = 0;
	for (int st = 0; st < GT_GS_COUNT; st++) {
		total += by_state[st];
		if (by_state[st] > bt)
			bt = by_state[st], best = (uint8_t)st;
		if (st != VW_QUIET && by_state[st] > at)
			at = by_state[st], active = (uint8_t)st;
	}
	return active != 0xff && at * 1000 >= total ? active : best;
}

static size_t flush_column(column *c, vw_bin *out, size_t n)
{
	if (c->spans == 0)
		return n;
	uint8_t best = column_state(c->by_state);
	n = emit(out, n, (vw_bin){.x0 = c->x, .x1 = c->x + 1, .state = best, .folded = c->spans > 1, .reason = c->reason, .other = c->other, .worst_gap = c->worst_gap});
	memset(c, 0, sizeof *c);
	return n;
}

size_t vw_bin_track(const gt_model *m, int kind, uint32_t index, const vw_view *v, int ncols, vw_bin *out)
{
	size_t n = 0;
	if (!gt_track_nspans(m, kind, index) || ncols <= 0)
		return 0;
	double t_lo = vw_t_of(v, 0), t_hi = vw_t_of(v, ncols);
	gt_span_iter it;
	gt_track_seek(m, kind, index, (int64_t)floor(t_lo), &it);
	/* How many spans are in view decides spans or buckets: counted only
	 * up to the budget, since only "more than a few per column" matters. */
	size_t budget = (size_t)ncols * 4;
	double npp = v->vp.ns_per_px;
	if (npp >= 1024 && gt_track_count(&it, (int64_t)ceil(t_hi), budget + 1) > budget) {
		gt_lod lod = gt_model_lod(m, kind, index, (int64_t)npp);
		if (lod.nbuckets) {
			int64_t w = (int64_t)1 << lod.shift;
			for (int x = 0; x < ncols; x++) {
				double a = vw_t_of(v, x), b = vw_t_of(v, x + 1);
				if (b <= 0 || a >= (double)v->duration)
					continue;
				int64_t k0 = (int64_t)(a > 0 ? a : 0) / w, k1 = (int64_t)ceil(b) / w;
				int64_t votes[GT_GS_COUNT] = {0};
				int64_t worst = 0;
				int busy = 0;
				for (int64_t k = k0; k <= k1 && k < (int64_t)lod.nbuckets; k++) {
					const gt_lod_bucket *bk = &lod.buckets[k];
					if (bk->dominant < GT_GS_COUNT)
						votes[bk->dominant] += 1000;
					busy = bk->busy_permille > busy ? bk->busy_permille : busy;
					if (bk->worst_gap_ns > worst)
						worst = bk->worst_gap_ns;
				}
				/* Buckets only keep their dominant state; their busy share
				 * stands in for the running time hidden under a blocked one. */
				if (votes[0] == 0 && busy >= 1)
					votes[0] = busy;
				uint8_t best = column_state(votes);
				if (best == 0xff)
					continue;
				n = emit(out, n, (vw_bin){.x0 = x, .x1 = x + 1, .state = best, .folded = 1, .other = GT_NONE, .worst_gap = worst});
			}
			return n;
		}
	}
	column c = {0};
	gt_span sp;
	const gt_span *s = &sp;
	while (gt_track_next(&it, &sp) && (double)sp.start < t_hi) {
		double x0 = vw_x_of(v, (double)s->start), x1 = vw_x_of(v, (double)s->end);
		if (x0 < 0)
			x0 = 0;
		if (x1 > ncols)
			x1 = ncols;
		int64_t gap = kind == 0 && s->state == GT_GS_RUNNABLE ? s->end - s->start : 0;
		if (x1 - x0 >= 1.0) {
			/* Wide enough to stand alone; its partial first column goes to
			 * whatever was being folded there. */
			int ix0 = (int)floor(x0), ix1 = (int)ceil(x1);
			if (c.spans && c.x == ix0)
				n = flush_column(&c, out, n), ix0++;
			if (ix1 <= ix0)
				ix1 = ix0 + 1;
			n = emit(out, n, (vw_bin){.x0 = ix0, .x1 = ix1, .state = s->state, .reason = s->reason, .other = gt_span_other(s), .worst_gap = gap});
			continue;
		}
		int cx = (int)floor(x0);
		if (c.spans && c.x != cx)
			n = flush_column(&c, out, n);
		if (n && out[n - 1].x1 > cx && !out[n - 1].folded)
			continue; /* a sliver inside a column a wide span already owns */
		c.x = cx;
		c.spans++;
		c.other = gt_span_other(s);
		c.reason = s->reason;
		if (s->state < GT_GS_COUNT)
			c.by_state[s->state] += s->end - s->start + 1;
		if (gap > c.worst_gap)
			c.worst_gap = gap;
	}
	return flush_column(&c, out, n);
}

bool vw_span_at(gt_span_iter *it, double t, double tol, gt_span *out)
{
	double bd = tol + 1;
	gt_span s;
	while (gt_track_next(it, &s) && (double)s.start <= t + tol) {
		double d = t < (double)s.start ? (double)s.start - t : t > (double)s.end ? t - (double)s.end : 0;
		if (d < bd)
			bd = d, *out = s;
		if (d == 0)
			break;
	}
	return bd <= tol;
}

/* ---- durations ---- */

_Static_assert(VW_HIST_BUCKETS == GP_HIST_BUCKETS, "the viewer's histogram is the gap report's");
int vw_hist_bucket(int64_t ns) { return gp_hist_bucket(ns); }

void vw_fmt_dur(char *buf, size_t n, double ns)
{
	double a = fabs(ns);
	if (a < 1e3)
		snprintf(buf, n, "%.0fns", ns);
	else if (a < 1e6)
		snprintf(buf, n, "%.3gus", ns / 1e3);
	else if (a < 1e9)
		snprintf(buf, n, "%.4gms", ns / 1e6);
	else
		snprintf(buf, n, "%.4gs", ns / 1e9);
}
