/* Building the model in one pass over the decoder's events. Goroutine
 * statistics follow internal/trace/summary.go (Summarizer.Event) rule for
 * rule, including its use of absolute times with 0 meaning "unset", so
 * they come out equal to Go's; spans, gaps and the scheduler context of
 * each gap are built alongside. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gotrace/model.h"
#include "idmap.h"
#include "mem.h"
#include "gappack.h"
#include "spanpack.h"
#include "varint.h"

/* Tens of millions of gaps in a busy trace: keep them at 48 bytes. */
_Static_assert(sizeof(gt_gap) == 48, "gt_gap grew");

/* For the rare half of a per-event function (growing, creating), so the
 * common half inlines without saving registers for a call it does not make. */
#if defined(__GNUC__) || defined(__clang__)
#define MD_NOINLINE __attribute__((noinline))
#else
#define MD_NOINLINE
#endif

/* The reallocating half of grow(), out of line: pushes run for every span
 * and gap, and a call that may realloc makes the compiler save registers
 * on the path that does not. */
MD_NOINLINE static int grow_slow(void *pptr, size_t *cap, size_t need, size_t elem)
{
	/* Most goroutines live briefly: start small, there are millions. */
	return mem_grow(pptr, cap, need, elem, 4) ? 0 : -1;
}

/* Makes room for `need` elements in a growable array. */
static inline int grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap ? 0 : grow_slow(pptr, cap, need, elem);
}

#define PUSH(m, arr, n, cap, val)                                                                                      \
	do {                                                                                                               \
		if (grow(&(arr), &(cap), (n) + 1, sizeof *(arr)))                                                              \
			(m)->oom = 1;                                                                                              \
		else                                                                                                           \
			(arr)[(n)++] = (val);                                                                                      \
	} while (0)

typedef struct span_vec {
	gt_span *v;
	size_t n, cap;
	/* Where the next span may start: the last span's start while it is
	 * open, its end once closed. Kept here so a transition only writes to
	 * the spans, which are cold on a goroutine woken after a long wait. */
	int64_t floor;
	sp_track pk; /* the spans before those in v, once there were many */
} span_vec;

/* A range a goroutine is in, keyed as Go keys RangeTime: by name. */
typedef struct open_range {
	uint8_t range;
	uint16_t kind;
	int64_t ts;
} open_range;

/* A goroutine as the model keeps it once it ended, read back from its
 * piece of the arena (rec_pack): times as the build keeps them, before
 * the public ones subtract t0. */
typedef struct grec {
	int64_t id, creation, start, end;
	uint32_t name; /* index into the names */
	uint32_t nspans;
	bool blocked_forever;
	gt_gstats stats;
	const void *spans; /* frozen (sp_freeze), nspans of them */
} grec;

/* What the pass keeps per live goroutine besides its record.
 * Busy services create millions of goroutines that live a few
 * microseconds: slots are reused once a goroutine ends, so this state costs
 * memory per goroutine alive at once, not per goroutine ever seen. */
typedef struct gbuild {
	/* The goroutine's record while it lives, packed into the big table
	 * when it ends: transitions touch the slot only. */
	gt_goroutine pub;
	gt_gstats stats; /* its times add up here; by reason, in block and rng below */
	uint32_t owner; /* goroutine index, GT_NONE while the slot is free */
	span_vec spans;
	bool open; /* the last span is still running */
	uint32_t gap;       /* open gap, or GT_NONE */
	/* The scheduler integrals when the open gap began: closing it then only
	 * writes the gap record, which is cold by then. */
	gt_gap_sched gap_from;
	uint32_t proc;      /* P index while running or in a syscall with its P */
	uint32_t thread;    /* thread index while running or in a syscall */
	uint32_t stw_open;  /* index into the STW range list, or GT_NONE */
	uint32_t assist_open;
	uint32_t sys_p; /* Go's syscallingG: the P it entered its syscall on */
	uint8_t state;  /* gt_go_state of the last transition */
	bool finalized;
	/* Summarizer state, absolute times, 0 = unset. */
	int64_t last_start, last_runnable, last_block, last_syscall, last_syscall_block;
	uint16_t last_block_reason;
	open_range *lr;
	size_t nlr, caplr;
	gt_reason_ns *block;
	size_t nblock, capblock;
	gt_range_ns *rng;
	size_t nrng, caprng;
	uint32_t *regions; /* open regions, innermost last (indices into m->regions) */
	size_t nregions, capregions;
} gbuild;

/* A P's or thread's spans: packed once closed and followed by the next,
 * so the last one can still end, and the builder can read whose it is. */
typedef struct packed_vec {
	sp_track pk;
	gt_span last;
	bool has_last;
	int64_t floor; /* as in span_vec */
} packed_vec;

typedef struct pbuild {
	packed_vec spans;
	bool open;
	uint32_t syscalling; /* goroutine in a syscall holding this P, or GT_NONE */
	uint32_t sweep_g;    /* goroutine that began a sweep range on it, or GT_NONE */
	uint32_t sweep_open;
} pbuild;

typedef struct mbuild {
	packed_vec spans;
	bool open;
	uint32_t num; /* the reading thread's number for it: its id comes from there once both are done */
} mbuild;

/* The scheduler's state and its integrals so far, for the context of gaps:
 * a gap records the integrals when it opens and subtracts them when it
 * closes, so no history needs keeping. */
typedef struct sched_state {
	int64_t t;        /* time the integrals reach */
	int32_t busy;     /* Ps running a goroutine or holding one in a syscall */
	int32_t maxprocs; /* GOMAXPROCS */
	int32_t stw;      /* stop-the-world ranges open */
	int32_t gc;       /* GC mark phase open */
	gt_gap_sched ns;  /* the integrals, as a gap reports their growth */
} sched_state;

/* Bump allocation for what finished goroutines leave behind (their spans,
 * block and range times): one malloc per chunk instead of per goroutine,
 * no spare capacity, and pointers that stay put as the arena grows. */
#define ARENA_CHUNK_BYTES ((size_t)8 << 20)

typedef struct arena {
	char *cur;
	size_t left;
	char *spare; /* the next chunk, being faulted in ahead */
	void **blocks;
	size_t nblocks, capblocks;
} arena;

typedef struct stack_ref {
	uint32_t first, n;
	uint64_t hash;
} stack_ref;

#define REASON_CACHE 64

/* Strings interned by content: block reasons and stop-the-world kinds, and
 * goroutine names. They point into the trace, which does not change while
 * it is open, so one address and length always holds the same text: a
 * small cache by address spares hashing most of them. */
typedef struct str_tab {
	int oom;
	const char *limit;
	uint32_t max;         /* the most strings the field holding an index allows */
	const char *too_many; /* the error past it */
	gt_str *s;            /* index 0 is the empty string */
	size_t n, cap;
	idmap idx; /* content hash -> index */
	struct {
		const char *ptr;
		size_t len;
		uint32_t id;
	} cache[REASON_CACHE];
} str_tab;

/* What the reading thread resolves before handing an event over: stacks
 * (deduplicated across generations), interned reasons, thread numbers. It
 * fills this while the builder thread runs, hence its own error fields. */
typedef struct stack_tab {
	int oom;
	const char *limit;
	str_tab reasons;
	idmap thread_num; /* thread id -> number, dense for the builder's lookups */
	uint32_t nthread_nums;
	int64_t *thread_ids;    /* number -> thread id */
	size_t capthread_ids;
	int64_t last_thread_id; /* the last thread numbered, valid once nthread_nums > 0 */
	uint32_t last_thread_num;
	gt_frame *frames;
	size_t nframes, capframes;
	stack_ref *stacks;
	size_t nstacks, capstacks;
	idmap stack_idx;  /* pcs hash -> stack id */
	idmap gen_stacks; /* this generation's stack id -> model stack id */
} stack_tab;

struct gt_model {
	int oom;
	const char *limit; /* set with oom when a ceiling was hit instead: the message */
	int64_t t0, last_ts, sync_ts;
	bool started;

	mem_ahead *ahead; /* while the builder thread runs */
	/* Per goroutine: its record, spans and statistics in one piece of the
	 * arena, written when its slot is released (NULL before). Grown in
	 * place (mem_grow_in_place). */
	const uint8_t **gs;
	str_tab names; /* goroutine names */
	size_t reserved_gs;
	uint32_t *gslot; /* per goroutine: its gbuild slot, GT_NONE once it ended */
	size_t ngs, capgs, capgslot;
	sp_track packing; /* where a goroutine's spans are packed before the arena */
	idmap gidx;
	gbuild *gb; /* slots */
	size_t ngb, capgb;
	uint32_t *gfree; /* free slots */
	size_t nfree, capfree;
	arena done; /* spans and statistics of goroutines that ended */

	gt_proc *ps;
	pbuild *pb;
	size_t nps, capps, cappb;
	idmap pidx;
	int64_t last_p_id; /* the last P looked up, valid once nps > 0 */
	uint32_t last_p;

	gt_thread *ms;
	mbuild *mb;
	size_t nms, capms, capmb;
	idmap midx;
	uint32_t last_m_num, last_m; /* the last thread looked up, valid once nms > 0 */

	gp_store gaps; /* closed, in order of start */
	/* Gaps not yet packed: open ones, and closed ones that a gap still
	 * open, or one still to come, may have to precede. An open gap's slot
	 * holds its position here. */
	gt_gap *win;
	size_t nwin, capwin, pack_at;
	int64_t gap_floor; /* start of the last gap packed */
	size_t gaps_unpacked; /* gaps gaps_unpack took back, over the build */
	gt_gap_sched *wide_sched; /* of gaps with a figure of 2^32 ns or more */
	size_t nwide_sched, capwide_sched;

	gt_range_span *ranges[4];
	size_t nranges[4], capranges[4];
	uint32_t gc_open;

	gt_sample *series[GT_SERIES_COUNT];
	size_t nseries[GT_SERIES_COUNT], capseries[GT_SERIES_COUNT];
	int64_t running, runnable;


	stack_tab st;

	gt_cpu_sample *samples;
	size_t nsamples, capsamples;
	gt_region *regions;
	size_t nregions_, capregions_;
	gt_task *tasks;
	size_t ntasks, captasks;
	idmap task_idx;
	gt_log *logs;
	size_t nlogs, caplogs;

	sched_state cur;

	/* Level of detail, built on first use. */
	gt_lod_bucket **lod[3];
	unsigned *lod_levels[3];
};

/* What the builder thread reads of every event, in one cache line: the
 * whole of a state transition (nine events in ten), the kind and time of
 * the rest, and what the reading thread resolved. Each line the builder
 * reads is one the other core wrote. */
typedef struct mhead {
	uint8_t kind;     /* gt_event_kind */
	uint8_t resource; /* transitions: gt_resource_kind */
	uint8_t from, to;
	uint8_t flags;    /* MH_* */
	uint16_t reason;  /* interned transition reason or stop-the-world kind */
	uint32_t thread;  /* number of ev.thread, GT_NONE if none */
	uint32_t stack;   /* model stack id of ev.stack */
	uint32_t tstack;  /* of ev.u.transition.stack */
	int64_t time;
	int64_t id;        /* transitions: the goroutine or P */
	int64_t proc;      /* ev.proc */
	int64_t goroutine; /* ev.goroutine */
	uint64_t offset;   /* ev.offset */
} mhead;

enum {
	MH_ENTRY = 1,     /* entry holds the outermost frame of the transition's stack */
	MH_PREEMPTED = 2, /* the transition's reason is "preempted" */
	MH_FOREVER = 4,   /* the transition's reason is "forever" */
};

/* An event as the model's builder thread gets it: the decoder's stacks
 * live only until its next generation, so the reading thread turns them
 * into model stack ids (and the entry frame that names a goroutine) first. */
typedef struct mrec {
	_Alignas(64) mhead h;
	gt_frame entry; /* with MH_ENTRY, on the record's second line */
	gt_event ev;    /* events other than transitions only; its stack
	                 * pointers are not to be followed */
} mrec;

/* ---- interning ---- */

static uint64_t hash_bytes(const char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint32_t str_intern_slow(str_tab *t, gt_str s);

static uint32_t str_intern(str_tab *t, gt_str s)
{
	if (s.len == 0)
		return 0;
	size_t slot = ((uintptr_t)s.ptr ^ (uintptr_t)s.ptr >> 7) % REASON_CACHE;
	if (t->cache[slot].ptr == s.ptr && t->cache[slot].len == s.len)
		return t->cache[slot].id;
	uint32_t id = str_intern_slow(t, s);
	if (!t->oom) {
		t->cache[slot].ptr = s.ptr;
		t->cache[slot].len = s.len;
		t->cache[slot].id = id;
	}
	return id;
}

static uint32_t str_intern_slow(str_tab *t, gt_str s)
{
	uint64_t h = hash_bytes(s.ptr, s.len, 0xcbf29ce484222325ULL);
	for (;; h++) {
		uint32_t i = idmap_get(&t->idx, h);
		if (i == UINT32_MAX)
			break;
		if (t->s[i].len == s.len && memcmp(t->s[i].ptr, s.ptr, s.len) == 0)
			return i;
	}
	if (t->n == 0)
		PUSH(t, t->s, t->n, t->cap, ((gt_str){"", 0}));
	if (t->n >= t->max) {
		t->limit = t->too_many;
		t->oom = 1;
		return 0;
	}
	uint32_t idx = (uint32_t)t->n;
	PUSH(t, t->s, t->n, t->cap, s);
	if (idmap_put(&t->idx, h, idx))
		t->oom = 1;
	return idx;
}

static void str_tab_free(str_tab *t)
{
	free(t->s);
	idmap_free(&t->idx);
}

static uint16_t intern(stack_tab *st, gt_str s)
{
	uint32_t id = str_intern(&st->reasons, s);
	if (st->reasons.oom) {
		st->oom = 1;
		st->limit = st->reasons.limit;
	}
	return (uint16_t)id;
}

MD_NOINLINE static uint32_t intern_stack_uncached(stack_tab *st, const gt_stack *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (uint32_t i = 0; i < s->nframes; i++)
		h = hash_bytes((const char *)&s->frames[i].pc, sizeof s->frames[i].pc, h);
	uint32_t id = UINT32_MAX;
	/* Linear probing over hash values: h ends at the first free one. */
	for (;; h++) {
		uint32_t i = idmap_get(&st->stack_idx, h);
		if (i == UINT32_MAX)
			break;
		const stack_ref *r = &st->stacks[i];
		if (r->n == s->nframes) {
			uint32_t j = 0;
			while (j < r->n && st->frames[r->first + j].pc == s->frames[j].pc)
				j++;
			if (j == r->n) {
				id = i;
				break;
			}
		}
	}
	if (id == UINT32_MAX) {
		if (st->nstacks == 0)
			PUSH(st, st->stacks, st->nstacks, st->capstacks, ((stack_ref){0, 0, 0}));
		if (grow(&st->frames, &st->capframes, st->nframes + s->nframes, sizeof *st->frames)) {
			st->oom = 1;
			return 0;
		}
		memcpy(st->frames + st->nframes, s->frames, s->nframes * sizeof *s->frames);
		id = (uint32_t)st->nstacks;
		PUSH(st, st->stacks, st->nstacks, st->capstacks, ((stack_ref){(uint32_t)st->nframes, s->nframes, h}));
		st->nframes += s->nframes;
		if (idmap_put(&st->stack_idx, h, id))
			st->oom = 1;
	}
	if (idmap_put(&st->gen_stacks, s->id, id))
		st->oom = 1;
	return id;
}

static inline uint32_t intern_stack(stack_tab *st, const gt_stack *s)
{
	if (!s || s->nframes == 0)
		return 0;
	uint32_t cached = idmap_get(&st->gen_stacks, s->id);
	return cached != UINT32_MAX ? cached : intern_stack_uncached(st, s);
}

/* ---- arena ---- */

static char *arena_block(arena *a, size_t size)
{
	char *blk = grow(&a->blocks, &a->capblocks, a->nblocks + 1, sizeof *a->blocks) ? NULL : mem_alloc_huge(size);
	if (blk)
		a->blocks[a->nblocks++] = blk;
	return blk;
}

/* align: 8 for what is read as arrays, 1 for varints. Millions of small
 * pieces (a goroutine's spans and statistics) lose nothing to padding. */
static void *arena_alloc(gt_model *m, size_t bytes, size_t align)
{
	arena *a = &m->done;
	if (bytes == 0)
		return NULL;
	size_t pad = (size_t)(-(uintptr_t)a->cur & (align - 1));
	if (a->left < pad || bytes > a->left - pad) {
		/* Big requests get a block of their own, so the current chunk
		 * keeps its room. */
		bool big = bytes > ARENA_CHUNK_BYTES / 4;
		char *blk = !big && a->spare ? a->spare : arena_block(a, big ? bytes : ARENA_CHUNK_BYTES);
		if (!blk) {
			m->oom = 1;
			return NULL;
		}
		if (big)
			return blk;
		a->spare = NULL;
		/* From the third chunk: small models do without. */
		if (m->ahead && a->nblocks >= 2 && (a->spare = arena_block(a, ARENA_CHUNK_BYTES)))
			mem_ahead_ask(m->ahead, a->spare, ARENA_CHUNK_BYTES);
		a->cur = blk;
		a->left = ARENA_CHUNK_BYTES;
		pad = 0; /* chunks start on a huge page */
	}
	void *r = a->cur + pad;
	a->cur += pad + bytes;
	a->left -= pad + bytes;
	return r;
}

/* ---- goroutine records ---- */

/* A goroutine's piece of the arena: a flags byte and varints (its id, its
 * name, its creation from t0, its start from its creation, its end from
 * its start, its span count), then, with REC_STATS, its statistics (exec,
 * scheduler wait, syscall, syscall blocked and total time, the counts of
 * block and range times: a goroutine of a busy service has a few
 * microseconds of each, two or three bytes); then, with REC_ALIGNED, the
 * varints padded to 8 bytes, the block and range times as arrays for
 * gt_gstats to point at, and its spans frozen. A goroutine of this kind
 * takes about a hundred bytes in all, where a fixed record took 48 and a
 * pointer to its spans 8 more. Differences are taken modulo 2^64, so that
 * any times, -1 for never included, come back as they were. */
enum { REC_FOREVER = 1, REC_STATS = 2, REC_ALIGNED = 4 };

static uint64_t time_from(int64_t t, int64_t base) { return zigzag((int64_t)((uint64_t)t - (uint64_t)base)); }
static int64_t time_back(uint64_t v, int64_t base) { return (int64_t)((uint64_t)base + (uint64_t)unzigzag(v)); }

static void rec_pack(gt_model *m, uint32_t gi, const gbuild *b, uint32_t name, const sp_track *spans, size_t nspans)
{
	const gt_goroutine *g = &b->pub;
	const gt_gstats *st = &b->stats;
	int64_t v[] = {st->exec_ns, st->sched_wait_ns, st->syscall_ns, st->syscall_block_ns, st->total_ns,
	               (int64_t)b->nblock, (int64_t)b->nrng};
	uint8_t head[1 + 10 * 6 + 10 * sizeof v / sizeof v[0]], *p = head + 1;
	p = put_uvarint(p, zigzag(g->id));
	p = put_uvarint(p, name);
	p = put_uvarint(p, time_from(g->creation, m->t0));
	p = put_uvarint(p, time_from(g->start, g->creation));
	p = put_uvarint(p, time_from(g->end, g->start));
	p = put_uvarint(p, nspans);
	bool stats = false;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		stats = stats || v[i] != 0;
	for (size_t i = 0; stats && i < sizeof v / sizeof v[0]; i++)
		p = put_uvarint(p, zigzag(v[i]));
	size_t arrays = b->nblock * sizeof *b->block + b->nrng * sizeof *b->rng;
	size_t nsp = nspans ? sp_frozen_size(spans) : 0;
	bool aligned = arrays || (nspans && sp_frozen_align(spans) > 1);
	head[0] = (uint8_t)((g->blocked_forever ? REC_FOREVER : 0) | (stats ? REC_STATS : 0) | (aligned ? REC_ALIGNED : 0));
	size_t nhead = (size_t)(p - head), at = aligned ? (nhead + 7) & ~(size_t)7 : nhead;
	uint8_t *dst = arena_alloc(m, at + arrays + nsp, aligned ? 8 : 1);
	m->gs[gi] = dst;
	if (!dst) {
		m->oom = 1;
		return;
	}
	memcpy(dst, head, nhead);
	memset(dst + nhead, 0, at - nhead);
	if (b->nblock)
		memcpy(dst + at, b->block, b->nblock * sizeof *b->block);
	if (b->nrng)
		memcpy(dst + at + b->nblock * sizeof *b->block, b->rng, b->nrng * sizeof *b->rng);
	if (nspans)
		sp_freeze(spans, dst + at + arrays);
}

/* What the goroutine's piece says; a goroutine without one yet (its slot
 * not released) reads as gt_model_goroutine's goroutine out of range.
 * Without `all`, only the record: reports read it for every gap, and its
 * statistics take as many varints again. */
static grec rec_read(const gt_model *m, uint32_t gi, bool all)
{
	grec r = {.id = -1, .start = -1, .end = -1};
	const uint8_t *p0 = m->gs[gi], *p = p0;
	if (!p)
		return r;
	uint8_t f = *p++;
	r.id = unzigzag(get_uvarint(&p));
	r.name = (uint32_t)get_uvarint(&p);
	r.creation = time_back(get_uvarint(&p), m->t0);
	r.start = time_back(get_uvarint(&p), r.creation);
	r.end = time_back(get_uvarint(&p), r.start);
	r.nspans = (uint32_t)get_uvarint(&p);
	r.blocked_forever = (f & REC_FOREVER) != 0;
	if (!all)
		return r;
	gt_gstats *st = &r.stats;
	if (f & REC_STATS) {
		st->exec_ns = unzigzag(get_uvarint(&p));
		st->sched_wait_ns = unzigzag(get_uvarint(&p));
		st->syscall_ns = unzigzag(get_uvarint(&p));
		st->syscall_block_ns = unzigzag(get_uvarint(&p));
		st->total_ns = unzigzag(get_uvarint(&p));
		st->nblock = (uint32_t)unzigzag(get_uvarint(&p));
		st->nranges = (uint32_t)unzigzag(get_uvarint(&p));
	}
	if (f & REC_ALIGNED)
		p = p0 + (((size_t)(p - p0) + 7) & ~(size_t)7);
	st->block = st->nblock ? (const gt_reason_ns *)(const void *)p : NULL;
	p += st->nblock * sizeof *st->block;
	st->ranges = st->nranges ? (const gt_range_ns *)(const void *)p : NULL;
	p += st->nranges * sizeof *st->ranges;
	r.spans = p;
	return r;
}

static gt_goroutine grec_unpack(const gt_model *m, const grec *r)
{
	return (gt_goroutine){
		.id = r->id,
		.name = gt_model_name(m, r->name),
		.creation = r->creation,
		.start = r->start,
		.end = r->end,
		.nspans = r->nspans,
		.blocked_forever = r->blocked_forever,
	};
}

/* A goroutine's spans, ready to freeze into its piece of the arena: a
 * goroutine of a busy service has about ten, 240 bytes as an array and
 * about fifty packed. A long-lived one's first spans were packed as it
 * went. NULL when out of memory. */
static const sp_track *pack_spans(gt_model *m, span_vec *v, size_t *n)
{
	sp_track *t = v->pk.n ? &v->pk : &m->packing;
	if (t == &m->packing)
		t->nbytes = t->nblocks = t->n = 0;
	*n = t->n + v->n;
	bool ok = *n <= INT32_MAX; /* over 12 GB of trace for one goroutine */
	for (size_t i = 0; ok && i < v->n; i++)
		ok = sp_append(t, &v->v[i]) == 0;
	if (!ok)
		m->oom = 1;
	return ok ? t : NULL;
}

/* ---- goroutine build slots ---- */

/* A slot's buffers are kept for its next goroutine, unless one long-lived
 * goroutine grew them past this. */
#define SLOT_KEEP_SPANS 1024

/* A slot for goroutine gi: what it had when its slot was last released,
 * or else a new goroutine of this id. */
static gbuild *slot_acquire(gt_model *m, uint32_t gi, int64_t id)
{
	uint32_t s;
	if (m->nfree) {
		s = m->gfree[--m->nfree];
	} else {
		if (grow(&m->gb, &m->capgb, m->ngb + 1, sizeof *m->gb)) {
			m->oom = 1;
			return NULL;
		}
		s = (uint32_t)m->ngb++;
		memset(&m->gb[s], 0, sizeof m->gb[s]);
	}
	gbuild *b = &m->gb[s];
	gbuild keep = *b;
	memset(b, 0, sizeof *b);
	b->spans = (span_vec){.v = keep.spans.v, .cap = keep.spans.cap};
	b->lr = keep.lr;
	b->caplr = keep.caplr;
	b->block = keep.block;
	b->capblock = keep.capblock;
	b->rng = keep.rng;
	b->caprng = keep.caprng;
	b->regions = keep.regions;
	b->capregions = keep.capregions;
	if (m->gs[gi]) {
		grec r = rec_read(m, gi, true);
		b->pub = grec_unpack(m, &r);
		b->stats = r.stats;
	} else {
		/* Unnamed until a stack names it. Empty, but never NULL: reports
		 * memcmp and memcpy names. */
		b->pub = (gt_goroutine){.id = id, .name = {"", 0}, .start = -1, .end = -1};
	}
	b->owner = gi;
	b->gap = b->proc = b->thread = GT_NONE;
	b->stw_open = b->assist_open = b->sys_p = GT_NONE;
	b->state = GT_GO_UNDETERMINED;
	m->gslot[gi] = s;
	return b;
}

/* Moves what the goroutine's slot built into its record and the arena,
 * and frees the slot. */
static void slot_release(gt_model *m, uint32_t gi)
{
	uint32_t s = m->gslot[gi];
	if (s == GT_NONE)
		return;
	gbuild *b = &m->gb[s];
	uint32_t name = str_intern(&m->names, b->pub.name);
	if (m->names.oom) {
		m->oom = 1;
		m->limit = m->names.limit;
	}
	size_t nspans;
	const sp_track *spans = pack_spans(m, &b->spans, &nspans);
	if (spans)
		rec_pack(m, gi, b, name, spans, nspans);
	sp_free(&b->spans.pk);
	if (b->spans.cap > SLOT_KEEP_SPANS) {
		free(b->spans.v);
		b->spans.v = NULL;
		b->spans.cap = 0;
	}
	b->owner = GT_NONE;
	m->gslot[gi] = GT_NONE;
	if (grow(&m->gfree, &m->capfree, m->nfree + 1, sizeof *m->gfree))
		m->oom = 1;
	else
		m->gfree[m->nfree++] = s;
}

/* What only the build needs of goroutines: their slots, and where each
 * goroutine's is. */
static void slots_free(gt_model *m)
{
	for (size_t i = 0; i < m->ngb; i++) {
		gbuild *b = &m->gb[i];
		free(b->spans.v);
		sp_free(&b->spans.pk);
		free(b->lr);
		free(b->block);
		free(b->rng);
		free(b->regions);
	}
	free(m->gb);
	free(m->gfree);
	free(m->gslot);
	sp_free(&m->packing);
	m->gb = NULL;
	m->gfree = NULL;
	m->gslot = NULL;
	m->ngb = m->capgb = m->nfree = m->capfree = m->capgslot = 0;
}

/* The slot of a live goroutine, or NULL once it ended. */
static gbuild *gbld(gt_model *m, uint32_t gi)
{
	uint32_t s = gi == GT_NONE ? GT_NONE : m->gslot[gi];
	return s == GT_NONE ? NULL : &m->gb[s];
}

/* The slot of a goroutine about to change state: one that ended and comes
 * back (an id used again) gets a slot holding what it had built. */
static gbuild *gbld_revive(gt_model *m, uint32_t gi)
{
	gbuild *b = gbld(m, gi);
	if (b)
		return b;
	b = slot_acquire(m, gi, -1);
	if (!b)
		return NULL;
	const gt_goroutine *g = &b->pub;
	const gt_gstats *st = &b->stats;
	if (grow(&b->spans.v, &b->spans.cap, g->nspans + 1, sizeof *b->spans.v) ||
	    grow(&b->block, &b->capblock, st->nblock, sizeof *b->block) ||
	    grow(&b->rng, &b->caprng, st->nranges, sizeof *b->rng)) {
		m->oom = 1;
		return NULL;
	}
	gt_span_iter it;
	size_t n = 0;
	gt_track_seek(m, 0, gi, INT64_MIN, &it);
	while (n < g->nspans && gt_track_next(&it, &b->spans.v[n]))
		n++;
	b->spans.n = n;
	b->spans.floor = n ? b->spans.v[n - 1].end : 0;
	if (st->nblock)
		memcpy(b->block, st->block, st->nblock * sizeof *b->block);
	b->nblock = st->nblock;
	if (st->nranges)
		memcpy(b->rng, st->ranges, st->nranges * sizeof *b->rng);
	b->nrng = st->nranges;
	b->finalized = true;
	return b;
}

/* ---- resources ---- */

MD_NOINLINE static uint32_t goroutine_new(gt_model *m, int64_t id)
{
	uint32_t i;
	if (!mem_grow_in_place(&m->gs, &m->capgs, &m->reserved_gs, m->ngs + 1, sizeof *m->gs, m->ahead) ||
	    grow(&m->gslot, &m->capgslot, m->ngs + 1, sizeof *m->gslot)) {
		m->oom = 1;
		return GT_NONE;
	}
	i = (uint32_t)m->ngs++;
	m->gs[i] = NULL;
	if (!slot_acquire(m, i, id))
		return GT_NONE;
	if (idmap_put(&m->gidx, (uint64_t)id, i))
		m->oom = 1;
	if (m->ngs > GT_MAX_GOROUTINES) {
		_Static_assert(GT_MAX_GOROUTINES == 10000000u, "the message below names the ceiling");
		m->limit = "more than 10000000 goroutines in the trace";
		m->oom = 1;
	}
	return i;
}

static inline uint32_t goroutine(gt_model *m, int64_t id, bool create)
{
	if (id == GT_NO_ID)
		return GT_NONE;
	uint32_t i = idmap_get(&m->gidx, (uint64_t)id);
	return i != UINT32_MAX || !create ? i : goroutine_new(m, id);
}

MD_NOINLINE static uint32_t proc_lookup(gt_model *m, int64_t id)
{
	uint32_t i = idmap_get(&m->pidx, (uint64_t)id);
	if (i != UINT32_MAX) {
		m->last_p_id = id;
		m->last_p = i;
		return i;
	}
	if (grow(&m->ps, &m->capps, m->nps + 1, sizeof *m->ps) || grow(&m->pb, &m->cappb, m->nps + 1, sizeof *m->pb)) {
		m->oom = 1;
		return GT_NONE;
	}
	i = (uint32_t)m->nps++;
	memset(&m->ps[i], 0, sizeof m->ps[i]);
	memset(&m->pb[i], 0, sizeof m->pb[i]);
	m->ps[i].id = id;
	m->pb[i].syscalling = m->pb[i].sweep_g = m->pb[i].sweep_open = GT_NONE;
	if (idmap_put(&m->pidx, (uint64_t)id, i))
		m->oom = 1;
	m->last_p_id = id;
	m->last_p = i;
	return i;
}

static inline uint32_t proc(gt_model *m, int64_t id)
{
	if (id == GT_NO_ID)
		return GT_NONE;
	/* Events come in batches of one thread, which mostly holds one P. */
	return m->nps && id == m->last_p_id ? m->last_p : proc_lookup(m, id);
}

/* num: the reading thread's number for the thread id. */
MD_NOINLINE static uint32_t thread_lookup(gt_model *m, uint32_t num)
{
	uint32_t i = idmap_get(&m->midx, num);
	if (i != UINT32_MAX) {
		m->last_m_num = num;
		m->last_m = i;
		return i;
	}
	if (grow(&m->ms, &m->capms, m->nms + 1, sizeof *m->ms) || grow(&m->mb, &m->capmb, m->nms + 1, sizeof *m->mb)) {
		m->oom = 1;
		return GT_NONE;
	}
	i = (uint32_t)m->nms++;
	memset(&m->ms[i], 0, sizeof m->ms[i]);
	memset(&m->mb[i], 0, sizeof m->mb[i]);
	m->mb[i].num = num;
	if (idmap_put(&m->midx, num, i))
		m->oom = 1;
	m->last_m_num = num;
	m->last_m = i;
	return i;
}

static inline uint32_t thread(gt_model *m, uint32_t num)
{
	if (num == GT_NONE)
		return GT_NONE;
	return m->nms && num == m->last_m_num ? m->last_m : thread_lookup(m, num);
}

/* ---- spans ---- */

static void span_close(gt_model *m, span_vec *v, bool *open, int64_t t)
{
	(void)m;
	if (*open) {
		v->v[v->n - 1].end = t;
		v->floor = t;
		*open = false;
	}
}

/* A goroutine that lives long (a worker, a ticker) would hold every span
 * at 24 bytes until it ends: hundreds of megabytes in a big trace. Past
 * this many, all but the last, which may still end, are packed. */
#define SLOT_SPANS_UNPACKED 256

MD_NOINLINE static void span_flush(gt_model *m, span_vec *v)
{
	for (size_t i = 0; i + 1 < v->n; i++) {
		if (sp_append(&v->pk, &v->v[i])) {
			m->oom = 1;
			return;
		}
	}
	v->v[0] = v->v[v->n - 1];
	v->n = 1;
}

static void span_open(gt_model *m, span_vec *v, bool *open, int64_t t, uint8_t state, uint8_t track, uint32_t ref,
                      uint16_t reason)
{
	/* Tracks stay sorted and without overlaps whatever the events say: an
	 * Undetermined state reaches back to the generation's start, which in
	 * a converted old trace can come after spans of this very track. */
	if (v->n && t < v->floor)
		t = v->floor;
	span_close(m, v, open, t);
	gt_span s = {t, t, ref, reason, state, track};
	PUSH(m, v->v, v->n, v->cap, s);
	if (v->n >= SLOT_SPANS_UNPACKED && !m->oom)
		span_flush(m, v);
	v->floor = t;
	*open = !m->oom;
}

static void packed_close(packed_vec *v, bool *open, int64_t t)
{
	if (*open) {
		v->last.end = t;
		v->floor = t;
		*open = false;
	}
}

/* span_open for a packed track. */
static void packed_open(gt_model *m, packed_vec *v, bool *open, int64_t t, uint8_t state, uint8_t track, uint32_t ref)
{
	if (v->has_last && t < v->floor)
		t = v->floor;
	packed_close(v, open, t);
	if (v->has_last && sp_append(&v->pk, &v->last)) {
		m->oom = 1;
		return;
	}
	v->last = (gt_span){t, t, ref, 0, state, track};
	v->has_last = true;
	v->floor = t;
	*open = true;
}

/* Packs the last span: the track is complete. */
static void packed_finish(gt_model *m, packed_vec *v)
{
	if (v->has_last && sp_append(&v->pk, &v->last))
		m->oom = 1;
	v->has_last = false;
}

/* ---- scheduler context ---- */

/* Brings the integrals up to t; call before any change of state. */
static void sched_advance(gt_model *m, int64_t t)
{
	sched_state *c = &m->cur;
	int64_t dt = t - c->t;
	if (dt <= 0)
		return;
	if (c->busy >= c->maxprocs && c->maxprocs > 0)
		c->ns.all_ps_busy_ns += dt;
	if (c->busy < c->maxprocs && c->stw == 0)
		c->ns.idle_p_ns += dt;
	if (c->stw > 0)
		c->ns.stw_ns += dt;
	if (c->gc > 0)
		c->ns.gc_ns += dt;
	c->t = t;
}

/* Series change millions of times in a busy trace but are only drawn:
 * changes closer than this to the previous sample fold into it, keeping the
 * peak for counts and the last value for heap sizes. */
#define SERIES_RESOLUTION_NS 16384

static void series_add(gt_model *m, gt_series_id s, int64_t t, int64_t v)
{
	size_t n = m->nseries[s];
	if (n && t - m->series[s][n - 1].time < SERIES_RESOLUTION_NS) {
		gt_sample *last = &m->series[s][n - 1];
		bool peak = s == GT_SERIES_RUNNABLE || s == GT_SERIES_RUNNING;
		if (!peak || v > last->value)
			last->value = v;
		return;
	}
	PUSH(m, m->series[s], m->nseries[s], m->capseries[s], ((gt_sample){t, v}));
}

/* Busy Ps changed: a P got or lost a goroutine. */
static void busy_delta(gt_model *m, int64_t t, int d)
{
	sched_advance(m, t);
	m->cur.busy += d;
}

static void p_take(gt_model *m, uint32_t p, int64_t t, uint8_t state, uint32_t g)
{
	if (p == GT_NONE)
		return;
	pbuild *pb = &m->pb[p];
	bool was = pb->open;
	packed_open(m, &pb->spans, &pb->open, t, state, GT_TRACK_PROC, g);
	if (!was && pb->open)
		busy_delta(m, t, +1);
}

static void p_release(gt_model *m, uint32_t p, int64_t t)
{
	if (p == GT_NONE || !m->pb[p].open)
		return;
	packed_close(&m->pb[p].spans, &m->pb[p].open, t);
	busy_delta(m, t, -1);
}

/* ---- Go's summary rules ---- */

static void add_block(gt_model *m, gbuild *b, uint16_t reason, int64_t ns)
{
	for (size_t i = 0; i < b->nblock; i++) {
		if (b->block[i].reason == reason) {
			b->block[i].ns += ns;
			return;
		}
	}
	PUSH(m, b->block, b->nblock, b->capblock, ((gt_reason_ns){reason, ns}));
}

static void add_range(gt_model *m, gbuild *b, uint8_t range, uint16_t kind, int64_t ns)
{
	for (size_t i = 0; i < b->nrng; i++) {
		if (b->rng[i].range == range && b->rng[i].kind == kind) {
			b->rng[i].ns += ns;
			return;
		}
	}
	PUSH(m, b->rng, b->nrng, b->caprng, ((gt_range_ns){range, kind, ns}));
}

static open_range *find_lr(gbuild *b, uint8_t range, uint16_t kind)
{
	for (size_t i = 0; i < b->nlr; i++)
		if (b->lr[i].range == range && b->lr[i].kind == kind)
			return &b->lr[i];
	return NULL;
}

/* snapshotStat + finalize: pending time counted up to last_ts. */
static void finalize(gt_model *m, uint32_t gi, int64_t last_ts, const int64_t *trigger_time)
{
	gbuild *b = gbld(m, gi);
	/* Without a slot (out of memory) there is no record to change. */
	if (trigger_time && b)
		b->pub.end = *trigger_time;
	if (!b || b->finalized)
		return;
	gt_gstats *st = &b->stats;
	if (st->total_ns == 0)
		st->total_ns = last_ts - b->pub.creation;
	if (b->last_start)
		st->exec_ns += last_ts - b->last_start;
	if (b->last_runnable)
		st->sched_wait_ns += last_ts - b->last_runnable;
	if (b->last_block)
		add_block(m, b, b->last_block_reason, last_ts - b->last_block);
	if (b->last_syscall)
		st->syscall_ns += last_ts - b->last_syscall;
	/* Go counts a syscall still blocked at the end as scheduler wait. */
	if (b->last_syscall_block)
		st->sched_wait_ns += last_ts - b->last_syscall_block;
	for (size_t i = 0; i < b->nlr; i++)
		if (b->lr[i].ts)
			add_range(m, b, b->lr[i].range, b->lr[i].kind, last_ts - b->lr[i].ts);
	b->last_start = b->last_runnable = b->last_block = b->last_syscall = b->last_syscall_block = 0;
	b->nlr = 0;
	b->finalized = true;
}

static bool str_is(gt_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* ---- gaps ---- */

/* Marks a gap in the window as open: at close, proc becomes a P index or
 * GT_NONE. */
#define GAP_OPEN (GT_NONE - 1)
/* Gaps in the window before it is packed: small enough to stay in cache.
 * A test builds the model with 2, to take every path with small traces. */
#ifndef GAP_PACK_MIN
#define GAP_PACK_MIN 1024
#endif
/* Window positions are 32-bit, GT_NONE and GAP_OPEN excluded. */
#define GAP_SLOT_MAX ((size_t)UINT32_MAX - 1)
/* How many gaps gaps_unpack may take back beyond those packed. */
#define GAP_UNPACK_SLACK (1u << 20)

/* Tells the slots of the open gaps in the window from `from` on where
 * their gaps are now. */
static void win_reslot(gt_model *m, size_t from)
{
	for (size_t i = from; i < m->nwin; i++)
		if (m->win[i].proc == GAP_OPEN) {
			gbuild *b = gbld(m, m->win[i].goroutine);
			if (b)
				b->gap = (uint32_t)i;
		}
}

/* Packs the window's gaps that nothing to come can precede: in order of
 * start (equal starts in the order they began), up to the first still open
 * or starting after `bound`, before which no gap opens from now on. */
static void gaps_pack(gt_model *m, int64_t bound)
{
	gt_gap *w = m->win;
	size_t n = m->nwin;
	/* Gaps of goroutines found runnable at a generation's start are
	 * recorded when their status arrives, a little after gaps that began
	 * later: insertion sort, stable, and those move only a little. */
	for (size_t i = 1; i < n; i++) {
		if (w[i].start >= w[i - 1].start)
			continue;
		gt_gap g = w[i];
		size_t j = i;
		while (j > 0 && w[j - 1].start > g.start) {
			w[j] = w[j - 1];
			j--;
		}
		w[j] = g;
	}
	size_t k = 0;
	for (; k < n && w[k].proc != GAP_OPEN && w[k].start <= bound; k++)
		if (gp_append(&m->gaps, &w[k], m->ahead) != 0) {
			m->oom = 1;
			break;
		}
	if (k) {
		m->gap_floor = w[k - 1].start;
		memmove(w, w + k, (n - k) * sizeof *w);
		m->nwin = n - k;
	}
	win_reslot(m, 0);
	m->pack_at = m->nwin * 2 > GAP_PACK_MIN ? m->nwin * 2 : GAP_PACK_MIN;
}

/* A gap that begins before one already packed: a goroutine found
 * runnable at the trace's start whose status comes later, or a clock that
 * runs backwards. The packed gaps that start after it go back into the
 * window, from the start of their block, to be packed again after it.
 * Should that be asked of it over and over, which only a clock going
 * back and forth would do, everything stays in the window instead: the
 * work stays linear in the gaps, not quadratic. */
MD_NOINLINE static void gaps_unpack(gt_model *m, int64_t t)
{
	bool all = m->gaps_unpacked > m->gaps.n + (size_t)GAP_UNPACK_SLACK;
	size_t from = 0;
	if (!all) {
		from = gp_first_at(&m->gaps, t + 1);
		from -= from % GT_GAP_BLOCK;
	}
	size_t np = m->gaps.n - from, n = np + m->nwin;
	if (n > GAP_SLOT_MAX || !mem_grow(&m->win, &m->capwin, n, sizeof *m->win, GAP_PACK_MIN)) {
		m->oom = 1;
		return;
	}
	m->gaps_unpacked += np;
	memmove(m->win + np, m->win, m->nwin * sizeof *m->win);
	gt_gap_iter it;
	gp_seek(&m->gaps, from, &it);
	for (size_t i = 0; i < np; i++)
		gt_gap_next(&it, &m->win[i]);
	gp_truncate(&m->gaps, from);
	m->nwin = n;
	win_reslot(m, np);
	m->gap_floor = INT64_MIN;
	if (from) {
		gt_gap last;
		gp_seek(&m->gaps, from - 1, &it);
		gt_gap_next(&it, &last);
		m->gap_floor = last.start;
	}
	if (all)
		m->pack_at = SIZE_MAX;
}

static void gap_open(gt_model *m, uint32_t gi, int64_t t, gt_gap_cause cause, uint32_t unblocker, uint32_t stack)
{
	m->runnable++;
	series_add(m, GT_SERIES_RUNNABLE, t - m->t0, m->runnable);
	sched_advance(m, t);
	gt_gap gap = {.goroutine = gi,
	              .cause = cause,
	              .start = t,
	              .unblocker = unblocker,
	              .unblock_stack = stack,
	              .proc = GAP_OPEN,
	              .runnable_at_start = (uint32_t)m->runnable};
	gbuild *b = gbld(m, gi);
	if (!b)
		return;
	/* A gap yet to open starts now, save the rare one gaps_unpack makes
	 * room for: waiting for the generation's end, for a goroutine whose
	 * status was yet to come, kept a generation of gaps (40 MB) here.
	 * Not both at once: this gap goes in before the window packs again. */
	if (t < m->gap_floor)
		gaps_unpack(m, t);
	else if (m->nwin >= m->pack_at)
		gaps_pack(m, m->last_ts - m->t0);
	b->gap_from = m->cur.ns;
	b->gap = (uint32_t)m->nwin;
	if (m->nwin >= GAP_SLOT_MAX || !mem_grow(&m->win, &m->capwin, m->nwin + 1, sizeof *m->win, GAP_PACK_MIN))
		m->oom = 1;
	else
		m->win[m->nwin++] = gap;
	if (m->oom)
		b->gap = GT_NONE;
}

static void gap_close(gt_model *m, uint32_t gi, int64_t t, uint32_t p)
{
	gbuild *b = gbld(m, gi);
	uint32_t i = b ? b->gap : GT_NONE;
	if (i == GT_NONE)
		return;
	sched_advance(m, t);
	gt_gap *gap = &m->win[i];
	gap->proc = p;
	const gt_gap_sched *now = &m->cur.ns, *from = &b->gap_from;
	gt_gap_sched sc = {now->all_ps_busy_ns - from->all_ps_busy_ns, now->idle_p_ns - from->idle_p_ns,
	                   now->stw_ns - from->stw_ns, now->gc_ns - from->gc_ns};
	int64_t len = t - gap->start;
	b->gap = GT_NONE;
	m->runnable--;
	series_add(m, GT_SERIES_RUNNABLE, t - m->t0, m->runnable);
	/* Each figure is at most the gap's length: all fit in 32 bits unless
	 * the goroutine waited 4.3 s or more. */
	if ((uint64_t)(len | sc.all_ps_busy_ns | sc.idle_p_ns | sc.stw_ns | sc.gc_ns) <= UINT32_MAX) {
		gap->len32 = (uint32_t)len;
		gap->sched[0] = (uint32_t)sc.all_ps_busy_ns;
		gap->sched[1] = (uint32_t)sc.idle_p_ns;
		gap->sched[2] = (uint32_t)sc.stw_ns;
		gap->sched[3] = (uint32_t)sc.gc_ns;
		return;
	}
	if (m->nwide_sched == UINT32_MAX) { /* 128 GB of them: out of memory first */
		m->oom = 1;
		return;
	}
	PUSH(m, m->wide_sched, m->nwide_sched, m->capwide_sched, sc);
	if (!m->oom) {
		gap->sched_wide = 1;
		gap->sched[0] = (uint32_t)(m->nwide_sched - 1);
		gap->sched[2] = (uint32_t)(uint64_t)len;
		gap->sched[3] = (uint32_t)((uint64_t)len >> 32);
	}
}

/* ---- events ---- */

static void go_transition(gt_model *m, const mrec *r)
{
	const mhead *h = &r->h;
	int64_t t = h->time;
	gt_go_state from = h->from, to = h->to;
	if (from == to)
		return;
	bool create = from == GT_GO_UNDETERMINED || from == GT_GO_NOT_EXIST;
	uint32_t gi = goroutine(m, h->id, false);
	bool existed = gi != GT_NONE;
	if (!existed)
		gi = goroutine(m, h->id, true);
	if (gi == GT_NONE)
		return;
	gbuild *b = gbld_revive(m, gi);
	if (!b)
		return;
	gt_goroutine *g = &b->pub;
	uint16_t reason = h->reason;
	uint32_t p = proc(m, h->proc);
	uint32_t th = thread(m, h->thread);

	/* Summarizer.Event: leaving the old state. */
	if (create) {
		if (existed) {
			/* Go starts a new summary whenever a goroutine comes from
			 * NotExist or Undetermined, dropping what it knew: an id used
			 * again (cgo callbacks on a reused extra M), or an old-format
			 * trace that shows a goroutine it just created as Undetermined.
			 * Its spans stay on the same track; a gap it was in ends. */
			if (b->gap != GT_NONE)
				gap_close(m, gi, t - m->t0, GT_NONE);
			memset(&b->stats, 0, sizeof b->stats);
			g->name = (gt_str){"", 0};
			g->start = g->end = -1;
			g->blocked_forever = false;
			b->nblock = b->nrng = b->nlr = 0;
			b->last_start = b->last_runnable = b->last_block = b->last_syscall = b->last_syscall_block = 0;
			b->finalized = false;
		}
		if (from == GT_GO_UNDETERMINED) {
			g->creation = m->sync_ts;
			int64_t st = t - m->sync_ts;
			switch (to) {
			case GT_GO_RUNNING:
				b->stats.exec_ns += st;
				break;
			case GT_GO_WAITING:
				add_block(m, b, reason, st);
				break;
			case GT_GO_RUNNABLE:
				b->stats.sched_wait_ns += st;
				break;
			case GT_GO_SYSCALL:
				if (h->proc == GT_NO_ID)
					b->stats.syscall_block_ns += st;
				else
					b->stats.syscall_ns += st;
				break;
			default:
				break;
			}
		} else {
			g->creation = t;
		}
	} else {
		switch (from) {
		case GT_GO_RUNNING:
			b->stats.exec_ns += t - b->last_start;
			b->last_start = 0;
			break;
		case GT_GO_WAITING:
			if (b->last_block) {
				add_block(m, b, b->last_block_reason, t - b->last_block);
				b->last_block = 0;
			}
			break;
		case GT_GO_RUNNABLE:
			if (b->last_runnable) {
				b->stats.sched_wait_ns += t - b->last_runnable;
				b->last_runnable = 0;
			}
			break;
		case GT_GO_SYSCALL:
			if (b->last_syscall) {
				if (b->last_syscall_block) {
					b->stats.syscall_block_ns += t - b->last_syscall_block;
					b->stats.syscall_ns += b->last_syscall_block - b->last_syscall;
				} else {
					b->stats.syscall_ns += t - b->last_syscall;
				}
				b->last_syscall = 0;
				b->last_syscall_block = 0;
				/* As Go does, forget the P it entered on even if another
				 * goroutine's syscall has taken that P since. */
				if (b->sys_p != GT_NONE)
					m->pb[b->sys_p].syscalling = GT_NONE;
				b->sys_p = GT_NONE;
			}
			break;
		default:
			break;
		}
	}
	if ((h->flags & MH_ENTRY) && g->name.len == 0)
		g->name = r->entry.func;

	/* The model: spans of the goroutine, its P and its thread, and gaps. */
	int64_t rel = t - m->t0;
	int64_t span_start = from == GT_GO_UNDETERMINED ? m->sync_ts - m->t0 : rel;
	if (from == GT_GO_RUNNABLE)
		gap_close(m, gi, rel, to == GT_GO_RUNNING ? p : GT_NONE);
	if (from == GT_GO_RUNNING || from == GT_GO_SYSCALL) {
		m->running -= from == GT_GO_RUNNING;
		if (from == GT_GO_RUNNING)
			series_add(m, GT_SERIES_RUNNING, rel, m->running);
		if (!(from == GT_GO_SYSCALL && to == GT_GO_RUNNING) && !(from == GT_GO_RUNNING && to == GT_GO_SYSCALL)) {
			if (b->proc != GT_NONE && m->pb[b->proc].open && m->pb[b->proc].spans.last.ref == gi)
				p_release(m, b->proc, rel);
			if (b->thread != GT_NONE)
				packed_close(&m->mb[b->thread].spans, &m->mb[b->thread].open, rel);
			b->proc = b->thread = GT_NONE;
		}
	}
	uint32_t stack = h->tstack;
	switch (to) {
	case GT_GO_RUNNING:
		span_open(m, &b->spans, &b->open, span_start, GT_GS_RUNNING, GT_TRACK_GOROUTINE, p, 0);
		m->running++;
		series_add(m, GT_SERIES_RUNNING, rel, m->running);
		b->proc = p;
		b->thread = th;
		p_take(m, p, span_start, GT_PS_RUNNING, gi);
		if (th != GT_NONE)
			packed_open(m, &m->mb[th].spans, &m->mb[th].open, span_start, GT_PS_RUNNING, GT_TRACK_THREAD, gi);
		break;
	case GT_GO_RUNNABLE: {
		span_open(m, &b->spans, &b->open, span_start, GT_GS_RUNNABLE, GT_TRACK_GOROUTINE, stack, reason);
		gt_gap_cause cause = GT_CAUSE_UNBLOCKED;
		uint32_t by = GT_NONE, by_stack = 0;
		switch (from) {
		case GT_GO_UNDETERMINED:
			cause = GT_CAUSE_TRACE_START;
			break;
		case GT_GO_NOT_EXIST:
			cause = GT_CAUSE_CREATED;
			by = goroutine(m, h->goroutine, false);
			by_stack = h->stack;
			break;
		case GT_GO_RUNNING:
			cause = h->flags & MH_PREEMPTED ? GT_CAUSE_PREEMPTED : GT_CAUSE_YIELDED;
			break;
		case GT_GO_SYSCALL:
			cause = GT_CAUSE_SYSCALL;
			break;
		default:
			by = goroutine(m, h->goroutine, false);
			by_stack = h->stack;
			break;
		}
		if (by == gi)
			by = GT_NONE;
		gap_open(m, gi, span_start, cause, by, by_stack);
		break;
	}
	case GT_GO_WAITING:
		span_open(m, &b->spans, &b->open, span_start, GT_GS_WAITING, GT_TRACK_GOROUTINE, stack, reason);
		break;
	case GT_GO_SYSCALL:
		span_open(m, &b->spans, &b->open, span_start,
		          h->proc == GT_NO_ID ? GT_GS_SYSCALL_BLOCKED : GT_GS_SYSCALL, GT_TRACK_GOROUTINE, stack, reason);
		if (p != GT_NONE) {
			b->proc = p;
			p_take(m, p, span_start, GT_PS_SYSCALL, gi);
		}
		if (th != GT_NONE) {
			b->thread = th;
			packed_open(m, &m->mb[th].spans, &m->mb[th].open, span_start, GT_PS_SYSCALL, GT_TRACK_THREAD, gi);
		}
		break;
	default: /* NotExist */
		span_close(m, &b->spans, &b->open, rel);
		break;
	}
	b->state = (uint8_t)to;

	/* Summarizer.Event: entering the new state. */
	switch (to) {
	case GT_GO_RUNNING:
		b->last_start = t;
		if (g->start < 0)
			g->start = t;
		break;
	case GT_GO_RUNNABLE:
		b->last_runnable = t;
		break;
	case GT_GO_WAITING:
		if (!(h->flags & MH_FOREVER)) {
			b->last_block = t;
			b->last_block_reason = reason;
			break;
		}
		g->blocked_forever = true;
		finalize(m, gi, t, &t);
		break;
	case GT_GO_NOT_EXIST:
		finalize(m, gi, t, &t);
		slot_release(m, gi);
		break;
	case GT_GO_SYSCALL:
		if (p != GT_NONE)
			m->pb[p].syscalling = gi;
		b->sys_p = p;
		b->proc = p;
		b->last_syscall = t;
		break;
	default:
		break;
	}
}

static void proc_transition(gt_model *m, const mhead *h)
{
	gt_proc_state from = h->from, to = h->to;
	uint32_t p = proc(m, h->id);
	if (p == GT_NONE || from == to || to != GT_PROC_IDLE)
		return;
	int64_t rel = h->time - m->t0;
	gbuild *b = gbld(m, m->pb[p].syscalling);
	m->pb[p].syscalling = GT_NONE;
	if (b) {
		/* The P was taken from a goroutine in a syscall: from here on the
		 * syscall blocks without a P. */
		b->last_syscall_block = h->time;
		if (b->open && b->spans.v[b->spans.n - 1].state == GT_GS_SYSCALL) {
			gt_span last = b->spans.v[b->spans.n - 1];
			span_open(m, &b->spans, &b->open, rel, GT_GS_SYSCALL_BLOCKED, GT_TRACK_GOROUTINE, last.ref,
			          last.reason);
		}
		b->proc = GT_NONE;
	}
	p_release(m, p, rel);
}

static void range_event(gt_model *m, const mrec *r)
{
	const gt_event *ev = &r->ev;
	int64_t rel = ev->time - m->t0;
	gt_range_id id = ev->u.range.id;
	uint16_t kind = id == GT_RANGE_STW ? r->h.reason : 0;
	bool begin = ev->kind != GT_EV_RANGE_END;

	/* The model's range spans. */
	uint32_t gi = GT_NONE;
	if (ev->u.range.scope == GT_RES_GOROUTINE)
		gi = goroutine(m, ev->u.range.scope_id, false);
	gbuild *on = gbld(m, gi); /* the live goroutine the range is on */
	switch (id) {
	case GT_RANGE_GC_MARK:
		if (begin && m->gc_open == GT_NONE) {
			m->gc_open = (uint32_t)m->nranges[id];
			int64_t s = ev->kind == GT_EV_RANGE_ACTIVE ? m->sync_ts - m->t0 : rel;
			PUSH(m, m->ranges[id], m->nranges[id], m->capranges[id], ((gt_range_span){s, s, GT_NONE, 0}));
			sched_advance(m, s);
			m->cur.gc = 1;
		} else if (!begin && m->gc_open != GT_NONE) {
			m->ranges[id][m->gc_open].end = rel;
			m->gc_open = GT_NONE;
			sched_advance(m, rel);
			m->cur.gc = 0;
		}
		break;
	case GT_RANGE_STW:
	case GT_RANGE_MARK_ASSIST:
		if (on) {
			uint32_t *open = id == GT_RANGE_STW ? &on->stw_open : &on->assist_open;
			if (begin && *open == GT_NONE) {
				*open = (uint32_t)m->nranges[id];
				int64_t s = ev->kind == GT_EV_RANGE_ACTIVE ? m->sync_ts - m->t0 : rel;
				PUSH(m, m->ranges[id], m->nranges[id], m->capranges[id], ((gt_range_span){s, s, gi, kind}));
				if (id == GT_RANGE_STW) {
					sched_advance(m, s);
					m->cur.stw++;
				}
			} else if (!begin && *open != GT_NONE) {
				m->ranges[id][*open].end = rel;
				*open = GT_NONE;
				if (id == GT_RANGE_STW) {
					sched_advance(m, rel);
					m->cur.stw--;
				}
			}
		}
		break;
	case GT_RANGE_SWEEP: {
		uint32_t p = proc(m, ev->u.range.scope_id);
		if (p == GT_NONE)
			break;
		if (begin && m->pb[p].sweep_open == GT_NONE) {
			m->pb[p].sweep_open = (uint32_t)m->nranges[id];
			PUSH(m, m->ranges[id], m->nranges[id], m->capranges[id],
			     ((gt_range_span){rel, rel, goroutine(m, ev->goroutine, false), 0}));
		} else if (!begin && m->pb[p].sweep_open != GT_NONE) {
			m->ranges[id][m->pb[p].sweep_open].end = rel;
			m->pb[p].sweep_open = GT_NONE;
		}
		break;
	}
	}

	/* Summarizer.Event: range time per goroutine. */
	uint8_t rk = (uint8_t)id;
	uint32_t sg = GT_NONE;
	if (begin) {
		if (ev->u.range.scope == GT_RES_GOROUTINE) {
			sg = gi;
		} else if (ev->u.range.scope == GT_RES_PROC) {
			sg = goroutine(m, ev->goroutine, false);
			uint32_t p = proc(m, ev->u.range.scope_id);
			if (sg != GT_NONE && p != GT_NONE)
				m->pb[p].sweep_g = sg;
		}
		gbuild *b = gbld(m, sg);
		if (!b || b->finalized)
			return;
		open_range *lr = find_lr(b, rk, kind);
		if (!lr) {
			PUSH(m, b->lr, b->nlr, b->caplr, ((open_range){rk, kind, 0}));
			if (m->oom)
				return;
			lr = &b->lr[b->nlr - 1];
		}
		if (ev->kind == GT_EV_RANGE_ACTIVE) {
			if (lr->ts)
				add_range(m, b, rk, kind, m->sync_ts - lr->ts);
			lr->ts = m->sync_ts;
		} else {
			lr->ts = ev->time;
		}
		return;
	}
	if (ev->u.range.scope == GT_RES_GOROUTINE) {
		sg = gi;
	} else if (ev->u.range.scope == GT_RES_PROC) {
		uint32_t p = proc(m, ev->u.range.scope_id);
		if (p != GT_NONE && m->pb[p].sweep_g != GT_NONE) {
			if (m->pb[p].sweep_g == goroutine(m, ev->goroutine, false))
				sg = m->pb[p].sweep_g;
			m->pb[p].sweep_g = GT_NONE;
		}
	}
	gbuild *b = gbld(m, sg);
	if (!b || b->finalized)
		return;
	open_range *lr = find_lr(b, rk, kind);
	if (!lr || lr->ts == 0)
		return;
	add_range(m, b, rk, kind, ev->time - lr->ts);
	*lr = b->lr[--b->nlr];
}

static void annotation(gt_model *m, const gt_event *ev)
{
	int64_t rel = ev->time - m->t0;
	uint32_t gi = goroutine(m, ev->goroutine, false);
	gbuild *b = gbld(m, gi);
	switch (ev->kind) {
	case GT_EV_REGION_BEGIN:
		if (b) {
			gt_region r = {rel, -1, gi, ev->u.region.task, ev->u.region.type, (uint32_t)b->nregions};
			uint32_t idx = (uint32_t)m->nregions_;
			PUSH(m, m->regions, m->nregions_, m->capregions_, r);
			PUSH(m, b->regions, b->nregions, b->capregions, idx);
		}
		break;
	case GT_EV_REGION_END:
		if (b && b->nregions)
			m->regions[b->regions[--b->nregions]].end = rel;
		break;
	case GT_EV_TASK_BEGIN:
	case GT_EV_TASK_END: {
		uint32_t i = idmap_get(&m->task_idx, ev->u.task.id);
		if (i == UINT32_MAX) {
			i = (uint32_t)m->ntasks;
			PUSH(m, m->tasks, m->ntasks, m->captasks,
			     ((gt_task){ev->u.task.id, ev->u.task.parent, ev->u.task.type, -1, -1}));
			if (idmap_put(&m->task_idx, ev->u.task.id, i))
				m->oom = 1;
			if (m->oom)
				break;
		}
		gt_task *task = &m->tasks[i];
		if (ev->u.task.type.len)
			task->type = ev->u.task.type;
		if (ev->kind == GT_EV_TASK_BEGIN)
			task->start = rel;
		else
			task->end = rel;
		break;
	}
	case GT_EV_LOG:
		PUSH(m, m->logs, m->nlogs, m->caplogs,
		     ((gt_log){rel, gi, ev->u.log.task, ev->u.log.category, ev->u.log.message}));
		break;
	default:
		break;
	}
}

static void model_event(gt_model *m, const mrec *r)
{
	const gt_event *ev = &r->ev;
	int64_t time = r->h.time;
	if (!m->started) {
		m->started = true;
		m->t0 = time;
		m->sync_ts = time;
	}
	/* Model times are nanoseconds since t0, summed over spans and gaps in
	 * int64: a clock that runs wild (a hostile file, or a timestamp past
	 * the range of int64 wrapping around) would overflow them. */
	if ((uint64_t)time - (uint64_t)m->t0 > GT_MAX_TRACE_NS) {
		_Static_assert(GT_MAX_TRACE_NS == (int64_t)1 << 50, "the message below names the ceiling");
		m->limit = "trace spans more than 2^50 ns (13 days), or its clock goes backwards";
		m->oom = 1;
		return;
	}
	m->last_ts = time;
	int64_t rel = time - m->t0;
	if (r->h.kind == GT_EV_STATE_TRANSITION) {
		if (r->h.resource == GT_RES_GOROUTINE)
			go_transition(m, r);
		else
			proc_transition(m, &r->h);
		return;
	}
	switch (ev->kind) {
	case GT_EV_SYNC:
		m->sync_ts = time;
		break;
	case GT_EV_RANGE_BEGIN:
	case GT_EV_RANGE_ACTIVE:
	case GT_EV_RANGE_END:
		range_event(m, r);
		break;
	case GT_EV_METRIC:
		switch (ev->u.metric.id) {
		case GT_METRIC_GOMAXPROCS:
			series_add(m, GT_SERIES_GOMAXPROCS, rel, (int64_t)ev->u.metric.value);
			sched_advance(m, rel);
			m->cur.maxprocs = (int32_t)ev->u.metric.value;
			break;
		case GT_METRIC_HEAP_ALLOC:
			series_add(m, GT_SERIES_HEAP_ALLOC, rel, (int64_t)ev->u.metric.value);
			break;
		case GT_METRIC_HEAP_GOAL:
			series_add(m, GT_SERIES_HEAP_GOAL, rel, (int64_t)ev->u.metric.value);
			break;
		}
		break;
	case GT_EV_STACK_SAMPLE:
		PUSH(m, m->samples, m->nsamples, m->capsamples,
		     ((gt_cpu_sample){rel, goroutine(m, ev->goroutine, false), r->h.stack}));
		break;
	case GT_EV_REGION_BEGIN:
	case GT_EV_REGION_END:
	case GT_EV_TASK_BEGIN:
	case GT_EV_TASK_END:
	case GT_EV_LOG:
		annotation(m, ev);
		break;
	default:
		break;
	}
}

static void finish(gt_model *m)
{
	int64_t end = m->last_ts - m->t0;
	for (size_t s = 0; s < m->ngb; s++) {
		gbuild *b = &m->gb[s];
		uint32_t gi = b->owner;
		if (gi == GT_NONE)
			continue;
		/* Still runnable at the end: counted up to the end, as Go's summary
		 * does, with no P it ran on. */
		if (b->gap != GT_NONE)
			gap_close(m, gi, end, GT_NONE);
		span_close(m, &b->spans, &b->open, end);
		finalize(m, gi, m->last_ts, NULL);
		for (size_t r = 0; r < b->nregions; r++)
			m->regions[b->regions[r]].end = -1;
		slot_release(m, gi);
	}
	gaps_pack(m, INT64_MAX);
	free(m->win);
	m->win = NULL;
	m->nwin = m->capwin = 0;
	slots_free(m);
	for (uint32_t p = 0; p < m->nps; p++) {
		packed_close(&m->pb[p].spans, &m->pb[p].open, end);
		packed_finish(m, &m->pb[p].spans);
	}
	for (uint32_t t = 0; t < m->nms; t++) {
		packed_close(&m->mb[t].spans, &m->mb[t].open, end);
		packed_finish(m, &m->mb[t].spans);
	}
	for (int r = 0; r < 4; r++)
		for (size_t i = 0; i < m->nranges[r]; i++)
			if (m->ranges[r][i].end < m->ranges[r][i].start ||
			    (m->ranges[r][i].end == m->ranges[r][i].start && r != GT_RANGE_SWEEP))
				m->ranges[r][i].end = end;
	if (m->gc_open != GT_NONE)
		m->ranges[GT_RANGE_GC_MARK][m->gc_open].end = end;

	for (uint32_t p = 0; p < m->nps; p++)
		m->ps[p].nspans = m->pb[p].spans.pk.n;
	for (uint32_t t = 0; t < m->nms; t++)
		m->ms[t].nspans = m->mb[t].spans.pk.n;
}

/* ---- the two threads ---- */

/* The thread that reads the trace (decoding on it and on the decoder's
 * own worker) hands events in chunks to a builder thread, so reading and
 * building use both cores. Chunks are small enough to stay in cache. */
#define PIPE_CHUNK 512
#define PIPE_CHUNKS 16

/* Chunks change hands through atomics; the mutex and condition variables
 * serve only a side that has to sleep. A side that waits is woken once
 * half the ring is ready for it, not for every chunk: waking per chunk
 * spent a fifth of the time in futex calls and context switches, and
 * taking the mutex for every chunk made the builder wake the reading
 * thread from the mutex's futex (a tenth of its time on this machine). */
typedef struct mpipe {
	gt_model *m;
	pthread_mutex_t mu;
	pthread_cond_t builder_cv, reader_cv;
	atomic_bool builder_waiting, reader_waiting;
	mrec *recs;                      /* PIPE_CHUNKS chunks of PIPE_CHUNK */
	atomic_size_t fill[PIPE_CHUNKS]; /* records of a chunk handed over; 0: the chunk is free */
	atomic_size_t nfull;             /* chunks handed over and not yet done */
	atomic_bool end;                 /* no chunk follows those handed over */
	atomic_bool stop;                /* the builder gave up: out of memory or a limit */
	uint64_t stop_offset;            /* the event it gave up at, set before stop */
} mpipe;

/* Wakes a side that sleeps on cv. Taking the mutex first means it is
 * either before its check, which then sees the new state, or waiting;
 * signalling after letting go means it does not wake only to block on the
 * mutex and be woken a second time. */
static void pipe_wake(mpipe *p, pthread_cond_t *cv)
{
	pthread_mutex_lock(&p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_cond_signal(cv);
}

/* The records of chunk ci once the reading thread hands it over; 0 when
 * no chunk follows. */
static size_t pipe_wait_full(mpipe *p, size_t ci)
{
	size_t n = atomic_load(&p->fill[ci]);
	if (n)
		return n;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->builder_waiting, true);
	for (;;) {
		if ((n = atomic_load(&p->fill[ci])))
			break;
		/* The reading thread fills the chunk before it sets end. */
		if (atomic_load(&p->end)) {
			n = atomic_load(&p->fill[ci]);
			break;
		}
		pthread_cond_wait(&p->builder_cv, &p->mu);
	}
	atomic_store(&p->builder_waiting, false);
	pthread_mutex_unlock(&p->mu);
	return n;
}

static void *builder_main(void *arg)
{
	mpipe *p = arg;
	gt_model *m = p->m;
	for (size_t ci = 0;; ci = (ci + 1) % PIPE_CHUNKS) {
		size_t n = pipe_wait_full(p, ci);
		if (n == 0)
			return NULL;
		const mrec *r = p->recs + ci * PIPE_CHUNK;
		size_t i = 0;
		while (i < n && !m->oom)
			model_event(m, &r[i++]);
		if (m->oom) {
			p->stop_offset = r[i - 1].h.offset;
			atomic_store(&p->stop, true);
		}
		atomic_store(&p->fill[ci], 0);
		size_t nfull = atomic_fetch_sub(&p->nfull, 1) - 1;
		if (atomic_load(&p->reader_waiting) && (m->oom || nfull <= PIPE_CHUNKS / 2))
			pipe_wake(p, &p->reader_cv);
		if (m->oom)
			return NULL;
	}
}

/* Fills the record the builder gets for ev: its stacks as model stack ids
 * (clearing the pointers), its reason as an interned index and its thread
 * id as a number, in the order the builder would have asked for them. */
static void resolve(stack_tab *st, gt_event *ev, mrec *r)
{
	mhead *h = &r->h;
	*h = (mhead){.kind = (uint8_t)ev->kind,
	             .thread = GT_NONE,
	             .time = ev->time,
	             .proc = ev->proc,
	             .goroutine = ev->goroutine,
	             .offset = ev->offset};
	if (ev->thread != GT_NO_ID) {
		/* Events come in batches of one thread. */
		if (st->nthread_nums && ev->thread == st->last_thread_id) {
			h->thread = st->last_thread_num;
		} else {
			h->thread = idmap_get(&st->thread_num, (uint64_t)ev->thread);
			if (h->thread == UINT32_MAX) {
				h->thread = st->nthread_nums;
				if (idmap_put(&st->thread_num, (uint64_t)ev->thread, h->thread) ||
				    grow(&st->thread_ids, &st->capthread_ids, st->nthread_nums + 1, sizeof *st->thread_ids))
					st->oom = 1;
				else
					st->thread_ids[st->nthread_nums++] = ev->thread;
			}
			st->last_thread_id = ev->thread;
			st->last_thread_num = h->thread;
		}
	}
	switch (ev->kind) {
	case GT_EV_RANGE_BEGIN:
	case GT_EV_RANGE_ACTIVE:
	case GT_EV_RANGE_END:
		if (ev->u.range.id == GT_RANGE_STW)
			h->reason = intern(st, ev->u.range.stw_kind);
		break;
	case GT_EV_SYNC:
		/* Stack ids restart with every generation. */
		idmap_free(&st->gen_stacks);
		break;
	case GT_EV_STACK_SAMPLE:
		h->stack = intern_stack(st, ev->stack);
		break;
	case GT_EV_STATE_TRANSITION: {
		gt_go_state from = ev->u.transition.from, to = ev->u.transition.to;
		const gt_stack *ts = ev->u.transition.stack;
		ev->u.transition.stack = NULL;
		h->resource = (uint8_t)ev->u.transition.resource;
		h->id = ev->u.transition.id;
		h->from = (uint8_t)from;
		h->to = (uint8_t)to;
		if (ev->u.transition.resource != GT_RES_GOROUTINE || from == to)
			break;
		if (ts && ts->nframes) {
			/* Go names a goroutine after the outermost frame of the first
			 * stack it sees in one of its transitions: its entry function. */
			h->flags |= MH_ENTRY;
			r->entry = ts->frames[ts->nframes - 1];
		}
		gt_str reason = ev->u.transition.reason;
		h->reason = intern(st, reason);
		if (str_is(reason, "preempted"))
			h->flags |= MH_PREEMPTED;
		else if (str_is(reason, "forever"))
			h->flags |= MH_FOREVER;
		h->tstack = intern_stack(st, ts);
		/* The stack of whoever made it runnable. */
		if (to == GT_GO_RUNNABLE && from != GT_GO_UNDETERMINED && from != GT_GO_RUNNING && from != GT_GO_SYSCALL)
			h->stack = intern_stack(st, ev->stack);
		break;
	}
	default:
		break;
	}
	ev->stack = NULL;
	/* A transition is whole in the head: the rest of the record stays
	 * unwritten, and out of the builder's cache. */
	if (ev->kind != GT_EV_STATE_TRANSITION)
		r->ev = *ev;
}

/* Hands chunk ci over once the builder is done with it; false if the
 * builder stopped. */
static bool pipe_wait_free(mpipe *p, size_t ci)
{
	if (atomic_load(&p->fill[ci]) == 0 || atomic_load(&p->stop))
		return !atomic_load(&p->stop);
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->reader_waiting, true);
	while (atomic_load(&p->fill[ci]) && !atomic_load(&p->stop))
		pthread_cond_wait(&p->reader_cv, &p->mu);
	atomic_store(&p->reader_waiting, false);
	pthread_mutex_unlock(&p->mu);
	return !atomic_load(&p->stop);
}

static void pipe_hand_over(mpipe *p, size_t ci, size_t n, bool end)
{
	atomic_store(&p->fill[ci], n);
	size_t nfull = n ? atomic_fetch_add(&p->nfull, 1) + 1 : atomic_load(&p->nfull);
	if (end)
		atomic_store(&p->end, true);
	if (atomic_load(&p->builder_waiting) && (end || nfull >= PIPE_CHUNKS / 2))
		pipe_wake(p, &p->builder_cv);
}

/* Frees the model that could not be built: a ceiling (limit names it) or
 * out of memory, at byte offset `at` of the trace. */
static gt_status build_failed(gt_model *m, uint64_t at, const char *limit, gt_error *err)
{
	gt_status st = limit ? GT_ERR_LIMIT : GT_ERR_NOMEM;
	if (err) {
		*err = (gt_error){.status = st, .offset = at};
		snprintf(err->detail, sizeof err->detail, "%s", limit ? limit : "out of memory building the model");
	}
	gt_model_free(m);
	return st;
}

static gt_status build(gt_trace *t, uint64_t max_events, gt_model **out, gt_progress_fn progress, void *ctx,
                       gt_error *err)
{
	*out = NULL;
	gt_model *m = calloc(1, sizeof *m);
	mpipe p = {.m = m};
	if (m) {
		m->gc_open = GT_NONE; /* before the builder thread starts */
		m->st.reasons.max = UINT16_MAX; /* spans keep a reason in 16 bits */
		m->st.reasons.too_many = "more than 65534 distinct block reasons and stop-the-world kinds";
		m->names.max = UINT32_MAX;
		m->names.too_many = "more than 4294967294 distinct goroutine names";
		m->gap_floor = INT64_MIN;
		m->pack_at = GAP_PACK_MIN;
	}
	p.recs = m ? aligned_alloc(_Alignof(mrec), PIPE_CHUNKS * PIPE_CHUNK * sizeof *p.recs) : NULL;
	pthread_t builder;
	bool started = p.recs && pthread_mutex_init(&p.mu, NULL) == 0;
	if (started && pthread_cond_init(&p.builder_cv, NULL) != 0) {
		pthread_mutex_destroy(&p.mu);
		started = false;
	}
	if (started && pthread_cond_init(&p.reader_cv, NULL) != 0) {
		pthread_cond_destroy(&p.builder_cv);
		pthread_mutex_destroy(&p.mu);
		started = false;
	}
	if (started)
		m->ahead = mem_ahead_start();
	if (started && pthread_create(&builder, NULL, builder_main, &p) != 0) {
		mem_ahead_stop(m->ahead);
		pthread_cond_destroy(&p.reader_cv);
		pthread_cond_destroy(&p.builder_cv);
		pthread_mutex_destroy(&p.mu);
		started = false;
	}
	if (!started) {
		free(p.recs);
		free(m);
		if (err)
			*err = (gt_error){.status = GT_ERR_NOMEM, .detail = "out of memory"};
		return GT_ERR_NOMEM;
	}
	gt_trace_info info;
	gt_trace_info_get(t, &info);
	gt_status s = GT_OK;
	uint64_t n = 0, done = 0, retired = 0, oom_offset = 0;
	size_t ci = 0, k = 0;
	mrec *chunk = NULL;
	for (;;) {
		if (!chunk) {
			if (!pipe_wait_free(&p, ci))
				break;
			chunk = p.recs + ci * PIPE_CHUNK;
			k = 0;
		}
		mrec *r = &chunk[k];
		gt_event ev;
		if (n == max_events) {
			s = GT_EOF;
			break;
		}
		if ((s = gt_trace_next(t, &ev, err)) != GT_OK)
			break;
		resolve(&m->st, &ev, r);
		if (m->st.oom) {
			oom_offset = ev.offset;
			break;
		}
		n++;
		/* A Sync starts a generation and carries its first offset. */
		bool sync = ev.kind == GT_EV_SYNC && ev.offset > retired;
		if (sync)
			retired = ev.offset;
		if (progress && ((n & 0xffff) == 0 || sync)) {
			done = ev.offset > done ? ev.offset : done;
			progress(ctx, done, info.size, retired);
		}
		if (++k == PIPE_CHUNK) {
			pipe_hand_over(&p, ci, k, false);
			ci = (ci + 1) % PIPE_CHUNKS;
			chunk = NULL;
		}
	}
	pipe_hand_over(&p, ci, chunk ? k : 0, true);
	pthread_join(builder, NULL);
	mem_ahead_stop(m->ahead);
	m->ahead = NULL;
	pthread_cond_destroy(&p.reader_cv);
	pthread_cond_destroy(&p.builder_cv);
	pthread_mutex_destroy(&p.mu);
	free(p.recs);
	/* The builder's event came before any the reader stopped at. */
	if (p.stop || m->st.oom)
		return build_failed(m, p.stop ? p.stop_offset : oom_offset, p.stop ? m->limit : m->st.limit, err);
	if (s != GT_EOF) {
		gt_model_free(m);
		return s;
	}
	for (size_t i = 0; i < m->nms; i++)
		m->ms[i].id = m->st.thread_ids[m->mb[i].num];
	finish(m);
	if (m->oom) /* the last goroutines' records did not fit */
		return build_failed(m, info.size, m->limit, err);
	if (progress)
		progress(ctx, info.size, info.size, retired);
	*out = m;
	return GT_OK;
}

gt_status gt_model_build(gt_trace *t, gt_model **out, gt_progress_fn progress, void *ctx, gt_error *err)
{
	return build(t, UINT64_MAX, out, progress, ctx, err);
}

gt_status gt_model_build_first(gt_trace *t, uint64_t max_events, gt_model **out, gt_error *err)
{
	return build(t, max_events, out, NULL, NULL, err);
}

void gt_model_free(gt_model *m)
{
	if (!m)
		return;
	slots_free(m);
	mem_free_grown((void *)m->gs, m->reserved_gs);
	str_tab_free(&m->names);
	for (size_t i = 0; i < m->done.nblocks; i++)
		free(m->done.blocks[i]);
	free(m->done.blocks);
	idmap_free(&m->gidx);
	for (size_t i = 0; i < m->nps; i++)
		sp_free(&m->pb[i].spans.pk);
	free(m->ps);
	free(m->pb);
	idmap_free(&m->pidx);
	for (size_t i = 0; i < m->nms; i++)
		sp_free(&m->mb[i].spans.pk);
	free(m->ms);
	free(m->mb);
	idmap_free(&m->midx);
	gp_free(&m->gaps);
	free(m->win);
	free(m->wide_sched);
	for (int r = 0; r < 4; r++)
		free(m->ranges[r]);
	for (int s = 0; s < GT_SERIES_COUNT; s++)
		free(m->series[s]);
	str_tab_free(&m->st.reasons);
	idmap_free(&m->st.thread_num);
	free(m->st.thread_ids);
	free(m->st.frames);
	free(m->st.stacks);
	idmap_free(&m->st.stack_idx);
	idmap_free(&m->st.gen_stacks);
	free(m->samples);
	free(m->regions);
	free(m->tasks);
	idmap_free(&m->task_idx);
	free(m->logs);
	for (int k = 0; k < 3; k++) {
		size_t n = k == 0 ? m->ngs : k == 1 ? m->nps : m->nms;
		if (m->lod[k])
			for (size_t i = 0; i < n; i++)
				free(m->lod[k][i]);
		free(m->lod[k]);
		free(m->lod_levels[k]);
	}
	free(m);
}

/* ---- accessors ---- */

int64_t gt_model_start_ns(const gt_model *m) { return m->t0; }
int64_t gt_model_duration(const gt_model *m) { return m->last_ts - m->t0; }
size_t gt_model_ngoroutines(const gt_model *m) { return m->ngs; }
gt_goroutine gt_model_goroutine(const gt_model *m, uint32_t i)
{
	if (i >= m->ngs)
		return (gt_goroutine){.id = -1, .name = {"", 0}, .start = -1, .end = -1};
	grec r = rec_read(m, i, false);
	/* Public times are from t0; never (negative) stays as it is. */
	r.creation -= m->t0;
	if (r.start >= 0)
		r.start -= m->t0;
	if (r.end >= 0)
		r.end -= m->t0;
	return grec_unpack(m, &r);
}

gt_gstats gt_model_gstats(const gt_model *m, uint32_t i)
{
	return i < m->ngs ? rec_read(m, i, true).stats : (gt_gstats){0};
}

size_t gt_model_nnames(const gt_model *m) { return m->names.n; }

gt_str gt_model_name(const gt_model *m, uint32_t i) { return i < m->names.n ? m->names.s[i] : (gt_str){"", 0}; }

uint32_t gt_model_goroutine_name(const gt_model *m, uint32_t gi) { return gi < m->ngs ? rec_read(m, gi, false).name : 0; }

uint32_t gt_model_find_goroutine(const gt_model *m, int64_t id)
{
	uint32_t i = idmap_get(&m->gidx, (uint64_t)id);
	return i == UINT32_MAX ? GT_NONE : i;
}

size_t gt_model_nprocs(const gt_model *m) { return m->nps; }
const gt_proc *gt_model_proc(const gt_model *m, uint32_t i) { return i < m->nps ? &m->ps[i] : NULL; }
size_t gt_model_nthreads(const gt_model *m) { return m->nms; }
const gt_thread *gt_model_thread(const gt_model *m, uint32_t i) { return i < m->nms ? &m->ms[i] : NULL; }
size_t gt_model_ngaps(const gt_model *m) { return m->gaps.n; }
void gt_gap_seek(const gt_model *m, size_t i, gt_gap_iter *it) { gp_seek(&m->gaps, i, it); }
size_t gt_model_gap_first_at(const gt_model *m, int64_t t) { return gp_first_at(&m->gaps, t); }

gt_gap gt_model_gap(const gt_model *m, size_t i)
{
	gt_gap_iter it;
	gt_gap g;
	gp_seek(&m->gaps, i, &it);
	if (!gt_gap_next(&it, &g))
		memset(&g, 0, sizeof g);
	return g;
}
const gt_gap_sched *gt_model_gap_sched_wide(const gt_model *m, uint32_t i) { return &m->wide_sched[i]; }

size_t gt_model_ranges(const gt_model *m, gt_range_id which, const gt_range_span **out)
{
	*out = m->ranges[which];
	return m->nranges[which];
}

size_t gt_model_series(const gt_model *m, gt_series_id which, const gt_sample **out)
{
	*out = m->series[which];
	return m->nseries[which];
}

size_t gt_model_nreasons(const gt_model *m) { return m->st.reasons.n; }

gt_str gt_model_reason(const gt_model *m, uint16_t i)
{
	if (i >= m->st.reasons.n)
		return (gt_str){"", 0};
	return m->st.reasons.s[i];
}

size_t gt_model_nstacks(const gt_model *m) { return m->st.nstacks; }

size_t gt_model_stack(const gt_model *m, uint32_t id, const gt_frame **frames)
{
	if (id == 0 || id >= m->st.nstacks) {
		*frames = NULL;
		return 0;
	}
	*frames = m->st.frames + m->st.stacks[id].first;
	return m->st.stacks[id].n;
}

size_t gt_model_cpu_samples(const gt_model *m, const gt_cpu_sample **out)
{
	*out = m->samples;
	return m->nsamples;
}

size_t gt_model_regions(const gt_model *m, const gt_region **out)
{
	*out = m->regions;
	return m->nregions_;
}

size_t gt_model_tasks(const gt_model *m, const gt_task **out)
{
	*out = m->tasks;
	return m->ntasks;
}

size_t gt_model_logs(const gt_model *m, const gt_log **out)
{
	*out = m->logs;
	return m->nlogs;
}

size_t gt_spans_find(const gt_span *spans, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (spans[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- level of detail ---- */

#define LOD_MIN_SHIFT 10 /* ~1 us: finer than this the viewer draws spans */
#define LOD_LEVELS 24

void gt_spans_seek(const gt_span *spans, size_t n, int64_t t, gt_span_iter *it)
{
	memset(it, 0, sizeof *it);
	it->arr = spans;
	it->n = n;
	it->pos = gt_spans_find(spans, n, t);
}

size_t gt_track_nspans(const gt_model *m, int kind, uint32_t i)
{
	if (kind == 0)
		return i < m->ngs ? rec_read(m, i, false).nspans : 0;
	if (kind == 1)
		return i < m->nps ? m->ps[i].nspans : 0;
	return kind == 2 && i < m->nms ? m->ms[i].nspans : 0;
}

void gt_track_seek(const gt_model *m, int kind, uint32_t i, int64_t t, gt_span_iter *it)
{
	memset(it, 0, sizeof *it);
	if (kind == 0 && i < m->ngs) {
		grec r = rec_read(m, i, true);
		sp_seek_frozen(r.spans, r.nspans, GT_TRACK_GOROUTINE, t, it);
	} else if (kind == 1 && i < m->nps) {
		sp_seek(&m->pb[i].spans.pk, GT_TRACK_PROC, t, it);
	} else if (kind == 2 && i < m->nms) {
		sp_seek(&m->mb[i].spans.pk, GT_TRACK_THREAD, t, it);
	}
}

bool gt_track_last(const gt_model *m, int kind, uint32_t i, gt_span *out)
{
	gt_span_iter it;
	gt_track_seek(m, kind, i, INT64_MIN, &it);
	if (!it.n)
		return false;
	/* Model tracks are packed: decoding starts at a block. */
	it.pos = (it.n - 1) / SP_BLOCK_SPANS * SP_BLOCK_SPANS;
	bool any = false;
	while (gt_track_next(&it, out))
		any = true;
	return any;
}

static bool is_busy(int kind, uint8_t state)
{
	return kind == 0 ? state != GT_GS_WAITING && state != GT_GS_RUNNABLE : state != GT_PS_IDLE;
}

/* Buckets of level k (width 1 << (LOD_MIN_SHIFT + 2k) ns) for a track of
 * nspans spans, 0 when the level is not kept. The viewer asks for buckets
 * only where its view holds more than four spans per pixel column: levels
 * with more than a bucket per four spans are finer than that wherever
 * spans are spread evenly, and where they crowd it draws the spans (at
 * most 16 per column where they are spread evenly). The finest level
 * kept would otherwise be three quarters of the memory. */
static size_t lod_count(const gt_model *m, size_t nspans, int k)
{
	unsigned shift = LOD_MIN_SHIFT + 2u * (unsigned)k;
	size_t count = (size_t)(((gt_model_duration(m) + 1) >> shift) + 1);
	return count > nspans / 4 + 4 ? 0 : count;
}

/* A bucket's time in each state and busy time while it is built; the
 * next level up sums four of them. */
typedef struct lod_acc {
	int64_t by_state[GT_GS_COUNT];
	int64_t busy;
} lod_acc;

/* Sets a finished bucket's dominant state and busy fraction. */
static void lod_finish(gt_lod_bucket *b, const lod_acc *acc, int64_t width)
{
	b->dominant = 0xff;
	int64_t best = 0;
	for (int st = 0; st < GT_GS_COUNT; st++) {
		if (acc->by_state[st] > best) {
			best = acc->by_state[st];
			b->dominant = (uint8_t)st;
		}
	}
	/* In double: busy * 1000 overflows for buckets of 2^53 ns and up. */
	b->busy_permille = (uint16_t)((double)acc->busy * 1000.0 / (double)width);
}

/* The bucket each level is filling while build_lod walks a track: spans
 * are sorted and do not overlap, so buckets fill in order and a level
 * needs the sums of one bucket only. */
typedef struct lod_cursor {
	gt_lod_bucket *b[LOD_LEVELS]; /* each level's buckets */
	size_t count[LOD_LEVELS];
	int64_t width[LOD_LEVELS];
	size_t j[LOD_LEVELS]; /* the bucket being filled */
	lod_acc acc[LOD_LEVELS];
	unsigned c[LOD_LEVELS];   /* levels above the first: children's counts */
	int64_t worst[LOD_LEVELS]; /* and their worst gap */
	int first, last;
} lod_cursor;

/* Finishes bucket j[k] of level k and adds it to its parent, finishing
 * the parent first when this bucket is the first of the next one. */
static void lod_close(lod_cursor *lc, int k)
{
	size_t j = lc->j[k];
	gt_lod_bucket *b = &lc->b[k][j];
	if (k > lc->first) {
		b->count = (uint8_t)(lc->c[k] < 255 ? lc->c[k] : 255);
		b->worst_gap_ns = lc->worst[k];
	}
	lod_finish(b, &lc->acc[k], lc->width[k]);
	if (k < lc->last) {
		if (j / 4 != lc->j[k + 1]) {
			lod_close(lc, k + 1);
			lc->j[k + 1] = j / 4;
		}
		for (int st = 0; st < GT_GS_COUNT; st++)
			lc->acc[k + 1].by_state[st] += lc->acc[k].by_state[st];
		lc->acc[k + 1].busy += lc->acc[k].busy;
		lc->c[k + 1] += b->count;
		if (b->worst_gap_ns > lc->worst[k + 1])
			lc->worst[k + 1] = b->worst_gap_ns;
	}
	memset(&lc->acc[k], 0, sizeof lc->acc[k]);
	lc->c[k] = 0;
	lc->worst[k] = 0;
}

/* Moves the first level on to bucket j, finishing those before it. */
static void lod_seek(lod_cursor *lc, size_t j)
{
	int k = lc->first;
	while (lc->j[k] < j) {
		lod_close(lc, k);
		lc->j[k]++;
	}
}

/* Builds every level of one track at once: level k has buckets of
 * 1 << (LOD_MIN_SHIFT + 2k) ns. The finest level needed comes from the
 * spans; each coarser one sums four buckets of the one below as they
 * finish, so the work is the spans plus the buckets, and the memory the
 * buckets alone. Levels are stored one after another. */
static gt_lod_bucket *build_lod(const gt_model *m, int kind, uint32_t idx)
{
	size_t n = gt_track_nspans(m, kind, idx);
	size_t total = 0, counts[LOD_LEVELS];
	int first = -1;
	for (int k = 0; k < LOD_LEVELS; k++) {
		counts[k] = lod_count(m, n, k);
		if (counts[k] && first < 0)
			first = k;
		total += counts[k];
	}
	/* Zeroed by writing, not calloc: a big calloc maps the zero page, and
	 * the read-modify-writes below would then fault twice per page, the
	 * second time flushing the other core's TLB. */
	gt_lod_bucket *all = malloc((total + 1) * sizeof *all);
	if (!all)
		return NULL;
	memset(all, 0, (total + 1) * sizeof *all);
	if (first < 0)
		return all;
	lod_cursor cursor = {.first = first}, *lc = &cursor;
	size_t off = 0;
	for (int k = first; k < LOD_LEVELS && counts[k]; k++) {
		lc->b[k] = all + off;
		lc->count[k] = counts[k];
		lc->width[k] = (int64_t)1 << (LOD_MIN_SHIFT + 2u * (unsigned)k);
		lc->last = k;
		off += counts[k];
	}
	unsigned shift = LOD_MIN_SHIFT + 2u * (unsigned)first;
	int64_t width = lc->width[first];
	gt_lod_bucket *b = lc->b[first];
	size_t count = counts[first];
	int64_t floor = 0;
	gt_span_iter it;
	gt_span sp;
	gt_track_seek(m, kind, idx, INT64_MIN, &it);
	while (gt_track_next(&it, &sp)) {
		/* Tracks are built sorted and without overlaps; holding to that
		 * here keeps the buckets filling in order whatever a span says. */
		int64_t a = sp.start < floor ? floor : sp.start, e = sp.end < a ? a : sp.end;
		floor = e;
		size_t lo_j = (size_t)(a >> shift), hi_j = (size_t)((e > a ? e - 1 : a) >> shift);
		if (lo_j < count && b[lo_j].count < 255)
			b[lo_j].count++;
		for (size_t j = lo_j; j <= hi_j && j < count; j++) {
			int64_t lo = (int64_t)j * width, hi = lo > INT64_MAX - width ? INT64_MAX : lo + width;
			int64_t ov = (e < hi ? e : hi) - (a > lo ? a : lo);
			if (ov <= 0)
				continue;
			lod_seek(lc, j);
			if (sp.state < GT_GS_COUNT)
				lc->acc[first].by_state[sp.state] += ov;
			if (is_busy(kind, sp.state))
				lc->acc[first].busy += ov;
			if (kind == 0 && sp.state == GT_GS_RUNNABLE && e - a > b[j].worst_gap_ns)
				b[j].worst_gap_ns = e - a;
		}
	}
	/* Finish the rest of the first level, then each level's last bucket. */
	lod_seek(lc, count - 1);
	for (int k = first; k <= lc->last; k++) {
		if (k > first)
			while (lc->j[k] + 1 < lc->count[k]) {
				lod_close(lc, k);
				lc->j[k]++;
			}
		lod_close(lc, k);
	}
	return all;
}

gt_lod gt_model_lod(const gt_model *m, int kind, uint32_t index, int64_t max_ns)
{
	gt_lod none = {0, 0, NULL};
	size_t n = kind == 0 ? m->ngs : kind == 1 ? m->nps : m->nms;
	if (kind < 0 || kind > 2 || index >= n)
		return none;
	/* Built lazily: most tracks are never drawn zoomed out. */
	gt_model *mm = (gt_model *)m;
	if (!mm->lod[kind]) {
		mm->lod[kind] = calloc(n, sizeof *mm->lod[kind]);
		if (!mm->lod[kind])
			return none;
	}
	if (!mm->lod[kind][index]) {
		mm->lod[kind][index] = build_lod(m, kind, index);
		if (!mm->lod[kind][index])
			return none;
	}
	size_t ns = gt_track_nspans(m, kind, index);
	size_t off = 0;
	gt_lod best = none;
	for (int k = 0; k < LOD_LEVELS; k++) {
		unsigned shift = LOD_MIN_SHIFT + 2u * (unsigned)k;
		size_t count = lod_count(m, ns, k);
		if (count && ((int64_t)1 << shift) <= max_ns)
			best = (gt_lod){shift, count, mm->lod[kind][index] + off};
		off += count;
	}
	return best;
}

/* Tracks whose level of detail one thread of gt_model_warm_lod builds. */
typedef struct lod_job {
	gt_model *m;
	const uint32_t *tracks; /* kind << 30 | index */
	size_t n;
} lod_job;

static void *lod_worker(void *arg)
{
	lod_job *j = arg;
	for (size_t i = 0; i < j->n; i++) {
		int kind = (int)(j->tracks[i] >> 30);
		uint32_t index = j->tracks[i] & 0x3fffffffu;
		j->m->lod[kind][index] = build_lod(j->m, kind, index);
	}
	return NULL;
}

void gt_model_warm_lod(const gt_model *m, size_t min_spans)
{
	gt_model *mm = (gt_model *)m;
	size_t counts[3] = {m->ngs, m->nps, m->nms};
	uint32_t *tracks[2] = {NULL, NULL};
	size_t ntracks[2] = {0, 0}, cap[2] = {0, 0}, spans[2] = {0, 0};
	bool ok = true;
	/* Ps and threads first: the biggest tracks, dealt out to whichever
	 * thread has fewer spans so far. */
	static const int order[3] = {1, 2, 0};
	for (int o = 0; o < 3 && ok; o++) {
		int kind = order[o];
		if (!mm->lod[kind] && counts[kind] && !(mm->lod[kind] = calloc(counts[kind], sizeof *mm->lod[kind])))
			ok = false;
		for (uint32_t i = 0; ok && i < counts[kind] && i < 0x40000000u; i++) {
			size_t n = gt_track_nspans(m, kind, i);
			if (n <= min_spans || mm->lod[kind][i])
				continue;
			int t = spans[1] < spans[0];
			if (grow(&tracks[t], &cap[t], ntracks[t] + 1, sizeof *tracks[t])) {
				ok = false;
				break;
			}
			tracks[t][ntracks[t]++] = (uint32_t)kind << 30 | i;
			spans[t] += n;
		}
	}
	/* Each track's buckets are its own: the two threads share nothing but
	 * the finished model they read. */
	lod_job jobs[2] = {{mm, tracks[0], ok ? ntracks[0] : 0}, {mm, tracks[1], ok ? ntracks[1] : 0}};
	pthread_t helper;
	bool threaded = jobs[1].n && pthread_create(&helper, NULL, lod_worker, &jobs[1]) == 0;
	lod_worker(&jobs[0]);
	if (threaded)
		pthread_join(helper, NULL);
	else
		lod_worker(&jobs[1]);
	free(tracks[0]);
	free(tracks[1]);
}
