/* The v2 ordering state machine (internal/trace/order.go): it emulates the
 * scheduler state of goroutines, Ps and Ms to validate events and to decide
 * which thread's next event may come next. */
#ifndef GOTRACE_DECODER_V2_ORDER_H
#define GOTRACE_DECODER_V2_ORDER_H

#include "v2.h"

/* An event as the ordering handles it: Go's baseEvent plus its context. */
typedef struct v2_ev {
	uint8_t typ;
	int64_t time;
	uint64_t args[4];
	uint64_t off;
	int64_t m, p, g;
	gt_str str; /* a string carried over from an earlier event (task type, STW kind) */
} v2_ev;

typedef struct o_range {
	uint8_t typ;
	uint64_t desc;
	gt_str desc_str;
} o_range;

typedef struct o_ranges {
	o_range *v;
	uint32_t n, cap;
} o_ranges;

typedef struct o_region {
	uint64_t task;
	gt_str name;
} o_region;

/* 64 bytes, what most events touch first: goroutine states are looked up
 * all over a big table and each miss costs more than the rule it serves. */
typedef struct o_g {
	uint64_t seq_gen, seq;
	uint8_t status;
	uint32_t nreg, capreg;
	int64_t id;
	o_region *regions;
	o_ranges ranges;
} o_g;

typedef struct o_p {
	int64_t id;
	uint8_t status;
	uint64_t seq_gen, seq;
	o_ranges ranges;
} o_p;

typedef struct o_m {
	int64_t id;
	int64_t g, p;
} o_m;

typedef struct o_task {
	uint64_t id;
	uint64_t parent;
	gt_str name;
} o_task;

typedef struct v2_order {
	unsigned version;
	uint64_t initial_gen;
	uint64_t gc_seq;
	uint8_t gc_state;

	dc_map gmap; /* goroutine id -> index into gs */
	o_g *gs;
	size_t ngs, capgs;
	uint32_t *gfree;
	size_t ngfree, capgfree;

	dc_map pmap;
	o_p *ps;
	size_t nps, capps;

	dc_map mmap;
	o_m *ms;
	size_t nms, capms;

	dc_map taskmap;
	o_task *tasks;
	size_t ntasks, captasks;
	uint32_t *taskfree;
	size_t ntaskfree, captaskfree;

	/* Events that advanced, waiting to be handed out (a ring buffer). */
	v2_ev *queue;
	size_t qstart, qlen, qcap;
	/* Room the caller may give for the next advance while the queue is
	 * empty: events go there first, in order, and only the rest to the
	 * queue. out[0..nout) were written. */
	v2_ev *out;
	size_t nout, outcap;
} v2_order;

void v2_order_init(v2_order *o, unsigned version);
void v2_order_free(v2_order *o);

/* Tries to advance ev, the next event of thread m in generation gen.
 * *m_index caches where m's state lives (start with UINT32_MAX).
 * Returns GT_OK with *ok telling whether it advanced, or an error. */
gt_status v2_order_advance(v2_order *o, v2_ev *ev, const v2_gen *g, int64_t m, uint32_t *m_index, bool *ok,
                           gt_error *err);

/* The oldest queued event, or NULL; valid until the next advance. */
static inline const v2_ev *v2_order_pop(v2_order *o)
{
	if (!o->qlen)
		return NULL;
	const v2_ev *e = &o->queue[o->qstart];
	o->qstart = (o->qstart + 1) & (o->qcap - 1);
	o->qlen--;
	return e;
}

#endif
