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

/* A name with its index, so that sorting the names needs no context. */
typedef struct name_ix {
	gt_str name;
	uint32_t ix;
} name_ix;

static int cmp_name(const void *a, const void *b)
{
	gt_str x = ((const name_ix *)a)->name, y = ((const name_ix *)b)->name;
	size_t n = x.len < y.len ? x.len : y.len;
	int c = n ? memcmp(x.ptr, y.ptr, n) : 0;
	if (c)
		return c;
	return x.len < y.len ? -1 : x.len > y.len;
}

/* Fills by_name with every goroutine index in order of name (name_of
 * holds each goroutine's), then id.
 * Names are interned, so a goroutine's name is a number: the few distinct
 * names are sorted, then the goroutines by id and, stably, by their name's
 * rank: no comparison reads two goroutine records and their names. */
static int order_by_name(const gt_model *m, uint32_t *by_name, const uint32_t *name_of, size_t ng)
{
	size_t nn = gt_model_nnames(m);
	name_ix *names = malloc((nn + 1) * sizeof *names);
	uint32_t *rank = malloc((nn + 1) * sizeof *rank);
	uint64_t *key = malloc((ng + 1) * sizeof *key);
	int r = -1;
	if (!names || !rank || !key)
		goto out;
	for (uint32_t i = 0; i < nn; i++)
		names[i] = (name_ix){gt_model_name(m, i), i};
	qsort(names, nn, sizeof *names, cmp_name);
	for (uint32_t i = 0; i < nn; i++)
		rank[names[i].ix] = i;
	for (uint32_t i = 0; i < ng; i++) {
		by_name[i] = i;
		key[i] = vw_radix_key(gt_model_goroutine(m, i).id);
	}
	if (vw_radix_sort(key, by_name, ng) != 0)
		goto out;
	for (size_t i = 0; i < ng; i++)
		key[i] = rank[name_of[by_name[i]]];
	r = vw_radix_sort(key, by_name, ng);
out:
	free(names);
	free(rank);
	free(key);
	return r;
}

/* Sorts every group's members in order s by gkey (per goroutine), largest
 * first. The members come in name-then-id order, which a stable sort
 * keeps among equal keys: the lowest id first, as the order promises. */
static int sort_members(vw_layout *l, vw_sort s, const int64_t *gkey)
{
	size_t most = 0;
	for (size_t i = 0; i < l->ngroups; i++)
		most = l->groups[i].n > most ? l->groups[i].n : most;
	uint64_t *key = malloc((most + 1) * sizeof *key);
	if (!key)
		return -1;
	for (size_t i = 0; i < l->ngroups; i++) {
		const vw_group *g = &l->groups[i];
		uint32_t *mem = l->members[s] + g->first;
		for (size_t j = 0; j < g->n; j++)
			key[j] = ~vw_radix_key(gkey[mem[j]]);
		if (vw_radix_sort(key, mem, g->n) != 0) {
			free(key);
			return -1;
		}
	}
	free(key);
	return 0;
}

int vw_layout_init(vw_layout *l, const gt_model *m)
{
	memset(l, 0, sizeof *l);
	l->m = m;
	size_t ng = gt_model_ngoroutines(m);
	/* The sort keys, per goroutine, only while the members are sorted:
	 * 16 bytes a goroutine, a hundred MB for millions. */
	int64_t *gwait = malloc((ng + 1) * sizeof *gwait), *gexec = malloc((ng + 1) * sizeof *gexec);
	for (int s = 0; s < VW_SORT_COUNT; s++)
		l->members[s] = malloc((ng + 1) * sizeof *l->members[s]);
	l->group_of = malloc((ng + 1) * sizeof *l->group_of);
	l->groups = calloc(ng + 1, sizeof *l->groups);
	if (!l->members[VW_SORT_WAIT] || !l->members[VW_SORT_EXEC] || !l->members[VW_SORT_ID] || !gwait || !gexec ||
	    !l->group_of || !l->groups)
		goto fail;
	/* group_of holds names until the groups are known: read in order
	 * here, they cost no cache miss apiece below. */
	uint32_t *by_name = l->members[VW_SORT_ID], *name_of = l->group_of;
	for (uint32_t i = 0; i < ng; i++) {
		const gt_gstats st = gt_model_gstats(m, i);
		gwait[i] = st.sched_wait_ns;
		gexec[i] = st.exec_ns;
		name_of[i] = gt_model_goroutine_name(m, i);
	}
	if (order_by_name(m, by_name, name_of, ng) != 0)
		goto fail;
	uint32_t name = 0;
	for (size_t i = 0; i < ng; i++) {
		uint32_t gname = name_of[by_name[i]];
		if (!l->ngroups || gname != name) {
			vw_group *ng_ = &l->groups[l->ngroups++];
			name = gname;
			ng_->name = gt_model_name(m, gname);
			ng_->first = i;
			ng_->min_id = gt_model_goroutine(m, by_name[i]).id;
			ng_->id = (uint32_t)(l->ngroups - 1);
		}
		vw_group *gr = &l->groups[l->ngroups - 1];
		gr->n++;
		gr->sched_wait_ns += gwait[by_name[i]];
		gr->exec_ns += gexec[by_name[i]];
		l->group_of[by_name[i]] = (uint32_t)(l->ngroups - 1);
	}
	memcpy(l->members[VW_SORT_WAIT], by_name, ng * sizeof *by_name);
	memcpy(l->members[VW_SORT_EXEC], by_name, ng * sizeof *by_name);
	if (sort_members(l, VW_SORT_WAIT, gwait) != 0 || sort_members(l, VW_SORT_EXEC, gexec) != 0)
		goto fail;
	free(gwait);
	free(gexec);
	gwait = gexec = NULL;
	l->group_row = malloc((l->ngroups + 1) * sizeof *l->group_row);
	l->order = malloc((l->ngroups + 1) * sizeof *l->order);
	l->order_key = malloc((l->ngroups + 1) * sizeof *l->order_key);
	if (!l->group_row || !l->order || !l->order_key)
		goto fail;
	for (size_t i = 0; i < l->ngroups; i++) {
		l->group_row[i] = SIZE_MAX;
		l->order[i] = (uint32_t)i;
	}
	for (size_t i = 0; i < l->ngroups; i++)
		l->groups[i].collapsed = ng > VW_EXPAND_ALL_BELOW && l->groups[i].n > VW_EXPAND_GROUP_UP_TO;
	l->threads_collapsed = gt_model_nthreads(m) > 12;
	const gt_region *r;
	const gt_cpu_sample *c;
	l->has_regions = gt_model_regions(m, &r) > 0;
	l->has_cpu = gt_model_cpu_samples(m, &c) > 0;
	vw_layout_sort(l, VW_SORT_WAIT);
	return 0;
fail:
	free(gwait);
	free(gexec);
	vw_layout_free(l);
	return -1;
}

void vw_layout_add_gap(vw_layout *l, const gt_gap *g)
{
	vw_group *gr = &l->groups[l->group_of[g->goroutine]];
	if (gt_gap_len(g) > gr->worst_gap_ns)
		gr->worst_gap_ns = gt_gap_len(g);
}

void vw_layout_free(vw_layout *l)
{
	for (int s = 0; s < VW_SORT_COUNT; s++)
		free(l->members[s]);
	free(l->group_of);
	free(l->group_row);
	free(l->groups);
	free(l->order);
	free(l->order_key);
	free(l->rows);
	memset(l, 0, sizeof *l);
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

/* Largest key first, then lowest id: sorted by id, then stably by key.
 * Not qsort, whose comparison would need the layout in a global while the
 * loading thread lays out the next model. */
void vw_layout_sort(vw_layout *l, vw_sort s)
{
	l->sort = s;
	for (size_t i = 0; i < l->ngroups; i++)
		l->groups[i].members = l->members[s] + l->groups[i].first;
	uint64_t *key = l->order_key;
	for (size_t i = 0; i < l->ngroups; i++)
		key[i] = vw_radix_key(l->groups[l->order[i]].min_id);
	if (vw_radix_sort(key, l->order, l->ngroups) != 0)
		return; /* out of memory: the groups keep their order */
	for (size_t i = 0; i < l->ngroups; i++)
		key[i] = ~vw_radix_key(group_key(l, &l->groups[l->order[i]]));
	vw_radix_sort(key, l->order, l->ngroups);
}

/* Room for n more rows. */
static int reserve(vw_layout *l, size_t n)
{
	if (l->cap - l->nrows >= n)
		return 0;
	size_t nc = l->cap ? l->cap : 256;
	while (nc - l->nrows < n)
		nc *= 2;
	vw_row *r = realloc(l->rows, nc * sizeof *r);
	if (!r)
		return -1;
	l->rows = r;
	l->cap = nc;
	return 0;
}

static int add_row(vw_layout *l, uint8_t kind, uint32_t index, float h, float *y)
{
	if (reserve(l, 1) != 0)
		return -1;
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
	for (uint32_t g = 0; g < l->ngroups; g++)
		l->group_row[g] = SIZE_MAX;
	for (size_t k = 0; k < l->ngroups; k++) {
		uint32_t g = l->order[k];
		/* A group is one start function: it matches as a whole. */
		if (l->filter[0] && !vw_name_matches(l->groups[g].name, l->filter))
			continue;
		l->group_row[g] = l->nrows;
		bad |= add_row(l, VW_ROW_GROUP, g, 16 * scale, &y);
		if (l->groups[g].collapsed)
			continue;
		/* An open group can hold millions: one check of room for them all,
		 * as sorting lays every row out again. */
		const vw_group *gr = &l->groups[g];
		if (reserve(l, gr->n) != 0) {
			bad = 1;
			continue;
		}
		vw_row *r = l->rows + l->nrows;
		float h = 14 * scale;
		for (size_t i = 0; i < gr->n; i++) {
			r[i] = (vw_row){VW_ROW_GOROUTINE, gr->members[i], y, h};
			y += h;
		}
		l->nrows += gr->n;
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

/* gi's key in order s, read from the model: a search reads a few dozen,
 * the sort that used them all had them in an array. */
static int64_t key_in(const vw_layout *l, vw_sort s, uint32_t gi)
{
	switch (s) {
	case VW_SORT_WAIT:
		return gt_model_gstats(l->m, gi).sched_wait_ns;
	case VW_SORT_EXEC:
		return gt_model_gstats(l->m, gi).exec_ns;
	default:
		return 0;
	}
}

/* Where gi is among g's members: they are sorted by (key largest first,
 * id), so a binary search finds it without a position kept per goroutine
 * and per order. */
static size_t member_pos(const vw_layout *l, const vw_group *g, uint32_t gi)
{
	int64_t key = key_in(l, l->sort, gi), id = gt_model_goroutine(l->m, gi).id;
	size_t lo = 0, hi = g->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t k = key_in(l, l->sort, g->members[mid]), i = gt_model_goroutine(l->m, g->members[mid]).id;
		if (k > key || (k == key && i < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Goroutines that share a key and an id, if a trace has them. */
	while (lo < g->n && g->members[lo] != gi)
		lo++;
	return lo;
}

size_t vw_layout_goroutine_row(const vw_layout *l, uint32_t gi)
{
	if (!l->group_of || gi >= gt_model_ngoroutines(l->m))
		return SIZE_MAX;
	uint32_t g = l->group_of[gi];
	size_t r = vw_layout_group_row(l, g);
	if (r == SIZE_MAX || l->groups[g].collapsed)
		return SIZE_MAX;
	r += 1 + member_pos(l, &l->groups[g], gi);
	return r < l->nrows && l->rows[r].kind == VW_ROW_GOROUTINE && l->rows[r].index == gi ? r : SIZE_MAX;
}
