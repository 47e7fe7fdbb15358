/* pprof profiles. The samples are those of Go's cmd/trace/pprof.go: a
 * goroutine entering the profiled state starts an interval keyed by the
 * stack of that event; leaving it ends the interval, counted only where it
 * overlaps the goroutine's life as Go's summaries see it (first run to
 * exit), so the totals equal `go tool trace -pprof=TYPE`.
 *
 * profile.proto is encoded by hand: it is six small messages, and
 * protobuf-c would need generated code and a runtime library for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "idmap.h"
#include "pprof.h"

#define PP_MAX_STACK 128 /* go tool trace dedups stacks by this many PCs */

const char *const pp_kind_names[PP_KIND_COUNT] = {"sched", "sync", "net", "syscall", "gaps"};

int pp_parse_kind(const char *s)
{
	for (int i = 0; i < PP_KIND_COUNT; i++)
		if (strcmp(s, pp_kind_names[i]) == 0)
			return i;
	return -1;
}

typedef struct pp_frame {
	uint64_t pc;
	uint32_t func, file; /* string table indices */
	int64_t line;
} pp_frame;

/* A distinct stack. Go keys samples by the first 128 PCs padded with
 * zeros, so stacks that differ only in trailing zero PCs share one sample:
 * its values live in the group's first stack (`group`), and the frames Go
 * prints are those of the stack added to it last (`rep`). */
typedef struct pp_sample {
	uint64_t hash, group_hash;
	uint32_t first, n; /* frames[first .. first+n) */
	uint32_t group, rep;
	int64_t count, ns;
} pp_sample;

/* Open addressing over indices into an array that owns the keys; the
 * caller compares keys, so hash collisions cost a comparison, not a bug. */
typedef struct pp_index {
	uint32_t *slots; /* UINT32_MAX: empty */
	size_t cap, len;
} pp_index;

struct pp_profile {
	pp_kind kind;
	pp_sample *samples;
	size_t nsamples, capsamples;
	pp_frame *frames;
	size_t nframes, capframes;
	pp_index by_stack, by_group;
	char **strs; /* strs[0] is "" */
	size_t *strlens;
	uint64_t *strhash;
	size_t nstrs, capstrs;
	pp_index by_str;
	uint32_t s_count, s_cunit, s_delay, s_ns, s_trace; /* names of the sample types */
	int oom;
};

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001B3ULL;
	return h;
}

static int grow_array(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The slot holding an index whose key equals the probe, or the empty slot
 * where it would go. `same(ctx, idx)` compares the probe with entry idx. */
static size_t index_find(const pp_index *ix, uint64_t hash, int (*same)(const void *, uint32_t), const void *ctx)
{
	size_t mask = ix->cap - 1;
	for (size_t i = (size_t)(hash ^ (hash >> 31)) & mask;; i = (i + 1) & mask)
		if (ix->slots[i] == UINT32_MAX || same(ctx, ix->slots[i]))
			return i;
}

/* Makes room for one more entry; rehash(ctx, idx) gives an entry's hash. */
static int index_reserve(pp_index *ix, uint64_t (*rehash)(const void *, uint32_t), const void *ctx)
{
	if ((ix->len + 1) * 2 <= ix->cap)
		return 0;
	size_t ncap = ix->cap ? ix->cap * 2 : 256;
	uint32_t *ns = malloc(ncap * sizeof *ns);
	if (!ns)
		return -1;
	memset(ns, 0xff, ncap * sizeof *ns);
	for (size_t i = 0; i < ix->cap; i++) {
		if (ix->slots[i] == UINT32_MAX)
			continue;
		uint64_t h = rehash(ctx, ix->slots[i]);
		size_t j = (size_t)(h ^ (h >> 31)) & (ncap - 1);
		while (ns[j] != UINT32_MAX)
			j = (j + 1) & (ncap - 1);
		ns[j] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = ns;
	ix->cap = ncap;
	return 0;
}

/* ---- strings ---- */

typedef struct str_probe {
	const pp_profile *p;
	const char *s;
	size_t n;
} str_probe;

static int str_same(const void *ctx, uint32_t i)
{
	const str_probe *q = ctx;
	return q->p->strlens[i] == q->n && memcmp(q->p->strs[i], q->s, q->n) == 0;
}

static uint64_t str_rehash(const void *ctx, uint32_t i)
{
	return ((const pp_profile *)ctx)->strhash[i];
}

static uint32_t intern(pp_profile *p, const char *s, size_t n)
{
	if (p->oom)
		return 0;
	uint64_t h = hash_bytes(0xcbf29ce484222325ULL, s, n);
	if (index_reserve(&p->by_str, str_rehash, p) != 0)
		goto oom;
	str_probe q = {p, s, n};
	size_t slot = index_find(&p->by_str, h, str_same, &q);
	if (p->by_str.slots[slot] != UINT32_MAX)
		return p->by_str.slots[slot];
	size_t need = p->nstrs + 1;
	if (grow_array((void **)&p->strs, &p->capstrs, need, sizeof *p->strs) != 0)
		goto oom;
	/* The three arrays grow together; capstrs describes all of them. */
	size_t *nl = realloc(p->strlens, p->capstrs * sizeof *nl);
	if (!nl)
		goto oom;
	p->strlens = nl;
	uint64_t *nh = realloc(p->strhash, p->capstrs * sizeof *nh);
	if (!nh)
		goto oom;
	p->strhash = nh;
	char *copy = malloc(n + 1);
	if (!copy)
		goto oom;
	if (n)
		memcpy(copy, s, n);
	copy[n] = '\0';
	uint32_t idx = (uint32_t)p->nstrs++;
	p->strs[idx] = copy;
	p->strlens[idx] = n;
	p->strhash[idx] = h;
	p->by_str.slots[slot] = idx;
	p->by_str.len++;
	return idx;
oom:
	p->oom = 1;
	return 0;
}

/* ---- stacks ---- */

pp_profile *pp_new(pp_kind kind)
{
	pp_profile *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->kind = kind;
	intern(p, "", 0); /* profile.proto wants "" at index 0 */
	const char *count_name = kind == PP_GAPS ? "gaps" : "contentions";
	p->s_count = intern(p, count_name, strlen(count_name));
	p->s_cunit = intern(p, "count", 5);
	p->s_delay = intern(p, "delay", 5);
	p->s_ns = intern(p, "nanoseconds", 11);
	p->s_trace = intern(p, "trace", 5);
	if (p->oom) {
		pp_free(p);
		return NULL;
	}
	return p;
}

void pp_free(pp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->strlens);
	free(p->strhash);
	free(p->by_str.slots);
	free(p->by_stack.slots);
	free(p->by_group.slots);
	free(p->samples);
	free(p->frames);
	free(p);
}

typedef struct stack_probe {
	const pp_profile *p;
	const gt_frame *frames;
	size_t n;
} stack_probe;

/* Whether the first n PCs of stack s are the probe's. */
static int pcs_match(const stack_probe *q, const pp_sample *s, size_t n)
{
	if (n != q->n)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (q->p->frames[s->first + k].pc != q->frames[k].pc)
			return 0;
	return 1;
}

static int stack_same(const void *ctx, uint32_t i)
{
	const stack_probe *q = ctx;
	return pcs_match(q, &q->p->samples[i], q->p->samples[i].n);
}

static uint64_t stack_rehash(const void *ctx, uint32_t i)
{
	return ((const pp_profile *)ctx)->samples[i].hash;
}

/* Group keys: the PCs without trailing zeros. */
static size_t significant(const gt_frame *frames, size_t n)
{
	while (n && frames[n - 1].pc == 0)
		n--;
	return n;
}

static int group_same(const void *ctx, uint32_t i)
{
	const stack_probe *q = ctx;
	const pp_sample *s = &q->p->samples[i];
	size_t n = s->n;
	while (n && q->p->frames[s->first + n - 1].pc == 0)
		n--;
	return pcs_match(q, s, n);
}

static uint64_t group_rehash(const void *ctx, uint32_t i)
{
	return ((const pp_profile *)ctx)->samples[i].group_hash;
}

static uint64_t hash_pcs(const gt_frame *frames, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t k = 0; k < n; k++)
		h = hash_bytes(h, &frames[k].pc, sizeof frames[k].pc);
	return h;
}

/* The index of this exact stack, added with zero values when new:
 * intervals that never get a positive overlap leave their sample at zero,
 * and zero samples are not written. UINT32_MAX when out of memory. */
static uint32_t stack_of(pp_profile *p, const gt_frame *frames, size_t n)
{
	if (p->oom)
		return UINT32_MAX;
	if (n > PP_MAX_STACK)
		n = PP_MAX_STACK;
	uint64_t h = hash_pcs(frames, n);
	if (index_reserve(&p->by_stack, stack_rehash, p) != 0 || index_reserve(&p->by_group, group_rehash, p) != 0)
		goto oom;
	stack_probe q = {p, frames, n};
	size_t slot = index_find(&p->by_stack, h, stack_same, &q);
	if (p->by_stack.slots[slot] != UINT32_MAX)
		return p->by_stack.slots[slot];
	if (grow_array((void **)&p->samples, &p->capsamples, p->nsamples + 1, sizeof *p->samples) != 0 ||
	    grow_array((void **)&p->frames, &p->capframes, p->nframes + n, sizeof *p->frames) != 0)
		goto oom;
	uint32_t idx = (uint32_t)p->nsamples;
	stack_probe gq = {p, frames, significant(frames, n)};
	uint64_t gh = hash_pcs(frames, gq.n);
	size_t gslot = index_find(&p->by_group, gh, group_same, &gq);
	pp_sample *s = &p->samples[idx];
	*s = (pp_sample){.hash = h, .group_hash = gh, .first = (uint32_t)p->nframes, .n = (uint32_t)n, .rep = idx};
	s->group = p->by_group.slots[gslot] != UINT32_MAX ? p->by_group.slots[gslot] : idx;
	for (size_t k = 0; k < n; k++) {
		pp_frame *f = &p->frames[p->nframes + k];
		f->pc = frames[k].pc;
		f->func = intern(p, frames[k].func.ptr, frames[k].func.len);
		f->file = intern(p, frames[k].file.ptr, frames[k].file.len);
		f->line = (int64_t)frames[k].line;
	}
	if (p->oom)
		return UINT32_MAX;
	p->nframes += n;
	p->nsamples++;
	p->by_stack.slots[slot] = idx;
	p->by_stack.len++;
	if (s->group == idx) {
		p->by_group.slots[gslot] = idx;
		p->by_group.len++;
	}
	return idx;
oom:
	p->oom = 1;
	return UINT32_MAX;
}

/* Go's stackMap.getOrAdd plus the record update. */
static void add_to(pp_profile *p, uint32_t stack, int64_t count, int64_t ns)
{
	pp_sample *g = &p->samples[p->samples[stack].group];
	g->count += count;
	g->ns += ns;
	g->rep = stack;
}

int pp_add(pp_profile *p, const gt_frame *frames, size_t n, int64_t count, int64_t ns)
{
	uint32_t s = stack_of(p, frames, n);
	if (s == UINT32_MAX)
		return -1;
	add_to(p, s, count, ns);
	return 0;
}

size_t pp_nsamples(const pp_profile *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsamples; i++)
		n += p->samples[i].count != 0 || p->samples[i].ns != 0;
	return n;
}

void pp_totals(const pp_profile *p, int64_t *count, int64_t *ns)
{
	*count = *ns = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		*count += p->samples[i].count;
		*ns += p->samples[i].ns;
	}
}

/* ---- the pass over the events ---- */

/* What Go's summarizer and pprof.go know about one goroutine. */
typedef struct gstate {
	int64_t start, end; /* 0: unset, as in Go's GoroutineSummary */
	int64_t track_since;
	uint32_t track_sample; /* sample of the stack that began the interval */
	bool tracking;
} gstate;

/* An interval in the profiled state, closed before the goroutine's life
 * (which ends later) is known. */
typedef struct interval {
	uint32_t g, sample;
	int64_t start, end;
} interval;

static bool tracked_reason(pp_kind k, gt_str r)
{
	switch (k) {
	case PP_NET:
		return r.len == 7 && memcmp(r.ptr, "network", 7) == 0;
	case PP_SYNC: {
		static const char *const words[] = {"chan", "sync", "select"};
		for (size_t w = 0; w < 3; w++) {
			size_t wl = strlen(words[w]);
			for (size_t i = 0; i + wl <= r.len; i++)
				if (memcmp(r.ptr + i, words[w], wl) == 0)
					return true;
		}
		return false;
	}
	default:
		return true;
	}
}

static gt_go_state tracked_state(pp_kind k)
{
	switch (k) {
	case PP_SCHED:
		return GT_GO_RUNNABLE;
	case PP_SYSCALL:
		return GT_GO_SYSCALL;
	default:
		return GT_GO_WAITING;
	}
}

/* Go's interval.overlap, including its test on touching ends. */
static int64_t overlap(int64_t s1, int64_t e1, int64_t s2, int64_t e2)
{
	if (e1 < s2 || e2 < s1)
		return 0;
	int64_t s = s1 > s2 ? s1 : s2, e = e1 < e2 ? e1 : e2;
	return e - s;
}

gt_status pp_from_trace(pp_profile *p, gt_trace *t, gt_error *err)
{
	gt_go_state want = tracked_state(p->kind);
	idmap ids = {0};
	gstate *gs = NULL;
	size_t ngs = 0, capgs = 0;
	interval *iv = NULL;
	size_t niv = 0, capiv = 0;
	int64_t last = 0;
	gt_event ev;
	gt_status s;
	while ((s = gt_trace_next(t, &ev, err)) == GT_OK) {
		last = ev.time;
		if (ev.kind != GT_EV_STATE_TRANSITION || ev.u.transition.resource != GT_RES_GOROUTINE)
			continue;
		uint64_t key = (uint64_t)ev.u.transition.id;
		uint32_t gi = idmap_get(&ids, key);
		if (gi == UINT32_MAX) {
			if (grow_array((void **)&gs, &capgs, ngs + 1, sizeof *gs) != 0 ||
			    idmap_put(&ids, key, (uint32_t)ngs) != 0)
				goto oom;
			gi = (uint32_t)ngs++;
			gs[gi] = (gstate){0};
		}
		gstate *g = &gs[gi];
		uint8_t from = ev.u.transition.from, to = ev.u.transition.to;
		gt_str reason = ev.u.transition.reason;

		/* Go's summarizer: a goroutine's life for the pprof pages. */
		if (from != to) {
			if (from == GT_GO_UNDETERMINED || from == GT_GO_NOT_EXIST)
				g->start = g->end = 0; /* a fresh summary */
			if (to == GT_GO_RUNNING && g->start == 0)
				g->start = ev.time;
			if (to == GT_GO_NOT_EXIST ||
			    (to == GT_GO_WAITING && reason.len == 7 && memcmp(reason.ptr, "forever", 7) == 0))
				g->end = ev.time;
		}

		/* pprof.go's makeComputePprofFunc. */
		if (!g->tracking) {
			if (to == want && tracked_reason(p->kind, reason)) {
				uint32_t smp = ev.stack ? stack_of(p, ev.stack->frames, ev.stack->nframes) : stack_of(p, NULL, 0);
				if (smp == UINT32_MAX)
					goto oom;
				g->tracking = true;
				g->track_since = ev.time;
				g->track_sample = smp;
			}
			continue;
		}
		if (to == want)
			continue;
		g->tracking = false;
		if (grow_array((void **)&iv, &capiv, niv + 1, sizeof *iv) != 0)
			goto oom;
		iv[niv++] = (interval){gi, g->track_sample, g->track_since, ev.time};
	}
	if (s == GT_EOF) {
		/* Goroutines alive at the end live until the trace's last event. */
		for (size_t i = 0; i < niv; i++) {
			const gstate *g = &gs[iv[i].g];
			int64_t o = overlap(g->start, g->end ? g->end : last, iv[i].start, iv[i].end);
			if (o > 0)
				add_to(p, iv[i].sample, 1, o);
		}
	}
	idmap_free(&ids);
	free(gs);
	free(iv);
	return s;
oom:
	idmap_free(&ids);
	free(gs);
	free(iv);
	err->status = GT_ERR_NOMEM;
	err->offset = ev.offset;
	snprintf(err->detail, sizeof err->detail, "out of memory building the profile");
	return GT_ERR_NOMEM;
}

int pp_from_gaps(pp_profile *p, const gt_model *m, int64_t min_ns)
{
	gt_gap_iter gi;
	gt_gap g;
	for (gt_gap_seek(m, 0, &gi); gt_gap_next(&gi, &g);) {
		int64_t d = gt_gap_len(&g);
		if (d < min_ns)
			continue;
		const gt_frame *frames = NULL;
		uint32_t stack = g.unblock_stack;
		if (!stack) {
			/* Preempted, yielded or back from a syscall: nobody else made it
			 * runnable, so its own stack at that moment says where. */
			gt_span_iter it;
			gt_span sp;
			gt_track_seek(m, 0, g.goroutine, g.start, &it);
			if (gt_track_next(&it, &sp) && sp.start == g.start && sp.state == GT_GS_RUNNABLE)
				stack = gt_span_stack(&sp);
		}
		size_t nf = stack ? gt_model_stack(m, stack, &frames) : 0;
		if (pp_add(p, frames, nf, 1, d) != 0)
			return -1;
	}
	return 0;
}

/* ---- encoding ---- */

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void put_varint(gf_buf *b, uint64_t v)
{
	char tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (char)v;
	gf_put(b, tmp, n);
}

static void put_tag(gf_buf *b, unsigned field, unsigned wire) { put_varint(b, (uint64_t)field << 3 | wire); }

/* proto3 leaves zero scalars out. */
static void put_uint(gf_buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_tag(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void put_bytes(gf_buf *b, unsigned field, const char *p, size_t n)
{
	put_tag(b, field, WIRE_LEN);
	put_varint(b, n);
	gf_put(b, p, n);
}

/* Moves the finished submessage in `sub` into b as field `field`. */
static void put_msg(gf_buf *b, unsigned field, gf_buf *sub)
{
	put_bytes(b, field, sub->p ? sub->p : "", sub->len);
	sub->len = 0;
}

static void value_type(gf_buf *b, unsigned field, gf_buf *sub, uint32_t type, uint32_t unit)
{
	put_uint(sub, 1, type);
	put_uint(sub, 2, unit);
	put_msg(b, field, sub);
}

/* The profile as traceviewer.BuildProfile makes it: one location per PC
 * (the first frame seen with it), one function per file and name. */
static int encode(const pp_profile *p, gf_buf *b)
{
	idmap locs = {0}, funcs = {0};
	uint32_t *loc_of = malloc((p->nframes + 1) * sizeof *loc_of);
	gf_buf sub = {0}, line = {0}, packed = {0}, tail = {0};
	int bad = 1; /* until the end is reached */
	if (!loc_of || p->oom)
		goto done;

	value_type(b, 1, &sub, p->s_count, p->s_cunit);
	value_type(b, 1, &sub, p->s_delay, p->s_ns);

	/* Locations and functions go after the samples; number them first. */
	uint32_t nloc = 0, nfunc = 0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const pp_sample *g = &p->samples[i];
		if (!g->count && !g->ns)
			continue;
		const pp_sample *s = &p->samples[g->rep];
		for (uint32_t k = 0; k < s->n; k++) {
			const pp_frame *f = &p->frames[s->first + k];
			uint32_t l = idmap_get(&locs, f->pc);
			if (l == UINT32_MAX) {
				l = ++nloc;
				if (idmap_put(&locs, f->pc, l) != 0)
					goto done;
				uint64_t fkey = (uint64_t)f->file << 32 | f->func;
				uint32_t fn = idmap_get(&funcs, fkey);
				if (fn == UINT32_MAX) {
					fn = ++nfunc;
					if (idmap_put(&funcs, fkey, fn) != 0)
						goto done;
					put_uint(&sub, 1, fn);
					put_uint(&sub, 2, f->func);
					put_uint(&sub, 3, f->func);
					put_uint(&sub, 4, f->file);
					put_msg(&tail, 5, &sub);
				}
				put_uint(&line, 1, fn);
				put_uint(&line, 2, (uint64_t)f->line);
				put_uint(&sub, 1, l);
				put_uint(&sub, 3, f->pc);
				put_msg(&sub, 4, &line);
				put_msg(&tail, 4, &sub); /* a location before its function is fine: ids link them */
			}
			loc_of[s->first + k] = l;
		}
		for (uint32_t k = 0; k < s->n; k++)
			put_varint(&packed, loc_of[s->first + k]);
		if (s->n)
			put_msg(&sub, 1, &packed);
		put_varint(&packed, (uint64_t)g->count);
		put_varint(&packed, (uint64_t)g->ns);
		put_msg(&sub, 2, &packed);
		put_msg(b, 2, &sub);
	}
	gf_put(b, tail.p ? tail.p : "", tail.len);
	for (size_t i = 0; i < p->nstrs; i++)
		put_bytes(b, 6, p->strs[i], p->strlens[i]);
	value_type(b, 11, &sub, p->s_trace, p->s_cunit);
	put_uint(b, 12, 1);
	put_uint(b, 14, p->s_delay); /* pprof shows the delay, not the count, by default */
	bad = 0;
done:
	bad |= sub.error || line.error || packed.error || tail.error || b->error || p->oom;
	idmap_free(&locs);
	idmap_free(&funcs);
	free(loc_of);
	gf_free(&sub);
	gf_free(&line);
	gf_free(&packed);
	gf_free(&tail);
	return bad ? -1 : 0;
}

int pp_write(const pp_profile *p, gf_buf *b)
{
	gf_buf raw = {0};
	if (encode(p, &raw) != 0) {
		gf_free(&raw);
		b->error = 1;
		return -1;
	}
	z_stream z = {0};
	/* windowBits 15 + 16: a gzip wrapper, which pprof expects. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		gf_free(&raw);
		b->error = 1;
		return -1;
	}
	z.next_in = (Bytef *)raw.p;
	z.avail_in = (uInt)raw.len;
	unsigned char chunk[16384];
	int zr;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zr = deflate(&z, Z_FINISH);
		gf_put(b, (const char *)chunk, sizeof chunk - z.avail_out);
	} while (zr == Z_OK);
	deflateEnd(&z);
	gf_free(&raw);
	if (zr != Z_STREAM_END) {
		b->error = 1;
		return -1;
	}
	return b->error ? -1 : 0;
}
