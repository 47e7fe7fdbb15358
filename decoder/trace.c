/* Opening a trace, dispatching on its version once, and the v2 reader loop
 * (internal/trace/reader.go and batchcursor.go). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "gosort.h"
#include "v1.h"
#include "v2.h"
#include "v2_order.h"

/* One M's position in its batches (batchCursor). */
typedef struct v2_bcursor {
	int64_t m;
	uint32_t mi;    /* index into gen.ms */
	uint32_t state; /* index of the M's ordering state, a cache */
	int64_t last_ts;
	size_t idx;      /* next batch of this M */
	size_t data_off; /* next byte inside that batch */
	v2_ev ev;        /* the event read last */
} v2_bcursor;

/* What ends the stream after the Sync event that is handed out next. */
typedef enum term_kind { TERM_NONE, TERM_ERROR, TERM_TRUNCATED } term_kind;

struct gt_trace {
	const uint8_t *data;
	size_t len;
	gt_trace_info info;

	/* Sticky failure: every call after an error returns it again. */
	gt_status failed;
	gt_error failure;
	bool done;

	v1_reader *v1; /* set for Go 1.11-1.21 traces; the v2 state is unused then */

	/* v2 */
	v2_source src;
	v2_gen gen;
	bool have_gen;
	v2_order order;
	v2_bcursor *cursors;
	size_t capcursors;
	v2_bcursor **frontier;
	size_t nfrontier, capfrontier;
	size_t sample_pos;
	int64_t last_ts;
	uint64_t syncs;
	term_kind term;
	gt_error term_err;
	bool term_synced; /* the Sync before term was handed out */
};

static const char *const kind_names[] = {
	"Bad",       "Sync",     "Metric",      "Label",     "StackSample", "RangeBegin",      "RangeActive", "RangeEnd",
	"TaskBegin", "TaskEnd",  "RegionBegin", "RegionEnd", "Log",         "StateTransition", "Experimental",
};

const char *gt_event_kind_str(gt_event_kind k) { return (unsigned)k < GT_EV_KIND_COUNT ? kind_names[k] : "Bad"; }

const char *gt_go_state_str(gt_go_state s)
{
	static const char *const n[] = {"Undetermined", "NotExist", "Runnable", "Running", "Waiting", "Syscall"};
	return (unsigned)s < 6 ? n[s] : "Bad";
}

const char *gt_proc_state_str(gt_proc_state s)
{
	static const char *const n[] = {"Undetermined", "NotExist", "Running", "Idle"};
	return (unsigned)s < 4 ? n[s] : "Bad";
}

const char *gt_resource_kind_str(gt_resource_kind k)
{
	static const char *const n[] = {"None", "Goroutine", "Proc", "Thread"};
	return (unsigned)k < 4 ? n[k] : "Bad";
}

const char *gt_range_name(gt_range_id id)
{
	switch (id) {
	case GT_RANGE_GC_MARK:
		return "GC concurrent mark phase";
	case GT_RANGE_SWEEP:
		return "GC incremental sweep";
	case GT_RANGE_MARK_ASSIST:
		return "GC mark assist";
	case GT_RANGE_STW:
		return "stop-the-world";
	}
	return "unknown range";
}

/* Go's header is "go 1.%d trace\0\0\0", read with Fscanf. */
static gt_status read_header(const uint8_t *p, size_t len, unsigned *version, size_t *hdr_len, gt_error *err)
{
	static const char prefix[] = "go 1.";
	static const char suffix[] = " trace\0\0\0";
	size_t i = 0;
	if (len < sizeof prefix - 1 || memcmp(p, prefix, sizeof prefix - 1) != 0)
		return dc_fail(err, GT_ERR_NOT_TRACE, 0, "bad file format: not a Go execution trace?");
	i = sizeof prefix - 1;
	unsigned v = 0;
	size_t digits = 0;
	while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 6) {
		v = v * 10 + (unsigned)(p[i] - '0');
		i++;
		digits++;
	}
	if (!digits || len - i < sizeof suffix - 1 || memcmp(p + i, suffix, sizeof suffix - 1) != 0)
		return dc_fail(err, GT_ERR_NOT_TRACE, 0, "bad file format: not a Go execution trace?");
	*version = v;
	*hdr_len = i + sizeof suffix - 1;
	return GT_OK;
}

gt_status gt_trace_open(const void *data, size_t len, gt_trace **out, gt_error *err)
{
	*out = NULL;
	if (!data && len)
		return dc_fail(err, GT_ERR_USAGE, 0, "no data");
	unsigned version = 0;
	size_t hdr_len = 0;
	gt_status s = read_header(data, len, &version, &hdr_len, err);
	if (s)
		return s;
	gt_format format;
	switch (version) {
	case 11:
	case 19:
	case 21:
		format = GT_FORMAT_V1;
		break;
	case V2_GO122:
	case V2_GO123:
	case V2_GO125:
	case V2_GO126:
		format = GT_FORMAT_V2;
		break;
	default:
		return dc_fail(err, GT_ERR_VERSION, 0,
		               "unsupported trace version go 1.%u; gotrace supports 1.11, 1.19, 1.21 and 1.22-1.26", version);
	}
	gt_trace *t = calloc(1, sizeof *t);
	if (!t)
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	t->data = data;
	t->len = len;
	t->info.format = format;
	t->info.version = version;
	t->info.size = len;
	t->info.valid_bytes = hdr_len;
	if (format == GT_FORMAT_V1) {
		gt_status vs = v1_reader_new(data, len, hdr_len, version, &t->v1, err);
		if (vs) {
			free(t);
			return vs;
		}
		*out = t;
		return GT_OK;
	}
	t->src.cur = (dc_cursor){data, hdr_len, len};
	t->src.version = version;
	v2_order_init(&t->order, version);
	*out = t;
	return GT_OK;
}

void gt_trace_close(gt_trace *t)
{
	if (!t)
		return;
	v1_reader_free(t->v1);
	v2_gen_free(&t->gen);
	v2_order_free(&t->order);
	free(t->cursors);
	free(t->frontier);
	free(t);
}

void gt_trace_info_get(const gt_trace *t, gt_trace_info *out)
{
	*out = t->info;
	if (t->v1) {
		/* A v1 trace is one generation, read whole or not at all. */
		out->generations = v1_reader_generations(t->v1);
		if (out->generations)
			out->valid_bytes = out->size;
	}
}

static gt_status stick(gt_trace *t, gt_status s, const gt_error *e, gt_error *err)
{
	t->failed = s;
	t->failure = *e;
	if (err)
		*err = *e;
	return s;
}

static inline int64_t freq_mul(double freq, uint64_t ticks) { return dc_f64_to_i64((double)ticks * freq); }

/* ---- batch cursors and the frontier heap (same sift rules as Go, so ties
 * break the same way) ---- */

static gt_status cursor_next(gt_trace *t, v2_bcursor *bc, bool *ok, gt_error *err)
{
	const v2_gen *g = &t->gen;
	const v2_mbatches *mb = &g->ms[bc->mi];
	while (bc->idx < mb->n && g->batches[mb->idx[bc->idx]].len == bc->data_off) {
		bc->idx++;
		bc->data_off = 0;
		bc->last_ts = 0;
	}
	if (bc->idx == mb->n) {
		*ok = false;
		return GT_OK;
	}
	const v2_batch *b = &g->batches[mb->idx[bc->idx]];
	if (bc->last_ts == 0)
		bc->last_ts = freq_mul(g->freq, b->time);

	/* readTimedBaseEvent */
	dc_cursor c = {t->data, b->off + bc->data_off, b->off + b->len};
	size_t at = c.pos;
	uint8_t typ = 0;
	dc_u8(&c, &typ);
	if (typ >= V2_MaxExperimentalEvent)
		return dc_fail(err, GT_ERR_MALFORMED, at, "found invalid event type: %u", typ);
	const v2_spec *spec = &v2_specs[typ];
	if (spec->nargs == 0 || !spec->timed)
		return dc_fail(err, GT_ERR_MALFORMED, at, "found event without a timestamp: type=%u", typ);
	uint64_t dt;
	if (dc_uvarint(&c, &dt) != DC_VARINT_OK)
		return dc_fail(err, GT_ERR_MALFORMED, at, "found invalid uvarint for timestamp");
	v2_ev *ev = &bc->ev;
	ev->typ = typ;
	ev->off = at;
	for (unsigned i = 0; i + 1 < spec->nargs; i++) {
		if (dc_uvarint(&c, &ev->args[i]) != DC_VARINT_OK)
			return dc_fail(err, GT_ERR_MALFORMED, at, "found invalid uvarint");
	}
	ev->time = (int64_t)((uint64_t)freq_mul(g->freq, dt) + (uint64_t)bc->last_ts);
	bc->last_ts = ev->time;
	bc->data_off = c.pos - b->off;
	*ok = true;
	return GT_OK;
}

static size_t heap_sift_up(v2_bcursor **h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2]->ev.time > h[i]->ev.time) {
		v2_bcursor *tmp = h[(i - 1) / 2];
		h[(i - 1) / 2] = h[i];
		h[i] = tmp;
		i = (i - 1) / 2;
	}
	return i;
}

static void heap_sift_down(v2_bcursor **h, size_t n, size_t i)
{
	for (;;) {
		size_t m = i;
		int64_t min_t = i < n ? h[i]->ev.time : INT64_MAX;
		if (2 * i + 1 < n && h[2 * i + 1]->ev.time < min_t) {
			min_t = h[2 * i + 1]->ev.time;
			m = 2 * i + 1;
		}
		if (2 * i + 2 < n && h[2 * i + 2]->ev.time < min_t)
			m = 2 * i + 2;
		if (m == i)
			return;
		v2_bcursor *tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void heap_update(v2_bcursor **h, size_t n, size_t i)
{
	if (heap_sift_up(h, i) != i)
		return;
	heap_sift_down(h, n, i);
}

static void heap_remove(v2_bcursor **h, size_t *n, size_t i)
{
	/* Move i to the root regardless of order, then pop the root. */
	while (i > 0) {
		v2_bcursor *tmp = h[(i - 1) / 2];
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
	int64_t x = (*(v2_bcursor *const *)a)->ev.time, y = (*(v2_bcursor *const *)b)->ev.time;
	return (x > y) - (x < y);
}

/* ---- turning ordered events into public ones ---- */

static void fix_time(gt_trace *t, gt_event *ev)
{
	/* Go's reader forces strictly increasing timestamps. */
	if (ev->time <= t->last_ts)
		ev->time = (int64_t)((uint64_t)t->last_ts + 1);
	t->last_ts = ev->time;
}

static gt_status make_sync(gt_trace *t, bool with_table, int64_t time, gt_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = GT_EV_SYNC;
	ev->thread = ev->proc = ev->goroutine = GT_NO_ID;
	ev->time = time;
	ev->offset = with_table ? t->gen.start_off : t->src.cur.pos;
	ev->u.sync.n = t->syncs;
	if (with_table) {
		const v2_gen *g = &t->gen;
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

static const gt_stack *gen_stack(const v2_gen *g, uint64_t id)
{
	const gt_stack *s;
	return v2_gen_stack(g, id, &s) ? s : NULL;
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
static gt_status convert(gt_trace *t, const v2_ev *e, gt_event *ev, gt_error *err)
{
	const v2_gen *g = &t->gen;
	const v2_spec *spec = &v2_specs[e->typ];
	const gt_stack *stk;
	gt_str str;
	if (e->typ != V2_EvCPUSample) {
		for (int i = 0; i < 2 && spec->stack_args[i] >= 0; i++) {
			uint64_t id = e->args[spec->stack_args[i] - 1];
			if (!v2_gen_stack(g, id, &stk))
				return dc_fail(err, GT_ERR_INVALID, e->off, "found invalid stack ID %llu for event %s",
				               (unsigned long long)id, spec->name);
		}
		for (int i = 0; i < 2 && spec->string_args[i] >= 0; i++) {
			uint64_t id = e->args[spec->string_args[i] - 1];
			if (!v2_gen_string(g, id, &str))
				return dc_fail(err, GT_ERR_INVALID, e->off, "found invalid string ID %llu for event %s",
				               (unsigned long long)id, spec->name);
		}
	}

	/* Zero the header and the largest detail that is common; kinds with
	 * other details clear theirs below. A full memset of the event costs
	 * more than the rest of this function. */
	memset(ev, 0, offsetof(gt_event, u) + sizeof ev->u.transition);
	ev->kind = (gt_event_kind)type_to_kind[e->typ];
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
	} else if (spec->stack_args[0] >= 0) {
		uint64_t id = e->args[spec->stack_args[0] - 1];
		ev->stack = id ? gen_stack(g, id) : NULL;
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

/* ---- generations ---- */

static gt_status install_gen(gt_trace *t, gt_event *ev, gt_error *err)
{
	v2_gen *g = &t->gen;
	t->have_gen = true;
	t->info.generations++;
	t->info.valid_bytes = g->end_off;
	t->sample_pos = 0;
	t->nfrontier = 0;
	if (!dc_grow(&t->cursors, &t->capcursors, g->nms, sizeof *t->cursors) ||
	    !dc_grow(&t->frontier, &t->capfrontier, g->nms, sizeof *t->frontier))
		return dc_fail(err, GT_ERR_NOMEM, g->start_off, "out of memory");
	for (size_t i = 0; i < g->nms; i++) {
		v2_bcursor *bc = &t->cursors[i];
		memset(bc, 0, sizeof *bc);
		bc->m = g->ms[i].m;
		bc->mi = (uint32_t)i;
		bc->state = UINT32_MAX;
		bool ok;
		gt_status s = cursor_next(t, bc, &ok, err);
		if (s)
			return s;
		if (!ok)
			continue;
		t->frontier[t->nfrontier++] = bc;
		heap_sift_up(t->frontier, t->nfrontier - 1);
	}
	t->syncs++;
	return make_sync(t, true, freq_mul(g->freq, g->min_ts), ev);
}

/* The end of the stream: a Sync, then EOF or the error. */
static gt_status final_sync(gt_trace *t, term_kind term, const gt_error *e, gt_event *ev)
{
	t->have_gen = false;
	t->term = term;
	if (e)
		t->term_err = *e;
	t->term_synced = true;
	t->syncs++;
	return make_sync(t, false, t->last_ts, ev);
}

static gt_status after_final_sync(gt_trace *t, gt_error *err)
{
	if (t->term == TERM_ERROR)
		return stick(t, t->term_err.status, &t->term_err, err);
	if (t->term == TERM_TRUNCATED) {
		t->info.truncated = true;
		t->info.truncation = t->term_err;
	}
	t->done = true;
	return GT_EOF;
}

static gt_status next_generation(gt_trace *t, gt_event *ev, gt_error *err)
{
	if (t->term_synced)
		return after_final_sync(t, err);
	v2_source *src = &t->src;
	if (src->version < V2_GO126) {
		if (t->have_gen && !src->has_spill) {
			if (src->pending)
				return final_sync(t, src->pending_is_truncation ? TERM_TRUNCATED : TERM_ERROR, &src->pending_err, ev);
			return final_sync(t, TERM_NONE, NULL, ev);
		}
	}
	gt_error e;
	bool truncation;
	switch (v2_read_generation(src, &t->gen, &truncation, &e)) {
	case V2_GEN_OK:
		if (install_gen(t, ev, &e))
			return stick(t, e.status, &e, err);
		return GT_OK;
	case V2_GEN_DONE:
		return final_sync(t, TERM_NONE, NULL, ev);
	case V2_GEN_ERROR:
	default:
		return final_sync(t, truncation ? TERM_TRUNCATED : TERM_ERROR, &e, ev);
	}
}

static gt_status try_advance(gt_trace *t, size_t i, bool *ok, gt_error *err)
{
	v2_bcursor *bc = t->frontier[i];
	gt_status s = v2_order_advance(&t->order, &bc->ev, &t->gen, bc->m, &bc->state, ok, err);
	if (s || !*ok)
		return s;
	bool more;
	if ((s = cursor_next(t, bc, &more, err)))
		return s;
	if (more)
		heap_update(t->frontier, t->nfrontier, i);
	else
		heap_remove(t->frontier, &t->nfrontier, i);
	return GT_OK;
}

gt_status gt_trace_next(gt_trace *t, gt_event *ev, gt_error *err)
{
	gt_error e;
	if (t->failed)
		return stick(t, t->failed, &t->failure, err);
	if (t->done)
		return GT_EOF;
	if (t->v1) {
		gt_status s = v1_reader_next(t->v1, ev, &e);
		if (s == GT_EOF)
			t->done = true;
		else if (s)
			return stick(t, s, &e, err);
		return s;
	}

	v2_ev qe;
	if (v2_order_pop(&t->order, &qe)) {
		gt_status s = convert(t, &qe, ev, &e);
		return s ? stick(t, s, &e, err) : GT_OK;
	}
	v2_gen *g = &t->gen;
	if (!t->have_gen || (t->nfrontier == 0 && t->sample_pos == g->nsamples))
		return next_generation(t, ev, err);

	if (t->sample_pos < g->nsamples &&
	    (t->nfrontier == 0 || g->samples[t->sample_pos].time < t->frontier[0]->ev.time)) {
		const v2_cpu_sample *cs = &g->samples[t->sample_pos++];
		v2_ev se = {.typ = V2_EvCPUSample, .time = cs->time, .args = {cs->stack, 0, 0, 0}, .off = cs->off,
		            .m = cs->m, .p = cs->p, .g = cs->g};
		gt_status s = convert(t, &se, ev, &e);
		return s ? stick(t, s, &e, err) : GT_OK;
	}

	bool ok;
	gt_status s = try_advance(t, 0, &ok, &e);
	if (s)
		return stick(t, s, &e, err);
	if (!ok) {
		/* Rare: the earliest event must wait. Try the others in time order. */
		gt_gosort(t->frontier, t->nfrontier, sizeof *t->frontier, cmp_cursor_time, NULL);
		for (size_t i = 1; i < t->nfrontier && !ok; i++) {
			if ((s = try_advance(t, i, &ok, &e)))
				return stick(t, s, &e, err);
		}
		if (!ok) {
			dc_fail(&e, GT_ERR_INVALID, t->frontier[0]->ev.off,
			        "broken trace: failed to advance: no thread's next event can happen next (gen=%llu, %zu threads)",
			        (unsigned long long)g->gen, t->nfrontier);
			return stick(t, e.status, &e, err);
		}
	}
	if (!v2_order_pop(&t->order, &qe)) {
		dc_fail(&e, GT_ERR_INVALID, 0, "internal error: advance successful, but queue is empty");
		return stick(t, e.status, &e, err);
	}
	s = convert(t, &qe, ev, &e);
	return s ? stick(t, s, &e, err) : GT_OK;
}
