/* The rows of the track area: runtime tracks, Ps, threads, and goroutines
 * grouped by start function, collapsible and sortable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vw.h"

/* Collapse big groups by default when there are more goroutines than a
 * screen shows: the headers still show each group's worst gap. */
#define VW_EXPAND_ALL_BELOW 150
#define VW_EXPAND_GROUP_UP_TO 8

/* qsort has no context argument in C11. */
static const gt_model *sort_model;
static const vw_layout *sort_layout;

static int cmp_name(const void *a, const void *b)
{
	const gt_goroutine *x = gt_model_goroutine(sort_model, *(const uint32_t *)a);
	const gt_goroutine *y = gt_model_goroutine(sort_model, *(const uint32_t *)b);
	size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int c = n ? memcmp(x->name.ptr, y->name.ptr, n) : 0;
	if (c)
		return c;
	if (x->name.len != y->name.len)
		return x->name.len < y->name.len ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static bool same_name(gt_str a, gt_str b) { return a.len == b.len && (!a.len || memcmp(a.ptr, b.ptr, a.len) == 0); }

int vw_layout_init(vw_layout *l, const gt_model *m)
{
	memset(l, 0, sizeof *l);
	l->m = m;
	size_t ng = gt_model_ngoroutines(m);
	l->members = malloc((ng + 1) * sizeof *l->members);
	l->gwait = malloc((ng + 1) * sizeof *l->gwait);
	l->gexec = malloc((ng + 1) * sizeof *l->gexec);
	l->group_of = malloc((ng + 1) * sizeof *l->group_of);
	l->pos_of = malloc((ng + 1) * sizeof *l->pos_of);
	l->groups = calloc(ng + 1, sizeof *l->groups);
	if (!l->members || !l->gwait || !l->gexec || !l->group_of || !l->pos_of || !l->groups) {
		vw_layout_free(l);
		return -1;
	}
	for (uint32_t i = 0; i < ng; i++) {
		const gt_goroutine *g = gt_model_goroutine(m, i);
		l->members[i] = i;
		l->gwait[i] = g->stats.sched_wait_ns;
		l->gexec[i] = g->stats.exec_ns;
	}
	sort_model = m;
	qsort(l->members, ng, sizeof *l->members, cmp_name);
	for (size_t i = 0; i < ng; i++) {
		const gt_goroutine *g = gt_model_goroutine(m, l->members[i]);
		if (!l->ngroups || !same_name(l->groups[l->ngroups - 1].name, g->name)) {
			vw_group *ng_ = &l->groups[l->ngroups++];
			ng_->name = g->name;
			ng_->members = &l->members[i];
			ng_->min_id = g->id;
			ng_->id = (uint32_t)(l->ngroups - 1);
		}
		vw_group *gr = &l->groups[l->ngroups - 1];
		gr->n++;
		gr->sched_wait_ns += g->stats.sched_wait_ns;
		gr->exec_ns += g->stats.exec_ns;
		l->group_of[l->members[i]] = (uint32_t)(l->ngroups - 1);
	}
	const gt_gap *gaps = gt_model_gaps(m);
	for (size_t i = 0; i < gt_model_ngaps(m); i++) {
		vw_group *gr = &l->groups[l->group_of[gaps[i].goroutine]];
		if (gaps[i].end - gaps[i].start > gr->worst_gap_ns)
			gr->worst_gap_ns = gaps[i].end - gaps[i].start;
	}
	l->group_row = malloc((l->ngroups + 1) * sizeof *l->group_row);
	if (!l->group_row) {
		vw_layout_free(l);
		return -1;
	}
	for (size_t i = 0; i < l->ngroups; i++)
		l->group_row[i] = SIZE_MAX;
	for (size_t i = 0; i < l->ngroups; i++)
		l->groups[i].collapsed = ng > VW_EXPAND_ALL_BELOW && l->groups[i].n > VW_EXPAND_GROUP_UP_TO;
	l->threads_collapsed = gt_model_nthreads(m) > 12;
	const gt_region *r;
	const gt_cpu_sample *c;
	l->has_regions = gt_model_regions(m, &r) > 0;
	l->has_cpu = gt_model_cpu_samples(m, &c) > 0;
	vw_layout_sort(l, VW_SORT_WAIT);
	return 0;
}

void vw_layout_free(vw_layout *l)
{
	free(l->members);
	free(l->gwait);
	free(l->gexec);
	free(l->group_of);
	free(l->pos_of);
	free(l->group_row);
	free(l->groups);
	free(l->rows);
	memset(l, 0, sizeof *l);
}

static int64_t key_of(const vw_layout *l, uint32_t gi)
{
	switch (l->sort) {
	case VW_SORT_WAIT:
		return l->gwait[gi];
	case VW_SORT_EXEC:
		return l->gexec[gi];
	default:
		return 0;
	}
}

/* A member with its sort key and id at hand: sorting millions through
 * the model's records costs a cache miss per comparison. */
typedef struct member_key {
	int64_t key, id;
	uint32_t gi;
} member_key;

/* Largest key first, then lowest id. */
static int cmp_member(const void *a, const void *b)
{
	const member_key *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int64_t group_key(const vw_layout *l, const vw_group *g)
{
	switch (l->sort) {
	case VW_SORT_WAIT:
		return g->sched_wait_ns;
	case VW_SORT_EXEC:
		return g->exec_ns;
	default:
		return -g->min_id;
	}
}

static int cmp_group(const void *a, const void *b)
{
	const vw_group *x = a, *y = b;
	int64_t kx = group_key(sort_layout, x), ky = group_key(sort_layout, y);
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->min_id < y->min_id ? -1 : x->min_id > y->min_id;
}

void vw_layout_sort(vw_layout *l, vw_sort s)
{
	l->sort = s;
	sort_layout = l;
	sort_model = l->m;
	size_t most = 0;
	for (size_t i = 0; i < l->ngroups; i++)
		most = l->groups[i].n > most ? l->groups[i].n : most;
	member_key *mk = malloc((most + 1) * sizeof *mk);
	for (size_t i = 0; i < l->ngroups && mk; i++) {
		vw_group *g = &l->groups[i];
		for (size_t j = 0; j < g->n; j++)
			mk[j] = (member_key){key_of(l, g->members[j]), gt_model_goroutine(l->m, g->members[j])->id, g->members[j]};
		qsort(mk, g->n, sizeof *mk, cmp_member);
		for (size_t j = 0; j < g->n; j++)
			g->members[j] = mk[j].gi;
	}
	free(mk); /* out of memory: the members keep their order */
	qsort(l->groups, l->ngroups, sizeof *l->groups, cmp_group);
	for (size_t i = 0; i < l->ngroups; i++)
		for (size_t j = 0; j < l->groups[i].n; j++) {
			l->group_of[l->groups[i].members[j]] = (uint32_t)i;
			l->pos_of[l->groups[i].members[j]] = (uint32_t)j;
		}
}

static int add_row(vw_layout *l, uint8_t kind, uint32_t index, float h, float *y)
{
	if (l->nrows == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		vw_row *r = realloc(l->rows, nc * sizeof *r);
		if (!r)
			return -1;
		l->rows = r;
		l->cap = nc;
	}
	l->rows[l->nrows++] = (vw_row){kind, index, *y, h};
	*y += h;
	return 0;
}

int vw_layout_rows(vw_layout *l, float scale)
{
	const gt_model *m = l->m;
	float y = 0;
	int bad = 0;
	l->nrows = 0;
	bad |= add_row(l, VW_ROW_GC, 0, 16 * scale, &y);
	bad |= add_row(l, VW_ROW_HEAP, 0, 44 * scale, &y);
	bad |= add_row(l, VW_ROW_RUNNABLE, 0, 32 * scale, &y);
	if (l->has_cpu)
		bad |= add_row(l, VW_ROW_CPU, 0, 12 * scale, &y);
	if (l->has_regions)
		bad |= add_row(l, VW_ROW_REGIONS, 0, 36 * scale, &y);
	bad |= add_row(l, VW_ROW_SECTION, VW_SEC_PROCS, 18 * scale, &y);
	if (!l->procs_collapsed)
		for (uint32_t p = 0; p < gt_model_nprocs(m); p++)
			bad |= add_row(l, VW_ROW_PROC, p, 18 * scale, &y);
	bad |= add_row(l, VW_ROW_SECTION, VW_SEC_THREADS, 18 * scale, &y);
	if (!l->threads_collapsed)
		for (uint32_t t = 0; t < gt_model_nthreads(m); t++)
			bad |= add_row(l, VW_ROW_THREAD, t, 14 * scale, &y);
	bad |= add_row(l, VW_ROW_SECTION, VW_SEC_GOROUTINES, 18 * scale, &y);
	for (uint32_t g = 0; g < l->ngroups; g++) {
		l->group_row[g] = SIZE_MAX;
		/* A group is one start function: it matches as a whole. */
		if (l->filter[0] && !vw_name_matches(l->groups[g].name, l->filter))
			continue;
		l->group_row[g] = l->nrows;
		bad |= add_row(l, VW_ROW_GROUP, g, 16 * scale, &y);
		if (l->groups[g].collapsed)
			continue;
		for (size_t i = 0; i < l->groups[g].n; i++)
			bad |= add_row(l, VW_ROW_GOROUTINE, l->groups[g].members[i], 14 * scale, &y);
	}
	l->total_h = y;
	return bad ? -1 : 0;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

bool vw_name_matches(gt_str name, const char *filter)
{
	size_t n = filter ? strlen(filter) : 0;
	if (!n)
		return true;
	for (size_t i = 0; i + n <= name.len; i++) {
		size_t j = 0;
		while (j < n && lower((unsigned char)name.ptr[i + j]) == lower((unsigned char)filter[j]))
			j++;
		if (j == n)
			return true;
	}
	return false;
}

int vw_layout_set_filter(vw_layout *l, const char *filter, float scale)
{
	snprintf(l->filter, sizeof l->filter, "%s", filter ? filter : "");
	return vw_layout_rows(l, scale);
}

size_t vw_layout_row_at(const vw_layout *l, float y)
{
	size_t lo = 0, hi = l->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->rows[mid].y + l->rows[mid].h <= y)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->nrows && l->rows[lo].y <= y)
		return lo;
	return SIZE_MAX;
}

size_t vw_layout_reveal(vw_layout *l, uint32_t gi, float scale)
{
	if (!l->group_of)
		return SIZE_MAX;
	vw_group *g = &l->groups[l->group_of[gi]];
	if (g->collapsed) {
		g->collapsed = false;
		vw_layout_rows(l, scale);
	}
	return vw_layout_goroutine_row(l, gi);
}

size_t vw_layout_group_row(const vw_layout *l, uint32_t g)
{
	if (!l->group_row || g >= l->ngroups)
		return SIZE_MAX;
	size_t r = l->group_row[g];
	return r < l->nrows && l->rows[r].kind == VW_ROW_GROUP && l->rows[r].index == g ? r : SIZE_MAX;
}

size_t vw_layout_goroutine_row(const vw_layout *l, uint32_t gi)
{
	if (!l->group_of || gi >= gt_model_ngoroutines(l->m))
		return SIZE_MAX;
	uint32_t g = l->group_of[gi];
	size_t r = vw_layout_group_row(l, g);
	if (r == SIZE_MAX || l->groups[g].collapsed)
		return SIZE_MAX;
	r += 1 + l->pos_of[gi];
	return r < l->nrows && l->rows[r].kind == VW_ROW_GOROUTINE && l->rows[r].index == gi ? r : SIZE_MAX;
}
