/* The ordering rules of internal/trace/order.go, one handler per event type.
 * Handler names keep Go's (advanceGoStart -> adv_go_start) so that each rule
 * can be compared with its source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v2_order.h"

enum { GC_UNDETERMINED, GC_NOT_RUNNING, GC_RUNNING };
enum { MUST_NOT_HAVE, MAY_HAVE, MUST_HAVE };

typedef struct reqs {
	uint8_t m, p, g;
} reqs;

static const reqs user_go_reqs = {MUST_HAVE, MUST_HAVE, MUST_HAVE};

typedef struct ctx {
	int64_t m, p, g;
} ctx;

/* What a handler needs besides the event. A handler that lets the event
 * advance sets ok and records the thread's new context with set_p and
 * set_g, straight into the thread's state (Go applies its newCtx after the
 * handler returns; a handler sets it only on the way to success, and an
 * error ends the stream, so this is the same). Scalars rather than a
 * context passed and returned by value: copying that small struct through
 * memory right after writing its fields stalls store forwarding. */
typedef struct adv {
	v2_order *o;
	v2_ev *ev;
	const v2_gen *gen;
	uint64_t g; /* generation number */
	gt_error *err;
	ctx cur;     /* the thread's context before the event */
	uint32_t mi; /* index of the thread's state in o->ms, UINT32_MAX for none */
	bool ok;
} adv;

/* The thread's P and goroutine after the event. The index, not a pointer:
 * a handler that adds a thread may move the array. */
static inline void set_p(adv *a, int64_t p)
{
	if (a->mi != UINT32_MAX)
		a->o->ms[a->mi].p = p;
}

static inline void set_g(adv *a, int64_t g)
{
	if (a->mi != UINT32_MAX)
		a->o->ms[a->mi].g = g;
}

static const char *const go_status_names[] = {"Bad", "Runnable", "Running", "Syscall", "Waiting"};
static const char *const proc_status_names[] = {"Bad", "Running", "Idle", "Syscall", "SyscallAbandoned"};

static const char *go_status_str(uint8_t s) { return s < 5 ? go_status_names[s] : "Bad"; }
static const char *proc_status_str(uint8_t s) { return s < 5 ? proc_status_names[s] : "Bad"; }

/* tracev2GoStatus2GoState and tracev2ProcStatus2ProcState: index 0 maps to
 * Undetermined because Go's table has five entries. */
static const uint8_t go_status_to_state[5] = {GT_GO_UNDETERMINED, GT_GO_RUNNABLE, GT_GO_RUNNING, GT_GO_SYSCALL,
                                              GT_GO_WAITING};
static const uint8_t proc_status_to_state[5] = {GT_PROC_UNDETERMINED, GT_PROC_RUNNING, GT_PROC_IDLE, GT_PROC_RUNNING,
                                                GT_PROC_IDLE};

static const char *ev_name(const v2_order *o, uint8_t typ)
{
	/* Version.EventName: only the types this version defines have names. */
	unsigned limit = o->version == V2_GO122   ? V2_EvUserLog + 1
	                 : o->version == V2_GO123 ? V2_EvExperimentalBatch + 1
	                 : o->version == V2_GO125 ? V2_EvClockSnapshot + 1
	                                          : V2_MaxExperimentalEvent;
	if (typ < limit && v2_specs[typ].name)
		return v2_specs[typ].name;
	static _Thread_local char buf[24];
	snprintf(buf, sizeof buf, "Invalid(%u)", typ);
	return buf;
}

static gt_status failf(adv *a, const char *fmt, ...) DC_PRINTF(2, 3);
static gt_status failf(adv *a, const char *fmt, ...)
{
	if (a->err) {
		a->err->status = GT_ERR_INVALID;
		a->err->offset = a->ev->off;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(a->err->detail, sizeof a->err->detail, fmt, ap);
		va_end(ap);
	}
	return GT_ERR_INVALID;
}

static gt_status nomem(adv *a) { return dc_fail(a->err, GT_ERR_NOMEM, a->ev->off, "out of memory"); }

static gt_status validate_ctx(adv *a, ctx c, reqs r)
{
	if (r.m == MUST_HAVE && c.m == GT_NO_ID)
		return failf(a, "expected a thread but didn't have one");
	if (r.m == MUST_NOT_HAVE && c.m != GT_NO_ID)
		return failf(a, "expected no thread but had one");
	if (r.p == MUST_HAVE && c.p == GT_NO_ID)
		return failf(a, "expected a proc but didn't have one");
	if (r.p == MUST_NOT_HAVE && c.p != GT_NO_ID)
		return failf(a, "expected no proc but had one");
	if (r.g == MUST_HAVE && c.g == GT_NO_ID)
		return failf(a, "expected a goroutine but didn't have one");
	if (r.g == MUST_NOT_HAVE && c.g != GT_NO_ID)
		return failf(a, "expected no goroutine but had one");
	return GT_OK;
}

static bool seq_succeeds(uint64_t gen, uint64_t seq, uint64_t bgen, uint64_t bseq)
{
	return gen == bgen && seq == bseq + 1;
}

/* ---- state tables ---- */

static o_g *g_get(v2_order *o, int64_t id)
{
	uint32_t *i = dc_map_get(&o->gmap, (uint64_t)id);
	return i ? &o->gs[*i] : NULL;
}

static o_g *g_new(v2_order *o, int64_t id, uint8_t status, uint64_t gen)
{
	bool inserted;
	uint32_t *slot = dc_map_put(&o->gmap, (uint64_t)id, &inserted);
	if (!slot)
		return NULL;
	uint32_t idx;
	if (o->ngfree) {
		idx = o->gfree[--o->ngfree];
	} else {
		if (!dc_grow(&o->gs, &o->capgs, o->ngs + 1, sizeof *o->gs)) {
			dc_map_del(&o->gmap, (uint64_t)id);
			return NULL;
		}
		idx = (uint32_t)o->ngs++;
		memset(&o->gs[idx], 0, sizeof o->gs[idx]);
	}
	*slot = idx;
	o_g *s = &o->gs[idx];
	s->id = id;
	s->status = status;
	s->seq_gen = gen;
	s->seq = 0;
	s->nreg = 0;
	s->ranges.n = 0;
	return s;
}

/* g_new behind the ceiling on goroutines alive at once. */
static gt_status g_add(adv *a, int64_t id, uint8_t status)
{
	if (a->o->gmap.len >= GT_MAX_GOROUTINES)
		return dc_fail(a->err, GT_ERR_LIMIT, a->ev->off, "more than %u goroutines alive at once", GT_MAX_GOROUTINES);
	return g_new(a->o, id, status, a->g) ? GT_OK : nomem(a);
}

static bool g_del(v2_order *o, int64_t id)
{
	uint32_t *i = dc_map_get(&o->gmap, (uint64_t)id);
	if (!i)
		return true;
	uint32_t idx = *i;
	dc_map_del(&o->gmap, (uint64_t)id);
	if (!dc_grow(&o->gfree, &o->capgfree, o->ngfree + 1, sizeof *o->gfree))
		return false;
	o->gfree[o->ngfree++] = idx;
	return true;
}

static o_p *p_get(v2_order *o, int64_t id)
{
	uint32_t *i = dc_map_get(&o->pmap, (uint64_t)id);
	return i ? &o->ps[*i] : NULL;
}

static o_m *m_get(v2_order *o, int64_t id)
{
	uint32_t *i = dc_map_get(&o->mmap, (uint64_t)id);
	return i ? &o->ms[*i] : NULL;
}

static o_m *m_new(v2_order *o, int64_t id, int64_t g, int64_t p)
{
	if (!dc_grow(&o->ms, &o->capms, o->nms + 1, sizeof *o->ms))
		return NULL;
	bool inserted;
	uint32_t *slot = dc_map_put(&o->mmap, (uint64_t)id, &inserted);
	if (!slot)
		return NULL;
	*slot = (uint32_t)o->nms;
	o->ms[o->nms] = (o_m){id, g, p};
	return &o->ms[o->nms++];
}

/* m_new behind the ceiling on threads. */
static gt_status m_add(adv *a, int64_t id, int64_t g, o_m **out)
{
	if (a->o->nms >= GT_MAX_THREADS)
		return dc_fail(a->err, GT_ERR_LIMIT, a->ev->off, "more than %u threads", GT_MAX_THREADS);
	*out = m_new(a->o, id, g, GT_NO_ID);
	return *out ? GT_OK : nomem(a);
}

/* Appends a copy of ev and returns the copy, or NULL when out of memory. */
static v2_ev *push(v2_order *o, const v2_ev *ev)
{
	if (o->nout < o->outcap) {
		v2_ev *slot = &o->out[o->nout++];
		*slot = *ev;
		return slot;
	}
	if (o->qlen == o->qcap) {
		size_t ncap = o->qcap ? o->qcap * 2 : 16;
		v2_ev *nq = malloc(ncap * sizeof *nq);
		if (!nq)
			return NULL;
		for (size_t i = 0; i < o->qlen; i++)
			nq[i] = o->queue[(o->qstart + i) & (o->qcap - 1)];
		free(o->queue);
		o->queue = nq;
		o->qcap = ncap;
		o->qstart = 0;
	}
	v2_ev *slot = &o->queue[(o->qstart + o->qlen) & (o->qcap - 1)];
	*slot = *ev;
	o->qlen++;
	return slot;
}

/* Pushes the current event with context c. */
static gt_status emit(adv *a, ctx c)
{
	/* Copy first, then set the context on the copy: writing the context
	 * into ev just before copying it stalls store forwarding. */
	v2_ev *e = push(a->o, a->ev);
	if (!e)
		return nomem(a);
	e->m = c.m;
	e->p = c.p;
	e->g = c.g;
	return GT_OK;
}

/* makeEvent: an extra event derived from the current one. */
static gt_status emit_extra4(adv *a, ctx c, uint8_t typ, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	v2_ev e = {.typ = typ, .time = a->ev->time, .args = {a0, a1, a2, a3}, .off = a->ev->off, .m = c.m, .p = c.p, .g = c.g};
	return push(a->o, &e) ? GT_OK : nomem(a);
}

static gt_status emit_extra(adv *a, ctx c, uint8_t typ, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return emit_extra4(a, c, typ, a0, a1, a2, 0);
}

/* ---- ranges ---- */

static uint8_t range_start_type(uint8_t typ)
{
	uint8_t st = v2_specs[typ].start_ev;
	return st ? st : typ;
}

static bool has_range(const o_ranges *r, uint8_t typ, uint64_t desc)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->v[i].typ == typ && r->v[i].desc == desc)
			return true;
	return false;
}

static bool ranges_add(o_ranges *r, uint8_t typ, uint64_t desc, gt_str s)
{
	if (r->n == r->cap) {
		size_t cap = r->cap;
		if (!dc_grow(&r->v, &cap, (size_t)r->n + 1, sizeof *r->v))
			return false;
		r->cap = (uint32_t)cap;
	}
	r->v[r->n++] = (o_range){typ, desc, s};
	return true;
}

static gt_status begin_range(adv *a, o_ranges *r, uint8_t typ, uint64_t desc, gt_str s)
{
	typ = range_start_type(typ);
	if (has_range(r, typ, desc))
		return failf(a, "discovered event already in-flight for when starting event %s", v2_specs[typ].name);
	return ranges_add(r, typ, desc, s) ? GT_OK : nomem(a);
}

static gt_status active_range(adv *a, o_ranges *r, uint8_t typ, bool initial)
{
	typ = range_start_type(typ);
	if (initial) {
		if (has_range(r, typ, 0))
			return failf(a, "found named active range already in first gen: %s", v2_specs[typ].name);
		return ranges_add(r, typ, 0, (gt_str){"", 0}) ? GT_OK : nomem(a);
	}
	if (!has_range(r, typ, 0))
		return failf(a, "resource is missing active range: %s", v2_specs[typ].name);
	return GT_OK;
}

static gt_status end_range(adv *a, o_ranges *r, uint8_t typ, o_range *out)
{
	uint8_t st = v2_specs[typ].start_ev;
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->v[i].typ == st) {
			*out = r->v[i];
			/* Swap remove, as Go does: the order of what remains matters
			 * to nothing but keeps the rule identical. */
			r->v[i] = r->v[r->n - 1];
			r->n--;
			return GT_OK;
		}
	}
	return failf(a, "tried to end event %s, but not in-flight", v2_specs[st].name);
}

/* ---- handlers ---- */

/* The state of the goroutine on the current thread, which must exist and
 * be in status `want`; `want_name` is what Go's message names (it says
 * Running for some events that want Syscall, and so do we). */
static gt_status cur_g(adv *a, ctx cur, uint8_t want, const char *want_name, o_g **out)
{
	o_g *s = g_get(a->o, cur.g);
	if (!s)
		return failf(a, "event %s for goroutine (%lld) that doesn't exist", ev_name(a->o, a->ev->typ),
		             (long long)cur.g);
	if (s->status != want)
		return failf(a, "%s event for goroutine that's not %s", ev_name(a->o, a->ev->typ), want_name);
	*out = s;
	return GT_OK;
}


typedef gt_status (*handler)(adv *a);

static gt_status adv_proc_status(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	v2_ev *ev = a->ev;
	int64_t pid = (int64_t)ev->args[0];
	uint64_t status = ev->args[1];
	if (status >= 5)
		return failf(a, "invalid status for proc %lld: %llu", (long long)pid, (unsigned long long)status);
	uint8_t old_state = proc_status_to_state[status];
	o_p *s = p_get(o, pid);
	if (s) {
		if (status == V2_ProcSyscallAbandoned && s->status == V2_ProcSyscall) {
			/* Abandoned while we still know the syscall: nothing was lost. */
			old_state = GT_PROC_RUNNING;
			ev->args[1] = V2_ProcSyscall;
		} else if (status == V2_ProcSyscallAbandoned && s->status == V2_ProcSyscallAbandoned) {
			old_state = GT_PROC_IDLE;
			ev->args[1] = V2_ProcSyscallAbandoned;
		} else if (s->status != status) {
			return failf(a, "inconsistent status for proc %lld: old %s vs. new %s", (long long)pid,
			             proc_status_str(s->status), proc_status_str((uint8_t)status));
		}
		s->seq_gen = a->g;
		s->seq = 0;
	} else {
		bool inserted;
		if (o->nps >= GT_MAX_PROCS)
			return dc_fail(a->err, GT_ERR_LIMIT, ev->off, "more than %u procs", GT_MAX_PROCS);
		if (!dc_grow(&o->ps, &o->capps, o->nps + 1, sizeof *o->ps))
			return nomem(a);
		uint32_t *slot = dc_map_put(&o->pmap, (uint64_t)pid, &inserted);
		if (!slot)
			return nomem(a);
		*slot = (uint32_t)o->nps;
		o->ps[o->nps++] = (o_p){.id = pid, .status = (uint8_t)status, .seq_gen = a->g, .seq = 0};
		old_state = a->g == o->initial_gen ? GT_PROC_UNDETERMINED : GT_PROC_NOT_EXIST;
	}
	ev->args[2] = old_state; /* extra[0]: the old state, for the transition */

	if (status == V2_ProcRunning || status == V2_ProcSyscall)
		set_p(a, pid);
	/* A promoted SyscallAbandoned status is Running -> Running, which binds:
	 * emit it in the context the P is bound to. */
	if (status == V2_ProcSyscallAbandoned && old_state == GT_PROC_RUNNING) {
		bool found = false;
		for (size_t i = 0; i < o->nms; i++) {
			if (o->ms[i].p == pid) {
				cur.m = o->ms[i].id;
				cur.p = pid;
				cur.g = o->ms[i].g;
				found = true;
			}
		}
		if (!found)
			return failf(a, "failed to find sched context for proc %lld that's about to be stolen", (long long)pid);
	}
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_proc_start(adv *a)
{
	ctx cur = a->cur;
	int64_t pid = (int64_t)a->ev->args[0];
	o_p *s = p_get(a->o, pid);
	if (!s || s->status != V2_ProcIdle || !seq_succeeds(a->g, a->ev->args[1], s->seq_gen, s->seq) ||
	    cur.p != GT_NO_ID)
		return GT_OK; /* not yet: another thread must advance first */
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_NOT_HAVE, MAY_HAVE});
	if (st)
		return st;
	s->status = V2_ProcRunning;
	s->seq_gen = a->g;
	s->seq = a->ev->args[1];
	set_p(a, pid);
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_proc_stop(adv *a)
{
	ctx cur = a->cur;
	o_p *s = p_get(a->o, cur.p);
	if (!s)
		return failf(a, "event %s for proc (%lld) that doesn't exist", ev_name(a->o, a->ev->typ), (long long)cur.p);
	if (s->status != V2_ProcRunning && s->status != V2_ProcSyscall)
		return failf(a, "%s event for proc that's not Running or Syscall", ev_name(a->o, a->ev->typ));
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MAY_HAVE});
	if (st)
		return st;
	s->status = V2_ProcIdle;
	set_p(a, GT_NO_ID);
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_proc_steal(adv *a)
{
	ctx cur = a->cur;
	v2_ev *ev = a->ev;
	int64_t pid = (int64_t)ev->args[0];
	o_p *s = p_get(a->o, pid);
	if (!s || (s->status != V2_ProcSyscall && s->status != V2_ProcSyscallAbandoned) ||
	    !seq_succeeds(a->g, ev->args[1], s->seq_gen, s->seq))
		return GT_OK;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MAY_HAVE, MAY_HAVE});
	if (st)
		return st;
	uint8_t old_status = s->status;
	ev->args[3] = old_status; /* extra[0]: the status that let it advance */
	s->status = V2_ProcIdle;
	s->seq_gen = a->g;
	s->seq = ev->args[1];
	a->ok = true;
	if (old_status == V2_ProcSyscallAbandoned)
		return emit(a, cur); /* information was lost: leave the M alone */

	int64_t mid = (int64_t)ev->args[2];
	if (mid == cur.m) {
		if (cur.p != pid)
			return failf(a, "tried to self-steal proc %lld (thread %lld), but got proc %lld instead", (long long)pid,
			             (long long)mid, (long long)cur.p);
		set_p(a, GT_NO_ID);
		return emit(a, cur);
	}
	o_m *ms = m_get(a->o, mid);
	if (!ms)
		return failf(a, "stole proc from non-existent thread %lld", (long long)mid);
	if (ms->p != pid)
		return failf(a, "tried to steal proc %lld from thread %lld, but got proc %lld instead", (long long)pid,
		             (long long)mid, (long long)ms->p);
	/* The other M was in a syscall and is waiting to learn it lost its P. */
	ms->p = GT_NO_ID;
	return emit(a, cur);
}

static gt_status adv_go_status(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	v2_ev *ev = a->ev;
	int64_t gid = (int64_t)ev->args[0];
	int64_t mid = (int64_t)ev->args[1];
	uint64_t status = ev->args[2];
	if (status >= 5)
		return failf(a, "invalid status for goroutine %lld: %llu", (long long)gid, (unsigned long long)status);
	uint8_t old_state = go_status_to_state[status];
	gt_status st;
	o_g *s = g_get(o, gid);
	if (s) {
		if (s->status != status)
			return failf(a, "inconsistent status for goroutine %lld: old %s vs. new %s", (long long)gid,
			             go_status_str(s->status), go_status_str((uint8_t)status));
		s->seq_gen = a->g;
		s->seq = 0;
	} else if (a->g == o->initial_gen) {
		if ((st = g_add(a, gid, (uint8_t)status)))
			return st;
		old_state = GT_GO_UNDETERMINED;
	} else {
		return failf(a, "found goroutine status for new goroutine after the first generation: id=%lld status=%s",
		             (long long)gid, go_status_str((uint8_t)status));
	}
	ev->args[2] = (uint64_t)old_state << 32 | status;

	if (status == V2_GoRunning) {
		set_g(a, gid);
	} else if (status == V2_GoSyscall) {
		if (mid == GT_NO_ID)
			return failf(a, "found goroutine %lld in syscall without a thread", (long long)gid);
		if (mid == cur.m) {
			if (a->g != o->initial_gen && cur.g != gid)
				return failf(a, "inconsistent thread for syscalling goroutine %lld: thread has goroutine %lld",
				             (long long)gid, (long long)cur.g);
			set_g(a, gid);
		} else {
			/* A goroutine that sat in a syscall on another thread for the
			 * whole generation. */
			o_m *ms = m_get(o, mid);
			if (ms) {
				if (ms->g != gid)
					return failf(a, "inconsistent thread for syscalling goroutine %lld: thread has goroutine %lld",
					             (long long)gid, (long long)ms->g);
				cur.g = ms->g;
			} else if ((st = m_add(a, mid, gid, &ms))) {
				return st;
			}
			cur.m = mid;
		}
	}
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_create(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MAY_HAVE});
	if (st)
		return st;
	o_g *cg = g_get(a->o, cur.g);
	if (cg && cg->status != V2_GoRunning)
		return failf(a, "%s event for goroutine that's not Running", ev_name(a->o, a->ev->typ));
	int64_t newg = (int64_t)a->ev->args[0];
	if (g_get(a->o, newg))
		return failf(a, "tried to create goroutine (%lld) that already exists", (long long)newg);
	uint8_t status = a->ev->typ == V2_EvGoCreateBlocked ? V2_GoWaiting : V2_GoRunnable;
	if ((st = g_add(a, newg, status)))
		return st;
	a->ok = true;
	return emit(a, cur);
}

/* GoDestroy, GoStop, GoBlock. */
static gt_status adv_go_stop_exec(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	o_g *s = NULL;
	if ((st = cur_g(a, cur, V2_GoRunning, "Running", &s)))
		return st;
	switch (a->ev->typ) {
	case V2_EvGoDestroy:
		if (!g_del(a->o, cur.g))
			return nomem(a);
		break;
	case V2_EvGoStop:
		s->status = V2_GoRunnable;
		break;
	case V2_EvGoBlock:
		s->status = V2_GoWaiting;
		break;
	}
	set_g(a, GT_NO_ID);
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_start(adv *a)
{
	ctx cur = a->cur;
	int64_t gid = (int64_t)a->ev->args[0];
	o_g *s = g_get(a->o, gid);
	if (!s || s->status != V2_GoRunnable || !seq_succeeds(a->g, a->ev->args[1], s->seq_gen, s->seq))
		return GT_OK;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MUST_NOT_HAVE});
	if (st)
		return st;
	s->status = V2_GoRunning;
	s->seq_gen = a->g;
	s->seq = a->ev->args[1];
	set_g(a, gid);
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_unblock(adv *a)
{
	ctx cur = a->cur;
	int64_t gid = (int64_t)a->ev->args[0];
	o_g *s = g_get(a->o, gid);
	if (!s || s->status != V2_GoWaiting || !seq_succeeds(a->g, a->ev->args[1], s->seq_gen, s->seq))
		return GT_OK;
	s->status = V2_GoRunnable;
	s->seq_gen = a->g;
	s->seq = a->ev->args[1];
	/* Anything may unblock a goroutine (sysmon included): no context to check. */
	a->ok = true;
	return emit(a, cur);
}

/* GoSwitch and GoSwitchDestroy: unblock the next goroutine, block or destroy
 * the current one, start the next one. */
static gt_status adv_go_switch(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	o_g *cs = NULL;
	if ((st = cur_g(a, cur, V2_GoRunning, "Running", &cs)))
		return st;
	int64_t nextg = (int64_t)a->ev->args[0];
	uint64_t seq = a->ev->args[1];
	o_g *ns = g_get(a->o, nextg);
	if (!ns || ns->status != V2_GoWaiting || !seq_succeeds(a->g, seq, ns->seq_gen, ns->seq))
		return GT_OK;
	if ((st = emit(a, cur)))
		return st;
	/* emit may not move states, but g_del below can recycle a slot: keep
	 * the next goroutine's index rather than its pointer. */
	if (a->ev->typ == V2_EvGoSwitch) {
		cs->status = V2_GoWaiting;
		if ((st = emit_extra(a, cur, V2_EvGoBlock, 0, 0, 0)))
			return st;
	} else {
		if (!g_del(a->o, cur.g))
			return nomem(a);
		if ((st = emit_extra(a, cur, V2_EvGoDestroy, 0, 0, 0)))
			return st;
	}
	ns = g_get(a->o, nextg);
	ns->status = V2_GoRunning;
	ns->seq_gen = a->g;
	ns->seq = seq;
	set_g(a, nextg);
	ctx start = cur;
	start.g = GT_NO_ID;
	a->ok = true;
	return emit_extra(a, start, V2_EvGoStart, (uint64_t)nextg, seq, 0);
}

static gt_status adv_go_syscall_begin(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	o_g *s = NULL;
	if ((st = cur_g(a, cur, V2_GoRunning, "Running", &s)))
		return st;
	s->status = V2_GoSyscall;
	o_p *p = p_get(a->o, cur.p);
	if (!p)
		return failf(a, "uninitialized proc %lld found during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
	p->status = V2_ProcSyscall;
	/* The P sequence number only disambiguates steals: on a running P it
	 * must be the next one, so a mismatch is an error, not a wait. */
	if (!seq_succeeds(a->g, a->ev->args[0], p->seq_gen, p->seq))
		return failf(a, "failed to advance %s: can't make sequence: %llu (gen=%llu) -> %llu (gen=%llu)",
		             ev_name(a->o, a->ev->typ), (unsigned long long)p->seq, (unsigned long long)p->seq_gen,
		             (unsigned long long)a->ev->args[0], (unsigned long long)a->g);
	p->seq_gen = a->g;
	p->seq = a->ev->args[0];
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_syscall_end(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	o_g *s = NULL;
	if ((st = cur_g(a, cur, V2_GoSyscall, "Running", &s)))
		return st;
	s->status = V2_GoRunning;
	o_p *p = p_get(a->o, cur.p);
	if (!p)
		return failf(a, "uninitialized proc %lld found during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
	if (p->status != V2_ProcSyscall)
		return failf(a, "expected proc %lld in state Syscall, but got %s instead", (long long)cur.p,
		             proc_status_str(p->status));
	p->status = V2_ProcRunning;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_syscall_end_blocked(adv *a)
{
	ctx cur = a->cur;
	/* Wait while the P is still in the syscall: the event says it will be
	 * lost (stopped or stolen) before this point. */
	if (cur.p != GT_NO_ID) {
		o_p *p = p_get(a->o, cur.p);
		if (!p)
			return failf(a, "uninitialized proc %lld found during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
		if (p->status == V2_ProcSyscall)
			return GT_OK;
	}
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MAY_HAVE, MUST_HAVE});
	if (st)
		return st;
	o_g *s = NULL;
	if ((st = cur_g(a, cur, V2_GoSyscall, "Running", &s)))
		return st;
	set_g(a, GT_NO_ID);
	s->status = V2_GoRunnable;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_create_syscall(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MAY_HAVE, MUST_NOT_HAVE});
	if (st)
		return st;
	int64_t newg = (int64_t)a->ev->args[0];
	if (g_get(a->o, newg))
		return failf(a, "tried to create goroutine (%lld) in syscall that already exists", (long long)newg);
	if ((st = g_add(a, newg, V2_GoSyscall)))
		return st;
	set_g(a, newg);
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_destroy_syscall(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MAY_HAVE, MUST_HAVE});
	if (st)
		return st;
	o_g *s = NULL;
	if ((st = cur_g(a, cur, V2_GoSyscall, "Syscall", &s)))
		return st;
	if (!g_del(a->o, cur.g))
		return nomem(a);
	set_g(a, GT_NO_ID);
	/* The thread id may be reused by a new thread: drop the P now, as a
	 * self-steal, so the new thread cannot steal it from itself. */
	if (cur.p != GT_NO_ID) {
		o_p *p = p_get(a->o, cur.p);
		if (!p)
			return failf(a, "found invalid proc %lld during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
		if (p->status != V2_ProcSyscall)
			return failf(a, "proc %lld in unexpected state %s during %s", (long long)cur.p, proc_status_str(p->status),
			             ev_name(a->o, a->ev->typ));
		p->status = V2_ProcSyscallAbandoned;
		set_p(a, GT_NO_ID);
		/* extra[0] of the steal: it advanced from ProcSyscall. */
		if ((st = emit_extra4(a, cur, V2_EvProcSteal, (uint64_t)cur.p, 0, 0, V2_ProcSyscall)))
			return st;
	}
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_user_task_begin(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	v2_ev *ev = a->ev;
	uint64_t id = ev->args[0];
	if (dc_map_get(&o->taskmap, id))
		return failf(a, "task ID conflict: %llu", (unsigned long long)id);
	uint64_t parent = ev->args[1];
	if (parent == GT_BACKGROUND_TASK) {
		/* 0 means no parent here: only regions attach to the background task. */
		parent = GT_NO_TASK;
		ev->args[1] = GT_NO_TASK;
	}
	gt_str name;
	if (!v2_gen_string(a->gen, ev->args[2], &name))
		return failf(a, "invalid string ID %llu for %u event", (unsigned long long)ev->args[2], ev->typ);
	uint32_t idx;
	if (o->ntaskfree) {
		idx = o->taskfree[--o->ntaskfree];
	} else {
		if (!dc_grow(&o->tasks, &o->captasks, o->ntasks + 1, sizeof *o->tasks))
			return nomem(a);
		idx = (uint32_t)o->ntasks++;
	}
	bool inserted;
	uint32_t *slot = dc_map_put(&o->taskmap, id, &inserted);
	if (!slot)
		return nomem(a);
	*slot = idx;
	o->tasks[idx] = (o_task){id, parent, name};
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_user_task_end(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	v2_ev *ev = a->ev;
	uint64_t id = ev->args[0];
	uint32_t *slot = dc_map_get(&o->taskmap, id);
	if (slot) {
		/* Carry the task's parent and type: the begin may be in an
		 * earlier generation whose strings are gone. */
		uint32_t idx = *slot;
		ev->args[2] = o->tasks[idx].parent;
		ev->str = o->tasks[idx].name;
		dc_map_del(&o->taskmap, id);
		if (!dc_grow(&o->taskfree, &o->captaskfree, o->ntaskfree + 1, sizeof *o->taskfree))
			return nomem(a);
		o->taskfree[o->ntaskfree++] = idx;
	} else {
		ev->args[2] = GT_NO_TASK;
		ev->str = (gt_str){"", 0};
	}
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static bool str_eq(gt_str x, gt_str y) { return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0); }

static gt_status adv_user_region(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	v2_ev *ev = a->ev;
	bool begin = ev->typ == V2_EvUserRegionBegin;
	gt_str name;
	if (!v2_gen_string(a->gen, ev->args[1], &name))
		return failf(a, "invalid string ID %llu for %u event", (unsigned long long)ev->args[1], ev->typ);
	o_g *s = g_get(a->o, cur.g);
	if (!s)
		return failf(a, "encountered %s without known state for current goroutine %lld",
		             begin ? "EvUserRegionBegin" : "EvUserRegionEnd", (long long)cur.g);
	o_region r = {ev->args[0], name};
	if (begin) {
		if (s->nreg == s->capreg) {
			size_t cap = s->capreg;
			if (s->nreg == UINT32_MAX || !dc_grow(&s->regions, &cap, (size_t)s->nreg + 1, sizeof *s->regions))
				return nomem(a);
			s->capreg = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
		}
		s->regions[s->nreg++] = r;
	} else if (s->nreg) {
		/* A region that began before the trace started is not known: only
		 * check ends against regions we saw begin. */
		o_region top = s->regions[s->nreg - 1];
		if (top.task != r.task || !str_eq(top.name, r.name))
			return failf(a,
			             "misuse of region in goroutine %lld: region end {%llu %.*s} when the inner-most active region "
			             "start event is {%llu %.*s}",
			             (long long)s->id, (unsigned long long)r.task, (int)r.name.len, r.name.ptr,
			             (unsigned long long)top.task, (int)top.name.len, top.name.ptr);
		s->nreg--;
	}
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_active(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	uint64_t seq = a->ev->args[0];
	if (a->g == o->initial_gen) {
		if (o->gc_state != GC_UNDETERMINED)
			return failf(a, "GCActive in the first generation isn't first GC event");
		o->gc_seq = seq;
		o->gc_state = GC_RUNNING;
		a->ok = true;
		return emit(a, cur);
	}
	if (seq != o->gc_seq + 1)
		return GT_OK;
	if (o->gc_state != GC_RUNNING)
		return failf(a, "encountered GCActive while GC was not in progress");
	o->gc_seq = seq;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_begin(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	uint64_t seq = a->ev->args[0];
	if (o->gc_state == GC_UNDETERMINED) {
		o->gc_seq = seq;
		o->gc_state = GC_RUNNING;
		a->ok = true;
		return emit(a, cur);
	}
	if (seq != o->gc_seq + 1)
		return GT_OK;
	if (o->gc_state == GC_RUNNING)
		return failf(a, "encountered GCBegin while GC was already in progress");
	o->gc_seq = seq;
	o->gc_state = GC_RUNNING;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_end(adv *a)
{
	ctx cur = a->cur;
	v2_order *o = a->o;
	uint64_t seq = a->ev->args[0];
	if (seq != o->gc_seq + 1)
		return GT_OK;
	if (o->gc_state == GC_NOT_RUNNING)
		return failf(a, "encountered GCEnd when GC was not in progress");
	if (o->gc_state == GC_UNDETERMINED)
		return failf(a, "encountered GCEnd when GC was in an undetermined state");
	o->gc_seq = seq;
	o->gc_state = GC_NOT_RUNNING;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

/* Instantaneous events that need a running goroutine. */
static gt_status adv_annotation(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_heap_metric(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MAY_HAVE});
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_sweep_begin(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MAY_HAVE});
	if (st)
		return st;
	o_p *p = p_get(a->o, cur.p);
	if (!p)
		return failf(a, "uninitialized proc %lld found during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
	if ((st = begin_range(a, &p->ranges, a->ev->typ, 0, (gt_str){"", 0})))
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_sweep_active(adv *a)
{
	ctx cur = a->cur;
	int64_t pid = (int64_t)a->ev->args[0];
	/* Ps cannot block while sweeping, but the P named need not be ours. */
	o_p *p = p_get(a->o, pid);
	if (!p)
		return failf(a, "encountered GCSweepActive for unknown proc %lld", (long long)pid);
	gt_status st = active_range(a, &p->ranges, a->ev->typ, a->g == a->o->initial_gen);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_gc_sweep_end(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MUST_HAVE, MAY_HAVE});
	if (st)
		return st;
	o_p *p = p_get(a->o, cur.p);
	if (!p)
		return failf(a, "uninitialized proc %lld found during %s", (long long)cur.p, ev_name(a->o, a->ev->typ));
	o_range r = {0};
	if ((st = end_range(a, &p->ranges, a->ev->typ, &r)))
		return st;
	a->ok = true;
	return emit(a, cur);
}

/* STWBegin and GCMarkAssistBegin. */
static gt_status adv_go_range_begin(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	uint64_t desc = 0;
	gt_str desc_str = {"", 0};
	if (a->ev->typ == V2_EvSTWBegin) {
		desc = a->ev->args[0];
		/* The string is checked when the event is handed out; keep its text
		 * in case the end comes in a generation without it. */
		if (!v2_gen_string(a->gen, desc, &desc_str))
			desc_str = (gt_str){"", 0};
	}
	o_g *s = g_get(a->o, cur.g);
	if (!s)
		return failf(a, "encountered event of type %u without known state for current goroutine %lld", a->ev->typ,
		             (long long)cur.g);
	if ((st = begin_range(a, &s->ranges, a->ev->typ, desc, desc_str)))
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_range_active(adv *a)
{
	ctx cur = a->cur;
	int64_t gid = (int64_t)a->ev->args[0];
	/* Like GoStatus, this may name a goroutine that is not running. */
	o_g *s = g_get(a->o, gid);
	if (!s)
		return failf(a, "uninitialized goroutine %lld found during %s", (long long)gid, ev_name(a->o, a->ev->typ));
	gt_status st = active_range(a, &s->ranges, a->ev->typ, a->g == a->o->initial_gen);
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_go_range_end(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, user_go_reqs);
	if (st)
		return st;
	o_g *s = g_get(a->o, cur.g);
	if (!s)
		return failf(a, "encountered event of type %u without known state for current goroutine %lld", a->ev->typ,
		             (long long)cur.g);
	o_range r = {0};
	if ((st = end_range(a, &s->ranges, a->ev->typ, &r)))
		return st;
	if (a->ev->typ == V2_EvSTWEnd) {
		a->ev->args[0] = r.desc;
		a->ev->str = r.desc_str;
	}
	a->ok = true;
	return emit(a, cur);
}

static gt_status adv_alloc_free(adv *a)
{
	ctx cur = a->cur;
	gt_status st = validate_ctx(a, cur, (reqs){MUST_HAVE, MAY_HAVE, MAY_HAVE});
	if (st)
		return st;
	a->ok = true;
	return emit(a, cur);
}

static const handler dispatch[256] = {
	[V2_EvProcsChange] = adv_annotation,
	[V2_EvProcStart] = adv_proc_start,
	[V2_EvProcStop] = adv_proc_stop,
	[V2_EvProcSteal] = adv_proc_steal,
	[V2_EvProcStatus] = adv_proc_status,
	[V2_EvGoCreate] = adv_go_create,
	[V2_EvGoCreateSyscall] = adv_go_create_syscall,
	[V2_EvGoStart] = adv_go_start,
	[V2_EvGoDestroy] = adv_go_stop_exec,
	[V2_EvGoDestroySyscall] = adv_go_destroy_syscall,
	[V2_EvGoStop] = adv_go_stop_exec,
	[V2_EvGoBlock] = adv_go_stop_exec,
	[V2_EvGoUnblock] = adv_go_unblock,
	[V2_EvGoSyscallBegin] = adv_go_syscall_begin,
	[V2_EvGoSyscallEnd] = adv_go_syscall_end,
	[V2_EvGoSyscallEndBlocked] = adv_go_syscall_end_blocked,
	[V2_EvGoStatus] = adv_go_status,
	[V2_EvSTWBegin] = adv_go_range_begin,
	[V2_EvSTWEnd] = adv_go_range_end,
	[V2_EvGCActive] = adv_gc_active,
	[V2_EvGCBegin] = adv_gc_begin,
	[V2_EvGCEnd] = adv_gc_end,
	[V2_EvGCSweepActive] = adv_gc_sweep_active,
	[V2_EvGCSweepBegin] = adv_gc_sweep_begin,
	[V2_EvGCSweepEnd] = adv_gc_sweep_end,
	[V2_EvGCMarkAssistActive] = adv_go_range_active,
	[V2_EvGCMarkAssistBegin] = adv_go_range_begin,
	[V2_EvGCMarkAssistEnd] = adv_go_range_end,
	[V2_EvHeapAlloc] = adv_heap_metric,
	[V2_EvHeapGoal] = adv_heap_metric,
	[V2_EvGoLabel] = adv_annotation,
	[V2_EvUserTaskBegin] = adv_user_task_begin,
	[V2_EvUserTaskEnd] = adv_user_task_end,
	[V2_EvUserRegionBegin] = adv_user_region,
	[V2_EvUserRegionEnd] = adv_user_region,
	[V2_EvUserLog] = adv_annotation,
	[V2_EvGoSwitch] = adv_go_switch,
	[V2_EvGoSwitchDestroy] = adv_go_switch,
	[V2_EvGoCreateBlocked] = adv_go_create,
	[V2_EvGoStatusStack] = adv_go_status,
	[V2_EvSpan] = adv_alloc_free,
	[V2_EvSpanAlloc] = adv_alloc_free,
	[V2_EvSpanFree] = adv_alloc_free,
	[V2_EvHeapObject] = adv_alloc_free,
	[V2_EvHeapObjectAlloc] = adv_alloc_free,
	[V2_EvHeapObjectFree] = adv_alloc_free,
	[V2_EvGoroutineStack] = adv_alloc_free,
	[V2_EvGoroutineStackAlloc] = adv_alloc_free,
	[V2_EvGoroutineStackFree] = adv_alloc_free,
};

gt_status v2_order_advance(v2_order *o, v2_ev *ev, const v2_gen *g, int64_t m, uint32_t *m_index, bool *ok,
                           gt_error *err)
{
	*ok = false;
	if (o->initial_gen == 0)
		o->initial_gen = g->gen;
	adv a = {.o = o, .ev = ev, .gen = g, .g = g->gen, .err = err, .cur = {m, GT_NO_ID, GT_NO_ID}, .mi = UINT32_MAX};
	if (m != GT_NO_ID) {
		/* M ids are OS thread ids: large and sparse. The caller keeps the
		 * index of its M's state, which never moves within the array. */
		if (DC_UNLIKELY(*m_index >= o->nms || o->ms[*m_index].id != m)) {
			o_m *ms = m_get(o, m);
			if (!ms) {
				gt_status st = m_add(&a, m, GT_NO_ID, &ms);
				if (st)
					return st;
			}
			*m_index = (uint32_t)(ms - o->ms);
		}
		a.mi = *m_index;
		a.cur.p = o->ms[a.mi].p;
		a.cur.g = o->ms[a.mi].g;
	}
	handler h = dispatch[ev->typ];
	if (!h)
		return failf(&a, "bad event type found while ordering: %u", ev->typ);
	gt_status st = h(&a);
	*ok = a.ok;
	return st;
}

void v2_order_init(v2_order *o, unsigned version)
{
	memset(o, 0, sizeof *o);
	o->version = version;
}

void v2_order_free(v2_order *o)
{
	dc_map_free(&o->gmap);
	for (size_t i = 0; i < o->ngs; i++) {
		free(o->gs[i].regions);
		free(o->gs[i].ranges.v);
	}
	free(o->gs);
	free(o->gfree);
	dc_map_free(&o->pmap);
	for (size_t i = 0; i < o->nps; i++)
		free(o->ps[i].ranges.v);
	free(o->ps);
	dc_map_free(&o->mmap);
	free(o->ms);
	dc_map_free(&o->taskmap);
	free(o->tasks);
	free(o->taskfree);
	free(o->queue);
	memset(o, 0, sizeof *o);
}
