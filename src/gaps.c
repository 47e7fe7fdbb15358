/* The gap report: scheduler-latency gaps with their causes and context,
 * beside stop-the-world pauses, mark assists and syscalls over the same
 * threshold; and the leak report. Each output format is one ops table. */
#define _DEFAULT_SOURCE /* fnmatch, strcasestr-free build on glibc */
#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaps.h"
#include "idmap.h"
#include "mem.h"

const char *const gp_cause_names[GT_CAUSE_COUNT] = {
	[GT_CAUSE_CREATED] = "created",         [GT_CAUSE_UNBLOCKED] = "unblocked",
	[GT_CAUSE_PREEMPTED] = "preempted",     [GT_CAUSE_YIELDED] = "yielded",
	[GT_CAUSE_SYSCALL] = "syscall-return",  [GT_CAUSE_TRACE_START] = "trace-start",
};

int gp_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
	             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	if (!s || !*s)
		return -1;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	double total = 0;
	while (*s) {
		char *end;
		if (!(isdigit((unsigned char)*s) || *s == '.'))
			return -1;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		size_t best = 0;
		int which = -1;
		for (int i = 0; i < (int)(sizeof units / sizeof units[0]); i++) {
			size_t n = strlen(units[i].unit);
			/* Longest match, so "ms" is not read as "m" then "s". */
			if (strncmp(s, units[i].unit, n) == 0 && n > best) {
				best = n;
				which = i;
			}
		}
		if (which < 0)
			return -1;
		total += v * units[which].ns;
		s += best;
	}
	if (total > 9.2e18)
		return -1;
	*ns = (int64_t)(total + 0.5);
	return 0;
}

/* ---- selection ---- */

typedef struct syscall_row {
	uint32_t goroutine;
	int64_t start, end;
	uint32_t stack;
} syscall_row;

/* Per name and per cause aggregates, for the summary. */
typedef struct agg {
	gt_str key;
	size_t count;
	int64_t total, max;
	size_t max_idx; /* the first gap of that length: where the rows meet it first */
} agg;

typedef struct agg_set {
	agg *a;
	size_t n, cap;
	idmap ix;
	bool full; /* out of memory: the summary keeps what it has */
} agg_set;

typedef struct gap_report {
	const gt_model *m;
	const gp_options *o;
	/* Selected gaps, longest first. Rows are read back from the packed
	 * gaps: `gaps --min 0` on a big trace selects tens of millions, and a
	 * copy of each would cost three times this. */
	struct gap_key {
		int64_t len;
		size_t idx;
	} *rows;
	size_t nrows, shown;
	gp_stats stats;
	bool want_aggs; /* the format prints the summaries by name and cause */
	agg_set by_name, by_cause;
	const gt_range_span **stw, **assists;
	size_t nstw, nassists;
	syscall_row *syscalls;
	size_t nsyscalls;
	size_t hist[GP_HIST_BUCKETS]; /* by gp_hist_bucket */
} gap_report;

static bool name_matches(const char *pattern, gt_str name)
{
	if (!pattern)
		return true;
	char buf[1024];
	size_t n = name.len < sizeof buf - 1 ? name.len : sizeof buf - 1;
	memcpy(buf, name.ptr, n);
	buf[n] = '\0';
	if (strpbrk(pattern, "*?["))
		return fnmatch(pattern, buf, 0) == 0;
	return strstr(buf, pattern) != NULL;
}

/* Longest first; gaps are kept in order of start, so the index breaks ties
 * by start. */
static int cmp_gap_key(const void *a, const void *b)
{
	const struct gap_key *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? 1 : -1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static gt_gap row(const gap_report *r, size_t i) { return gt_model_gap(r->m, r->rows[i].idx); }

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Where the pct-th percentile of n values sorted from the smallest is. */
static size_t rank_pos(size_t n, int pct)
{
	size_t k = (size_t)((pct * n + 99) / 100);
	return k ? k - 1 : 0;
}

static int64_t rank(const int64_t *sorted, size_t n, int pct) { return n ? sorted[rank_pos(n, pct)] : 0; }

static bool in_window(const gp_options *o, int64_t start)
{
	return start >= o->from_ns && (o->to_ns < 0 || start < o->to_ns);
}

gp_stats gp_gap_stats(const gt_model *m, int64_t from, int64_t to, int64_t min_ns)
{
	gp_stats st = {0};
	size_t n = gt_model_ngaps(m);
	int64_t *d = malloc((n + 1) * sizeof *d);
	if (!d)
		return st;
	gt_gap_iter it;
	gt_gap g;
	for (gt_gap_seek(m, gt_model_gap_first_at(m, from), &it); gt_gap_next(&it, &g) && g.start < to;) {
		int64_t len = gt_gap_len(&g);
		if (len >= min_ns) {
			d[st.count++] = len;
			st.total_ns += len;
		}
	}
	qsort(d, st.count, sizeof *d, cmp_i64);
	st.p50_ns = rank(d, st.count, 50);
	st.p90_ns = rank(d, st.count, 90);
	st.p99_ns = rank(d, st.count, 99);
	st.max_ns = st.count ? d[st.count - 1] : 0;
	free(d);
	return st;
}

static gt_str gname(const gt_model *m, uint32_t gi)
{
	static const gt_str unknown = {"(unknown)", 9};
	gt_str name = gt_model_goroutine(m, gi).name;
	return name.len ? name : unknown;
}

static int cmp_agg(const void *a, const void *b)
{
	const agg *x = a, *y = b;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	/* Then in the order the rows, longest first, name them. */
	if (x->max != y->max)
		return x->max < y->max ? 1 : -1;
	return (x->max_idx > y->max_idx) - (x->max_idx < y->max_idx);
}

static int same_agg_key(const void *ctx, uint32_t i, const char *p, size_t n)
{
	const agg *a = &((const agg *)ctx)[i];
	return a->key.len == n && (n == 0 || memcmp(a->key.ptr, p, n) == 0);
}

static void agg_add(agg_set *s, gt_str key, int64_t len, size_t idx)
{
	if (s->full)
		return;
	uint32_t j = idmap_group(&s->ix, key.ptr, key.len, (uint32_t)s->n, same_agg_key, s->a);
	if (j == s->n) {
		if (!mem_grow(&s->a, &s->cap, s->n + 1, sizeof *s->a, 16))
			j = UINT32_MAX;
		else
			s->a[s->n++] = (agg){.key = key};
	}
	if (j == UINT32_MAX) {
		s->full = true;
		return;
	}
	agg *a = &s->a[j];
	a->count++;
	a->total += len;
	if (len > a->max || a->count == 1) {
		a->max = len;
		a->max_idx = idx;
	}
}

static void agg_finish(agg_set *s)
{
	idmap_free(&s->ix);
	if (s->n)
		qsort(s->a, s->n, sizeof *s->a, cmp_agg);
}

static void select_rows(gap_report *r)
{
	const gt_model *m = r->m;
	const gp_options *o = r->o;
	size_t n = gt_model_ngaps(m);
	r->rows = malloc((n + 1) * sizeof *r->rows);
	if (!r->rows)
		return;
	gt_gap_iter at;
	gt_gap gap;
	gt_gap_seek(m, 0, &at);
	for (size_t i = 0; gt_gap_next(&at, &gap); i++) {
		int64_t len = gt_gap_len(&gap);
		if (len < o->min_ns || !in_window(o, gap.start))
			continue;
		if (o->name_filter && !name_matches(o->name_filter, gt_model_goroutine(m, gap.goroutine).name))
			continue;
		r->rows[r->nrows++] = (struct gap_key){len, i};
		if (r->want_aggs) {
			agg_add(&r->by_name, gname(m, gap.goroutine), len, i);
			agg_add(&r->by_cause, (gt_str){gp_cause_names[gap.cause], strlen(gp_cause_names[gap.cause])}, len, i);
		}
		r->stats.total_ns += len;
		r->hist[gp_hist_bucket(len)]++;
	}
	r->stats.count = r->nrows;
	agg_finish(&r->by_name);
	agg_finish(&r->by_cause);
	qsort(r->rows, r->nrows, sizeof *r->rows, cmp_gap_key);
	size_t k = r->nrows; /* the rows run from the longest */
	if (k) {
		r->stats.p50_ns = r->rows[k - 1 - rank_pos(k, 50)].len;
		r->stats.p90_ns = r->rows[k - 1 - rank_pos(k, 90)].len;
		r->stats.p99_ns = r->rows[k - 1 - rank_pos(k, 99)].len;
		r->stats.max_ns = r->rows[0].len;
	}

	/* The other latency sources over the same threshold and window. */
	const gt_range_span *rs;
	size_t nr = gt_model_ranges(m, GT_RANGE_STW, &rs);
	r->stw = malloc((nr + 1) * sizeof *r->stw);
	for (size_t i = 0; r->stw && i < nr; i++)
		if (rs[i].end - rs[i].start >= o->min_ns && in_window(o, rs[i].start))
			r->stw[r->nstw++] = &rs[i];
	nr = gt_model_ranges(m, GT_RANGE_MARK_ASSIST, &rs);
	r->assists = malloc((nr + 1) * sizeof *r->assists);
	for (size_t i = 0; r->assists && i < nr; i++)
		if (rs[i].end - rs[i].start >= o->min_ns && in_window(o, rs[i].start) && rs[i].goroutine != GT_NONE &&
		    name_matches(o->name_filter, gt_model_goroutine(m, rs[i].goroutine).name))
			r->assists[r->nassists++] = &rs[i];
	size_t cap = 0;
	for (uint32_t gi = 0; gi < gt_model_ngoroutines(m); gi++) {
		const gt_goroutine g_rec = gt_model_goroutine(m, gi), *g = &g_rec;
		if (!name_matches(o->name_filter, g->name))
			continue;
		gt_span_iter it;
		gt_span sp, next;
		bool have_next = false;
		gt_track_seek(m, 0, gi, INT64_MIN, &it);
		while (have_next ? (sp = next, have_next = false, true) : gt_track_next(&it, &sp)) {
			if (sp.state != GT_GS_SYSCALL && sp.state != GT_GS_SYSCALL_BLOCKED)
				continue;
			/* A syscall that lost its P continues in the next span. */
			syscall_row row = {gi, sp.start, sp.end, gt_span_stack(&sp)};
			if (sp.state == GT_GS_SYSCALL && gt_track_next(&it, &next)) {
				if (next.state == GT_GS_SYSCALL_BLOCKED && next.start == sp.end)
					row.end = next.end;
				else
					have_next = true;
			}
			if (row.end - row.start < o->min_ns || !in_window(o, row.start))
				continue;
			if (r->nsyscalls == cap) {
				cap = cap ? cap * 2 : 64;
				syscall_row *nrw = realloc(r->syscalls, cap * sizeof *nrw);
				if (!nrw)
					return;
				r->syscalls = nrw;
			}
			r->syscalls[r->nsyscalls++] = row;
		}
	}
}

/* ---- shared pieces ---- */

static void padded(gf_buf *b, const gf_buf *cell, int width)
{
	gf_put(b, cell->p, cell->len);
	for (int i = (int)cell->len; i < width; i++)
		gf_putc(b, ' ');
}

static void int_col(gf_buf *b, int64_t v, int width)
{
	gf_buf c = {0};
	gf_i64(&c, v);
	padded(b, &c, width);
	gf_free(&c);
}

static int64_t gid(const gt_model *m, uint32_t gi)
{
	return gt_model_goroutine(m, gi).id;
}

static int64_t pid(const gt_model *m, uint32_t p)
{
	const gt_proc *pr = gt_model_proc(m, p);
	return pr ? pr->id : -1;
}

static void frame_text(gf_buf *b, const gt_frame *f)
{
	gf_put(b, f->func.ptr, f->func.len);
	gf_puts(b, " (");
	gf_put(b, f->file.ptr, f->file.len);
	gf_putc(b, ':');
	gf_u64(b, f->line);
	gf_putc(b, ')');
}

/* The first frame outside the runtime: where the user's code was. */
static const gt_frame *user_frame(const gt_model *m, uint32_t stack)
{
	const gt_frame *f;
	size_t n = gt_model_stack(m, stack, &f);
	for (size_t i = 0; i < n; i++)
		if (!(f[i].func.len > 8 && memcmp(f[i].func.ptr, "runtime.", 8) == 0))
			return &f[i];
	return n ? &f[0] : NULL;
}

static void json_stack(gf_buf *b, const gt_model *m, uint32_t stack)
{
	const gt_frame *f;
	size_t n = gt_model_stack(m, stack, &f);
	gf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gf_putc(b, ',');
		gf_puts(b, "{\"func\":");
		rp_json_str(b, f[i].func);
		gf_puts(b, ",\"file\":");
		rp_json_str(b, f[i].file);
		gf_puts(b, ",\"line\":");
		gf_u64(b, f[i].line);
		gf_putc(b, '}');
	}
	gf_putc(b, ']');
}

/* ---- text and markdown ---- */

static void text_report(gf_buf *b, gap_report *r, bool md)
{
	const gt_model *m = r->m;
	const gp_stats *s = &r->stats;
	if (md)
		gf_puts(b, "# Scheduler-latency gaps\n\n");
	if (r->o->file) {
		gf_puts(b, md ? "Trace: `" : "trace: ");
		gf_puts(b, r->o->file);
		gf_puts(b, md ? "`\n\n" : "\n");
	}
	gf_puts(b, md ? "| gaps | total | p50 | p90 | p99 | max | threshold |\n|---|---|---|---|---|---|---|\n| " : "gaps: ");
	gf_u64(b, s->count);
	gf_puts(b, md ? " | " : "  total: ");
	gf_duration(b, s->total_ns);
	gf_puts(b, md ? " | " : "  p50: ");
	gf_duration(b, s->p50_ns);
	gf_puts(b, md ? " | " : "  p90: ");
	gf_duration(b, s->p90_ns);
	gf_puts(b, md ? " | " : "  p99: ");
	gf_duration(b, s->p99_ns);
	gf_puts(b, md ? " | " : "  max: ");
	gf_duration(b, s->max_ns);
	gf_puts(b, md ? " | " : "  (at least ");
	gf_duration(b, r->o->min_ns);
	gf_puts(b, md ? " |\n\n" : ")\n\n");

	for (int pass = 0; pass < 2; pass++) {
		const agg_set *set = pass == 0 ? &r->by_name : &r->by_cause;
		const agg *a = set->a;
		size_t n = set->n;
		gf_puts(b, md ? (pass == 0 ? "## By goroutine\n\n| name | gaps | total | max |\n|---|---|---|---|\n"
		                           : "\n## By cause\n\n| cause | gaps | total | max |\n|---|---|---|---|\n")
		              : (pass == 0 ? "by goroutine:\n" : "\nby cause:\n"));
		for (size_t i = 0; i < n && i < 20; i++) {
			if (md) {
				gf_puts(b, "| `");
				gf_put(b, a[i].key.ptr, a[i].key.len);
				gf_puts(b, "` | ");
				gf_u64(b, a[i].count);
				gf_puts(b, " | ");
				gf_duration(b, a[i].total);
				gf_puts(b, " | ");
				gf_duration(b, a[i].max);
				gf_puts(b, " |\n");
			} else {
				gf_puts(b, "  ");
				int_col(b, (int64_t)a[i].count, 8);
				gf_duration_col(b, a[i].total, 11);
				gf_puts(b, "max ");
				gf_duration_col(b, a[i].max, 11);
				gf_put(b, a[i].key.ptr, a[i].key.len);
				gf_putc(b, '\n');
			}
		}
	}

	gf_puts(b, md ? "\n## Histogram\n\n```\n" : "\nhistogram:\n");
	size_t most = 1;
	for (int i = 0; i < GP_HIST_BUCKETS; i++)
		if (r->hist[i] > most)
			most = r->hist[i];
	for (int i = 0; i < GP_HIST_BUCKETS; i++) {
		if (!r->hist[i])
			continue;
		gf_puts(b, "  >= ");
		gf_duration_col(b, (int64_t)1 << i, 10);
		int_col(b, (int64_t)r->hist[i], 8);
		for (size_t k = 0; k < (r->hist[i] * 50 + most - 1) / most; k++)
			gf_putc(b, '#');
		gf_putc(b, '\n');
	}
	if (md)
		gf_puts(b, "```\n");

	gf_puts(b, md ? "\n## Worst gaps\n\n| start | duration | goroutine | name | cause | unblocked by | P | all Ps busy | "
	                "idle P | STW | GC | runnable |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
	              : "\nworst gaps:\n  START       DURATION   GOROUTINE  CAUSE           UNBLOCKED BY  P     ALL-P-BUSY "
	                "IDLE-P     STW        GC         RUNNABLE NAME\n");
	for (size_t i = 0; i < r->shown; i++) {
		const gt_gap gap = row(r, i), *g = &gap;
		gt_gap_sched sc = gt_gap_sched_of(m, g);
		if (md) {
			gf_puts(b, "| ");
			gf_duration(b, g->start);
			gf_puts(b, " | ");
			gf_duration(b, gt_gap_len(g));
			gf_puts(b, " | ");
			gf_i64(b, gid(m, g->goroutine));
			gf_puts(b, " | `");
			gt_str nm = gname(m, g->goroutine);
			gf_put(b, nm.ptr, nm.len);
			gf_puts(b, "` | ");
			gf_puts(b, gp_cause_names[g->cause]);
			gf_puts(b, " | ");
			if (g->unblocker != GT_NONE)
				gf_i64(b, gid(m, g->unblocker));
			gf_puts(b, " | ");
			if (g->proc != GT_NONE)
				gf_i64(b, pid(m, g->proc));
			gf_puts(b, " | ");
			gf_duration(b, sc.all_ps_busy_ns);
			gf_puts(b, " | ");
			gf_duration(b, sc.idle_p_ns);
			gf_puts(b, " | ");
			gf_duration(b, sc.stw_ns);
			gf_puts(b, " | ");
			gf_duration(b, sc.gc_ns);
			gf_puts(b, " | ");
			gf_u64(b, g->runnable_at_start);
			gf_puts(b, " |\n");
			continue;
		}
		gf_puts(b, "  ");
		gf_duration_col(b, g->start, 12);
		gf_duration_col(b, gt_gap_len(g), 11);
		int_col(b, gid(m, g->goroutine), 11);
		gf_buf c = {0};
		gf_puts(&c, gp_cause_names[g->cause]);
		padded(b, &c, 16);
		c.len = 0;
		if (g->unblocker != GT_NONE)
			gf_i64(&c, gid(m, g->unblocker));
		else
			gf_putc(&c, '-');
		padded(b, &c, 14);
		c.len = 0;
		if (g->proc != GT_NONE)
			gf_i64(&c, pid(m, g->proc));
		else
			gf_putc(&c, '-');
		padded(b, &c, 6);
		gf_free(&c);
		gf_duration_col(b, sc.all_ps_busy_ns, 11);
		gf_duration_col(b, sc.idle_p_ns, 11);
		gf_duration_col(b, sc.stw_ns, 11);
		gf_duration_col(b, sc.gc_ns, 11);
		int_col(b, g->runnable_at_start, 9);
		gt_str nm = gname(m, g->goroutine);
		gf_put(b, nm.ptr, nm.len);
		gf_putc(b, '\n');
		const gt_frame *f = g->unblock_stack ? user_frame(m, g->unblock_stack) : NULL;
		if (f) {
			gf_puts(b, g->cause == GT_CAUSE_CREATED ? "      created at " : "      unblocked at ");
			frame_text(b, f);
			gf_putc(b, '\n');
		}
		if (sc.idle_p_ns > 0 && sc.idle_p_ns * 2 > gt_gap_len(g)) {
			/* The anomaly: it waited although a P was free. */
			gf_puts(b, "      ! runnable while a P was idle for ");
			gf_duration(b, sc.idle_p_ns);
			gf_putc(b, '\n');
		}
	}
	if (r->shown < r->nrows) {
		gf_puts(b, md ? "\n" : "  ... ");
		gf_u64(b, r->nrows - r->shown);
		gf_puts(b, " more (use --top)\n");
	}

	gf_puts(b, md ? "\n## Stop-the-world pauses\n\n| start | duration | kind |\n|---|---|---|\n" : "\nstop-the-world pauses:\n");
	for (size_t i = 0; i < r->nstw; i++) {
		gt_str kind = gt_model_reason(m, r->stw[i]->kind);
		gf_puts(b, md ? "| " : "  ");
		if (md) {
			gf_duration(b, r->stw[i]->start);
			gf_puts(b, " | ");
			gf_duration(b, r->stw[i]->end - r->stw[i]->start);
			gf_puts(b, " | ");
		} else {
			gf_duration_col(b, r->stw[i]->start, 12);
			gf_duration_col(b, r->stw[i]->end - r->stw[i]->start, 11);
		}
		gf_put(b, kind.ptr, kind.len);
		gf_puts(b, md ? " |\n" : "\n");
	}
	gf_puts(b, md ? "\n## Mark assists\n\n| start | duration | goroutine | name |\n|---|---|---|---|\n" : "\nmark assists:\n");
	for (size_t i = 0; i < r->nassists; i++) {
		const gt_range_span *a = r->assists[i];
		gt_str nm = gname(m, a->goroutine);
		if (md) {
			gf_puts(b, "| ");
			gf_duration(b, a->start);
			gf_puts(b, " | ");
			gf_duration(b, a->end - a->start);
			gf_puts(b, " | ");
			gf_i64(b, gid(m, a->goroutine));
			gf_puts(b, " | `");
			gf_put(b, nm.ptr, nm.len);
			gf_puts(b, "` |\n");
		} else {
			gf_puts(b, "  ");
			gf_duration_col(b, a->start, 12);
			gf_duration_col(b, a->end - a->start, 11);
			int_col(b, gid(m, a->goroutine), 11);
			gf_put(b, nm.ptr, nm.len);
			gf_putc(b, '\n');
		}
	}
	gf_puts(b, md ? "\n## Syscalls\n\n| start | duration | goroutine | name | at |\n|---|---|---|---|---|\n" : "\nsyscalls:\n");
	for (size_t i = 0; i < r->nsyscalls; i++) {
		const syscall_row *s2 = &r->syscalls[i];
		gt_str nm = gname(m, s2->goroutine);
		const gt_frame *f = user_frame(m, s2->stack);
		if (md) {
			gf_puts(b, "| ");
			gf_duration(b, s2->start);
			gf_puts(b, " | ");
			gf_duration(b, s2->end - s2->start);
			gf_puts(b, " | ");
			gf_i64(b, gid(m, s2->goroutine));
			gf_puts(b, " | `");
			gf_put(b, nm.ptr, nm.len);
			gf_puts(b, "` | ");
			if (f)
				frame_text(b, f);
			gf_puts(b, " |\n");
		} else {
			gf_puts(b, "  ");
			gf_duration_col(b, s2->start, 12);
			gf_duration_col(b, s2->end - s2->start, 11);
			int_col(b, gid(m, s2->goroutine), 11);
			gf_put(b, nm.ptr, nm.len);
			if (f) {
				gf_puts(b, "  at ");
				frame_text(b, f);
			}
			gf_putc(b, '\n');
		}
	}
}

/* ---- csv ---- */

static void csv_report(gf_buf *b, gap_report *r)
{
	const gt_model *m = r->m;
	gf_puts(b, "goroutine,name,start_ns,duration_ns,reason,unblocked_by,unblocked_at,proc,all_ps_busy_ns,stw_ns,gc_ns,"
	           "idle_p_ns,runnable_at_start\n");
	for (size_t i = 0; i < r->shown; i++) {
		const gt_gap gap = row(r, i), *g = &gap;
		gf_i64(b, gid(m, g->goroutine));
		gf_putc(b, ',');
		rp_csv_str(b, gname(m, g->goroutine));
		gf_putc(b, ',');
		gf_i64(b, g->start);
		gf_putc(b, ',');
		gf_i64(b, gt_gap_len(g));
		gf_putc(b, ',');
		gf_puts(b, gp_cause_names[g->cause]);
		gf_putc(b, ',');
		if (g->unblocker != GT_NONE)
			gf_i64(b, gid(m, g->unblocker));
		gf_putc(b, ',');
		const gt_frame *f = g->unblock_stack ? user_frame(m, g->unblock_stack) : NULL;
		if (f) {
			gf_buf c = {0};
			frame_text(&c, f);
			rp_csv_str(b, (gt_str){c.p, c.len});
			gf_free(&c);
		}
		gf_putc(b, ',');
		if (g->proc != GT_NONE)
			gf_i64(b, pid(m, g->proc));
		gt_gap_sched sc = gt_gap_sched_of(m, g);
		int64_t v[] = {sc.all_ps_busy_ns, sc.stw_ns, sc.gc_ns, sc.idle_p_ns, g->runnable_at_start};
		for (size_t k = 0; k < 5; k++) {
			gf_putc(b, ',');
			gf_i64(b, v[k]);
		}
		gf_putc(b, '\n');
	}
}

/* ---- json ---- */

static void json_gap(gf_buf *b, const gt_model *m, const gt_gap *g, const char *file)
{
	gf_putc(b, '{');
	if (file) {
		gf_puts(b, "\"file\":");
		rp_json_str(b, (gt_str){file, strlen(file)});
		gf_putc(b, ',');
	}
	gf_puts(b, "\"goroutine\":");
	gf_i64(b, gid(m, g->goroutine));
	gf_puts(b, ",\"name\":");
	rp_json_str(b, gt_model_goroutine(m, g->goroutine).name);
	gf_puts(b, ",\"start_ns\":");
	gf_i64(b, g->start);
	gf_puts(b, ",\"duration_ns\":");
	gf_i64(b, gt_gap_len(g));
	gf_puts(b, ",\"reason\":\"");
	gf_puts(b, gp_cause_names[g->cause]);
	gf_puts(b, "\",\"unblocked_by\":");
	if (g->unblocker != GT_NONE || g->unblock_stack) {
		gf_puts(b, "{\"goroutine\":");
		if (g->unblocker != GT_NONE)
			gf_i64(b, gid(m, g->unblocker));
		else
			gf_puts(b, "null");
		gf_puts(b, ",\"stack\":");
		json_stack(b, m, g->unblock_stack);
		gf_putc(b, '}');
	} else {
		gf_puts(b, "null");
	}
	gf_puts(b, ",\"proc\":");
	if (g->proc != GT_NONE)
		gf_i64(b, pid(m, g->proc));
	else
		gf_puts(b, "null");
	gt_gap_sched sc = gt_gap_sched_of(m, g);
	gf_puts(b, ",\"all_ps_busy_ns\":");
	gf_i64(b, sc.all_ps_busy_ns);
	gf_puts(b, ",\"stw_ns\":");
	gf_i64(b, sc.stw_ns);
	gf_puts(b, ",\"gc_ns\":");
	gf_i64(b, sc.gc_ns);
	gf_puts(b, ",\"idle_p_ns\":");
	gf_i64(b, sc.idle_p_ns);
	gf_puts(b, ",\"runnable_at_start\":");
	gf_u64(b, g->runnable_at_start);
	gf_putc(b, '}');
}

static void json_aggs(gf_buf *b, gap_report *r, bool by_name)
{
	const agg_set *set = by_name ? &r->by_name : &r->by_cause;
	const agg *a = set->a;
	size_t n = set->n;
	gf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gf_putc(b, ',');
		gf_puts(b, by_name ? "{\"name\":" : "{\"cause\":");
		rp_json_str(b, a[i].key);
		gf_puts(b, ",\"count\":");
		gf_u64(b, a[i].count);
		gf_puts(b, ",\"total_ns\":");
		gf_i64(b, a[i].total);
		gf_puts(b, ",\"max_ns\":");
		gf_i64(b, a[i].max);
		gf_putc(b, '}');
	}
	gf_putc(b, ']');
}

static void json_report(gf_buf *b, gap_report *r)
{
	const gt_model *m = r->m;
	const gp_stats *s = &r->stats;
	gf_puts(b, "{\"file\":");
	if (r->o->file)
		rp_json_str(b, (gt_str){r->o->file, strlen(r->o->file)});
	else
		gf_puts(b, "null");
	gf_puts(b, ",\"min_ns\":");
	gf_i64(b, r->o->min_ns);
	gf_puts(b, ",\"summary\":{\"count\":");
	gf_u64(b, s->count);
	gf_puts(b, ",\"total_ns\":");
	gf_i64(b, s->total_ns);
	gf_puts(b, ",\"p50_ns\":");
	gf_i64(b, s->p50_ns);
	gf_puts(b, ",\"p90_ns\":");
	gf_i64(b, s->p90_ns);
	gf_puts(b, ",\"p99_ns\":");
	gf_i64(b, s->p99_ns);
	gf_puts(b, ",\"max_ns\":");
	gf_i64(b, s->max_ns);
	gf_puts(b, ",\"by_name\":");
	json_aggs(b, r, true);
	gf_puts(b, ",\"by_cause\":");
	json_aggs(b, r, false);
	gf_puts(b, "},\n\"histogram\":[");
	bool first = true;
	for (int i = 0; i < GP_HIST_BUCKETS; i++) {
		if (!r->hist[i])
			continue;
		gf_puts(b, first ? "{\"min_ns\":" : ",{\"min_ns\":");
		first = false;
		gf_i64(b, (int64_t)1 << i);
		gf_puts(b, ",\"count\":");
		gf_u64(b, r->hist[i]);
		gf_putc(b, '}');
	}
	gf_puts(b, "],\n\"gaps\":[\n");
	for (size_t i = 0; i < r->shown; i++) {
		gt_gap g = row(r, i);
		json_gap(b, m, &g, NULL);
		gf_puts(b, i + 1 < r->shown ? ",\n" : "\n");
	}
	gf_puts(b, "],\n\"stw\":[");
	for (size_t i = 0; i < r->nstw; i++) {
		gf_puts(b, i ? ",{\"start_ns\":" : "{\"start_ns\":");
		gf_i64(b, r->stw[i]->start);
		gf_puts(b, ",\"duration_ns\":");
		gf_i64(b, r->stw[i]->end - r->stw[i]->start);
		gf_puts(b, ",\"kind\":");
		rp_json_str(b, gt_model_reason(m, r->stw[i]->kind));
		gf_putc(b, '}');
	}
	gf_puts(b, "],\n\"assists\":[");
	for (size_t i = 0; i < r->nassists; i++) {
		gf_puts(b, i ? ",{\"goroutine\":" : "{\"goroutine\":");
		gf_i64(b, gid(m, r->assists[i]->goroutine));
		gf_puts(b, ",\"start_ns\":");
		gf_i64(b, r->assists[i]->start);
		gf_puts(b, ",\"duration_ns\":");
		gf_i64(b, r->assists[i]->end - r->assists[i]->start);
		gf_putc(b, '}');
	}
	gf_puts(b, "],\n\"syscalls\":[");
	for (size_t i = 0; i < r->nsyscalls; i++) {
		gf_puts(b, i ? ",\n{\"goroutine\":" : "\n{\"goroutine\":");
		gf_i64(b, gid(m, r->syscalls[i].goroutine));
		gf_puts(b, ",\"name\":");
		rp_json_str(b, gt_model_goroutine(m, r->syscalls[i].goroutine).name);
		gf_puts(b, ",\"start_ns\":");
		gf_i64(b, r->syscalls[i].start);
		gf_puts(b, ",\"duration_ns\":");
		gf_i64(b, r->syscalls[i].end - r->syscalls[i].start);
		gf_puts(b, ",\"stack\":");
		json_stack(b, m, r->syscalls[i].stack);
		gf_putc(b, '}');
	}
	gf_puts(b, "]}\n");
}

/* ---- html: one file, no network ---- */

static void html_text(gf_buf *b, gt_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		switch (s.ptr[i]) {
		case '<':
			gf_puts(b, "&lt;");
			break;
		case '>':
			gf_puts(b, "&gt;");
			break;
		case '&':
			gf_puts(b, "&amp;");
			break;
		case '"':
			gf_puts(b, "&quot;");
			break;
		default:
			gf_putc(b, s.ptr[i]);
		}
	}
}

static void html_report(gf_buf *b, gap_report *r)
{
	const gt_model *m = r->m;
	const gp_stats *s = &r->stats;
	gf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>gotrace gaps</title><style>\n"
	           "body{font:14px system-ui,sans-serif;margin:24px 32px;color:#1d2330;background:#fbfbfd;max-width:1240px}"
	           "h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin:28px 0 8px}p.sub{color:#5b6272;margin-top:0}"
	           "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #e3e5ea;text-align:left}"
	           "th{background:#eef0f4;position:sticky;top:0;white-space:nowrap}"
	           "#gaps th{cursor:pointer}#gaps th:hover{background:#dfe3ea}#gaps th[data-d=a]::after{content:' \\25b2'}"
	           "#gaps th[data-d=d]::after{content:' \\25bc'}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	           ".cards{display:flex;gap:12px;flex-wrap:wrap}.k{background:#fff;border:1px solid #e3e5ea;border-radius:6px;"
	           "padding:8px 14px;min-width:90px;color:#5b6272}.k b{display:block;font-size:20px;color:#1d2330}"
	           ".grid{display:flex;gap:40px;flex-wrap:wrap;align-items:flex-start}"
	           "svg text{font:11px system-ui,sans-serif;fill:#5b6272}code{font-size:12px}small{color:#5b6272}"
	           "</style></head><body>\n<h1>Scheduler-latency gaps</h1>\n<p class=\"sub\">");
	if (r->o->file) {
		gf_puts(b, "Trace <code>");
		html_text(b, (gt_str){r->o->file, strlen(r->o->file)});
		gf_puts(b, "</code>, ");
	}
	gf_duration(b, gt_model_duration(m));
	gf_puts(b, " long, ");
	gf_u64(b, gt_model_ngoroutines(m));
	gf_puts(b, " goroutines. A gap is a time a goroutine was runnable but not running; shown: gaps of at least ");
	gf_duration(b, r->o->min_ns);
	gf_puts(b, ".</p>\n<div class=\"cards\">");
	const char *labels[] = {"gaps", "total", "p50", "p90", "p99", "max"};
	int64_t vals[] = {(int64_t)s->count, s->total_ns, s->p50_ns, s->p90_ns, s->p99_ns, s->max_ns};
	for (int i = 0; i < 6; i++) {
		gf_puts(b, "<span class=\"k\">");
		gf_puts(b, labels[i]);
		gf_puts(b, "<b>");
		if (i == 0)
			gf_i64(b, vals[i]);
		else
			gf_duration(b, vals[i]);
		gf_puts(b, "</b></span>");
	}
	gf_puts(b, "</div>\n");

	/* Where the time went: by cause and by goroutine, as the text report. */
	gf_puts(b, "<div class=\"grid\">");
	for (int by_name = 0; by_name < 2; by_name++) {
		const agg_set *set = by_name ? &r->by_name : &r->by_cause;
		const agg *a = set->a;
		size_t na = set->n;
		gf_puts(b, by_name ? "<div><h2>By goroutine</h2>" : "<div><h2>By cause</h2>");
		gf_puts(b, by_name ? "<table><tr><th>name</th>" : "<table><tr><th>cause</th>");
		gf_puts(b, "<th>gaps</th><th>total</th><th>max</th></tr>\n");
		for (size_t i = 0; i < na && i < 10; i++) {
			gf_puts(b, "<tr><td><code>");
			html_text(b, a[i].key);
			gf_puts(b, "</code></td><td class=\"n\">");
			gf_u64(b, a[i].count);
			gf_puts(b, "</td><td class=\"n\">");
			gf_duration(b, a[i].total);
			gf_puts(b, "</td><td class=\"n\">");
			gf_duration(b, a[i].max);
			gf_puts(b, "</td></tr>\n");
		}
		gf_puts(b, "</table></div>");
	}

	/* Histogram over power-of-two buckets. */
	gf_puts(b, "<div><h2>How long</h2>\n");
	int lo = GP_HIST_BUCKETS, hi = -1;
	size_t most = 1;
	for (int i = 0; i < GP_HIST_BUCKETS; i++)
		if (r->hist[i]) {
			lo = i < lo ? i : lo;
			hi = i;
			most = r->hist[i] > most ? r->hist[i] : most;
		}
	char tmp[512];
	if (hi >= lo) {
		int nb = hi - lo + 1, w = 66, top = 18, hmax = 130;
		snprintf(tmp, sizeof tmp, "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"histogram of gap durations\">",
		         nb * w + 20, top + hmax + 36);
		gf_puts(b, tmp);
		for (int i = lo; i <= hi; i++) {
			int h = (int)((double)r->hist[i] / (double)most * hmax + (r->hist[i] ? 1 : 0));
			int x = 10 + (i - lo) * w, cx = x + (w - 8) / 2;
			gf_buf d = {0};
			gf_duration(&d, (int64_t)1 << i);
			snprintf(tmp, sizeof tmp,
			         "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#e8590c\" rx=\"2\"><title>%zu gaps of "
			         "%.*s or more</title></rect><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%zu</text>"
			         "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">&#8805;%.*s</text>",
			         x, top + hmax - h, w - 8, h, r->hist[i], (int)d.len, d.p, cx, top + hmax - h - 4, r->hist[i], cx,
			         top + hmax + 14, (int)d.len, d.p);
			gf_puts(b, tmp);
			gf_free(&d);
		}
		snprintf(tmp, sizeof tmp, "<text x=\"10\" y=\"%d\">gap duration (each bar: up to twice its label)</text>",
		         top + hmax + 32);
		gf_puts(b, tmp);
		gf_puts(b, "</svg>");
	} else {
		gf_puts(b, "<p>No gaps over the threshold.</p>");
	}
	gf_puts(b, "</div></div>\n");

	/* Timeline: each gap a segment from its start to its end, higher the
	 * longer (log scale), under a strip of GC marking and stop-the-world. */
	int64_t dur = gt_model_duration(m) > 0 ? gt_model_duration(m) : 1;
	const int W = 1160, X0 = 60, PW = W - X0 - 10, BAND = 16, PT = 30, PH = 130;
	double lmin = log((double)(r->o->min_ns > 1000 ? r->o->min_ns : 1000)), lmax = log((double)(s->max_ns > 1 ? s->max_ns : 1));
	if (lmax <= lmin)
		lmax = lmin + 1;
	snprintf(tmp, sizeof tmp,
	         "<h2>When</h2>\n<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"timeline of gaps\">"
	         "<rect x=\"%d\" y=\"4\" width=\"%d\" height=\"%d\" fill=\"#eef0f4\"/>"
	         "<text x=\"0\" y=\"16\">GC / STW</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" "
	         "stroke=\"#e3e5ea\"/>",
	         W, PT + PH + 40, X0, PW, BAND - 4, X0, PT, PW, PH);
	gf_puts(b, tmp);
	static const struct {
		gt_range_id id;
		const char *color, *what;
	} bands[] = {{GT_RANGE_GC_MARK, "#74c0fc", "GC marking"}, {GT_RANGE_STW, "#c92a2a", "stop-the-world"}};
	for (size_t k = 0; k < 2; k++) {
		const gt_range_span *rs;
		size_t n = gt_model_ranges(m, bands[k].id, &rs);
		for (size_t i = 0; i < n; i++) {
			double x = X0 + (double)rs[i].start / (double)dur * PW, w = (double)(rs[i].end - rs[i].start) / (double)dur * PW;
			snprintf(tmp, sizeof tmp, "<rect x=\"%.1f\" y=\"4\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>",
			         x, w < 1 ? 1 : w, BAND - 4, bands[k].color, bands[k].what);
			gf_puts(b, tmp);
		}
	}
	for (size_t i = 0; i < r->nrows; i++) {
		const gt_gap gap = row(r, i), *g = &gap;
		int64_t len = gt_gap_len(g);
		double f = (log((double)(len > 1 ? len : 1)) - lmin) / (lmax - lmin);
		f = f < 0 ? 0 : f > 1 ? 1 : f;
		double x = X0 + (double)g->start / (double)dur * PW, w = (double)len / (double)dur * PW, y = PT + PH - 4 - f * (PH - 8);
		gf_buf d = {0};
		gf_duration(&d, len);
		snprintf(tmp, sizeof tmp,
		         "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"4\" fill=\"#e8590c\" opacity=\"0.75\"><title>G%lld %s "
		         "%.*s</title></rect>",
		         x, y - 2, w < 2 ? 2 : w, (long long)gid(m, g->goroutine), gp_cause_names[g->cause], (int)d.len, d.p);
		gf_puts(b, tmp);
		gf_free(&d);
	}
	for (int t = 0; t <= 4; t++) {
		gf_buf d = {0};
		gf_duration(&d, dur * t / 4);
		int x = X0 + PW * t / 4;
		snprintf(tmp, sizeof tmp,
		         "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#c5cad3\"/><text x=\"%d\" y=\"%d\" "
		         "text-anchor=\"%s\">%.*s</text>",
		         x, x, PT + PH, PT + PH + 5, x, PT + PH + 18, t == 0 ? "start" : t == 4 ? "end" : "middle", (int)d.len, d.p);
		gf_puts(b, tmp);
		gf_free(&d);
	}
	gf_buf dmin = {0}, dmax = {0};
	gf_duration(&dmin, (int64_t)llround(exp(lmin)));
	gf_duration(&dmax, s->max_ns);
	snprintf(tmp, sizeof tmp,
	         "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.*s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.*s</text>"
	         "<text x=\"%d\" y=\"%d\">time since the trace started; height: gap length (log scale)</text>",
	         X0 - 6, PT + 10, (int)dmax.len, dmax.p, X0 - 6, PT + PH - 2, (int)dmin.len, dmin.p, X0, PT + PH + 34);
	gf_puts(b, tmp);
	gf_free(&dmin);
	gf_free(&dmax);
	gf_puts(b, "</svg>\n<h2>Worst gaps</h2>\n<p><small>Click a column to sort.</small></p>\n");
	gf_puts(b, "<table id=\"gaps\"><thead><tr><th>start</th><th>duration</th><th>"
	           "goroutine</th><th>name</th><th>cause</th><th>unblocked by</th><th>at</th><th>P</th><th>all Ps busy</th>"
	           "<th>idle P</th><th>STW</th><th>GC</th><th>runnable</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->shown; i++) {
		const gt_gap gap = row(r, i), *g = &gap;
		int64_t nums[] = {g->start, gt_gap_len(g)};
		gf_puts(b, "<tr>");
		for (int k = 0; k < 2; k++) {
			gf_puts(b, "<td class=\"n\" data-v=\"");
			gf_i64(b, nums[k]);
			gf_puts(b, "\">");
			gf_duration(b, nums[k]);
			gf_puts(b, "</td>");
		}
		gf_puts(b, "<td class=\"n\">");
		gf_i64(b, gid(m, g->goroutine));
		gf_puts(b, "</td><td><code>");
		html_text(b, gname(m, g->goroutine));
		gf_puts(b, "</code></td><td>");
		gf_puts(b, gp_cause_names[g->cause]);
		gf_puts(b, "</td><td class=\"n\">");
		if (g->unblocker != GT_NONE)
			gf_i64(b, gid(m, g->unblocker));
		gf_puts(b, "</td><td><code>");
		const gt_frame *f = g->unblock_stack ? user_frame(m, g->unblock_stack) : NULL;
		if (f) {
			gf_buf c = {0};
			frame_text(&c, f);
			html_text(b, (gt_str){c.p, c.len});
			gf_free(&c);
		}
		gf_puts(b, "</code></td><td class=\"n\">");
		if (g->proc != GT_NONE)
			gf_i64(b, pid(m, g->proc));
		gf_puts(b, "</td>");
		gt_gap_sched sc = gt_gap_sched_of(m, g);
		int64_t ctx[] = {sc.all_ps_busy_ns, sc.idle_p_ns, sc.stw_ns, sc.gc_ns};
		for (int k = 0; k < 4; k++) {
			gf_puts(b, "<td class=\"n\" data-v=\"");
			gf_i64(b, ctx[k]);
			gf_puts(b, "\">");
			gf_duration(b, ctx[k]);
			gf_puts(b, "</td>");
		}
		gf_puts(b, "<td class=\"n\">");
		gf_u64(b, g->runnable_at_start);
		gf_puts(b, "</td></tr>\n");
	}
	gf_puts(b, "</tbody></table>\n<script>\n"
	           "document.querySelectorAll('#gaps th').forEach(function(th,i){th.onclick=function(){"
	           "var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows),d=th.dataset.d==='a'?'d':'a';"
	           "th.dataset.d=d;rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];"
	           "var u=x.dataset.v!==undefined?+x.dataset.v:(isNaN(+x.textContent)?x.textContent:+x.textContent);"
	           "var v=y.dataset.v!==undefined?+y.dataset.v:(isNaN(+y.textContent)?y.textContent:+y.textContent);"
	           "return (u<v?-1:u>v?1:0)*(d==='a'?1:-1);});rows.forEach(function(r){tb.appendChild(r);});};});\n"
	           "</script>\n");
	gf_puts(b, "<h2>Stop-the-world pauses</h2><table><tr><th>start</th><th>duration</th><th>kind</th></tr>\n");
	for (size_t i = 0; i < r->nstw; i++) {
		gf_puts(b, "<tr><td class=\"n\">");
		gf_duration(b, r->stw[i]->start);
		gf_puts(b, "</td><td class=\"n\">");
		gf_duration(b, r->stw[i]->end - r->stw[i]->start);
		gf_puts(b, "</td><td>");
		html_text(b, gt_model_reason(m, r->stw[i]->kind));
		gf_puts(b, "</td></tr>\n");
	}
	gf_puts(b, "</table>\n<h2>Mark assists</h2><p>");
	gf_u64(b, r->nassists);
	gf_puts(b, " over the threshold.</p>\n<h2>Syscalls</h2><table><tr><th>start</th><th>duration</th><th>goroutine</th>"
	           "<th>at</th></tr>\n");
	for (size_t i = 0; i < r->nsyscalls; i++) {
		gf_puts(b, "<tr><td class=\"n\">");
		gf_duration(b, r->syscalls[i].start);
		gf_puts(b, "</td><td class=\"n\">");
		gf_duration(b, r->syscalls[i].end - r->syscalls[i].start);
		gf_puts(b, "</td><td class=\"n\">");
		gf_i64(b, gid(m, r->syscalls[i].goroutine));
		gf_puts(b, "</td><td><code>");
		const gt_frame *f = user_frame(m, r->syscalls[i].stack);
		if (f) {
			gf_buf c = {0};
			frame_text(&c, f);
			html_text(b, (gt_str){c.p, c.len});
			gf_free(&c);
		}
		gf_puts(b, "</code></td></tr>\n");
	}
	gf_puts(b, "</table>\n<p><small>Generated by gotrace.</small></p></body></html>\n");
}

void gp_gaps(gf_buf *b, const gt_model *m, rp_format f, const gp_options *o)
{
	gap_report r = {.m = m, .o = o, .want_aggs = f == RP_TEXT || f == RP_MD || f == RP_JSON || f == RP_HTML};
	select_rows(&r);
	/* Humans read the worst rows; machines get them all. */
	long def = (f == RP_TEXT || f == RP_MD || f == RP_HTML) ? 50 : -1;
	long top = o->top >= 0 ? o->top : def;
	r.shown = top >= 0 && (size_t)top < r.nrows ? (size_t)top : r.nrows;
	switch (f) {
	case RP_CSV:
		csv_report(b, &r);
		break;
	case RP_JSON:
		json_report(b, &r);
		break;
	case RP_JSONL:
		for (size_t i = 0; i < r.shown; i++) {
			gt_gap g = row(&r, i);
			json_gap(b, m, &g, o->file ? o->file : "-");
			gf_putc(b, '\n');
		}
		break;
	case RP_HTML:
		html_report(b, &r);
		break;
	default:
		text_report(b, &r, f == RP_MD);
		break;
	}
	free(r.rows);
	free(r.by_name.a);
	free(r.by_cause.a);
	free(r.stw);
	free(r.assists);
	free(r.syscalls);
}

/* ---- leaks ---- */

typedef struct leak_group {
	uint16_t reason;
	uint32_t stack;
	size_t count;
	int64_t oldest, newest; /* block start times */
	size_t at[4];           /* blocked members at 25, 50, 75, 100% of the trace */
	uint32_t example;
} leak_group;

static int cmp_leak(const void *a, const void *b)
{
	const leak_group *x = a, *y = b;
	return (x->count < y->count) - (x->count > y->count);
}

static bool system_goroutine(gt_str name)
{
	/* internal/trace.IsSystemGoroutine */
	if (name.len == 0)
		return true;
	if (name.len == 12 && memcmp(name.ptr, "runtime.main", 12) == 0)
		return false;
	return name.len >= 8 && memcmp(name.ptr, "runtime.", 8) == 0;
}

void gp_leaks(gf_buf *b, const gt_model *m, rp_format f, const char *file)
{
	int64_t dur = gt_model_duration(m);
	size_t cap = 16, n = 0;
	leak_group *gr = calloc(cap, sizeof *gr);
	idmap ix = {0};
	for (uint32_t gi = 0; gr && gi < gt_model_ngoroutines(m); gi++) {
		const gt_goroutine g_rec = gt_model_goroutine(m, gi), *g = &g_rec;
		if (g->end >= 0 && !g->blocked_forever)
			continue;
		gt_span last_span;
		if (system_goroutine(g->name) || !gt_track_last(m, 0, gi, &last_span))
			continue;
		const gt_span *last = &last_span;
		if (last->state != GT_GS_WAITING || (last->end != dur && !g->blocked_forever))
			continue;
		/* Reason and stack make the group's key: linear, not one comparison
		 * per group and goroutine. */
		uint64_t key = (uint64_t)last->reason << 32 | gt_span_stack(last);
		size_t j = idmap_get(&ix, key);
		if (j == UINT32_MAX) {
			j = n;
			if (idmap_put(&ix, key, (uint32_t)j))
				break;
			if (n == cap) {
				cap *= 2;
				leak_group *ng = realloc(gr, cap * sizeof *ng);
				if (!ng)
					break;
				gr = ng;
			}
			gr[n++] = (leak_group){last->reason, gt_span_stack(last), 0, last->start, last->start, {0}, gi};
		}
		leak_group *l = &gr[j];
		l->count++;
		if (last->start < l->oldest)
			l->oldest = last->start;
		if (last->start > l->newest)
			l->newest = last->start;
		for (int k = 0; k < 4; k++)
			if (last->start <= dur / 4 * (k + 1) + (k == 3 ? dur % 4 : 0))
				l->at[k]++;
	}
	idmap_free(&ix);
	if (!gr) {
		b->error = 1;
		return;
	}
	qsort(gr, n, sizeof *gr, cmp_leak);
	if (f == RP_JSON)
		gf_puts(b, "[\n");
	else if (f == RP_TEXT && file) {
		gf_puts(b, "trace: ");
		gf_puts(b, file);
		gf_putc(b, '\n');
	}
	if (f == RP_TEXT && !n)
		gf_puts(b, "no goroutine outside the runtime is blocked at the end of the trace\n");
	for (size_t i = 0; i < n; i++) {
		leak_group *l = &gr[i];
		gt_str reason = gt_model_reason(m, l->reason);
		bool grew = l->at[1] < l->at[3];
		if (f == RP_JSON || f == RP_JSONL) {
			gf_puts(b, "{\"count\":");
			gf_u64(b, l->count);
			gf_puts(b, ",\"reason\":");
			rp_json_str(b, reason);
			gf_puts(b, ",\"name\":");
			rp_json_str(b, gt_model_goroutine(m, l->example).name);
			gf_puts(b, ",\"oldest_age_ns\":");
			gf_i64(b, dur - l->oldest);
			gf_puts(b, ",\"newest_age_ns\":");
			gf_i64(b, dur - l->newest);
			gf_puts(b, ",\"blocked_at_quarters\":[");
			for (int k = 0; k < 4; k++) {
				if (k)
					gf_putc(b, ',');
				gf_u64(b, l->at[k]);
			}
			gf_puts(b, "],\"grew\":");
			gf_puts(b, grew ? "true" : "false");
			gf_puts(b, ",\"stack\":");
			json_stack(b, m, l->stack);
			gf_putc(b, '}');
			if (f == RP_JSON && i + 1 < n)
				gf_putc(b, ',');
			gf_putc(b, '\n');
			continue;
		}
		gf_putc(b, '\n');
		gf_u64(b, l->count);
		gf_puts(b, l->count == 1 ? " goroutine blocked on " : " goroutines blocked on ");
		gf_put(b, reason.len ? reason.ptr : "?", reason.len ? reason.len : 1);
		gf_puts(b, " (");
		gt_str nm = gname(m, l->example);
		gf_put(b, nm.ptr, nm.len);
		gf_puts(b, ")\n  blocked for ");
		gf_duration(b, dur - l->newest);
		if (l->count > 1) {
			gf_puts(b, " to ");
			gf_duration(b, dur - l->oldest);
		}
		gf_puts(b, " at the end of the trace\n  blocked at 25/50/75/100% of the trace: ");
		for (int k = 0; k < 4; k++) {
			if (k)
				gf_puts(b, " / ");
			gf_u64(b, l->at[k]);
		}
		gf_puts(b, grew ? "  (growing)\n" : "\n");
		const gt_frame *fr;
		size_t nf = gt_model_stack(m, l->stack, &fr);
		for (size_t k = 0; k < nf; k++) {
			gf_puts(b, "    ");
			frame_text(b, &fr[k]);
			gf_putc(b, '\n');
		}
	}
	if (f == RP_JSON)
		gf_puts(b, "]\n");
	free(gr);
}
