/* Converting a parsed v1 trace into public events: Go's
 * internal/trace/tracev1.go (traceV1Converter) followed by the accessors of
 * internal/trace/event.go for the v2 event each v1 event becomes, so the
 * result is what Go's reader hands out for the same trace. */
#include <stdlib.h>
#include <string.h>

#include "v1.h"

typedef struct task_state {
	gt_str name;
	uint64_t parent;
} task_state;

struct v1_reader {
	const uint8_t *data;
	size_t len, hdr_len;
	unsigned version;
	bool parsed, finished;
	v1_trace tr;
	size_t pos; /* next event of tr */

	/* Goroutines created before the first EvGomaxprocs (the end of the
	 * trace's initial state dump) that have not been seen since. */
	bool pre_init;
	dc_map created;
	uint64_t *created_ids;
	size_t ncreated, capcreated;

	dc_map seen_procs;
	dc_map proc_ms; /* P -> index into ms */
	int64_t *ms;
	size_t nms, capms;
	dc_map tasks; /* task id -> index into task_v */
	task_state *task_v;
	size_t ntasks, captasks;
	gt_str last_stw;
	int64_t last_ts;
	uint64_t syncs;

	/* Events produced beside the current one, handed out next. */
	gt_event *extra;
	size_t nextra, extra_pos, capextra;

	gt_stack empty_stack;
};

static const gt_str empty_str = {"", 0};
#define STR(s) {s, sizeof s - 1}

static const gt_str stw_reasons[] = {
	STR(""),
	STR("GC mark termination"),
	STR("GC sweep termination"),
	STR("write heap dump"),
	STR("goroutine profile"),
	STR("goroutine profile cleanup"),
	STR("all goroutine stack trace"),
	STR("read mem stats"),
	STR("AllThreadsSyscall"),
	STR("GOMAXPROCS"),
	STR("start trace"),
	STR("stop trace"),
	STR("CountPagesInUse (test)"),
	STR("ReadMetricsSlow (test)"),
	STR("ReadMemStatsSlow (test)"),
	STR("PageCachePagesLeaked (test)"),
	STR("ResetDebugLog (test)"),
};
#define NUM_STW_REASONS (sizeof stw_reasons / sizeof stw_reasons[0])

/* Trace.STWReason: before Go 1.21 the kind was 0 (mark termination) or 1
 * (sweep termination); Go 1.21 wrote the runtime's stwReason itself. */
static gt_str stw_reason(unsigned version, uint64_t kind)
{
	if (version < 21)
		return kind <= 1 ? stw_reasons[kind + 1] : stw_reasons[0];
	if (version == 21 && kind < NUM_STW_REASONS)
		return stw_reasons[kind];
	return stw_reasons[0];
}

gt_status v1_reader_new(const uint8_t *data, size_t len, size_t hdr_len, unsigned version, v1_reader **out,
                        gt_error *err)
{
	v1_reader *r = calloc(1, sizeof *r);
	if (!r)
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	r->data = data;
	r->len = len;
	r->hdr_len = hdr_len;
	r->version = version;
	r->pre_init = true;
	r->last_ts = -1;
	*out = r;
	return GT_OK;
}

void v1_reader_free(v1_reader *r)
{
	if (!r)
		return;
	v1_trace_free(&r->tr);
	dc_map_free(&r->created);
	free(r->created_ids);
	dc_map_free(&r->seen_procs);
	dc_map_free(&r->proc_ms);
	free(r->ms);
	dc_map_free(&r->tasks);
	free(r->task_v);
	free(r->extra);
	free(r);
}

uint64_t v1_reader_generations(const v1_reader *r) { return r->parsed ? 1 : 0; }

/* Go looks ahead from every syscall for the goroutine's next event to tell
 * a blocking syscall from a quick one; one forward pass that remembers each
 * goroutine's open syscall does the same for all of them without going
 * quadratic. Forward, goroutine ids arrive roughly in increasing order,
 * which keeps dc_map in its dense array. */
static gt_status mark_blocking_syscalls(v1_trace *tr, gt_error *err)
{
	if (tr->nevents >= UINT32_MAX - 1)
		return dc_fail(err, GT_ERR_LIMIT, 0, "too many events: %zu", tr->nevents);
	dc_map open = {0}; /* goroutine -> 1 + index of its unresolved syscall, 0 for none */
	for (size_t i = 0; i < tr->nevents; i++) {
		v1_event *ev = &tr->events[i];
		uint8_t typ = v1_type(ev);
		uint32_t *slot = dc_map_get(&open, ev->g);
		if (slot && *slot) {
			tr->events[*slot - 1].args[0] = typ == V1_EvGoSysBlock ? V1_SYSCALL_BLOCKED : 0;
			*slot = 0;
		}
		if (typ != V1_EvGoSysCall)
			continue;
		ev->args[0] = 0; /* no later event: the syscall did not block */
		bool inserted;
		if (!slot && !(slot = dc_map_put(&open, ev->g, &inserted))) {
			dc_map_free(&open);
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		}
		*slot = (uint32_t)i + 1;
	}
	dc_map_free(&open);
	return GT_OK;
}

static gt_event *push_extra(v1_reader *r)
{
	if (!dc_grow(&r->extra, &r->capextra, r->nextra + 1, sizeof *r->extra))
		return NULL;
	gt_event *e = &r->extra[r->nextra++];
	memset(e, 0, sizeof *e);
	return e;
}

static void go_transition(gt_event *e, int64_t id, gt_go_state from, gt_go_state to)
{
	e->kind = GT_EV_STATE_TRANSITION;
	e->u.transition.resource = GT_RES_GOROUTINE;
	e->u.transition.id = id;
	e->u.transition.from = (uint8_t)from;
	e->u.transition.to = (uint8_t)to;
	e->u.transition.reason = empty_str;
}

static void proc_transition(gt_event *e, int64_t id, gt_proc_state from, gt_proc_state to)
{
	e->kind = GT_EV_STATE_TRANSITION;
	e->u.transition.resource = GT_RES_PROC;
	e->u.transition.id = id;
	e->u.transition.from = (uint8_t)from;
	e->u.transition.to = (uint8_t)to;
	e->u.transition.reason = empty_str;
}

static void range_ev(gt_event *e, gt_event_kind kind, gt_range_id id, gt_resource_kind scope, int64_t scope_id)
{
	e->kind = kind;
	e->u.range.id = id;
	e->u.range.scope = scope;
	e->u.range.scope_id = scope_id;
}

static void metric(gt_event *e, gt_metric_id id, const char *name, uint64_t v)
{
	e->kind = GT_EV_METRIC;
	e->u.metric.id = id;
	e->u.metric.name = name;
	e->u.metric.value = v;
}

/* Go's strings.mustGet panics on a missing id; here it is an error. */
static gt_status must_str(const v1_reader *r, const v1_event *ev, uint64_t id, gt_str *out, gt_error *err)
{
	if (v1_trace_string(&r->tr, id, out))
		return GT_OK;
	return dc_fail(err, GT_ERR_INVALID, v1_off(ev), "found invalid string ID %llu for event %s",
	               (unsigned long long)id, v1_specs[v1_type(ev)].name);
}

static int64_t proc_m(const v1_reader *r, int32_t p, bool *found)
{
	uint32_t *i = dc_map_get(&r->proc_ms, (uint64_t)(int64_t)p);
	*found = i != NULL;
	return i ? r->ms[*i] : 0;
}

static bool set_proc_m(v1_reader *r, int32_t p, int64_t m)
{
	bool inserted;
	int64_t *slot = v1_slot(&r->proc_ms, (uint64_t)(int64_t)p, &r->ms, &r->nms, &r->capms, sizeof *r->ms, true, &inserted);
	if (slot)
		*slot = m;
	return slot != NULL;
}

/* The context Go builds by hand for the events it makes up (GoStartLabel,
 * quick syscalls): goroutine 0 stays 0 and a P without an M gives M 0. */
static void raw_ctx(const v1_reader *r, const v1_event *ev, gt_event *e)
{
	bool found;
	e->thread = proc_m(r, ev->p, &found);
	e->proc = ev->p;
	e->goroutine = (int64_t)ev->g;
	e->time = ev->ts;
	e->wire_type = v1_type(ev);
	e->offset = v1_off(ev);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Tie rule: Go emits the goroutines left from the initial state dump in
 * random map order, all at the time of the first EvGomaxprocs (then nudged
 * apart by 1 ns each). Here they come in ascending goroutine id. */
static gt_status flush_created(v1_reader *r, const v1_event *ev, gt_error *err)
{
	/* qsort's array may not be NULL even when empty. */
	if (r->ncreated > 1)
		qsort(r->created_ids, r->ncreated, sizeof *r->created_ids, cmp_u64);
	for (size_t i = 0; i < r->ncreated; i++) {
		uint64_t gid = r->created_ids[i];
		if (!dc_map_get(&r->created, gid))
			continue;
		dc_map_del(&r->created, gid);
		gt_event *e = push_extra(r);
		if (!e)
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		e->thread = e->proc = e->goroutine = GT_NO_ID;
		e->time = ev->ts;
		e->wire_type = v1_type(ev);
		e->offset = v1_off(ev);
		go_transition(e, (int64_t)gid, GT_GO_UNDETERMINED, GT_GO_RUNNABLE);
	}
	r->ncreated = 0;
	dc_map_free(&r->created);
	return GT_OK;
}

static void forget_created(v1_reader *r, uint64_t gid) { dc_map_del(&r->created, gid); }

/* convertEvent plus the accessor of the resulting v2 event. Sets *skip for
 * events that produce nothing by themselves. */
static gt_status convert(v1_reader *r, const v1_event *ev, gt_event *e, bool *skip, gt_error *err)
{
	const uint64_t *a = ev->args;
	uint8_t typ = v1_type(ev);
	bool found;
	*skip = false;
	memset(e, 0, sizeof *e);

	switch (typ) {
	case V1_EvGomaxprocs:
		if (r->pre_init) {
			r->pre_init = false;
			*skip = true;
			return flush_created(r, ev, err);
		}
		metric(e, GT_METRIC_GOMAXPROCS, "/sched/gomaxprocs:threads", a[0]);
		break;
	case V1_EvProcStart:
		if (!set_proc_m(r, ev->p, (int64_t)a[0]))
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		/* fallthrough */
	case V1_EvProcStop: {
		bool inserted;
		uint32_t *slot = dc_map_put(&r->seen_procs, (uint64_t)(int64_t)ev->p, &inserted);
		if (!slot)
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		*slot = 1;
		bool start = typ == V1_EvProcStart;
		if (!inserted)
			proc_transition(e, ev->p, start ? GT_PROC_IDLE : GT_PROC_RUNNING, start ? GT_PROC_RUNNING : GT_PROC_IDLE);
		else /* the first event of a P tells its state: a ProcStatus */
			proc_transition(e, ev->p, GT_PROC_UNDETERMINED, start ? GT_PROC_RUNNING : GT_PROC_IDLE);
		break;
	}
	case V1_EvGCStart:
	case V1_EvGCDone:
		range_ev(e, typ == V1_EvGCStart ? GT_EV_RANGE_BEGIN : GT_EV_RANGE_END, GT_RANGE_GC_MARK, GT_RES_NONE, 0);
		break;
	case V1_EvSTWStart:
	case V1_EvSTWDone:
		if (typ == V1_EvSTWStart)
			r->last_stw = stw_reason(r->version, a[0]);
		range_ev(e, typ == V1_EvSTWStart ? GT_EV_RANGE_BEGIN : GT_EV_RANGE_END, GT_RANGE_STW, GT_RES_GOROUTINE, 0);
		e->u.range.stw_kind = r->last_stw;
		break;
	case V1_EvGCSweepStart:
		range_ev(e, GT_EV_RANGE_BEGIN, GT_RANGE_SWEEP, GT_RES_PROC, ev->p);
		break;
	case V1_EvGCSweepDone:
		range_ev(e, GT_EV_RANGE_END, GT_RANGE_SWEEP, GT_RES_PROC, ev->p);
		e->u.range.has_sweep_stats = true;
		e->u.range.swept_bytes = a[0];
		e->u.range.reclaimed_bytes = a[1];
		break;
	case V1_EvGoCreate: {
		if (r->pre_init) {
			bool inserted;
			uint32_t *slot = dc_map_put(&r->created, a[0], &inserted);
			if (!slot || !dc_grow(&r->created_ids, &r->capcreated, r->ncreated + 1, sizeof *r->created_ids))
				return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
			*slot = 1;
			if (inserted)
				r->created_ids[r->ncreated++] = a[0];
			*skip = true;
			return GT_OK;
		}
		go_transition(e, (int64_t)a[0], GT_GO_NOT_EXIST, GT_GO_RUNNABLE);
		/* Go attaches the new goroutine's stack even when its id is 0, and
		 * panics on an id it does not know. */
		if (a[1] == 0) {
			e->u.transition.stack = &r->empty_stack;
		} else if (!(e->u.transition.stack = v1_trace_stack(&r->tr, a[1]))) {
			return dc_fail(err, GT_ERR_INVALID, v1_off(ev), "found invalid stack ID %llu for event GoCreate",
			               (unsigned long long)a[1]);
		}
		break;
	}
	case V1_EvGoStart:
		if (r->pre_init) {
			go_transition(e, (int64_t)a[0], GT_GO_UNDETERMINED, GT_GO_RUNNING);
			forget_created(r, a[0]);
		} else {
			go_transition(e, (int64_t)a[0], GT_GO_RUNNABLE, GT_GO_RUNNING);
		}
		break;
	case V1_EvGoStartLabel: {
		raw_ctx(r, ev, e);
		go_transition(e, (int64_t)a[0], GT_GO_RUNNABLE, GT_GO_RUNNING);
		gt_event *l = push_extra(r);
		if (!l)
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		raw_ctx(r, ev, l);
		l->kind = GT_EV_LABEL;
		l->u.label.goroutine = l->goroutine;
		return must_str(r, ev, a[2], &l->u.label.label, err);
	}
	case V1_EvGoEnd:
		go_transition(e, ev->g ? (int64_t)ev->g : GT_NO_ID, GT_GO_RUNNING, GT_GO_NOT_EXIST);
		break;
	case V1_EvGoStop:
	case V1_EvGoSched:
	case V1_EvGoPreempt:
	case V1_EvGoSleep:
	case V1_EvGoBlock:
	case V1_EvGoBlockSend:
	case V1_EvGoBlockRecv:
	case V1_EvGoBlockSelect:
	case V1_EvGoBlockSync:
	case V1_EvGoBlockCond:
	case V1_EvGoBlockNet:
	case V1_EvGoBlockGC: {
		static const struct {
			gt_go_state to;
			gt_str reason;
		} blocks[V1_EvCount] = {
			[V1_EvGoStop] = {GT_GO_WAITING, STR("forever")},
			[V1_EvGoSched] = {GT_GO_RUNNABLE, STR("runtime.Gosched")},
			[V1_EvGoPreempt] = {GT_GO_RUNNABLE, STR("preempted")},
			[V1_EvGoSleep] = {GT_GO_WAITING, STR("sleep")},
			[V1_EvGoBlock] = {GT_GO_WAITING, STR("")},
			[V1_EvGoBlockSend] = {GT_GO_WAITING, STR("chan send")},
			[V1_EvGoBlockRecv] = {GT_GO_WAITING, STR("chan receive")},
			[V1_EvGoBlockSelect] = {GT_GO_WAITING, STR("select")},
			[V1_EvGoBlockSync] = {GT_GO_WAITING, STR("sync")},
			[V1_EvGoBlockCond] = {GT_GO_WAITING, STR("sync.(*Cond).Wait")},
			[V1_EvGoBlockNet] = {GT_GO_WAITING, STR("network")},
			[V1_EvGoBlockGC] = {GT_GO_WAITING, STR("GC mark assist wait for work")},
		};
		go_transition(e, ev->g ? (int64_t)ev->g : GT_NO_ID, GT_GO_RUNNING, blocks[typ].to);
		e->u.transition.reason = blocks[typ].reason;
		e->u.transition.stack = v1_trace_stack(&r->tr, ev->stk);
		break;
	}
	case V1_EvGoUnblock:
		go_transition(e, (int64_t)a[0], GT_GO_WAITING, GT_GO_RUNNABLE);
		break;
	case V1_EvGoSysCall:
		if (!(a[0] & V1_SYSCALL_BLOCKED)) {
			/* A syscall that did not block becomes a 1 ns begin/end pair. */
			raw_ctx(r, ev, e);
			go_transition(e, e->goroutine, GT_GO_RUNNING, GT_GO_SYSCALL);
			e->stack = e->u.transition.stack = v1_trace_stack(&r->tr, ev->stk);
			gt_event *end = push_extra(r);
			if (!end)
				return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
			raw_ctx(r, ev, end);
			end->time = (int64_t)((uint64_t)ev->ts + 1);
			go_transition(end, end->goroutine, GT_GO_SYSCALL, GT_GO_RUNNING);
			return GT_OK;
		}
		go_transition(e, ev->g ? (int64_t)ev->g : GT_NO_ID, GT_GO_RUNNING, GT_GO_SYSCALL);
		e->u.transition.stack = v1_trace_stack(&r->tr, ev->stk);
		break;
	case V1_EvGoSysExit:
		go_transition(e, ev->g ? (int64_t)ev->g : GT_NO_ID, GT_GO_SYSCALL, GT_GO_RUNNABLE);
		break;
	case V1_EvGoSysBlock:
		*skip = true;
		return GT_OK;
	case V1_EvGoWaiting:
	case V1_EvGoInSyscall:
		go_transition(e, (int64_t)a[0], GT_GO_UNDETERMINED, typ == V1_EvGoWaiting ? GT_GO_WAITING : GT_GO_SYSCALL);
		forget_created(r, a[0]);
		break;
	case V1_EvHeapAlloc:
		metric(e, GT_METRIC_HEAP_ALLOC, "/memory/classes/heap/objects:bytes", a[0]);
		break;
	case V1_EvHeapGoal:
		metric(e, GT_METRIC_HEAP_GOAL, "/gc/heap/goal:bytes", a[0]);
		break;
	case V1_EvGCMarkAssistStart:
	case V1_EvGCMarkAssistDone:
		range_ev(e, typ == V1_EvGCMarkAssistStart ? GT_EV_RANGE_BEGIN : GT_EV_RANGE_END, GT_RANGE_MARK_ASSIST,
		         GT_RES_GOROUTINE, 0);
		break;
	case V1_EvUserTaskCreate: {
		e->kind = GT_EV_TASK_BEGIN;
		e->u.task.id = a[0];
		e->u.task.parent = a[1] == 0 ? GT_NO_TASK : a[1];
		gt_status s = must_str(r, ev, a[2], &e->u.task.type, err);
		if (s)
			return s;
		bool inserted;
		dc_map_del(&r->tasks, a[0]);
		task_state *ts = v1_slot(&r->tasks, a[0], &r->task_v, &r->ntasks, &r->captasks, sizeof *r->task_v, true, &inserted);
		if (!ts)
			return dc_fail(err, GT_ERR_NOMEM, v1_off(ev), "out of memory");
		/* The parent kept for the end is the raw one: 0, not NoTask. */
		*ts = (task_state){e->u.task.type, a[1]};
		break;
	}
	case V1_EvUserTaskEnd: {
		e->kind = GT_EV_TASK_END;
		e->u.task.id = a[0];
		uint32_t *slot = dc_map_get(&r->tasks, a[0]);
		if (slot) {
			e->u.task.parent = r->task_v[*slot].parent;
			e->u.task.type = r->task_v[*slot].name;
			dc_map_del(&r->tasks, a[0]);
		} else {
			e->u.task.parent = GT_NO_TASK;
			e->u.task.type = empty_str;
		}
		break;
	}
	case V1_EvUserRegion: {
		e->kind = a[1] == 0 ? GT_EV_REGION_BEGIN : GT_EV_REGION_END;
		e->u.region.task = a[0];
		gt_status s = must_str(r, ev, a[2], &e->u.region.type, err);
		if (s)
			return s;
		break;
	}
	case V1_EvUserLog: {
		e->kind = GT_EV_LOG;
		e->u.log.task = a[0];
		gt_status s = must_str(r, ev, a[1], &e->u.log.category, err);
		if (s)
			return s;
		e->u.log.message = a[2] < r->tr.ninline ? r->tr.inline_strs[a[2]] : empty_str;
		break;
	}
	case V1_EvCPUSample:
		e->kind = GT_EV_STACK_SAMPLE;
		break;
	default:
		return dc_fail(err, GT_ERR_INVALID, v1_off(ev), "unexpected event type %u", typ);
	}

	/* The execution context: the M that last started this P. */
	e->thread = GT_NO_ID;
	if (ev->p != -1 && typ != V1_EvCPUSample) {
		int64_t m = proc_m(r, ev->p, &found);
		if (found)
			e->thread = m;
	}
	if (typ == V1_EvProcStop)
		dc_map_del(&r->proc_ms, (uint64_t)(int64_t)ev->p);
	e->proc = ev->p;
	e->goroutine = ev->g ? (int64_t)ev->g : GT_NO_ID;
	e->time = ev->ts;
	e->wire_type = typ;
	e->offset = v1_off(ev);
	if (v1_specs[typ].stack)
		e->stack = v1_trace_stack(&r->tr, ev->stk);
	if (typ == V1_EvCPUSample && !e->stack)
		e->stack = &r->empty_stack; /* a sample always shows its (maybe empty) stack */

	/* Ranges scoped to the executing goroutine. */
	if ((e->kind == GT_EV_RANGE_BEGIN || e->kind == GT_EV_RANGE_END) && e->u.range.scope == GT_RES_GOROUTINE)
		e->u.range.scope_id = e->goroutine;
	return GT_OK;
}

static void nudge(v1_reader *r, gt_event *e)
{
	/* Two events may not share a timestamp in the new model. */
	if (e->time <= r->last_ts)
		e->time = (int64_t)((uint64_t)r->last_ts + 1);
	r->last_ts = e->time;
}

static void make_sync(gt_event *e, int64_t time, uint64_t n, uint64_t off)
{
	memset(e, 0, sizeof *e);
	e->kind = GT_EV_SYNC;
	e->thread = e->proc = e->goroutine = GT_NO_ID;
	e->time = time;
	e->offset = off;
	e->u.sync.n = n;
}

gt_status v1_reader_next(v1_reader *r, gt_event *ev, gt_error *err)
{
	if (!r->parsed) {
		gt_status s = v1_parse(&r->tr, r->data, r->len, r->hdr_len, r->version, err);
		if (!s)
			s = mark_blocking_syscalls(&r->tr, err);
		if (s)
			return s;
		r->parsed = true;
		/* Go's reader starts with a Sync 1 ns before the first event, if
		 * there is one. */
		if (r->tr.nevents > 0) {
			make_sync(ev, (int64_t)((uint64_t)r->tr.events[0].ts - 1), ++r->syncs, r->hdr_len);
			return GT_OK;
		}
	}
	if (r->finished)
		return GT_EOF;
	for (;;) {
		if (r->extra_pos < r->nextra) {
			*ev = r->extra[r->extra_pos++];
			if (r->extra_pos == r->nextra)
				r->extra_pos = r->nextra = 0;
			nudge(r, ev);
			return GT_OK;
		}
		if (r->pos == r->tr.nevents) {
			r->finished = true;
			make_sync(ev, (int64_t)((uint64_t)r->last_ts + 1), ++r->syncs, r->len);
			return GT_OK;
		}
		bool skip;
		gt_status s = convert(r, &r->tr.events[r->pos++], ev, &skip, err);
		if (s)
			return s;
		if (skip)
			continue;
		nudge(r, ev);
		return GT_OK;
	}
}
