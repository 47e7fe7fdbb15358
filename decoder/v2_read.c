/* The v2 reader loop (internal/trace/reader.go and batchcursor.go), on
 * three threads.
 *
 * Go's reader orders one generation at a time; the ordering is sequential,
 * but reading the next generation's batches, tables and events is not, and
 * neither is turning ordered events into public ones. A worker thread reads
 * generation k+1 (structure, string and stack tables, and every event's
 * varints and timestamp) while an ordering thread merges generation k by
 * Go's rules into a ring of chunks, which the caller's thread converts and
 * hands out. Two generation slots alternate; errors found ahead surface at
 * the same point Go would report them, so the output is unchanged. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gosort.h"
#include "v2_order.h"
#include "v2_read.h"

/* An event decoded ahead: Go's baseEvent with its offset, in 32 bytes
 * rather than 56. A generation of a busy program holds millions of them,
 * written once and read once: the first one's pages are new memory, which
 * costs more here than decoding. Arguments beyond 32 bits (heap sizes,
 * task ids) or an offset 4 GB past the generation's start are rare: such
 * an event keeps them in a wide record, which args[0] indexes. */
typedef struct v2_pev {
	int64_t time;
	uint32_t args[4];
	uint32_t off; /* from the generation's start */
	uint8_t typ;
	bool wide;
} v2_pev;

typedef struct v2_wide {
	uint64_t args[4];
	uint64_t off;
} v2_wide;

/* One M's decoded events in a slot, and the error that ends them if any. */
typedef struct v2_mrange {
	const v2_pev *evs; /* the part the M's events are in, [begin, end) */
	const v2_wide *wide;
	size_t base; /* offsets of events are from here */
	size_t begin, end;
	bool failed;
	gt_error err;
} v2_mrange;

typedef struct pev_part {
	v2_pev *v;
	size_t n, cap;
	v2_wide *wide;
	size_t nwide, capwide;
} pev_part;

/* A generation read by the worker. Its Ms' events are decoded into two
 * parts, the second only when a helper thread decodes half of them. */
typedef struct gen_slot {
	v2_gen gen;
	pev_part part[2];
	v2_mrange *mr;
	size_t capmr;
	v2_read_result res;
	bool truncation;
	gt_error err;
	/* The source right after this generation (before Go 1.26 its end is
	 * known only from what follows). */
	bool has_spill_after;
	bool pending;
	bool pending_is_truncation;
	gt_error pending_err;
	size_t tail_off;
	bool ready; /* filled, not yet installed */
	bool busy;  /* installed: its tables are in use */
} gen_slot;

/* One M's position in its events (batchCursor). */
typedef struct v2_bcursor {
	int64_t m;
	uint32_t state; /* index of the M's ordering state, a cache */
	size_t pos, end;
	const v2_mrange *mr;
	v2_ev ev; /* the event read last */
} v2_bcursor;

/* A frontier heap entry: the key beside the cursor, so that sifting reads
 * the heap array only. time is always bc->ev.time. */
typedef struct v2_fent {
	int64_t time;
	v2_bcursor *bc;
} v2_fent;

/* What ends the stream after the Sync event that is handed out next. */
typedef enum term_kind { TERM_NONE, TERM_ERROR, TERM_TRUNCATED } term_kind;

/* The ring from the ordering thread to the caller: chunks of ordered
 * events, handed over a whole chunk at a time. A thread that waits on the
 * other is woken when half the ring is ready for it, not at every chunk:
 * waking a thread costs far more than ordering a chunk's events. */
enum { RING_CHUNKS = 8, RING_HALF = RING_CHUNKS / 2, CHUNK_EVS = 2048 };

/* Items in the ring that are not events have type V2_EvNone (no event has
 * it) and say what they are in args[0]. */
enum {
	ITEM_GEN,   /* install slot args[1]; args[2] != 0: then fail with oerr */
	ITEM_FINAL, /* the last Sync: term kind args[1] (error in oerr), tail offset args[2] */
	ITEM_ERROR  /* fail with oerr */
};

struct v2_reader {
	const uint8_t *data;
	size_t len;
	unsigned version;

	/* Shared by the threads, under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	gen_slot slots[2];
	uint64_t wchunk, rchunk; /* chunks published, chunks read */
	size_t nchunk[RING_CHUNKS];
	v2_ev *ring;             /* RING_CHUNKS * CHUNK_EVS */
	pthread_cond_t ring_cv;  /* the caller waits for chunks, the orderer for room */
	bool reader_waits, orderer_waits;
	bool orderer_pauses; /* it published all it has and may wait a while */

	/* The worker: reads generations into the slots. */
	pthread_t worker;
	bool worker_started;
	bool worker_filled; /* a generation was read: the worker's own */
	v2_source src;
	unsigned next_fill; /* slot the worker fills next */

	/* The ordering thread. */
	pthread_t orderer;
	bool orderer_started;
	unsigned next_take; /* slot it installs next */
	gen_slot *bcur;     /* the slot it orders */
	const v2_gen *bgen; /* bcur->gen */
	v2_order order;
	v2_bcursor *cursors;
	size_t capcursors;
	v2_fent *frontier;
	size_t nfrontier, capfrontier;
	size_t sample_pos;
	v2_ev *bout; /* the chunk it fills */
	size_t bn;
	gt_error oerr; /* the error of the last item, set before it is published */

	/* The caller's thread. */
	uint64_t generations;
	size_t valid_bytes;
	bool truncated;
	gt_error truncation;
	gen_slot *cur;      /* the slot of the events handed out */
	const v2_gen *gen;  /* cur->gen */
	size_t tail_off;    /* where reading stopped, for final Sync offsets */
	const v2_ev *cpos, *cend; /* what is left of the chunk being read */
	bool chunk_held;
	int64_t last_ts;
	uint64_t syncs;
	term_kind term;
	gt_error term_err;
	bool term_synced; /* the Sync before term was handed out */
};

static gt_status fail(gt_status s, const gt_error *e, gt_error *err)
{
	if (err)
		*err = *e;
	return s;
}

static inline int64_t freq_mul(double freq, uint64_t ticks) { return dc_f64_to_i64((double)ticks * freq); }

/* ---- the worker: read a generation and decode its events ---- */

static bool grow_evs(pev_part *p, size_t need) { return dc_grow(&p->v, &p->cap, need, sizeof *p->v); }

/* Stores what the event e at offset `at` read into args: in e if it fits
 * in 32 bits, else in a wide record. False when out of memory. */
static bool pev_store(pev_part *part, v2_pev *e, const uint64_t args[4], size_t at, size_t base)
{
	uint64_t big = at - base;
	for (unsigned i = 0; i < 4; i++)
		big |= args[i];
	e->wide = big > UINT32_MAX;
	if (!e->wide) {
		for (unsigned i = 0; i < 4; i++)
			e->args[i] = (uint32_t)args[i];
		e->off = (uint32_t)(at - base);
		return true;
	}
	if (part->nwide == UINT32_MAX || !dc_grow(&part->wide, &part->capwide, part->nwide + 1, sizeof *part->wide))
		return false;
	v2_wide *w = &part->wide[part->nwide];
	memcpy(w->args, args, sizeof w->args);
	w->off = at;
	e->args[0] = (uint32_t)part->nwide++;
	return true;
}

/* Decodes every event of Ms [from, to) as batchCursor.nextEvent would,
 * into part, keeping the first error of each M for when the reader
 * reaches it. */
static void predecode_ms(const uint8_t *data, const v2_gen *g, v2_mrange *mrs, size_t from, size_t to, pev_part *part)
{
	part->n = 0;
	part->nwide = 0;
	for (size_t mi = from; mi < to; mi++) {
		v2_mrange *mr = &mrs[mi];
		mr->base = g->start_off;
		mr->begin = part->n;
		mr->failed = false;
		const v2_mbatches *mb = &g->ms[mi];
		for (size_t bi = 0; bi < mb->n && !mr->failed; bi++) {
			const v2_batch *b = &g->batches[mb->idx[bi]];
			dc_cursor c = {data, b->off, b->off + b->len};
			int64_t last_ts = 0;
			while (dc_left(&c)) {
				if (last_ts == 0)
					last_ts = freq_mul(g->freq, b->time);
				size_t at = c.pos;
				uint8_t typ = 0;
				dc_u8(&c, &typ);
				const v2_spec *spec = typ < V2_MaxExperimentalEvent ? &v2_specs[typ] : NULL;
				uint64_t dt;
				if (!spec) {
					dc_fail(&mr->err, GT_ERR_MALFORMED, at, "found invalid event type: %u", typ);
				} else if (spec->nargs == 0 || !spec->timed) {
					dc_fail(&mr->err, GT_ERR_MALFORMED, at,
					        spec->name ? "found event without a timestamp: type=%u" : "unknown event type %u", typ);
				} else if (dc_uvarint(&c, &dt) != DC_VARINT_OK) {
					dc_fail(&mr->err, GT_ERR_MALFORMED, at, "found invalid uvarint for timestamp");
				} else {
					if (part->n == part->cap && !grow_evs(part, part->n + 1)) {
						dc_fail(&mr->err, GT_ERR_NOMEM, at, "out of memory");
						mr->failed = true;
						break;
					}
					v2_pev *e = &part->v[part->n];
					e->typ = typ;
					uint64_t args[4] = {0};
					unsigned i = 0;
					for (; i + 1 < spec->nargs; i++)
						if (dc_uvarint(&c, &args[i]) != DC_VARINT_OK)
							break;
					if (i + 1 < spec->nargs) {
						dc_fail(&mr->err, GT_ERR_MALFORMED, at, "found invalid uvarint");
					} else if (!pev_store(part, e, args, at, mr->base)) {
						dc_fail(&mr->err, GT_ERR_NOMEM, at, "out of memory");
					} else {
						e->time = (int64_t)((uint64_t)freq_mul(g->freq, dt) + (uint64_t)last_ts);
						last_ts = e->time;
						part->n++;
						continue;
					}
				}
				mr->failed = true;
				break;
			}
		}
		mr->end = part->n;
	}
}

typedef struct predecode_job {
	const uint8_t *data;
	gen_slot *s;
	size_t from, to;
} predecode_job;

static void *predecode_helper(void *arg)
{
	predecode_job *j = arg;
	predecode_ms(j->data, &j->s->gen, j->s->mr, j->from, j->to, &j->s->part[1]);
	return NULL;
}

/* The bytes of M mi's event batches. */
static size_t m_bytes(const v2_gen *g, size_t mi)
{
	size_t n = 0;
	for (size_t bi = 0; bi < g->ms[mi].n; bi++)
		n += g->batches[g->ms[mi].idx[bi]].len;
	return n;
}

/* A generation this big is worth a second thread (tens of microseconds to
 * start) while nothing else runs. Low enough that the recordings in
 * traces/ take both paths. */
#define SPLIT_MIN_BYTES ((size_t)32 << 10)

/* Decodes the generation's events ahead of the ordering. With `alone`
 * (the first generation: the ordering and the model wait for it, and the
 * other core is idle) a helper thread decodes the Ms holding the second
 * half of its bytes. */
static void predecode(const uint8_t *data, gen_slot *s, bool alone)
{
	const v2_gen *g = &s->gen;
	if (!dc_grow(&s->mr, &s->capmr, g->nms ? g->nms : 1, sizeof *s->mr)) {
		s->res = V2_GEN_ERROR;
		s->truncation = false;
		dc_fail(&s->err, GT_ERR_NOMEM, g->start_off, "out of memory");
		return;
	}
	size_t total = 0, split = g->nms;
	for (size_t mi = 0; alone && mi < g->nms; mi++)
		total += m_bytes(g, mi);
	if (alone && total >= SPLIT_MIN_BYTES)
		for (size_t acc = split = 0; split < g->nms && acc < total / 2; split++)
			acc += m_bytes(g, split);
	predecode_job job = {data, s, split, g->nms};
	pthread_t helper;
	bool helped = split < g->nms && pthread_create(&helper, NULL, predecode_helper, &job) == 0;
	predecode_ms(data, g, s->mr, 0, helped ? split : g->nms, &s->part[0]);
	if (helped) {
		pthread_join(helper, NULL);
	} else if (s->part[1].v) {
		/* The first generation's second half: not needed again, and tens
		 * of MB for a big one. */
		free(s->part[1].v);
		free(s->part[1].wide);
		s->part[1] = (pev_part){0};
	}
	for (size_t mi = 0; mi < g->nms; mi++) {
		const pev_part *part = &s->part[helped && mi >= split];
		s->mr[mi].evs = part->v;
		s->mr[mi].wide = part->wide;
	}
}

/* Reads one generation into s (on the worker thread). */
static void fill_slot(v2_reader *r, gen_slot *s)
{
	bool truncation = false;
	s->res = v2_read_generation(&r->src, &s->gen, &truncation, &s->err);
	s->truncation = truncation;
	s->has_spill_after = r->src.has_spill;
	s->pending = r->src.pending;
	s->pending_is_truncation = r->src.pending_is_truncation;
	s->pending_err = r->src.pending_err;
	s->tail_off = r->src.has_spill ? r->src.spill.hdr_off : r->src.cur.pos;
	if (s->res == V2_GEN_OK)
		predecode(r->data, s, !r->worker_filled);
	r->worker_filled = true;
}

/* Whether another generation may follow the one just read. */
static bool more_to_read(const v2_reader *r, const gen_slot *s)
{
	if (s->res != V2_GEN_OK)
		return false;
	return r->version >= V2_GO126 || s->has_spill_after;
}

static void *worker_main(void *arg)
{
	v2_reader *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		gen_slot *s = &r->slots[r->next_fill];
		while (!r->stop && (s->ready || s->busy))
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			break;
		pthread_mutex_unlock(&r->mu);
		fill_slot(r, s);
		pthread_mutex_lock(&r->mu);
		s->ready = true;
		r->next_fill ^= 1;
		pthread_cond_broadcast(&r->cv);
		if (!more_to_read(r, s))
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Waits for the next generation from the worker; NULL when stopped. */
static gen_slot *take_slot(v2_reader *r)
{
	gen_slot *s = &r->slots[r->next_take];
	pthread_mutex_lock(&r->mu);
	while (!s->ready && !r->stop)
		pthread_cond_wait(&r->cv, &r->mu);
	if (!s->ready) {
		pthread_mutex_unlock(&r->mu);
		return NULL;
	}
	s->ready = false;
	s->busy = true;
	r->next_take ^= 1;
	pthread_mutex_unlock(&r->mu);
	return s;
}

/* The installed generation is done with: the worker may reuse its slot. */
static void release_slot(v2_reader *r, gen_slot *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&r->mu);
	s->busy = false;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void *order_main(void *arg);

gt_status v2_reader_new(const uint8_t *data, size_t len, size_t hdr_len, unsigned version, v2_reader **out,
                        gt_error *err)
{
	v2_reader *r = calloc(1, sizeof *r);
	if (!r)
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	r->data = data;
	r->len = len;
	r->version = version;
	r->valid_bytes = hdr_len;
	r->tail_off = hdr_len;
	r->src.cur = (dc_cursor){data, hdr_len, len};
	r->src.version = version;
	v2_order_init(&r->order, version);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	pthread_cond_init(&r->ring_cv, NULL);
	r->ring = malloc((size_t)RING_CHUNKS * CHUNK_EVS * sizeof *r->ring);
	if (!r->ring) {
		v2_reader_free(r);
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	}
	if (pthread_create(&r->worker, NULL, worker_main, r) != 0) {
		v2_reader_free(r);
		return dc_fail(err, GT_ERR_NOMEM, 0, "cannot start the reading thread");
	}
	r->worker_started = true;
	if (pthread_create(&r->orderer, NULL, order_main, r) != 0) {
		v2_reader_free(r);
		return dc_fail(err, GT_ERR_NOMEM, 0, "cannot start the ordering thread");
	}
	r->orderer_started = true;
	*out = r;
	return GT_OK;
}

void v2_reader_free(v2_reader *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->cv);
	pthread_cond_broadcast(&r->ring_cv);
	pthread_mutex_unlock(&r->mu);
	if (r->orderer_started)
		pthread_join(r->orderer, NULL);
	if (r->worker_started)
		pthread_join(r->worker, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	pthread_cond_destroy(&r->ring_cv);
	for (int i = 0; i < 2; i++) {
		v2_gen_free(&r->slots[i].gen);
		for (int k = 0; k < 2; k++) {
			free(r->slots[i].part[k].v);
			free(r->slots[i].part[k].wide);
		}
		free(r->slots[i].mr);
	}
	v2_order_free(&r->order);
	free(r->cursors);
	free(r->frontier);
	free(r->ring);
	free(r);
}

void v2_reader_info(const v2_reader *r, gt_trace_info *info)
{
	info->generations = r->generations;
	info->valid_bytes = r->valid_bytes;
	info->truncated = r->truncated;
	info->truncation = r->truncation;
}

/* ---- batch cursors and the frontier heap (same sift rules as Go, so ties
 * break the same way) ---- */

static gt_status cursor_next(v2_reader *t, v2_bcursor *bc, bool *ok, gt_error *err)
{
	if (bc->pos == bc->end) {
		*ok = false;
		if (bc->mr->failed)
			return fail(bc->mr->err.status, &bc->mr->err, err);
		return GT_OK;
	}
	const v2_pev *p = &bc->mr->evs[bc->pos++];
	/* Each thread's events are read in sequence, but the threads take
	 * turns: fetch a few events ahead of this one. */
	if (bc->pos + 4 < bc->end)
		__builtin_prefetch(p + 5);
	v2_ev *ev = &bc->ev;
	ev->typ = p->typ;
	ev->time = p->time;
	if (__builtin_expect(p->wide, 0)) {
		const v2_wide *w = &bc->mr->wide[p->args[0]];
		ev->off = w->off;
		memcpy(ev->args, w->args, sizeof ev->args);
	} else {
		ev->off = bc->mr->base + p->off;
		for (unsigned i = 0; i < 4; i++)
			ev->args[i] = p->args[i];
	}
	*ok = true;
	return GT_OK;
}

static size_t heap_sift_up(v2_fent *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2].time > h[i].time) {
		v2_fent tmp = h[(i - 1) / 2];
		h[(i - 1) / 2] = h[i];
		h[i] = tmp;
		i = (i - 1) / 2;
	}
	return i;
}

static void heap_sift_down(v2_fent *h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i;
		int64_t min_t = i < n ? h[i].time : INT64_MAX;
		if (2 * i + 1 < n && h[2 * i + 1].time < min_t) {
			min_t = h[2 * i + 1].time;
			m = 2 * i + 1;
		}
		if (2 * i + 2 < n && h[2 * i + 2].time < min_t)
			m = 2 * i + 2;
		if (m == i)
			return;
		v2_fent tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void heap_update(v2_fent *h, size_t n, size_t i)
{
	if (heap_sift_up(h, i) != i)
		return;
	heap_sift_down(h, n, i);
}

static void heap_remove(v2_fent *h, size_t *n, size_t i)
{
	/* Move i to the root regardless of order, then pop the root. */
	while (i > 0) {
		v2_fent tmp = h[(i - 1) / 2];
		h[(i - 1) / 2] = h[i];
		h[i] = tmp;
		i = (i - 1) / 2;
	}
	h[0] = h[*n - 1];
	(*n)--;
	heap_sift_down(h, *n, 0);
}

static int cmp_cursor_time(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	int64_t x = ((const v2_fent *)a)->time, y = ((const v2_fent *)b)->time;
	return (x > y) - (x < y);
}

/* ---- turning ordered events into public ones ---- */

static void fix_time(v2_reader *t, gt_event *ev)
{
	/* Go's reader forces strictly increasing timestamps. */
	if (ev->time <= t->last_ts)
		ev->time = (int64_t)((uint64_t)t->last_ts + 1);
	t->last_ts = ev->time;
}

static gt_status make_sync(v2_reader *t, bool with_table, int64_t time, gt_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = GT_EV_SYNC;
	ev->thread = ev->proc = ev->goroutine = GT_NO_ID;
	ev->time = time;
	ev->offset = with_table ? t->gen->start_off : t->tail_off;
	ev->u.sync.n = t->syncs;
	if (with_table) {
		const v2_gen *g = t->gen;
		ev->u.sync.nexp = g->nexp;
		ev->u.sync.exp = g->exp;
		if (g->has_clock) {
			ev->u.sync.has_clock = true;
			ev->u.sync.clock_trace = freq_mul(g->freq, g->snap_time);
			ev->u.sync.clock_mono = g->snap_mono;
			ev->u.sync.wall_sec = (int64_t)g->snap_sec;
			ev->u.sync.wall_nsec = (int64_t)g->snap_nsec;
		}
	}
	fix_time(t, ev);
	return GT_OK;
}

static const uint8_t type_to_kind[256] = {
	[V2_EvCPUSample] = GT_EV_STACK_SAMPLE,
	[V2_EvProcsChange] = GT_EV_METRIC,
	[V2_EvProcStart] = GT_EV_STATE_TRANSITION,
	[V2_EvProcStop] = GT_EV_STATE_TRANSITION,
	[V2_EvProcSteal] = GT_EV_STATE_TRANSITION,
	[V2_EvProcStatus] = GT_EV_STATE_TRANSITION,
	[V2_EvGoCreate] = GT_EV_STATE_TRANSITION,
	[V2_EvGoCreateSyscall] = GT_EV_STATE_TRANSITION,
	[V2_EvGoStart] = GT_EV_STATE_TRANSITION,
	[V2_EvGoDestroy] = GT_EV_STATE_TRANSITION,
	[V2_EvGoDestroySyscall] = GT_EV_STATE_TRANSITION,
	[V2_EvGoStop] = GT_EV_STATE_TRANSITION,
	[V2_EvGoBlock] = GT_EV_STATE_TRANSITION,
	[V2_EvGoUnblock] = GT_EV_STATE_TRANSITION,
	[V2_EvGoSyscallBegin] = GT_EV_STATE_TRANSITION,
	[V2_EvGoSyscallEnd] = GT_EV_STATE_TRANSITION,
	[V2_EvGoSyscallEndBlocked] = GT_EV_STATE_TRANSITION,
	[V2_EvGoStatus] = GT_EV_STATE_TRANSITION,
	[V2_EvSTWBegin] = GT_EV_RANGE_BEGIN,
	[V2_EvSTWEnd] = GT_EV_RANGE_END,
	[V2_EvGCActive] = GT_EV_RANGE_ACTIVE,
	[V2_EvGCBegin] = GT_EV_RANGE_BEGIN,
	[V2_EvGCEnd] = GT_EV_RANGE_END,
	[V2_EvGCSweepActive] = GT_EV_RANGE_ACTIVE,
	[V2_EvGCSweepBegin] = GT_EV_RANGE_BEGIN,
	[V2_EvGCSweepEnd] = GT_EV_RANGE_END,
	[V2_EvGCMarkAssistActive] = GT_EV_RANGE_ACTIVE,
	[V2_EvGCMarkAssistBegin] = GT_EV_RANGE_BEGIN,
	[V2_EvGCMarkAssistEnd] = GT_EV_RANGE_END,
	[V2_EvHeapAlloc] = GT_EV_METRIC,
	[V2_EvHeapGoal] = GT_EV_METRIC,
	[V2_EvGoLabel] = GT_EV_LABEL,
	[V2_EvUserTaskBegin] = GT_EV_TASK_BEGIN,
	[V2_EvUserTaskEnd] = GT_EV_TASK_END,
	[V2_EvUserRegionBegin] = GT_EV_REGION_BEGIN,
	[V2_EvUserRegionEnd] = GT_EV_REGION_END,
	[V2_EvUserLog] = GT_EV_LOG,
	[V2_EvGoSwitch] = GT_EV_STATE_TRANSITION,
	[V2_EvGoSwitchDestroy] = GT_EV_STATE_TRANSITION,
	[V2_EvGoCreateBlocked] = GT_EV_STATE_TRANSITION,
	[V2_EvGoStatusStack] = GT_EV_STATE_TRANSITION,
	[V2_EvSpan] = GT_EV_EXPERIMENTAL,
	[V2_EvSpanAlloc] = GT_EV_EXPERIMENTAL,
	[V2_EvSpanFree] = GT_EV_EXPERIMENTAL,
	[V2_EvHeapObject] = GT_EV_EXPERIMENTAL,
	[V2_EvHeapObjectAlloc] = GT_EV_EXPERIMENTAL,
	[V2_EvHeapObjectFree] = GT_EV_EXPERIMENTAL,
	[V2_EvGoroutineStack] = GT_EV_EXPERIMENTAL,
	[V2_EvGoroutineStackAlloc] = GT_EV_EXPERIMENTAL,
	[V2_EvGoroutineStackFree] = GT_EV_EXPERIMENTAL,
};

static const gt_str empty_str = {"", 0};

static gt_str gen_str(const v2_gen *g, uint64_t id)
{
	gt_str s;
	return v2_gen_string(g, id, &s) ? s : empty_str;
}

static void go_transition(gt_event *ev, int64_t id, gt_go_state from, gt_go_state to)
{
	ev->u.transition.resource = GT_RES_GOROUTINE;
	ev->u.transition.id = id;
	ev->u.transition.from = (uint8_t)from;
	ev->u.transition.to = (uint8_t)to;
}

static void proc_transition(gt_event *ev, int64_t id, gt_proc_state from, gt_proc_state to)
{
	ev->u.transition.resource = GT_RES_PROC;
	ev->u.transition.id = id;
	ev->u.transition.from = (uint8_t)from;
	ev->u.transition.to = (uint8_t)to;
}

/* Event.validateTableIDs, then the accessors of event.go, in one step. */
static gt_status convert(v2_reader *t, const v2_ev *e, gt_event *ev, gt_error *err)
{
	const v2_gen *g = t->gen;
	const v2_spec *spec = &v2_specs[e->typ];
	const gt_stack *stk, *main_stack = NULL;
	gt_str str;
	if (e->typ != V2_EvCPUSample) {
		for (int i = 0; i < 2 && spec->stack_args[i] >= 0; i++) {
			uint64_t id = e->args[spec->stack_args[i] - 1];
			if (!v2_gen_stack(g, id, &stk))
				return dc_fail(err, GT_ERR_INVALID, e->off, "found invalid stack ID %llu for event %s",
				               (unsigned long long)id, spec->name);
			if (i == 0 && id)
				main_stack = stk;
		}
		for (int i = 0; i < 2 && spec->string_args[i] >= 0; i++) {
			uint64_t id = e->args[spec->string_args[i] - 1];
			if (!v2_gen_string(g, id, &str))
				return dc_fail(err, GT_ERR_INVALID, e->off, "found invalid string ID %llu for event %s",
				               (unsigned long long)id, spec->name);
		}
	}

	/* Set every header field and zero the largest detail that is common;
	 * kinds with other details clear theirs below. A full memset of the
	 * event costs more than the rest of this function, and one of variable
	 * start (the header) compiles to a slow `rep stos`. */
	ev->kind = (gt_event_kind)type_to_kind[e->typ];
	memset(&ev->u, 0, sizeof ev->u.transition);
	if (ev->kind == GT_EV_RANGE_BEGIN || ev->kind == GT_EV_RANGE_ACTIVE || ev->kind == GT_EV_RANGE_END)
		memset(&ev->u.range, 0, sizeof ev->u.range);
	else if (ev->kind == GT_EV_EXPERIMENTAL)
		memset(&ev->u.experimental, 0, sizeof ev->u.experimental);
	ev->wire_type = e->typ;
	ev->time = e->time;
	ev->thread = e->m;
	ev->proc = e->p;
	ev->goroutine = e->g;
	ev->offset = e->off;
	if (e->typ == V2_EvCPUSample) {
		/* Go hands a sample's stack out even when its id is 0 or unknown. */
		if (!v2_gen_stack(g, e->args[0], &ev->stack))
			return dc_fail(err, GT_ERR_INVALID, e->off, "found invalid stack ID %llu for CPU sample",
			               (unsigned long long)e->args[0]);
	} else {
		ev->stack = main_stack;
	}

	switch (e->typ) {
	case V2_EvProcsChange:
	case V2_EvHeapAlloc:
	case V2_EvHeapGoal:
		ev->u.metric.id = e->typ == V2_EvProcsChange ? GT_METRIC_GOMAXPROCS
		                  : e->typ == V2_EvHeapAlloc ? GT_METRIC_HEAP_ALLOC
		                                             : GT_METRIC_HEAP_GOAL;
		ev->u.metric.name = e->typ == V2_EvProcsChange ? "/sched/gomaxprocs:threads"
		                    : e->typ == V2_EvHeapAlloc ? "/memory/classes/heap/objects:bytes"
		                                               : "/gc/heap/goal:bytes";
		ev->u.metric.value = e->args[0];
		break;
	case V2_EvGoLabel:
		ev->u.label.label = gen_str(g, e->args[0]);
		ev->u.label.goroutine = e->g;
		break;
	case V2_EvSTWBegin:
	case V2_EvSTWEnd:
		ev->u.range.id = GT_RANGE_STW;
		/* Go looks the kind up in the current generation's table, even for an
		 * end whose begin came in an earlier one; fall back to the text kept
		 * from the begin where that id does not exist. */
		if (!v2_gen_string(g, e->args[0], &ev->u.range.stw_kind))
			ev->u.range.stw_kind = e->str;
		ev->u.range.scope = GT_RES_GOROUTINE;
		ev->u.range.scope_id = e->g;
		break;
	case V2_EvGCBegin:
	case V2_EvGCActive:
	case V2_EvGCEnd:
		ev->u.range.id = GT_RANGE_GC_MARK;
		ev->u.range.scope = GT_RES_NONE;
		break;
	case V2_EvGCSweepBegin:
	case V2_EvGCSweepActive:
	case V2_EvGCSweepEnd:
		ev->u.range.id = GT_RANGE_SWEEP;
		ev->u.range.scope = GT_RES_PROC;
		ev->u.range.scope_id = e->typ == V2_EvGCSweepActive ? (int64_t)e->args[0] : e->p;
		if (e->typ == V2_EvGCSweepEnd) {
			ev->u.range.has_sweep_stats = true;
			ev->u.range.swept_bytes = e->args[0];
			ev->u.range.reclaimed_bytes = e->args[1];
		}
		break;
	case V2_EvGCMarkAssistBegin:
	case V2_EvGCMarkAssistActive:
	case V2_EvGCMarkAssistEnd:
		ev->u.range.id = GT_RANGE_MARK_ASSIST;
		ev->u.range.scope = GT_RES_GOROUTINE;
		ev->u.range.scope_id = e->typ == V2_EvGCMarkAssistActive ? (int64_t)e->args[0] : e->g;
		break;
	case V2_EvUserTaskBegin:
		ev->u.task.id = e->args[0];
		ev->u.task.parent = e->args[1];
		ev->u.task.type = gen_str(g, e->args[2]);
		break;
	case V2_EvUserTaskEnd:
		ev->u.task.id = e->args[0];
		ev->u.task.parent = e->args[2];
		ev->u.task.type = e->str;
		break;
	case V2_EvUserRegionBegin:
	case V2_EvUserRegionEnd:
		ev->u.region.task = e->args[0];
		ev->u.region.type = gen_str(g, e->args[1]);
		break;
	case V2_EvUserLog:
		ev->u.log.task = e->args[0];
		ev->u.log.category = gen_str(g, e->args[1]);
		ev->u.log.message = gen_str(g, e->args[2]);
		break;
	case V2_EvProcStart:
		proc_transition(ev, (int64_t)e->args[0], GT_PROC_IDLE, GT_PROC_RUNNING);
		break;
	case V2_EvProcStop:
		proc_transition(ev, e->p, GT_PROC_RUNNING, GT_PROC_IDLE);
		break;
	case V2_EvProcSteal:
		proc_transition(ev, (int64_t)e->args[0],
		                e->args[3] == V2_ProcSyscallAbandoned ? GT_PROC_IDLE : GT_PROC_RUNNING, GT_PROC_IDLE);
		break;
	case V2_EvProcStatus: {
		static const uint8_t to_state[5] = {GT_PROC_UNDETERMINED, GT_PROC_RUNNING, GT_PROC_IDLE, GT_PROC_RUNNING,
		                                    GT_PROC_IDLE};
		proc_transition(ev, (int64_t)e->args[0], (gt_proc_state)e->args[2],
		                (gt_proc_state)(e->args[1] < 5 ? to_state[e->args[1]] : GT_PROC_UNDETERMINED));
		break;
	}
	case V2_EvGoCreate:
	case V2_EvGoCreateBlocked:
		go_transition(ev, (int64_t)e->args[0], GT_GO_NOT_EXIST,
		              e->typ == V2_EvGoCreateBlocked ? GT_GO_WAITING : GT_GO_RUNNABLE);
		/* Go attaches the new goroutine's stack even when its id is 0. */
		if (!v2_gen_stack(g, e->args[1], &ev->u.transition.stack))
			ev->u.transition.stack = NULL;
		break;
	case V2_EvGoCreateSyscall:
		go_transition(ev, (int64_t)e->args[0], GT_GO_NOT_EXIST, GT_GO_SYSCALL);
		break;
	case V2_EvGoStart:
		go_transition(ev, (int64_t)e->args[0], GT_GO_RUNNABLE, GT_GO_RUNNING);
		break;
	case V2_EvGoDestroy:
		go_transition(ev, e->g, GT_GO_RUNNING, GT_GO_NOT_EXIST);
		break;
	case V2_EvGoDestroySyscall:
		go_transition(ev, e->g, GT_GO_SYSCALL, GT_GO_NOT_EXIST);
		break;
	case V2_EvGoStop:
	case V2_EvGoBlock:
		go_transition(ev, e->g, GT_GO_RUNNING, e->typ == V2_EvGoStop ? GT_GO_RUNNABLE : GT_GO_WAITING);
		ev->u.transition.reason = gen_str(g, e->args[0]);
		ev->u.transition.stack = ev->stack;
		break;
	case V2_EvGoUnblock:
	case V2_EvGoSwitch:
	case V2_EvGoSwitchDestroy:
		/* A switch first unblocks the goroutine it names, like GoUnblock. */
		go_transition(ev, (int64_t)e->args[0], GT_GO_WAITING, GT_GO_RUNNABLE);
		break;
	case V2_EvGoSyscallBegin:
		go_transition(ev, e->g, GT_GO_RUNNING, GT_GO_SYSCALL);
		ev->u.transition.stack = ev->stack;
		break;
	case V2_EvGoSyscallEnd:
		go_transition(ev, e->g, GT_GO_SYSCALL, GT_GO_RUNNING);
		break;
	case V2_EvGoSyscallEndBlocked:
		go_transition(ev, e->g, GT_GO_SYSCALL, GT_GO_RUNNABLE);
		break;
	case V2_EvGoStatus:
	case V2_EvGoStatusStack: {
		static const uint8_t to_state[5] = {GT_GO_UNDETERMINED, GT_GO_RUNNABLE, GT_GO_RUNNING, GT_GO_SYSCALL,
		                                    GT_GO_WAITING};
		uint64_t packed = e->args[2];
		uint64_t from = packed >> 32, to = packed & 0xffffffffu;
		go_transition(ev, (int64_t)e->args[0], (gt_go_state)from,
		              (gt_go_state)(to < 5 ? to_state[to] : GT_GO_UNDETERMINED));
		ev->u.transition.stack = ev->stack;
		break;
	}
	case V2_EvCPUSample:
		break;
	default:
		if (ev->kind == GT_EV_EXPERIMENTAL) {
			ev->u.experimental.name = spec->name;
			ev->u.experimental.experiment = spec->experiment == 1 ? "AllocFree" : "Unknown";
			ev->u.experimental.nargs = (uint32_t)(spec->nargs - 1);
			ev->u.experimental.arg_names = spec->arg_names;
			for (unsigned i = 0; i + 1 < spec->nargs; i++) {
				ev->u.experimental.args[i] = e->args[i];
				size_t n = strlen(spec->arg_names[i]);
				if (n >= 6 && strcmp(spec->arg_names[i] + n - 6, "string") == 0)
					ev->u.experimental.arg_strs[i] = gen_str(g, e->args[i]);
			}
		}
		break;
	}
	fix_time(t, ev);
	return GT_OK;
}

/* ---- the ordering thread: Go's reader loop, into the ring ---- */

/* Publishes the chunk being filled, if it holds anything, and when `next`
 * waits for a free one to fill. False when the reader is being freed. */
static bool ring_publish(v2_reader *t, bool next, bool pause)
{
	pthread_mutex_lock(&t->mu);
	if (t->bn) {
		t->nchunk[t->wchunk % RING_CHUNKS] = t->bn;
		t->wchunk++;
		t->bn = 0;
	}
	t->orderer_pauses = pause;
	if (t->reader_waits && t->wchunk != t->rchunk && (pause || t->wchunk - t->rchunk >= RING_HALF))
		pthread_cond_signal(&t->ring_cv);
	while (next && !t->stop && t->wchunk - t->rchunk == RING_CHUNKS) {
		t->orderer_waits = true;
		pthread_cond_wait(&t->ring_cv, &t->mu);
	}
	t->orderer_waits = false;
	bool ok = !t->stop;
	pthread_mutex_unlock(&t->mu);
	t->bout = t->ring + (t->wchunk % RING_CHUNKS) * CHUNK_EVS;
	return ok;
}

/* A free entry of the ring, or NULL when the reader is being freed. */
static v2_ev *ring_put(v2_reader *t)
{
	if (t->bn == CHUNK_EVS && !ring_publish(t, true, false))
		return NULL;
	return &t->bout[t->bn++];
}

static bool put_ev(v2_reader *t, const v2_ev *e)
{
	v2_ev *slot = ring_put(t);
	if (!slot)
		return false;
	*slot = *e;
	return true;
}

/* Puts a control item; returns whether the ordering goes on. */
static bool put_item(v2_reader *t, uint64_t kind, uint64_t a1, uint64_t a2)
{
	v2_ev *slot = ring_put(t);
	if (!slot)
		return false;
	*slot = (v2_ev){.typ = V2_EvNone, .args = {kind, a1, a2, 0}};
	return kind == ITEM_GEN && a2 == 0;
}

static bool put_error(v2_reader *t, const gt_error *e)
{
	t->oerr = *e;
	return put_item(t, ITEM_ERROR, 0, 0);
}

static bool put_final(v2_reader *t, term_kind term, const gt_error *e, size_t tail_off)
{
	if (e)
		t->oerr = *e;
	return put_item(t, ITEM_FINAL, term, tail_off);
}

/* Sets up the batch cursors of a generation (Go's reader, on a new
 * generation) and hands it to the caller's thread. */
static bool order_install(v2_reader *t, gen_slot *s)
{
	t->bcur = s;
	t->bgen = &s->gen;
	const v2_gen *g = t->bgen;
	uint64_t si = (uint64_t)(s - t->slots);
	t->sample_pos = 0;
	t->nfrontier = 0;
	if (!dc_grow(&t->cursors, &t->capcursors, g->nms, sizeof *t->cursors) ||
	    !dc_grow(&t->frontier, &t->capfrontier, g->nms, sizeof *t->frontier)) {
		dc_fail(&t->oerr, GT_ERR_NOMEM, g->start_off, "out of memory");
		return put_item(t, ITEM_GEN, si, 1);
	}
	for (size_t i = 0; i < g->nms; i++) {
		v2_bcursor *bc = &t->cursors[i];
		memset(bc, 0, sizeof *bc);
		bc->m = g->ms[i].m;
		bc->state = UINT32_MAX;
		bc->mr = &s->mr[i];
		bc->pos = s->mr[i].begin;
		bc->end = s->mr[i].end;
		bool ok;
		if (cursor_next(t, bc, &ok, &t->oerr))
			return put_item(t, ITEM_GEN, si, 1);
		if (!ok)
			continue;
		t->frontier[t->nfrontier++] = (v2_fent){bc->ev.time, bc};
		heap_sift_up(t->frontier, t->nfrontier - 1);
	}
	return put_item(t, ITEM_GEN, si, 0);
}

static bool order_next_generation(v2_reader *t)
{
	gen_slot *cur = t->bcur;
	if (cur && !more_to_read(t, cur)) {
		/* Before Go 1.26 nothing follows the last generation; an error
		 * after it (Go's spillErr) ends the stream after its Sync. */
		if (cur->pending)
			return put_final(t, cur->pending_is_truncation ? TERM_TRUNCATED : TERM_ERROR, &cur->pending_err,
			                 cur->tail_off);
		return put_final(t, TERM_NONE, NULL, cur->tail_off);
	}
	/* Hand over what is ready before waiting: the worker may be waiting
	 * for the caller to release a slot. */
	if (!ring_publish(t, true, true))
		return false;
	gen_slot *s = take_slot(t);
	if (!s)
		return false;
	switch (s->res) {
	case V2_GEN_OK:
		return order_install(t, s);
	case V2_GEN_DONE:
		return put_final(t, TERM_NONE, NULL, s->tail_off);
	case V2_GEN_ERROR:
	default:
		return put_final(t, s->truncation ? TERM_TRUNCATED : TERM_ERROR, &s->err, s->tail_off);
	}
}

static gt_status try_advance(v2_reader *t, size_t i, bool *ok, gt_error *err)
{
	v2_bcursor *bc = t->frontier[i].bc;
	/* What advances goes straight into the ring's chunk when nothing is
	 * queued before it; on an error it is dropped, like the queue. */
	v2_order *o = &t->order;
	o->nout = 0;
	o->outcap = o->qlen == 0 && t->bn < CHUNK_EVS ? CHUNK_EVS - t->bn : 0;
	o->out = t->bout + t->bn;
	gt_status s = v2_order_advance(o, &bc->ev, t->bgen, bc->m, &bc->state, ok, err);
	o->outcap = 0;
	if (s)
		return s;
	t->bn += o->nout;
	if (!*ok)
		return s;
	bool more;
	if ((s = cursor_next(t, bc, &more, err)))
		return s;
	if (more) {
		v2_fent *h = t->frontier;
		size_t n = t->nfrontier;
		int64_t time = h[i].time = bc->ev.time;
		/* The root's thread mostly stays the earliest: two comparisons
		 * instead of a sift. */
		if (i != 0 || (n > 1 && h[1].time < time) || (n > 2 && h[2].time < time))
			heap_update(h, n, i);
	} else
		heap_remove(t->frontier, &t->nfrontier, i);
	return GT_OK;
}

/* One step of Go's reader loop: puts what it produces into the ring and
 * returns whether there is more. */
static bool order_step(v2_reader *t)
{
	const v2_ev *qe;
	if ((qe = v2_order_pop(&t->order)))
		return put_ev(t, qe);
	const v2_gen *g = t->bgen;
	if (!g || (t->nfrontier == 0 && t->sample_pos == g->nsamples))
		return order_next_generation(t);

	if (t->sample_pos < g->nsamples &&
	    (t->nfrontier == 0 || g->samples[t->sample_pos].time < t->frontier[0].time)) {
		const v2_cpu_sample *cs = &g->samples[t->sample_pos++];
		v2_ev se = {.typ = V2_EvCPUSample, .time = cs->time, .args = {cs->stack, 0, 0, 0}, .off = cs->off,
		            .m = cs->m, .p = cs->p, .g = cs->g};
		return put_ev(t, &se);
	}

	bool ok;
	gt_error e;
	if (try_advance(t, 0, &ok, &e))
		return put_error(t, &e);
	/* Most events advance at once into the chunk: keep going while nothing
	 * is queued, no CPU sample comes first and the chunk has room, rather
	 * than paying this function's checks once per event. */
	while (ok && t->order.qlen == 0 && t->nfrontier && t->bn < CHUNK_EVS &&
	       (t->sample_pos == g->nsamples || g->samples[t->sample_pos].time >= t->frontier[0].time)) {
		if (try_advance(t, 0, &ok, &e))
			return put_error(t, &e);
	}
	if (!ok) {
		/* Rare: the earliest event must wait. Try the others in time order. */
		gt_gosort(t->frontier, t->nfrontier, sizeof *t->frontier, cmp_cursor_time, NULL);
		for (size_t i = 1; i < t->nfrontier && !ok; i++) {
			if (try_advance(t, i, &ok, &e))
				return put_error(t, &e);
		}
		if (!ok) {
			dc_fail(&e, GT_ERR_INVALID, t->frontier[0].bc->ev.off,
			        "broken trace: failed to advance: no thread's next event can happen next (gen=%llu, %zu threads)",
			        (unsigned long long)g->gen, t->nfrontier);
			return put_error(t, &e);
		}
	}
	/* Hand out everything this step queued. */
	while ((qe = v2_order_pop(&t->order)))
		if (!put_ev(t, qe))
			return false;
	return true;
}

static void *order_main(void *arg)
{
	v2_reader *t = arg;
	if (!ring_publish(t, true, false))
		return NULL;
	while (order_step(t))
		;
	ring_publish(t, false, true);
	return NULL;
}

/* ---- the caller's thread: generations and events out of the ring ---- */

static const v2_ev *ring_get(v2_reader *t)
{
	if (t->cpos == t->cend) {
		pthread_mutex_lock(&t->mu);
		if (t->chunk_held) {
			t->rchunk++;
			if (t->orderer_waits && t->wchunk - t->rchunk <= RING_HALF)
				pthread_cond_signal(&t->ring_cv);
		}
		if (t->wchunk == t->rchunk) {
			/* Wait for half a ring, or for all there is if the orderer
			 * has stopped to wait itself or reached the end. */
			t->reader_waits = true;
			while (t->wchunk == t->rchunk || (t->wchunk - t->rchunk < RING_HALF && !t->orderer_pauses))
				pthread_cond_wait(&t->ring_cv, &t->mu);
			t->reader_waits = false;
		}
		size_t i = t->rchunk % RING_CHUNKS;
		size_t n = t->nchunk[i];
		pthread_mutex_unlock(&t->mu);
		t->cpos = t->ring + i * CHUNK_EVS;
		t->cend = t->cpos + n;
		t->chunk_held = true;
	}
	return t->cpos++;
}

static gt_status install_gen(v2_reader *t, gen_slot *s, bool failed, gt_event *ev, gt_error *err)
{
	gen_slot *prev = t->cur;
	t->cur = s;
	t->gen = &s->gen;
	/* The previous generation's events are all handed out, and the caller's
	 * last event from it dies with this call. */
	release_slot(t, prev);
	const v2_gen *g = t->gen;
	t->generations++;
	t->valid_bytes = g->end_off;
	t->tail_off = s->tail_off;
	if (failed)
		return fail(t->oerr.status, &t->oerr, err);
	t->syncs++;
	return make_sync(t, true, freq_mul(g->freq, g->min_ts), ev);
}

/* The end of the stream: a Sync, then EOF or the error. */
static gt_status final_sync(v2_reader *t, term_kind term, const gt_error *e, gt_event *ev)
{
	t->term = term;
	if (e)
		t->term_err = *e;
	t->term_synced = true;
	t->syncs++;
	t->gen = NULL;
	return make_sync(t, false, t->last_ts, ev);
}

static gt_status after_final_sync(v2_reader *t, gt_error *err)
{
	if (t->term == TERM_ERROR)
		return fail(t->term_err.status, &t->term_err, err);
	if (t->term == TERM_TRUNCATED) {
		t->truncated = true;
		t->truncation = t->term_err;
	}
	return GT_EOF;
}

gt_status v2_reader_next(v2_reader *t, gt_event *ev, gt_error *err)
{
	if (t->term_synced)
		return after_final_sync(t, err);
	const v2_ev *qe = ring_get(t);
	if (DC_LIKELY(qe->typ != V2_EvNone)) {
		gt_error e;
		gt_status s = convert(t, qe, ev, &e);
		return s ? fail(s, &e, err) : GT_OK;
	}
	switch (qe->args[0]) {
	case ITEM_GEN:
		return install_gen(t, &t->slots[qe->args[1]], qe->args[2] != 0, ev, err);
	case ITEM_FINAL:
		t->tail_off = (size_t)qe->args[2];
		return final_sync(t, (term_kind)qe->args[1], qe->args[1] == TERM_NONE ? NULL : &t->oerr, ev);
	case ITEM_ERROR:
	default:
		return fail(t->oerr.status, &t->oerr, err);
	}
}
