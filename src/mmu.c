/* Minimum mutator utilization: a line-by-line port of internal/trace/gc.go
 * (Go 1.27). Every float operation is done in the same order as Go's so the
 * results are the same doubles; where Go would panic on a malformed trace,
 * this code ignores the event or refuses the input instead. */
#include "mmu.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

/* Go's runtime caps GOMAXPROCS far below this; more is a corrupt metric. */
#define MU_MAX_PROCS (1 << 20)
/* Window arithmetic (time + window, window + 2*bandDur) stays inside int64
 * when every time is within this bound. */
#define MU_MAX_TIME ((int64_t)1 << 60)

/* ---- growable arrays ---- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * size);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* ---- Go's math.Min and math.Max, which differ from fmin/fmax on -0 ---- */

static double go_min(double x, double y)
{
	if (isinf(x) && x < 0)
		return x;
	if (isinf(y) && y < 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? x : y;
	return x < y ? x : y;
}

static double go_max(double x, double y)
{
	if (isinf(x) && x > 0)
		return x;
	if (isinf(y) && y > 0)
		return y;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0 && x == y)
		return signbit(x) ? y : x;
	return x > y ? x : y;
}

/* int64(f) as Go compiles it on amd64: out of range and NaN give MinInt64. */
static int64_t go_f2i(double f)
{
	if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)f;
}

/* ---- utilization functions (MutatorUtilizationV2) ---- */

typedef struct mu_proc {
	int64_t gc; /* > 0: GC is using this P */
	size_t series;
} mu_proc;

typedef struct mu_procs_count {
	int64_t time;
	int64_t n;
} mu_procs_count;

typedef struct mu_gor {
	uint8_t state; /* gt_go_state */
	bool in_gc;    /* in a mark assist */
	bool bg_mark;  /* a background mark worker */
} mu_gor;

struct mu_util {
	unsigned flags;
	mu_series *out;
	size_t nout, capout;
	mu_proc *ps;
	size_t nps, capps;
	mu_procs_count *procs;
	size_t nprocs, capprocs;
	idmap gids; /* goroutine id -> index in gs */
	mu_gor *gs;
	size_t ngs, capgs;
	int64_t stw;
	uint64_t nsync;
	bool any;
	int64_t first_time, last_time;
};

mu_util *mu_util_new(unsigned flags)
{
	mu_util *u = calloc(1, sizeof *u);
	if (u)
		u->flags = flags;
	return u;
}

void mu_util_free(mu_util *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nout; i++)
		free(u->out[i].pts);
	free(u->out);
	free(u->ps);
	free(u->procs);
	idmap_free(&u->gids);
	free(u->gs);
	free(u);
}

size_t mu_util_nseries(const mu_util *u)
{
	return u->nout;
}

const mu_series *mu_util_borrow_series(const mu_util *u, size_t i)
{
	return i < u->nout ? &u->out[i] : NULL;
}

int64_t mu_util_start(const mu_util *u)
{
	return u->first_time;
}

/* addUtil: drops non-changes and keeps the lowest value of a time. */
static int add_util(mu_series *s, int64_t time, double util)
{
	if (s->len > 0) {
		mu_point *last = &s->pts[s->len - 1];
		if (util == last->util)
			return 0;
		if (time == last->time) {
			if (util < last->util)
				*last = (mu_point){time, util};
			return 0;
		}
	}
	if (grow((void **)&s->pts, &s->cap, s->len + 1, sizeof *s->pts))
		return -1;
	s->pts[s->len++] = (mu_point){time, util};
	return 0;
}

/* The goroutine's record, created on demand when `create`; NULL when absent
 * (or out of memory, which *oom reports). */
static mu_gor *gor(mu_util *u, int64_t g, bool create, bool *oom)
{
	uint32_t i = idmap_get(&u->gids, (uint64_t)g);
	if (i != UINT32_MAX)
		return &u->gs[i];
	if (!create)
		return NULL;
	if (u->ngs >= UINT32_MAX - 1 || grow((void **)&u->gs, &u->capgs, u->ngs + 1, sizeof *u->gs) ||
	    idmap_put(&u->gids, (uint64_t)g, (uint32_t)u->ngs)) {
		*oom = true;
		return NULL;
	}
	u->gs[u->ngs] = (mu_gor){GT_GO_UNDETERMINED, false, false};
	return &u->gs[u->ngs++];
}

static bool executing(uint8_t s)
{
	return s == GT_GO_RUNNING || s == GT_GO_SYSCALL;
}

/* isGCSTW checks the full range name "stop-the-world (<kind>)" for "GC";
 * the fixed part holds no "GC", so the kind decides. */
static bool handle_stw(const mu_util *u, const gt_event *ev)
{
	if (!(u->flags & MU_STW) || ev->u.range.id != GT_RANGE_STW)
		return false;
	gt_str k = ev->u.range.stw_kind;
	for (size_t i = 0; i + 1 < k.len; i++)
		if (k.ptr[i] == 'G' && k.ptr[i + 1] == 'C')
			return true;
	return false;
}

static bool handle_assist(const mu_util *u, const gt_event *ev)
{
	return (u->flags & MU_ASSIST) && ev->u.range.id == GT_RANGE_MARK_ASSIST;
}

static bool handle_sweep(const mu_util *u, const gt_event *ev)
{
	return (u->flags & MU_SWEEP) && ev->u.range.id == GT_RANGE_SWEEP;
}

/* ps[ev.Proc()], which panics in Go for an event without a valid P; such an
 * event is left out here. */
static mu_proc *proc_of(mu_util *u, const gt_event *ev)
{
	if (ev->proc < 0 || (uint64_t)ev->proc >= u->nps)
		return NULL;
	return &u->ps[ev->proc];
}

static gt_status set_gomaxprocs(mu_util *u, int64_t time, uint64_t value)
{
	if (value > MU_MAX_PROCS)
		return GT_ERR_LIMIT;
	size_t n = (size_t)value;
	if (u->nps > n) {
		if (u->flags & MU_PER_PROC) {
			/* End each removed P's series. */
			for (size_t i = n; i < u->nps; i++)
				if (add_util(&u->out[u->ps[i].series], time, 0))
					return GT_ERR_NOMEM;
		}
		u->nps = n;
	}
	while (u->nps < n) {
		/* A P added again after a removal starts a new series. */
		size_t series = 0;
		if ((u->flags & MU_PER_PROC) || u->nout == 0) {
			if (grow((void **)&u->out, &u->capout, u->nout + 1, sizeof *u->out))
				return GT_ERR_NOMEM;
			series = u->nout;
			u->out[u->nout++] = (mu_series){0};
			if (add_util(&u->out[series], time, 1))
				return GT_ERR_NOMEM;
		}
		if (grow((void **)&u->ps, &u->capps, u->nps + 1, sizeof *u->ps))
			return GT_ERR_NOMEM;
		u->ps[u->nps++] = (mu_proc){0, series};
	}
	if (u->nprocs == 0 || (int64_t)n != u->procs[u->nprocs - 1].n) {
		if (grow((void **)&u->procs, &u->capprocs, u->nprocs + 1, sizeof *u->procs))
			return GT_ERR_NOMEM;
		u->procs[u->nprocs++] = (mu_procs_count){time, (int64_t)n};
	}
	return GT_OK;
}

/* A range seen active at the start of the trace has been taking this P's
 * share since the start: take it out of everything recorded so far. */
static void fix_up_active(mu_util *u, const gt_event *ev)
{
	if (handle_assist(u, ev)) {
		/* An assisting goroutine that is not running takes no P. */
		mu_gor *g = gor(u, ev->goroutine, false, NULL);
		if (!executing(g ? g->state : GT_GO_UNDETERMINED))
			return;
	} else if (!handle_sweep(u, ev)) {
		return;
	}
	/* Per P, a P's first mention comes before any of its points. */
	if (u->flags & MU_PER_PROC)
		return;
	mu_series *s = &u->out[0];
	size_t mi = 0, pi = 0;
	while (mi < s->len) {
		if (pi + 1 < u->nprocs && u->procs[pi + 1].time < s->pts[mi].time) {
			pi++;
			continue;
		}
		s->pts[mi].util -= (double)1 / (double)u->procs[pi].n;
		if (s->pts[mi].util < 0)
			s->pts[mi].util = 0;
		mi++;
	}
}

static gt_status range_begin(mu_util *u, const gt_event *ev)
{
	mu_proc *p = proc_of(u, ev);
	if (handle_stw(u, ev)) {
		u->stw++;
	} else if (handle_sweep(u, ev)) {
		if (p)
			p->gc++;
	} else if (handle_assist(u, ev)) {
		if (p)
			p->gc++;
		if (ev->u.range.scope == GT_RES_GOROUTINE && ev->u.range.scope_id != GT_NO_ID) {
			bool oom = false;
			mu_gor *g = gor(u, ev->u.range.scope_id, true, &oom);
			if (oom)
				return GT_ERR_NOMEM;
			g->in_gc = true;
		}
	}
	return GT_OK;
}

static void range_end(mu_util *u, const gt_event *ev)
{
	mu_proc *p = proc_of(u, ev);
	if (handle_stw(u, ev)) {
		u->stw--;
	} else if (handle_sweep(u, ev)) {
		if (p)
			p->gc--;
	} else if (handle_assist(u, ev)) {
		if (p)
			p->gc--;
		if (ev->u.range.scope == GT_RES_GOROUTINE && ev->u.range.scope_id != GT_NO_ID) {
			mu_gor *g = gor(u, ev->u.range.scope_id, false, NULL);
			if (g)
				g->in_gc = false;
		}
	}
}

static gt_status transition(mu_util *u, const gt_event *ev)
{
	if (ev->u.transition.resource != GT_RES_GOROUTINE)
		return GT_OK;
	uint8_t from = ev->u.transition.from, to = ev->u.transition.to;
	bool oom = false;
	mu_gor *g = gor(u, ev->u.transition.id, true, &oom);
	if (oom)
		return GT_ERR_NOMEM;
	if (g->in_gc || g->bg_mark) {
		mu_proc *p = proc_of(u, ev);
		if (p && !executing(from) && executing(to))
			p->gc++; /* started running while doing GC work */
		else if (p && executing(from) && !executing(to))
			p->gc--;
	}
	g->state = to;
	return GT_OK;
}

static bool has_prefix(gt_str s, const char *p)
{
	size_t n = strlen(p);
	return s.len >= n && memcmp(s.ptr, p, n) == 0;
}

static bool equals(gt_str s, const char *p)
{
	return s.len == strlen(p) && memcmp(s.ptr, p, s.len) == 0;
}

static gt_status label(mu_util *u, const gt_event *ev)
{
	gt_str l = ev->u.label.label;
	if (!(u->flags & MU_BACKGROUND) || !has_prefix(l, "GC ") || equals(l, "GC (idle)"))
		return GT_OK;
	/* Per P, dedicated workers are not counted: they kick every goroutine
	 * off their P, so they add no latency to any goroutine directly. */
	if ((u->flags & MU_PER_PROC) && equals(l, "GC (dedicated)"))
		return GT_OK;
	bool oom = false;
	mu_gor *g = gor(u, ev->goroutine, true, &oom);
	if (oom)
		return GT_ERR_NOMEM;
	g->bg_mark = true;
	mu_proc *p = proc_of(u, ev);
	if (p)
		p->gc++;
	return GT_OK;
}

gt_status mu_util_event(mu_util *u, const gt_event *ev)
{
	if (!u->any)
		u->first_time = ev->time;
	u->any = true;
	u->last_time = ev->time;

	gt_status s = GT_OK;
	if (ev->kind == GT_EV_SYNC)
		u->nsync = ev->u.sync.n;
	else if (ev->kind == GT_EV_METRIC && ev->u.metric.id == GT_METRIC_GOMAXPROCS)
		s = set_gomaxprocs(u, ev->time, ev->u.metric.value);
	if (s != GT_OK)
		return s;
	/* Nothing can be measured before GOMAXPROCS is known. */
	if (u->nps == 0)
		return GT_OK;

	switch (ev->kind) {
	case GT_EV_RANGE_ACTIVE:
		/* After a whole generation, active ranges repeat what is known. */
		if (u->nsync > 1)
			break;
		fix_up_active(u, ev);
		s = range_begin(u, ev);
		break;
	case GT_EV_RANGE_BEGIN:
		s = range_begin(u, ev);
		break;
	case GT_EV_RANGE_END:
		range_end(u, ev);
		break;
	case GT_EV_STATE_TRANSITION:
		s = transition(u, ev);
		break;
	case GT_EV_LABEL:
		s = label(u, ev);
		break;
	default:
		break;
	}
	if (s != GT_OK)
		return s;

	if (!(u->flags & MU_PER_PROC)) {
		size_t gc_ps = 0;
		if (u->stw > 0) {
			gc_ps = u->nps;
		} else {
			for (size_t i = 0; i < u->nps; i++)
				gc_ps += u->ps[i].gc > 0;
		}
		double util = 1 - (double)gc_ps / (double)u->nps;
		if (add_util(&u->out[0], ev->time, util))
			return GT_ERR_NOMEM;
	} else {
		for (size_t i = 0; i < u->nps; i++) {
			double util = u->stw > 0 || u->ps[i].gc > 0 ? 0.0 : 1.0;
			if (add_util(&u->out[u->ps[i].series], ev->time, util))
				return GT_ERR_NOMEM;
		}
	}
	return GT_OK;
}

gt_status mu_util_finish(mu_util *u)
{
	/* A final 0 marks the end of every function, symmetric with the start. */
	for (size_t i = 0; i < u->nps; i++)
		if (add_util(&u->out[u->ps[i].series], u->last_time, 0))
			return GT_ERR_NOMEM;
	return GT_OK;
}

gt_status mu_util_read(gt_trace *t, unsigned flags, mu_util **out, gt_error *err)
{
	*out = NULL;
	mu_util *u = mu_util_new(flags);
	if (!u) {
		*err = (gt_error){.status = GT_ERR_NOMEM};
		snprintf(err->detail, sizeof err->detail, "out of memory");
		return GT_ERR_NOMEM;
	}
	gt_event ev;
	gt_status s;
	while ((s = gt_trace_next(t, &ev, err)) == GT_OK) {
		gt_status ms = mu_util_event(u, &ev);
		if (ms != GT_OK) {
			*err = (gt_error){.status = ms, .offset = ev.offset};
			if (ms == GT_ERR_LIMIT)
				snprintf(err->detail, sizeof err->detail, "gomaxprocs %" PRIu64 " too large",
				         ev.u.metric.value);
			else
				snprintf(err->detail, sizeof err->detail, "%s", gt_status_str(ms));
			s = ms;
			break;
		}
	}
	if (s == GT_EOF && mu_util_finish(u) != GT_OK) {
		*err = (gt_error){.status = GT_ERR_NOMEM};
		snprintf(err->detail, sizeof err->detail, "out of memory");
		s = GT_ERR_NOMEM;
	}
	if (s != GT_EOF) {
		mu_util_free(u);
		return s;
	}
	*out = u;
	return GT_EOF;
}

int64_t mu_span(const mu_util *u)
{
	if (u->nout == 0)
		return 0;
	int64_t lo = u->out[0].pts[0].time, hi = u->out[0].pts[u->out[0].len - 1].time;
	for (size_t i = 1; i < u->nout; i++) {
		const mu_series *s = &u->out[i];
		if (s->pts[0].time < lo)
			lo = s->pts[0].time;
		if (s->pts[s->len - 1].time > hi)
			hi = s->pts[s->len - 1].time;
	}
	return hi - lo;
}

/* ---- the MMU curve (NewMMUCurve) ---- */

/* Go's bandsPerSeries. */
#define MU_BANDS 1000

typedef struct mu_cseries mu_cseries;

/* A position in a utilization function, integrating it from time 0. */
typedef struct mu_integrator {
	const mu_cseries *u;
	size_t pos; /* index of the current time's non-strict predecessor */
} mu_integrator;

typedef struct mu_band {
	double min_util; /* lowest instantaneous utilization in the band */
	double cum_util; /* total utilization from time 0 to the band's left edge */
	mu_integrator integrator;
} mu_band;

struct mu_cseries {
	const mu_point *util;
	size_t n;
	double *sums; /* sums[j]: total utilization of util[:j] */
	mu_band *bands;
	size_t nbands; /* numBands + 1: the last records the final sum */
	int64_t band_dur;
};

struct mu_curve {
	mu_cseries *series;
	size_t n;
};

/* advance: the integral from 0 to time; time only moves forward. */
static double integ_advance(mu_integrator *in, int64_t time)
{
	const mu_point *util = in->u->util;
	size_t n = in->u->n, pos = in->pos;
	/* Very often the next point is near, but it can be far. */
	enum { max_seq = 8 };
	if (pos + max_seq < n && util[pos + max_seq].time > time) {
		while (pos + 1 < n && util[pos + 1].time <= time)
			pos++;
	} else {
		size_t l = pos, r = n;
		while (l < r) {
			size_t h = l + (r - l) / 2;
			if (util[h].time <= time)
				l = h + 1;
			else
				r = h;
		}
		/* Go indexes util[-1] (and panics) when time precedes every point;
		 * windows never start before the first point. */
		pos = l > 0 ? l - 1 : 0;
	}
	in->pos = pos;
	double partial = 0;
	if (time != util[pos].time)
		partial = util[pos].util * (double)(time - util[pos].time);
	return in->u->sums[pos] + partial;
}

/* next: the first change of the function after time. */
static int64_t integ_next(const mu_integrator *in, int64_t time)
{
	for (size_t i = in->pos; i < in->u->n; i++)
		if (in->u->util[i].time > time)
			return in->u->util[i].time;
	return INT64_MAX;
}

static void band_time(const mu_cseries *s, size_t i, int64_t *start, int64_t *end)
{
	*start = (int64_t)i * s->band_dur + s->util[0].time;
	*end = *start + s->band_dur;
}

static gt_status new_series(mu_cseries *s, const mu_series *in)
{
	s->util = in->pts;
	s->n = in->len;
	for (size_t j = 0; j < in->len; j++)
		if (in->pts[j].time > MU_MAX_TIME || in->pts[j].time < -MU_MAX_TIME)
			return GT_ERR_LIMIT;
	s->sums = malloc(in->len * sizeof *s->sums);
	if (!s->sums)
		return GT_ERR_NOMEM;
	mu_point prev = {0, 0};
	double sum = 0;
	for (size_t j = 0; j < in->len; j++) {
		sum += prev.util * (double)(in->pts[j].time - prev.time);
		s->sums[j] = sum;
		prev = in->pts[j];
	}

	/* Equal, non-overlapping bands summarize the function; no point in
	 * more bands than points. */
	size_t nb = MU_BANDS < in->len ? MU_BANDS : in->len;
	int64_t dur = in->pts[in->len - 1].time - in->pts[0].time;
	s->band_dur = (dur + (int64_t)nb - 1) / (int64_t)nb;
	if (s->band_dur < 1)
		s->band_dur = 1;
	s->nbands = nb + 1;
	s->bands = malloc(s->nbands * sizeof *s->bands);
	if (!s->bands)
		return GT_ERR_NOMEM;
	mu_integrator left = {s, 0};
	for (size_t i = 0; i < s->nbands; i++) {
		int64_t start, end;
		band_time(s, i, &start, &end);
		double cum = integ_advance(&left, start);
		double min_util = 1.0;
		for (size_t k = left.pos; k < s->n && s->util[k].time < end; k++)
			min_util = go_min(min_util, s->util[k].util);
		s->bands[i] = (mu_band){min_util, cum, left};
	}
	return GT_OK;
}

void mu_curve_free(mu_curve *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->series[i].sums);
		free(c->series[i].bands);
	}
	free(c->series);
	free(c);
}

gt_status mu_curve_new(const mu_util *u, mu_curve **out)
{
	*out = NULL;
	mu_curve *c = calloc(1, sizeof *c);
	if (!c)
		return GT_ERR_NOMEM;
	c->series = calloc(u->nout ? u->nout : 1, sizeof *c->series);
	if (!c->series) {
		free(c);
		return GT_ERR_NOMEM;
	}
	for (size_t i = 0; i < u->nout; i++) {
		c->n = i + 1;
		gt_status s = new_series(&c->series[i], &u->out[i]);
		if (s != GT_OK) {
			mu_curve_free(c);
			return s;
		}
	}
	*out = c;
	return GT_OK;
}

/* ---- heaps, with container/heap's exact sift order: which band is
 * refined first changes which windows are looked at ---- */

typedef struct mu_band_util {
	size_t series;
	size_t i;
	double util_bound; /* lower bound of utilization of windows starting in band i */
} mu_band_util;

typedef struct mu_heap {
	void *a;
	size_t len;
	bool (*less)(const void *a, size_t i, size_t j);
	void (*swap)(void *a, size_t i, size_t j);
} mu_heap;

static bool heap_down(mu_heap *h, size_t i0, size_t n)
{
	size_t i = i0;
	for (;;) {
		size_t j1 = 2 * i + 1;
		if (j1 >= n)
			break;
		size_t j = j1;
		if (j1 + 1 < n && h->less(h->a, j1 + 1, j1))
			j = j1 + 1;
		if (!h->less(h->a, j, i))
			break;
		h->swap(h->a, i, j);
		i = j;
	}
	return i > i0;
}

static void heap_up(mu_heap *h, size_t j)
{
	while (j > 0) {
		size_t i = (j - 1) / 2;
		if (!h->less(h->a, j, i))
			break;
		h->swap(h->a, i, j);
		j = i;
	}
}

static void heap_init(mu_heap *h)
{
	for (size_t i = h->len / 2; i-- > 0;)
		heap_down(h, i, h->len);
}

/* heap.Pop: the minimum ends up at a[len-1], then leaves. */
static void heap_pop(mu_heap *h)
{
	size_t n = h->len - 1;
	h->swap(h->a, 0, n);
	heap_down(h, 0, n);
	h->len--;
}

/* heap.Push, after the caller stored the new element at a[len]. */
static void heap_push(mu_heap *h)
{
	h->len++;
	heap_up(h, h->len - 1);
}

static void heap_remove(mu_heap *h, size_t i)
{
	size_t n = h->len - 1;
	if (n != i) {
		h->swap(h->a, i, n);
		if (!heap_down(h, i, n))
			heap_up(h, i);
	}
	h->len--;
}

static bool band_less(const void *a, size_t i, size_t j)
{
	const mu_band_util *b = a;
	return b[i].util_bound < b[j].util_bound;
}

static void band_swap(void *a, size_t i, size_t j)
{
	mu_band_util *b = a, t = b[i];
	b[i] = b[j];
	b[j] = t;
}

/* utilHeap: the least bad window on top. */
static bool window_less(const void *a, size_t i, size_t j)
{
	const mu_window *w = a;
	if (w[i].util != w[j].util)
		return w[i].util > w[j].util;
	return w[i].time > w[j].time;
}

static void window_swap(void *a, size_t i, size_t j)
{
	mu_window *w = a, t = w[i];
	w[i] = w[j];
	w[j] = t;
}

/* ---- the accumulator and the band algorithm ---- */

typedef struct mu_acc {
	double mmu;
	/* Utilization above this cannot change the result. */
	double bound;
	size_t n_worst;
	mu_heap w; /* the n worst disjoint windows, n_worst + 1 slots */
} mu_acc;

/* addMU: true when further windows cannot matter. */
static bool acc_add(mu_acc *acc, int64_t time, double mu, int64_t window)
{
	if (mu < acc->mmu)
		acc->mmu = mu;
	acc->bound = acc->mmu;
	if (acc->n_worst == 0)
		return mu == 0; /* it cannot go lower */

	mu_window *w = acc->w.a;
	if (acc->w.len < acc->n_worst || mu < w[0].util) {
		/* Keep the worse of overlapping windows. */
		bool keep = false;
		for (size_t i = 0; i < acc->w.len; i++) {
			if (time + window > w[i].time && w[i].time + window > time) {
				if (w[i].util <= mu)
					keep = true;
				else
					heap_remove(&acc->w, i);
				break;
			}
		}
		if (!keep) {
			w[acc->w.len] = (mu_window){time, mu};
			heap_push(&acc->w);
			if (acc->w.len > acc->n_worst)
				heap_pop(&acc->w);
		}
	}
	if (acc->w.len < acc->n_worst)
		acc->bound = 1.0; /* no N windows yet */
	else
		acc->bound = go_max(acc->bound, w[0].util);
	return acc->w.len == acc->n_worst && w[0].util == 0;
}

/* mkBandUtil: for each band, the worst possible mean utilization of the
 * windows that start in it. Appends to bu. */
static size_t band_util(const mu_cseries *c, size_t series, int64_t window, mu_band_util *bu)
{
	/* The fewest and most bands a window can touch in any alignment. */
	int64_t min_bands = (window + c->band_dur - 1) / c->band_dur;
	int64_t max_bands = (window + 2 * (c->band_dur - 1)) / c->band_dur;
	int64_t tail_dur = window % c->band_dur;
	int64_t n_util = (int64_t)c->nbands - max_bands + 1;
	if (n_util < 0)
		n_util = 0;
	for (int64_t i = 0; i < n_util; i++) {
		/* Assume the minimum for bands partly covered by a window and the
		 * mean for bands wholly covered by every window. */
		double util = 0;
		double l = c->bands[i].min_util;
		double r1 = c->bands[i + min_bands - 1].min_util;
		double r2 = c->bands[i + max_bands - 1].min_util;
		double min_band = go_min(l, go_min(r1, r2));
		/* The worst window maximally overlaps the worst minimum and the
		 * rest overlaps the second worst. */
		if (min_bands == 1) {
			util += min_band * (double)window;
		} else {
			util += min_band * (double)c->band_dur;
			double mid_band = 0.0;
			if (min_band == l)
				mid_band = go_min(r1, r2);
			else if (min_band == r1)
				mid_band = go_min(l, r2);
			else if (min_band == r2)
				mid_band = go_min(l, r1);
			util += mid_band * (double)tail_dur;
		}
		if (min_bands > 2)
			util += c->bands[i + min_bands - 1].cum_util - c->bands[i + 1].cum_util;
		bu[i] = (mu_band_util){series, (size_t)i, util / (double)window};
	}
	return (size_t)n_util;
}

/* bandMMU: the exact windows with a left edge in band band_idx. The windowed
 * utilization is piecewise linear with corners where either edge meets a
 * change, so only those times need a look. */
static void band_mmu(const mu_cseries *c, size_t band_idx, int64_t window, mu_acc *acc)
{
	mu_integrator left = c->bands[band_idx].integrator;
	mu_integrator right = left;
	int64_t time, end_time;
	band_time(c, band_idx, &time, &end_time);
	int64_t util_end = c->util[c->n - 1].time - window;
	if (util_end < end_time)
		end_time = util_end;
	for (;;) {
		double r = integ_advance(&right, time + window);
		double mu = (r - integ_advance(&left, time)) / (double)window;
		if (acc_add(acc, time, mu, window))
			break;
		if (time == end_time)
			break;
		/* The windowed function's slope is at most 1/window, so it cannot
		 * drop below the bound sooner than this. */
		int64_t min_time = time + go_f2i((mu - acc->bound) * (double)window);
		int64_t t1 = integ_next(&left, time);
		int64_t t2 = integ_next(&right, time + window) - window;
		time = t1 < t2 ? t1 : t2;
		if (time < min_time)
			time = min_time;
		if (time >= end_time)
			time = end_time;
	}
}

/* mmu: refines bands from the lowest bound up until no band can matter.
 * Returns -1 when out of memory. */
static int curve_run(mu_curve *c, int64_t window, mu_acc *acc)
{
	if (window <= 0) {
		acc->mmu = 0;
		return 0;
	}
	size_t total = 0;
	for (size_t i = 0; i < c->n; i++)
		total += c->series[i].nbands;
	mu_band_util *bu = malloc((total ? total : 1) * sizeof *bu);
	int64_t *windows = malloc((c->n ? c->n : 1) * sizeof *windows);
	if (!bu || !windows) {
		free(bu);
		free(windows);
		return -1;
	}
	size_t len = 0;
	for (size_t i = 0; i < c->n; i++) {
		const mu_cseries *s = &c->series[i];
		int64_t max = s->util[s->n - 1].time - s->util[0].time;
		windows[i] = window > max ? max : window;
		/* A function of one instant: Go indexes bands[-1] here and panics. */
		if (windows[i] <= 0)
			continue;
		len += band_util(s, i, windows[i], bu + len);
	}
	mu_heap h = {bu, len, band_less, band_swap};
	heap_init(&h);
	while (h.len > 0 && bu[0].util_bound < acc->bound) {
		size_t i = bu[0].series;
		band_mmu(&c->series[i], bu[0].i, windows[i], acc);
		heap_pop(&h);
	}
	free(bu);
	free(windows);
	return 0;
}

double mu_curve_mmu(mu_curve *c, int64_t window)
{
	mu_acc acc = {.mmu = 1.0, .bound = 1.0};
	if (curve_run(c, window, &acc))
		return NAN;
	return acc.mmu;
}

static int cmp_worst_first(const void *a, const void *b)
{
	const mu_window *x = a, *y = b;
	if (x->util != y->util)
		return x->util < y->util ? -1 : 1;
	return (x->time > y->time) - (x->time < y->time);
}

long mu_curve_examples(mu_curve *c, int64_t window, size_t n, mu_window *out)
{
	if (n == 0)
		return 0;
	mu_window *w = malloc((n + 1) * sizeof *w);
	if (!w)
		return -1;
	mu_acc acc = {.mmu = 1.0, .bound = 1.0, .n_worst = n};
	acc.w = (mu_heap){w, 0, window_less, window_swap};
	if (curve_run(c, window, &acc)) {
		free(w);
		return -1;
	}
	/* sort.Reverse of the heap order; windows are disjoint, so no two tie. */
	qsort(w, acc.w.len, sizeof *w, cmp_worst_first);
	memcpy(out, w, acc.w.len * sizeof *w);
	free(w);
	return (long)acc.w.len;
}

/* ---- the report ---- */

size_t mu_windows(int64_t span, int64_t out[MU_MAX_WINDOWS])
{
	static const int64_t mult[] = {1, 2, 5};
	size_t n = 0;
	if (span <= 0)
		return 0;
	for (int64_t dec = 1000; dec < span; dec = dec > INT64_MAX / 10 ? INT64_MAX : dec * 10)
		for (size_t m = 0; m < 3; m++)
			if (dec <= (span - 1) / mult[m] && n + 1 < MU_MAX_WINDOWS)
				out[n++] = dec * mult[m];
	out[n++] = span;
	return n;
}

/* The worst windows are listed for these sizes (those within the span), ten
 * each, as the page's details list does. */
static const int64_t example_windows[] = {100000, 1000000, 10000000, 100000000, 1000000000};
#define MU_EXAMPLES 10

static const struct {
	const char *name;
	unsigned flag;
} flag_names[] = {
	{"stw", MU_STW},
	{"background", MU_BACKGROUND},
	{"assist", MU_ASSIST},
	{"sweep", MU_SWEEP},
};
#define NFLAGS (sizeof flag_names / sizeof flag_names[0])

/* %.17g: exactly what Go's fmt prints for the same verb, and enough
 * digits to tell any two doubles apart. */
static void put_g17(gf_buf *b, double v)
{
	char s[40];
	snprintf(s, sizeof s, "%.17g", v);
	gf_puts(b, s);
}

static void put_util4(gf_buf *b, double v)
{
	char s[40];
	snprintf(s, sizeof s, "  %.4f\n", v);
	gf_puts(b, s);
}

/* Durations as Go prints them, with "us" for µs: 1us, 1.5ms, 2.000001s. */
static void put_dur(gf_buf *b, int64_t ns)
{
	static const struct {
		int64_t unit;
		int digits;
		const char *name;
	} units[] = {{1000000000, 9, "s"}, {1000000, 6, "ms"}, {1000, 3, "us"}};
	char s[48];
	for (size_t i = 0; i < 3; i++) {
		if (ns < units[i].unit)
			continue;
		int64_t whole = ns / units[i].unit, frac = ns % units[i].unit;
		int digits = units[i].digits;
		while (frac && frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		if (frac)
			snprintf(s, sizeof s, "%" PRId64 ".%0*" PRId64 "%s", whole, digits, frac, units[i].name);
		else
			snprintf(s, sizeof s, "%" PRId64 "%s", whole, units[i].name);
		gf_puts(b, s);
		return;
	}
	snprintf(s, sizeof s, "%" PRId64 "ns", ns);
	gf_puts(b, s);
}

static void put_padded_dur(gf_buf *b, int64_t ns, size_t width)
{
	gf_buf d = {0};
	put_dur(&d, ns);
	for (size_t i = d.len; i < width; i++)
		gf_putc(b, ' ');
	gf_put(b, d.p, d.len);
	b->error |= d.error;
	gf_free(&d);
}

static double mmu_of(mu_curve *c, int64_t window, bool *oom)
{
	double v = mu_curve_mmu(c, window);
	if (isnan(v))
		*oom = true;
	return v;
}

static void print_json(gf_buf *b, const mu_util *u, mu_curve *c, const int64_t *ws, size_t nws, int64_t span,
                       mu_window *ex, bool *oom)
{
	gf_puts(b, "{\"include\":[");
	for (size_t i = 0, n = 0; i < NFLAGS; i++) {
		if (!(u->flags & flag_names[i].flag))
			continue;
		gf_puts(b, n++ ? ",\"" : "\"");
		gf_puts(b, flag_names[i].name);
		gf_putc(b, '"');
	}
	gf_puts(b, "],\"per_proc\":");
	gf_puts(b, u->flags & MU_PER_PROC ? "true" : "false");
	gf_puts(b, ",\"series\":");
	gf_u64(b, u->nout);
	gf_puts(b, ",\"span_ns\":");
	gf_i64(b, span);
	gf_puts(b, ",\"mmu\":[");
	for (size_t i = 0; i < nws; i++) {
		gf_puts(b, i ? ",[" : "[");
		gf_i64(b, ws[i]);
		gf_putc(b, ',');
		put_g17(b, mmu_of(c, ws[i], oom));
		gf_putc(b, ']');
	}
	gf_puts(b, "],\"worst\":[");
	size_t n = 0;
	for (size_t k = 0; k < sizeof example_windows / sizeof example_windows[0]; k++) {
		int64_t w = example_windows[k];
		if (w > span)
			continue;
		gf_puts(b, n++ ? ",{\"window_ns\":" : "{\"window_ns\":");
		gf_i64(b, w);
		gf_puts(b, ",\"windows\":[");
		long m = mu_curve_examples(c, w, MU_EXAMPLES, ex);
		if (m < 0) {
			*oom = true;
			m = 0;
		}
		for (long i = 0; i < m; i++) {
			gf_puts(b, i ? ",[" : "[");
			gf_i64(b, ex[i].time - u->first_time);
			gf_putc(b, ',');
			put_g17(b, ex[i].util);
			gf_putc(b, ']');
		}
		gf_puts(b, "]}");
	}
	gf_puts(b, "]}\n");
}

static void print_text(gf_buf *b, const mu_util *u, mu_curve *c, const int64_t *ws, size_t nws, int64_t span,
                       mu_window *ex, bool *oom)
{
	gf_puts(b, "counting:  ");
	for (size_t i = 0, n = 0; i < NFLAGS; i++) {
		if (!(u->flags & flag_names[i].flag))
			continue;
		gf_puts(b, n++ ? ", " : "");
		gf_puts(b, flag_names[i].name);
	}
	if (!(u->flags & (MU_STW | MU_BACKGROUND | MU_ASSIST | MU_SWEEP)))
		gf_puts(b, "nothing");
	gf_puts(b, u->flags & MU_PER_PROC ? "\nview:      per P (one function per P: " : "\nview:      system (");
	gf_u64(b, u->nout);
	gf_puts(b, u->nout == 1 ? " function)\nspan:      " : " functions)\nspan:      ");
	put_dur(b, span);
	if (nws == 0) {
		gf_puts(b, "\n\nno utilization to measure: the trace has no GOMAXPROCS or no time\n");
		return;
	}
	gf_puts(b, "\n\n      window  MMU\n");
	for (size_t i = 0; i < nws; i++) {
		put_padded_dur(b, ws[i], 12);
		put_util4(b, mmu_of(c, ws[i], oom));
	}
	for (size_t k = 0; k < sizeof example_windows / sizeof example_windows[0]; k++) {
		int64_t w = example_windows[k];
		if (w > span)
			continue;
		long m = mu_curve_examples(c, w, MU_EXAMPLES, ex);
		if (m < 0) {
			*oom = true;
			m = 0;
		}
		gf_puts(b, "\nworst ");
		put_dur(b, w);
		gf_puts(b, " windows (start from trace start, mean utilization):\n");
		for (long i = 0; i < m; i++) {
			put_padded_dur(b, ex[i].time - u->first_time, 14);
			put_util4(b, ex[i].util);
		}
	}
}

gt_status mu_print(gf_buf *b, const mu_util *u, bool json)
{
	mu_curve *c;
	gt_status s = mu_curve_new(u, &c);
	if (s != GT_OK)
		return s;
	int64_t ws[MU_MAX_WINDOWS];
	int64_t span = mu_span(u);
	size_t nws = mu_windows(span, ws);
	mu_window ex[MU_EXAMPLES];
	bool oom = false;
	if (json)
		print_json(b, u, c, ws, nws, span, ex, &oom);
	else
		print_text(b, u, c, ws, nws, span, ex, &oom);
	mu_curve_free(c);
	return oom ? GT_ERR_NOMEM : GT_OK;
}

/* ---- arguments ---- */

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "gotrace: %s%s\nusage: %s\n", what, arg, MU_USAGE);
	return 2;
}

static int parse_list(const char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		bool found = false;
		for (size_t i = 0; i < NFLAGS; i++) {
			if (strlen(flag_names[i].name) == n && strncmp(flag_names[i].name, s, n) == 0) {
				*out |= flag_names[i].flag;
				found = true;
			}
		}
		if (!found && n > 0)
			return -1;
		s += n + (s[n] == ',');
	}
	return 0;
}

int mu_parse_args(int argc, char **argv, mu_opts *o)
{
	*o = (mu_opts){.flags = MU_DEFAULT};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path)
				return usage_error("too many arguments", "");
			o->path = a;
			continue;
		}
		while (*a == '-')
			a++;
		if (strcmp(a, "per-proc") == 0) {
			o->flags |= MU_PER_PROC;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
		bool include = n == 7 && strncmp(a, "include", 7) == 0;
		bool exclude = n == 7 && strncmp(a, "exclude", 7) == 0;
		bool format = n == 6 && strncmp(a, "format", 6) == 0;
		if (!include && !exclude && !format)
			return usage_error("unknown option ", argv[i]);
		if (!val)
			return usage_error("option needs a value: ", argv[i]);
		if (!eq)
			i++;
		if (format) {
			if (strcmp(val, "json") == 0)
				o->json = true;
			else if (strcmp(val, "text") == 0)
				o->json = false;
			else
				return usage_error("mmu: format must be text or json, not ", val);
			continue;
		}
		unsigned set;
		if (parse_list(val, &set))
			return usage_error("unknown utilization source in ", val);
		if (include)
			o->flags = (o->flags & MU_PER_PROC) | set;
		else
			o->flags &= ~set;
	}
	if (!o->path)
		return usage_error("missing FILE", "");
	return 0;
}
