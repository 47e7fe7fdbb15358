/* The v1 parser: Go's internal/trace/internal/tracev1 parser.go and
 * order.go, rule for rule, so that the same traces are accepted, the same
 * errors reported and the events come out in the same order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gosort.h"
#include "v1.h"

static const char *const args_g[] = {"g"};
static const char *const args_g_seq[] = {"g", "seq"};

const v1_spec v1_specs[V1_EvCount] = {
	[V1_EvNone] = {"None", 5, false, 0, NULL},
	[V1_EvBatch] = {"Batch", 5, false, 2, (const char *const[]){"p", "ticks"}},
	[V1_EvFrequency] = {"Frequency", 5, false, 1, (const char *const[]){"freq"}},
	[V1_EvStack] = {"Stack", 5, false, 2, (const char *const[]){"id", "siz"}},
	[V1_EvGomaxprocs] = {"Gomaxprocs", 5, true, 1, (const char *const[]){"procs"}},
	[V1_EvProcStart] = {"ProcStart", 5, false, 1, (const char *const[]){"thread"}},
	[V1_EvProcStop] = {"ProcStop", 5, false, 0, NULL},
	[V1_EvGCStart] = {"GCStart", 5, true, 1, (const char *const[]){"seq"}},
	[V1_EvGCDone] = {"GCDone", 5, false, 0, NULL},
	[V1_EvSTWStart] = {"GCSTWStart", 5, false, 1, (const char *const[]){"kindid"}},
	[V1_EvSTWDone] = {"GCSTWDone", 5, false, 0, NULL},
	[V1_EvGCSweepStart] = {"GCSweepStart", 5, true, 0, NULL},
	[V1_EvGCSweepDone] = {"GCSweepDone", 5, false, 2, (const char *const[]){"swept", "reclaimed"}},
	[V1_EvGoCreate] = {"GoCreate", 5, true, 2, (const char *const[]){"g", "stack"}},
	[V1_EvGoStart] = {"GoStart", 5, false, 2, args_g_seq},
	[V1_EvGoEnd] = {"GoEnd", 5, false, 0, NULL},
	[V1_EvGoStop] = {"GoStop", 5, true, 0, NULL},
	[V1_EvGoSched] = {"GoSched", 5, true, 0, NULL},
	[V1_EvGoPreempt] = {"GoPreempt", 5, true, 0, NULL},
	[V1_EvGoSleep] = {"GoSleep", 5, true, 0, NULL},
	[V1_EvGoBlock] = {"GoBlock", 5, true, 0, NULL},
	[V1_EvGoUnblock] = {"GoUnblock", 5, true, 2, args_g_seq},
	[V1_EvGoBlockSend] = {"GoBlockSend", 5, true, 0, NULL},
	[V1_EvGoBlockRecv] = {"GoBlockRecv", 5, true, 0, NULL},
	[V1_EvGoBlockSelect] = {"GoBlockSelect", 5, true, 0, NULL},
	[V1_EvGoBlockSync] = {"GoBlockSync", 5, true, 0, NULL},
	[V1_EvGoBlockCond] = {"GoBlockCond", 5, true, 0, NULL},
	[V1_EvGoBlockNet] = {"GoBlockNet", 5, true, 0, NULL},
	[V1_EvGoSysCall] = {"GoSysCall", 5, true, 0, NULL},
	[V1_EvGoSysExit] = {"GoSysExit", 5, false, 3, (const char *const[]){"g", "seq", "ts"}},
	[V1_EvGoSysBlock] = {"GoSysBlock", 5, false, 0, NULL},
	[V1_EvGoWaiting] = {"GoWaiting", 5, false, 1, args_g},
	[V1_EvGoInSyscall] = {"GoInSyscall", 5, false, 1, args_g},
	[V1_EvHeapAlloc] = {"HeapAlloc", 5, false, 1, (const char *const[]){"mem"}},
	[V1_EvHeapGoal] = {"HeapGoal", 5, false, 1, (const char *const[]){"mem"}},
	[V1_EvTimerGoroutine] = {"TimerGoroutine", 5, false, 1, args_g},
	[V1_EvFutileWakeup] = {"FutileWakeup", 5, false, 0, NULL},
	[V1_EvString] = {"String", 7, false, 0, NULL},
	[V1_EvGoStartLocal] = {"GoStartLocal", 7, false, 1, args_g},
	[V1_EvGoUnblockLocal] = {"GoUnblockLocal", 7, true, 1, args_g},
	[V1_EvGoSysExitLocal] = {"GoSysExitLocal", 7, false, 2, (const char *const[]){"g", "ts"}},
	[V1_EvGoStartLabel] = {"GoStartLabel", 8, false, 3, (const char *const[]){"g", "seq", "labelid"}},
	[V1_EvGoBlockGC] = {"GoBlockGC", 8, true, 0, NULL},
	[V1_EvGCMarkAssistStart] = {"GCMarkAssistStart", 9, true, 0, NULL},
	[V1_EvGCMarkAssistDone] = {"GCMarkAssistDone", 9, false, 0, NULL},
	[V1_EvUserTaskCreate] = {"UserTaskCreate", 11, true, 3, (const char *const[]){"taskid", "pid", "typeid"}},
	[V1_EvUserTaskEnd] = {"UserTaskEnd", 11, true, 1, (const char *const[]){"taskid"}},
	[V1_EvUserRegion] = {"UserRegion", 11, true, 3, (const char *const[]){"taskid", "mode", "typeid"}},
	[V1_EvUserLog] = {"UserLog", 11, true, 2, (const char *const[]){"id", "keyid"}},
	[V1_EvCPUSample] = {"CPUSample", 19, true, 3, (const char *const[]){"ts", "p", "g"}},
};

/* Length-prefixed arguments are at most 2048 bytes, so at most 2048 values. */
#define MAX_RAW_ARGS 2048
#define ARG_BYTES_LIMIT 2048u
#define MAX_STRING 1000000u
#define MAX_STACK_FRAMES 1000u

enum { SKIP_ARGS = 1, SKIP_STRINGS = 2 };
typedef enum raw_result { RAW_OK, RAW_EOF, RAW_ERR } raw_result;

static const gt_str empty_str = {"", 0};

typedef struct raw_event {
	uint8_t typ;
	size_t off;
	int32_t batch_pid;
	size_t nargs;
	gt_str sarg; /* the message of an EvUserLog */
} raw_event;

/* Batches of one P id (Go's batchOffsets[pid]) and the P's last goroutine
 * (lastGs[pid]). */
typedef struct pid_batches {
	int32_t pid;
	size_t *offs;
	size_t n, cap, next;
	uint64_t last_g;
} pid_batches;

typedef struct proc {
	int32_t pid;
	const v1_event *evs; /* the rest of the current batch */
	size_t nevs;
	v1_event *buf;
	size_t capbuf;
	bool done;
} proc;

typedef struct order_ev {
	v1_event ev;
	uint32_t proc;
} order_ev;

typedef struct gstate {
	uint64_t seq;
	int status;
} gstate;

typedef struct parser {
	dc_cursor cur;
	unsigned ver;
	v1_trace *tr;
	gt_error *err;
	uint64_t args[MAX_RAW_ARGS];

	dc_map pid_index;
	pid_batches *pids;
	size_t npids, cappids;
	size_t total_events;

	v1_event *samples;
	size_t nsamples, capsamples;
	dc_map timer_goids;
	int64_t ticks_per_sec;

	int64_t last_ts;
	uint64_t last_g;
	int32_t last_p;
} parser;

static gt_status nomem(parser *p, size_t off) { return dc_fail(p->err, GT_ERR_NOMEM, off, "out of memory"); }

static gt_status bad(parser *p, size_t off, const char *fmt, ...) DC_PRINTF(3, 4);
static gt_status bad(parser *p, size_t off, const char *fmt, ...)
{
	if (p->err) {
		va_list ap;
		va_start(ap, fmt);
		p->err->status = GT_ERR_MALFORMED;
		p->err->offset = off;
		vsnprintf(p->err->detail, sizeof p->err->detail, fmt, ap);
		va_end(ap);
	}
	return GT_ERR_MALFORMED;
}

static const char malformed_varint[] = "malformatted base-128 varint";

static bool read_val(parser *p, uint64_t *v) { return dc_uvarint(&p->cur, v) == DC_VARINT_OK; }

/* Go's discard: moves past n bytes if they are there. */
static bool discard(parser *p, uint64_t n)
{
	if (n > dc_left(&p->cur))
		return false;
	p->cur.pos += (size_t)n;
	return true;
}

/* Go's readFull fails at the very end of the data even for n == 0. */
static bool read_full(parser *p, uint64_t n, size_t *at)
{
	if (p->cur.pos >= p->cur.end || n > dc_left(&p->cur))
		return false;
	*at = p->cur.pos;
	p->cur.pos += (size_t)n;
	return true;
}

void *v1_slot(dc_map *m, uint64_t key, void *parr, size_t *n, size_t *cap, size_t elem, bool create, bool *inserted)
{
	char **arr = (char **)parr;
	*inserted = false;
	uint32_t *i = dc_map_get(m, key);
	if (i)
		return *arr + (size_t)*i * elem;
	if (!create || *n >= UINT32_MAX - 1 || !dc_grow(parr, cap, *n + 1, elem))
		return NULL;
	uint32_t *slot = dc_map_put(m, key, inserted);
	if (!slot)
		return NULL;
	*slot = (uint32_t)*n;
	char *e = *arr + *n * elem;
	memset(e, 0, elem);
	(*n)++;
	return e;
}

static bool add_string(parser *p, uint64_t id, gt_str s)
{
	v1_trace *tr = p->tr;
	bool inserted;
	gt_str *slot = v1_slot(&tr->str_index, id, &tr->strs, &tr->nstrs, &tr->capstrs, sizeof *tr->strs, true, &inserted);
	if (slot)
		*slot = s;
	return slot != NULL;
}

static gt_status read_string_event(parser *p, unsigned flags, size_t at)
{
	uint64_t id, ln;
	const char *data = (const char *)p->cur.base;
	if (flags & SKIP_STRINGS) {
		if (!read_val(p, &id) || !read_val(p, &ln))
			return bad(p, at, malformed_varint);
		if (!discard(p, ln))
			return bad(p, at, "failed to read trace: EOF");
		return GT_OK;
	}
	if (!read_val(p, &id))
		return bad(p, at, malformed_varint);
	if (id == 0)
		return bad(p, at, "string has invalid id 0");
	if (dc_map_get(&p->tr->str_index, id))
		return bad(p, at, "string has duplicate id %llu", (unsigned long long)id);
	if (!read_val(p, &ln))
		return bad(p, at, malformed_varint);
	if (ln == 0)
		return bad(p, at, "string has invalid length 0");
	if (ln > MAX_STRING)
		return bad(p, at, "string has too large length %llu", (unsigned long long)ln);
	size_t s;
	if (!read_full(p, ln, &s))
		return bad(p, at, "failed to read trace: unexpected EOF");
	if (!add_string(p, id, (gt_str){data + s, (size_t)ln}))
		return nomem(p, at);
	return GT_OK;
}

/* readRawEvent: the type byte carries the argument count in its top two
 * bits; 3 there means the arguments are prefixed by their byte length. */
static raw_result read_raw(parser *p, unsigned flags, raw_event *ev)
{
	size_t at = p->cur.pos;
	uint8_t b;
	if (!dc_u8(&p->cur, &b))
		return RAW_EOF;
	uint8_t typ = (uint8_t)(b & 0x3f);
	unsigned narg = (unsigned)(b >> 6) + 1;
	ev->off = at;
	ev->nargs = 0;
	ev->sarg = empty_str;
	if (typ == V1_EvNone || typ >= V1_EvCount || v1_specs[typ].min_version > p->ver) {
		bad(p, at, "unknown event type %u", typ);
		return RAW_ERR;
	}
	uint64_t v;
	switch (typ) {
	case V1_EvString:
		if (read_string_event(p, flags, at))
			return RAW_ERR;
		ev->typ = V1_EvNone;
		return RAW_OK;
	case V1_EvBatch: {
		if (narg != 2) {
			bad(p, at, "EvBatch has wrong number of arguments: got %u, want %d", narg, 2);
			return RAW_ERR;
		}
		uint64_t pid;
		if (!read_val(p, &pid)) {
			bad(p, at, malformed_varint);
			return RAW_ERR;
		}
		if (pid != UINT64_MAX && pid > INT32_MAX) {
			/* Go prints MaxUint here although it checks MaxInt32. */
			bad(p, at, "processor ID %llu is larger than maximum of %llu", (unsigned long long)pid,
			    (unsigned long long)UINT64_MAX);
			return RAW_ERR;
		}
		if (!read_val(p, &v)) {
			bad(p, at, malformed_varint);
			return RAW_ERR;
		}
		ev->typ = V1_EvBatch;
		ev->batch_pid = pid == UINT64_MAX ? -1 : (int32_t)pid;
		p->args[0] = pid;
		p->args[1] = v;
		ev->nargs = 2;
		return RAW_OK;
	}
	default:
		break;
	}
	ev->typ = typ;
	if (narg <= 3) {
		for (unsigned i = 0; i < narg; i++) {
			if (!read_val(p, &v)) {
				bad(p, at, "failed to read event %u argument: %s", typ, malformed_varint);
				return RAW_ERR;
			}
			if (!(flags & SKIP_ARGS))
				p->args[ev->nargs++] = v;
		}
		return RAW_OK;
	}
	uint64_t n;
	if (!read_val(p, &n)) {
		bad(p, at, "failed to read event %u argument: %s", typ, malformed_varint);
		return RAW_ERR;
	}
	if (n > ARG_BYTES_LIMIT) {
		bad(p, at, "failed to read event %u argument: length-prefixed argument too big: %llu bytes, limit is %u", typ,
		    (unsigned long long)n, ARG_BYTES_LIMIT);
		return RAW_ERR;
	}
	if (!(flags & SKIP_ARGS) || typ == V1_EvCPUSample) {
		size_t s;
		if (!read_full(p, n, &s)) {
			bad(p, at, "failed to read trace: unexpected EOF");
			return RAW_ERR;
		}
		dc_cursor c = {p->cur.base, s, s + (size_t)n};
		while (dc_left(&c) > 0) {
			if (dc_uvarint(&c, &v) != DC_VARINT_OK) {
				bad(p, at, malformed_varint);
				return RAW_ERR;
			}
			p->args[ev->nargs++] = v; /* at most n <= MAX_RAW_ARGS values */
		}
	} else if (!discard(p, n)) {
		bad(p, at, "failed to read trace: EOF");
		return RAW_ERR;
	}
	if (typ == V1_EvUserLog) {
		/* The message follows the arguments. */
		if (!read_val(p, &v)) {
			bad(p, at, malformed_varint);
			return RAW_ERR;
		}
		if (flags & SKIP_ARGS) {
			/* Go's skipping reader ends the input here instead of failing;
			 * the full read of the same batch later reports it. */
			if (!discard(p, v))
				return RAW_EOF;
		} else if (v != 0) {
			if (v > MAX_STRING) {
				bad(p, at, "string is too large (len=%llu)", (unsigned long long)v);
				return RAW_ERR;
			}
			size_t s;
			if (!read_full(p, v, &s)) {
				bad(p, at, "failed to read trace: unexpected EOF");
				return RAW_ERR;
			}
			ev->sarg = (gt_str){(const char *)p->cur.base + s, (size_t)v};
		}
	}
	return RAW_OK;
}

/* raw.argNum(): arguments including timestamp and stack. */
static size_t arg_num(const raw_event *raw)
{
	const v1_spec *d = &v1_specs[raw->typ];
	if (raw->typ == V1_EvStack)
		return raw->nargs;
	size_t n = d->nargs + (d->stack ? 1 : 0);
	if (raw->typ == V1_EvBatch || raw->typ == V1_EvFrequency || raw->typ == V1_EvTimerGoroutine)
		return n;
	return n + 1;
}

static pid_batches *pid_get(parser *p, int32_t pid)
{
	uint32_t *i = dc_map_get(&p->pid_index, (uint32_t)pid);
	return i ? &p->pids[*i] : NULL;
}

/* ---- pass 1: collectBatchesAndCPUSamples ---- */

static gt_status collect_batches(parser *p)
{
	raw_event raw;
	int32_t cur_p = 0;
	for (;;) {
		raw_result r = read_raw(p, SKIP_ARGS | SKIP_STRINGS, &raw);
		if (r == RAW_EOF)
			break;
		if (r == RAW_ERR)
			return p->err ? p->err->status : GT_ERR_MALFORMED;
		if (raw.typ == V1_EvNone)
			continue;
		if (raw.typ == V1_EvBatch) {
			bool inserted;
			/* Every P gets a slot in the merge: bound them as v2 does. */
			if (p->npids >= GT_MAX_PROCS && !dc_map_get(&p->pid_index, (uint32_t)raw.batch_pid))
				return dc_fail(p->err, GT_ERR_LIMIT, raw.off, "more than %u procs", GT_MAX_PROCS);
			pid_batches *pb = v1_slot(&p->pid_index, (uint32_t)raw.batch_pid, &p->pids, &p->npids, &p->cappids,
			                          sizeof *p->pids, true, &inserted);
			if (!pb)
				return nomem(p, raw.off);
			pb->pid = raw.batch_pid;
			if (!dc_grow(&pb->offs, &pb->cap, pb->n + 1, sizeof *pb->offs))
				return nomem(p, raw.off);
			pb->offs[pb->n++] = raw.off;
			cur_p = raw.batch_pid;
		}
		pid_batches *pb = pid_get(p, cur_p);
		if (!pb || pb->n == 0)
			return bad(p, raw.off, "read event %u with current P of %d, but P has no batches yet", raw.typ, cur_p);
		p->total_events++;
		if (raw.typ == V1_EvCPUSample) {
			size_t narg = arg_num(&raw);
			if (raw.nargs != narg)
				return bad(p, raw.off, "CPU sample has wrong number of arguments: want %zu, got %zu", narg,
				           raw.nargs);
			if (!dc_grow(&p->samples, &p->capsamples, p->nsamples + 1, sizeof *p->samples))
				return nomem(p, raw.off);
			v1_event *e = &p->samples[p->nsamples++];
			memset(e, 0, sizeof *e);
			e->type_off = (uint64_t)V1_EvCPUSample << 56 | raw.off;
			/* Samples are ordered by the time the signal handler took. */
			e->ts = (int64_t)p->args[1];
			e->p = (int32_t)p->args[2];
			e->g = p->args[3];
			e->stk = (uint32_t)p->args[4];
		}
	}
	return GT_OK;
}

/* ---- pass 2: parseEvent and loadBatch ---- */

static gt_status parse_stack(parser *p, const raw_event *raw)
{
	v1_trace *tr = p->tr;
	if (raw->nargs < 2)
		return bad(p, raw->off, "EvStack has wrong number of arguments: want at least 2, got %zu", raw->nargs);
	uint64_t size = p->args[1];
	if (size > MAX_STACK_FRAMES)
		return bad(p, raw->off, "EvStack has bad number of frames: %llu", (unsigned long long)size);
	uint64_t want = 2 + 4 * size;
	if (raw->nargs != want)
		return bad(p, raw->off, "EvStack has wrong number of arguments: want %llu, got %zu", (unsigned long long)want,
		           raw->nargs);
	uint32_t id = (uint32_t)p->args[0];
	if (id == 0 || size == 0)
		return GT_OK;
	if (!dc_grow(&tr->stack_pcs, &tr->cappcs, tr->npcs + size, sizeof *tr->stack_pcs) ||
	    !dc_grow(&tr->stacks, &tr->capstacks, tr->nstacks + 1, sizeof *tr->stacks) ||
	    !dc_grow(&tr->stack_first, &tr->capstack_first, tr->nstacks + 1, sizeof *tr->stack_first))
		return nomem(p, raw->off);
	for (uint64_t i = 0; i < size; i++) {
		const uint64_t *f = &p->args[2 + i * 4];
		tr->stack_pcs[tr->npcs + i] = f[0];
		bool inserted;
		uint32_t *slot = dc_map_put(&tr->pc_index, f[0], &inserted);
		if (!slot)
			return nomem(p, raw->off);
		if (inserted) {
			if (!dc_grow(&tr->pc_frames, &tr->cappc_frames, tr->npc_frames + 1, sizeof *tr->pc_frames))
				return nomem(p, raw->off);
			*slot = (uint32_t)tr->npc_frames;
			tr->pc_frames[tr->npc_frames++] = (struct v1_pcframe){f[0], f[1], f[2], f[3]};
		}
	}
	/* A later definition of the same id replaces the earlier one. */
	bool inserted;
	uint32_t *slot = dc_map_put(&tr->stack_index, id, &inserted);
	if (!slot)
		return nomem(p, raw->off);
	*slot = (uint32_t)tr->nstacks;
	tr->stacks[tr->nstacks] = (gt_stack){.id = id, .nframes = (uint32_t)size};
	tr->stack_first[tr->nstacks] = (uint32_t)tr->npcs;
	tr->nstacks++;
	tr->npcs += (size_t)size;
	return GT_OK;
}

/* Fills *ev and sets *has_event when raw is a real event (not a table
 * entry or batch header). */
static gt_status parse_event(parser *p, const raw_event *raw, v1_event *ev, bool *has_event)
{
	const v1_spec *d = &v1_specs[raw->typ];
	*has_event = false;
	size_t narg = arg_num(raw);
	if (raw->nargs != narg)
		return bad(p, raw->off, "%s has wrong number of arguments: want %zu, got %zu", d->name, narg, raw->nargs);
	const uint64_t *a = p->args;
	switch (raw->typ) {
	case V1_EvBatch: {
		pid_batches *prev = pid_get(p, p->last_p);
		if (prev)
			prev->last_g = p->last_g;
		p->last_p = a[0] == UINT64_MAX ? -1 : (int32_t)a[0];
		pid_batches *cur = pid_get(p, p->last_p);
		p->last_g = cur ? cur->last_g : 0;
		p->last_ts = (int64_t)a[1];
		return GT_OK;
	}
	case V1_EvFrequency:
		p->ticks_per_sec = (int64_t)a[0];
		if (p->ticks_per_sec <= 0)
			return bad(p, raw->off, "time stamps out of order");
		return GT_OK;
	case V1_EvTimerGoroutine: {
		bool inserted;
		uint32_t *slot = dc_map_put(&p->timer_goids, a[0], &inserted);
		if (!slot)
			return nomem(p, raw->off);
		*slot = 1;
		return GT_OK;
	}
	case V1_EvStack:
		return parse_stack(p, raw);
	case V1_EvCPUSample:
		return GT_OK;
	default:
		break;
	}
	memset(ev, 0, sizeof *ev);
	ev->type_off = (uint64_t)raw->typ << 56 | raw->off;
	ev->p = p->last_p;
	ev->g = p->last_g;
	ev->ts = (int64_t)((uint64_t)p->last_ts + a[0]);
	p->last_ts = ev->ts;
	for (size_t i = 1; i < narg; i++) {
		if (i == narg - 1 && d->stack)
			ev->stk = (uint32_t)a[i];
		else
			ev->args[i - 1] = a[i];
	}
	switch (raw->typ) {
	case V1_EvGoStart:
	case V1_EvGoStartLocal:
	case V1_EvGoStartLabel:
		p->last_g = ev->args[0];
		ev->g = p->last_g;
		break;
	case V1_EvGoEnd:
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
	case V1_EvGoSysBlock:
	case V1_EvGoBlockGC:
		p->last_g = 0;
		break;
	case V1_EvGoSysExit:
	case V1_EvGoWaiting:
	case V1_EvGoInSyscall:
		ev->g = ev->args[0];
		break;
	case V1_EvUserLog: {
		v1_trace *tr = p->tr;
		if (!dc_grow(&tr->inline_strs, &tr->capinline, tr->ninline + 1, sizeof *tr->inline_strs))
			return nomem(p, raw->off);
		ev->args[2] = tr->ninline;
		tr->inline_strs[tr->ninline++] = raw->sarg;
		break;
	}
	default:
		break;
	}
	*has_event = true;
	return GT_OK;
}

/* loadBatch: the next batch of pid, parsed whole into pr->buf. Sets *eof
 * when pid has no batches left. */
static gt_status load_batch(parser *p, proc *pr, pid_batches *pb, bool *eof)
{
	*eof = false;
	if (!pb || pb->next == pb->n) {
		*eof = true;
		return GT_OK;
	}
	p->cur.pos = pb->offs[pb->next++];
	size_t n = 0;
	bool got_header = false;
	raw_event raw;
	for (;;) {
		raw_result r = read_raw(p, 0, &raw);
		if (r == RAW_EOF)
			break;
		if (r == RAW_ERR)
			return p->err ? p->err->status : GT_ERR_MALFORMED;
		if (raw.typ == V1_EvNone || raw.typ == V1_EvCPUSample)
			continue;
		if (raw.typ == V1_EvBatch) {
			if (got_header)
				break;
			got_header = true;
		}
		if (!dc_grow(&pr->buf, &pr->capbuf, n + 1, sizeof *pr->buf))
			return nomem(p, raw.off);
		bool has;
		gt_status s = parse_event(p, &raw, &pr->buf[n], &has);
		if (s)
			return s;
		n += has;
	}
	pr->evs = pr->buf;
	pr->nevs = n;
	return GT_OK;
}

/* ---- order.go ---- */

enum { G_DEAD, G_RUNNABLE, G_RUNNING, G_WAITING };
#define UNORDERED UINT64_MAX
#define GARBAGE (UINT64_MAX - 1)
#define NOSEQ UINT64_MAX
#define SEQINC (UINT64_MAX - 1)

static uint64_t state_transition(const v1_event *ev, gstate *init, gstate *next)
{
	const uint64_t *a = ev->args;
	switch (v1_type(ev)) {
	case V1_EvGoCreate:
		*init = (gstate){0, G_DEAD};
		*next = (gstate){1, G_RUNNABLE};
		return a[0];
	case V1_EvGoWaiting:
	case V1_EvGoInSyscall:
		*init = (gstate){1, G_RUNNABLE};
		*next = (gstate){2, G_WAITING};
		return ev->g;
	case V1_EvGoStart:
	case V1_EvGoStartLabel:
		*init = (gstate){a[1], G_RUNNABLE};
		*next = (gstate){a[1] + 1, G_RUNNING};
		return ev->g;
	case V1_EvGoStartLocal:
		/* Emitted on the P of the create or unblock, which is merged already. */
		*init = (gstate){NOSEQ, G_RUNNABLE};
		*next = (gstate){SEQINC, G_RUNNING};
		return ev->g;
	case V1_EvGoBlock:
	case V1_EvGoBlockSend:
	case V1_EvGoBlockRecv:
	case V1_EvGoBlockSelect:
	case V1_EvGoBlockSync:
	case V1_EvGoBlockCond:
	case V1_EvGoBlockNet:
	case V1_EvGoSleep:
	case V1_EvGoSysBlock:
	case V1_EvGoBlockGC:
		*init = (gstate){NOSEQ, G_RUNNING};
		*next = (gstate){NOSEQ, G_WAITING};
		return ev->g;
	case V1_EvGoSched:
	case V1_EvGoPreempt:
		*init = (gstate){NOSEQ, G_RUNNING};
		*next = (gstate){NOSEQ, G_RUNNABLE};
		return ev->g;
	case V1_EvGoUnblock:
	case V1_EvGoSysExit:
		*init = (gstate){a[1], G_WAITING};
		*next = (gstate){a[1] + 1, G_RUNNABLE};
		return a[0];
	case V1_EvGoUnblockLocal:
	case V1_EvGoSysExitLocal:
		*init = (gstate){NOSEQ, G_WAITING};
		*next = (gstate){SEQINC, G_RUNNABLE};
		return a[0];
	case V1_EvGCStart:
		*init = (gstate){a[0], G_DEAD};
		*next = (gstate){a[0] + 1, G_DEAD};
		return GARBAGE;
	default:
		*init = *next = (gstate){0, 0};
		return UNORDERED;
	}
}

typedef struct gstates {
	dc_map index;
	gstate *v;
	size_t n, cap;
} gstates;

static gstate gs_get(const gstates *gs, uint64_t g)
{
	uint32_t *i = dc_map_get(&gs->index, g);
	return i ? gs->v[*i] : (gstate){0, G_DEAD};
}

static bool transition_ready(uint64_t g, gstate curr, gstate init)
{
	return g == UNORDERED || ((init.seq == NOSEQ || init.seq == curr.seq) && init.status == curr.status);
}

static bool gs_set(gstates *gs, uint64_t g, gstate st)
{
	bool inserted;
	gstate *slot = v1_slot(&gs->index, g, &gs->v, &gs->n, &gs->cap, sizeof *gs->v, true, &inserted);
	if (slot)
		*slot = st;
	return slot != NULL;
}

/* Go's container/heap-like helpers of order.go, with the same sift rules so
 * equal timestamps leave the heap in the same order for the same pushes. */
static void heap_up(order_ev *h, size_t j)
{
	while (j > 0) {
		size_t i = (j - 1) / 2;
		if (!(h[j].ev.ts < h[i].ev.ts))
			break;
		order_ev t = h[i];
		h[i] = h[j];
		h[j] = t;
		j = i;
	}
}

static void heap_down(order_ev *h, size_t i, size_t n)
{
	for (;;) {
		size_t j1 = 2 * i + 1;
		if (j1 >= n)
			break;
		size_t j = j1;
		if (j1 + 1 < n && h[j1 + 1].ev.ts < h[j1].ev.ts)
			j = j1 + 1;
		if (!(h[j].ev.ts < h[i].ev.ts))
			break;
		order_ev t = h[i];
		h[i] = h[j];
		h[j] = t;
		i = j;
	}
}

static bool events_sorted(const v1_trace *tr)
{
	for (size_t i = 1; i < tr->nevents; i++)
		if (tr->events[i].ts < tr->events[i - 1].ts)
			return false;
	return true;
}

/* sort.Stable by timestamp. Only syscall exits move, and only a little, so
 * an insertion sort does it in about linear time; a crafted trace that would
 * make it quadratic falls back to a merge sort. */
static gt_status stable_sort_events(parser *p)
{
	v1_trace *tr = p->tr;
	v1_event *e = tr->events;
	size_t n = tr->nevents;
	uint64_t budget = 16 * (uint64_t)n + 1024;
	for (size_t i = 1; i < n; i++) {
		if (!(e[i].ts < e[i - 1].ts))
			continue;
		v1_event x = e[i];
		size_t j = i;
		while (j > 0 && x.ts < e[j - 1].ts && budget > 0) {
			e[j] = e[j - 1];
			j--;
			budget--;
		}
		e[j] = x;
		if (budget == 0)
			break;
	}
	if (budget > 0)
		return GT_OK;
	/* Bottom-up merge sort; taking from the left on ties keeps it stable. */
	v1_event *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return nomem(p, 0);
	v1_event *src = e, *dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				dst[k++] = src[b].ts < src[a].ts ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
		}
		v1_event *t = src;
		src = dst;
		dst = t;
	}
	if (src != e)
		memcpy(e, src, n * sizeof *e);
	free(tmp);
	return GT_OK;
}

static int cmp_sample_ts(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	int64_t x = ((const v1_event *)a)->ts, y = ((const v1_event *)b)->ts;
	return (x > y) - (x < y);
}

/* parseEventBatches: merges the per-P batches into one stream, taking among
 * the events whose goroutine state allows them the one with the smallest
 * timestamp.
 *
 * Tie rule: Go visits the Ps in random map order, so when several ready
 * events have the same timestamp, which comes first varies between runs of
 * Go's reader. Here the Ps are visited in the order their first batch
 * appears in the file (then the CPU-sample pseudo P, as in Go), which makes
 * the choice deterministic and one of the orders Go can produce. */
static gt_status merge_batches(parser *p)
{
	v1_trace *tr = p->tr;
	gt_gosort(p->samples, p->nsamples, sizeof *p->samples, cmp_sample_ts, NULL);

	size_t nprocs = p->npids + 1;
	proc *procs = calloc(nprocs, sizeof *procs);
	proc **avail = calloc(nprocs, sizeof *avail);
	order_ev *frontier = calloc(nprocs, sizeof *frontier);
	gstates gs = {0};
	gt_status s = GT_OK;
	if (!procs || !avail || !frontier) {
		s = nomem(p, 0);
		goto out;
	}
	for (size_t i = 0; i < p->npids; i++)
		procs[i].pid = p->pids[i].pid;
	procs[p->npids].pid = V1_ProfileP;
	procs[p->npids].evs = p->samples;
	procs[p->npids].nevs = p->nsamples;
	size_t navail = nprocs, nfrontier = 0;
	for (size_t i = 0; i < nprocs; i++)
		avail[i] = &procs[i];

	tr->capevents = p->total_events;
	tr->events = malloc((tr->capevents ? tr->capevents : 1) * sizeof *tr->events);
	if (!tr->events) {
		s = nomem(p, 0);
		goto out;
	}

	for (;;) {
		for (size_t i = 0; i < navail; i++) {
			proc *pr = avail[i];
			bool eof = false;
			while (pr->nevs == 0) {
				if ((s = load_batch(p, pr, pid_get(p, pr->pid), &eof)))
					goto out;
				if (eof)
					break;
			}
			if (eof) {
				pr->done = true;
				avail[i] = avail[--navail];
				i--;
				continue;
			}
			const v1_event *ev = pr->evs;
			gstate init, next;
			uint64_t g = state_transition(ev, &init, &next);
			if (!transition_ready(g, gs_get(&gs, g), init))
				continue;
			pr->evs++;
			pr->nevs--;
			avail[i] = avail[--navail];
			i--;
			frontier[nfrontier] = (order_ev){*ev, (uint32_t)(pr - procs)};
			heap_up(frontier, nfrontier++);
		}
		if (nfrontier == 0) {
			for (size_t i = 0; i < nprocs; i++)
				if (!procs[i].done) {
					s = dc_fail(p->err, GT_ERR_INVALID, procs[i].nevs ? v1_off(procs[i].evs) : 0,
					            "no consistent ordering of events possible");
					goto out;
				}
			break;
		}
		/* Pop: swap the root with the last, sift down the rest. */
		order_ev t = frontier[0];
		frontier[0] = frontier[nfrontier - 1];
		frontier[nfrontier - 1] = t;
		heap_down(frontier, 0, nfrontier - 1);
		order_ev f = frontier[--nfrontier];

		gstate init, next;
		uint64_t g = state_transition(&f.ev, &init, &next);
		switch (v1_type(&f.ev)) {
		case V1_EvGoStartLocal:
			v1_set_type(&f.ev, V1_EvGoStart);
			break;
		case V1_EvGoUnblockLocal:
			v1_set_type(&f.ev, V1_EvGoUnblock);
			break;
		case V1_EvGoSysExitLocal:
			v1_set_type(&f.ev, V1_EvGoSysExit);
			break;
		default:
			break;
		}
		if (tr->nevents == tr->capevents) {
			s = dc_fail(p->err, GT_ERR_INVALID, v1_off(&f.ev), "internal error: more events than counted");
			goto out;
		}
		tr->events[tr->nevents++] = f.ev;
		if (g != UNORDERED) {
			gstate curr = gs_get(&gs, g);
			if (!transition_ready(g, curr, init)) {
				s = dc_fail(p->err, GT_ERR_INVALID, v1_off(&f.ev), "encountered impossible goroutine state transition");
				goto out;
			}
			if (next.seq == NOSEQ)
				next.seq = curr.seq;
			else if (next.seq == SEQINC)
				next.seq = curr.seq + 1;
			if (!gs_set(&gs, g, next)) {
				s = nomem(p, v1_off(&f.ev));
				goto out;
			}
		}
		avail[navail++] = &procs[f.proc];
	}

	if (!events_sorted(tr)) {
		s = dc_fail(p->err, GT_ERR_INVALID, 0, "time stamps out of order");
		goto out;
	}

	/* A syscall exit is emitted when the goroutine gets a P back; its real
	 * time is in args[2]. */
	{
		dc_map last_block = {0};
		int64_t *blocks = NULL;
		size_t nblocks = 0, capblocks = 0;
		for (size_t i = 0; i < tr->nevents && !s; i++) {
			v1_event *ev = &tr->events[i];
			uint8_t typ = v1_type(ev);
			if (typ == V1_EvGoSysBlock || typ == V1_EvGoInSyscall) {
				bool inserted;
				uint32_t *slot = dc_map_put(&last_block, ev->g, &inserted);
				if (!slot || (inserted && !dc_grow(&blocks, &capblocks, nblocks + 1, sizeof *blocks))) {
					s = nomem(p, v1_off(ev));
					break;
				}
				if (inserted)
					*slot = (uint32_t)nblocks++;
				blocks[*slot] = ev->ts;
			} else if (typ == V1_EvGoSysExit) {
				int64_t ts = (int64_t)ev->args[2];
				if (ts == 0)
					continue;
				uint32_t *slot = dc_map_get(&last_block, ev->g);
				int64_t block = slot ? blocks[*slot] : 0;
				if (block == 0)
					s = dc_fail(p->err, GT_ERR_INVALID, v1_off(ev), "stray syscall exit");
				else if (ts < block)
					s = dc_fail(p->err, GT_ERR_INVALID, v1_off(ev), "time stamps out of order");
				else
					ev->ts = ts;
			}
		}
		dc_map_free(&last_block);
		free(blocks);
	}
	if (!s)
		s = stable_sort_events(p);
out:
	if (procs)
		for (size_t i = 0; i < nprocs; i++)
			free(procs[i].buf);
	free(procs);
	free(avail);
	free(frontier);
	dc_map_free(&gs.index);
	free(gs.v);
	return s;
}

/* ---- postProcessTrace ---- */

#define NONE SIZE_MAX

typedef struct gdesc {
	int state;
	size_t ev, create;
	bool mark_assist;
} gdesc;

/* Go's activeRegions[g]: indices of the open region begin events. Kept
 * apart from gdesc because creating a gdesc changes GoCreate's check. */
typedef struct regions {
	size_t *v;
	size_t n, cap;
} regions;

typedef struct pdesc {
	bool running, sweep;
	uint64_t g;
} pdesc;

typedef struct post {
	parser *p;
	dc_map gindex, pindex, tasks, rindex;
	regions *rs;
	size_t nrs, caprs;
	gdesc *gs;
	size_t ngs, capgs;
	pdesc *ps;
	size_t nps, capps;
} post;

/* Go's maps hand out a zero value for a missing key and create the entry
 * on write; lookups here create it at once where Go would write it. */
static gdesc *g_at(post *po, uint64_t g, bool create)
{
	bool inserted;
	gdesc *d = v1_slot(&po->gindex, g, &po->gs, &po->ngs, &po->capgs, sizeof *po->gs, create, &inserted);
	if (inserted)
		*d = (gdesc){.state = G_DEAD, .ev = NONE, .create = NONE};
	return d;
}

static regions *r_at(post *po, uint64_t g, bool create)
{
	bool inserted;
	return v1_slot(&po->rindex, g, &po->rs, &po->nrs, &po->caprs, sizeof *po->rs, create, &inserted);
}

static pdesc *p_at(post *po, int32_t pid)
{
	bool inserted;
	return v1_slot(&po->pindex, (uint32_t)pid, &po->ps, &po->nps, &po->capps, sizeof *po->ps, true, &inserted);
}

/* Event.String() of tracev1, for the messages that quote events. */
static void event_string(char *buf, size_t size, const v1_event *ev)
{
	const v1_spec *d = &v1_specs[v1_type(ev)];
	int n = snprintf(buf, size, "\"%lld %s p=%d g=%llu stk=%u", (long long)ev->ts, d->name, ev->p,
	                 (unsigned long long)ev->g, ev->stk);
	for (unsigned i = 0; i < d->nargs && i < 3 && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " %s=%llu", d->arg_names[i], (unsigned long long)ev->args[i]);
	if (n > 0 && (size_t)n + 1 < size) {
		buf[n] = '"';
		buf[n + 1] = '\0';
	}
}

static gt_status inval(post *po, const v1_event *ev, const char *fmt, ...) DC_PRINTF(3, 4);
static gt_status inval(post *po, const v1_event *ev, const char *fmt, ...)
{
	gt_error *err = po->p->err;
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->status = GT_ERR_INVALID;
		err->offset = v1_off(ev);
		vsnprintf(err->detail, sizeof err->detail, fmt, ap);
		va_end(ap);
	}
	return GT_ERR_INVALID;
}

static gt_status check_running(post *po, const pdesc *pd, const gdesc *gd, const v1_event *ev, bool allow_g0)
{
	const char *name = v1_specs[v1_type(ev)].name;
	if (!gd || gd->state != G_RUNNING)
		return inval(po, ev, "g %llu is not running while %s (time %lld)", (unsigned long long)ev->g, name,
		             (long long)ev->ts);
	if (pd->g != ev->g)
		return inval(po, ev, "p %d is not running g %llu while %s (time %lld)", ev->p, (unsigned long long)ev->g, name,
		             (long long)ev->ts);
	if (!allow_g0 && ev->g == 0)
		return inval(po, ev, "g 0 did %s (time %lld)", name, (long long)ev->ts);
	return GT_OK;
}

static gt_status post_process(post *po)
{
	parser *p = po->p;
	v1_trace *tr = p->tr;
	bool gc = false, stw = false;
	gdesc *g0 = g_at(po, 0, true);
	if (!g0)
		return nomem(p, 0);
	g0->state = G_RUNNING;
	char s1[512], s2[512];

	for (size_t idx = 0; idx < tr->nevents; idx++) {
		v1_event *ev = &tr->events[idx];
		const uint64_t *a = ev->args;
		/* Go reads ps[ev.P] and gs[ev.G] as zero values when absent; a P
		 * entry created early changes nothing, a goroutine entry would. */
		pdesc *pd = p_at(po, ev->p);
		if (!pd)
			return nomem(p, v1_off(ev));
		gdesc *g = g_at(po, ev->g, false);
		gt_status s = GT_OK;
		uint8_t typ = v1_type(ev);
		switch (typ) {
		case V1_EvProcStart:
			if (pd->running)
				return inval(po, ev, "p %d is running before start (time %lld)", ev->p, (long long)ev->ts);
			pd->running = true;
			break;
		case V1_EvProcStop:
			if (!pd->running)
				return inval(po, ev, "p %d is not running before stop (time %lld)", ev->p, (long long)ev->ts);
			if (pd->g != 0)
				return inval(po, ev, "p %d is running a goroutine %llu during stop (time %lld)", ev->p,
				             (unsigned long long)pd->g, (long long)ev->ts);
			pd->running = false;
			break;
		case V1_EvGCStart:
			if (gc)
				return inval(po, ev, "previous GC is not ended before a new one (time %lld)", (long long)ev->ts);
			gc = true;
			ev->p = V1_GCP;
			break;
		case V1_EvGCDone:
			if (!gc)
				return inval(po, ev, "bogus GC end (time %lld)", (long long)ev->ts);
			gc = false;
			break;
		case V1_EvSTWStart:
			if (stw)
				return inval(po, ev, "previous STW is not ended before a new one (time %lld)", (long long)ev->ts);
			stw = true;
			break;
		case V1_EvSTWDone:
			if (!stw)
				return inval(po, ev, "bogus STW end (time %lld)", (long long)ev->ts);
			stw = false;
			break;
		case V1_EvGCSweepStart:
			if (pd->sweep)
				return inval(po, ev, "previous sweeping is not ended before a new one (time %lld)", (long long)ev->ts);
			pd->sweep = true;
			break;
		case V1_EvGCSweepDone:
			if (!pd->sweep)
				return inval(po, ev, "bogus sweeping end (time %lld)", (long long)ev->ts);
			pd->sweep = false;
			break;
		case V1_EvGCMarkAssistStart:
		case V1_EvGCMarkAssistDone:
			/* A mark assist may have begun before tracing did, so only a
			 * second start is an error. */
			if (!(g = g_at(po, ev->g, true)))
				return nomem(p, v1_off(ev));
			if (typ == V1_EvGCMarkAssistStart && g->mark_assist)
				return inval(po, ev, "previous mark assist is not ended before a new one (time %lld)",
				             (long long)ev->ts);
			g->mark_assist = typ == V1_EvGCMarkAssistStart;
			break;
		case V1_EvGoWaiting:
		case V1_EvGoInSyscall:
			if (!g || g->state != G_RUNNABLE)
				return inval(po, ev, "g %llu is not runnable before %s (time %lld)", (unsigned long long)ev->g,
				             typ == V1_EvGoWaiting ? "EvGoWaiting" : "EvGoInSyscall", (long long)ev->ts);
			g->state = G_WAITING;
			g->ev = idx;
			break;
		case V1_EvGoCreate:
			if ((s = check_running(po, pd, g, ev, true)))
				return s;
			if (g_at(po, a[0], false))
				return inval(po, ev, "g %llu already exists (time %lld)", (unsigned long long)a[0], (long long)ev->ts);
			if (!(g = g_at(po, a[0], true)))
				return nomem(p, v1_off(ev));
			g->state = G_RUNNABLE;
			g->ev = g->create = idx;
			break;
		case V1_EvGoStart:
		case V1_EvGoStartLabel:
			if (!g || g->state != G_RUNNABLE)
				return inval(po, ev, "g %llu is not runnable before start (time %lld)", (unsigned long long)ev->g,
				             (long long)ev->ts);
			if (pd->g != 0)
				return inval(po, ev, "p %d is already running g %llu while start g %llu (time %lld)", ev->p,
				             (unsigned long long)pd->g, (unsigned long long)ev->g, (long long)ev->ts);
			g->state = G_RUNNING;
			pd->g = ev->g;
			if (g->create != NONE) {
				ev->stk = (uint32_t)tr->events[g->create].args[1];
				g->create = NONE;
			}
			g->ev = NONE;
			break;
		case V1_EvGoUnblock: {
			if (!g || g->state != G_RUNNING)
				return inval(po, ev, "g %llu is not running while unpark (time %lld)", (unsigned long long)ev->g,
				             (long long)ev->ts);
			if (ev->p != V1_TimerP && pd->g != ev->g)
				return inval(po, ev, "p %d is not running g %llu while unpark (time %lld)", ev->p,
				             (unsigned long long)ev->g, (long long)ev->ts);
			gdesc *g1 = g_at(po, a[0], false);
			if (!g1 || g1->state != G_WAITING)
				return inval(po, ev, "g %llu is not waiting before unpark (time %lld)", (unsigned long long)a[0],
				             (long long)ev->ts);
			if (g1->ev != NONE && v1_type(&tr->events[g1->ev]) == V1_EvGoBlockNet)
				ev->p = V1_NetpollP;
			g1->state = G_RUNNABLE;
			g1->ev = idx;
			break;
		}
		case V1_EvGoSysExit:
			if (!g || g->state != G_WAITING)
				return inval(po, ev, "g %llu is not waiting during syscall exit (time %lld)", (unsigned long long)ev->g,
				             (long long)ev->ts);
			g->state = G_RUNNABLE;
			g->ev = idx;
			break;
		case V1_EvGoEnd:
		case V1_EvGoStop:
		case V1_EvGoSched:
		case V1_EvGoPreempt:
		case V1_EvGoSysCall:
		case V1_EvGoSysBlock:
		case V1_EvGoSleep:
		case V1_EvGoBlock:
		case V1_EvGoBlockSend:
		case V1_EvGoBlockRecv:
		case V1_EvGoBlockSelect:
		case V1_EvGoBlockSync:
		case V1_EvGoBlockCond:
		case V1_EvGoBlockNet:
		case V1_EvGoBlockGC:
			if ((s = check_running(po, pd, g, ev, false)))
				return s;
			if (typ == V1_EvGoSysCall) {
				g->ev = idx;
				break;
			}
			pd->g = 0;
			if (typ == V1_EvGoEnd || typ == V1_EvGoStop) {
				g->state = G_DEAD;
				regions *rs = typ == V1_EvGoEnd ? r_at(po, ev->g, false) : NULL;
				if (rs)
					rs->n = 0;
			} else if (typ == V1_EvGoSched || typ == V1_EvGoPreempt) {
				g->state = G_RUNNABLE;
				g->ev = idx;
			} else {
				g->state = G_WAITING;
				if (typ != V1_EvGoSysBlock)
					g->ev = idx;
			}
			break;
		case V1_EvUserTaskCreate: {
			uint32_t *prev = dc_map_get(&po->tasks, a[0]);
			if (prev) {
				event_string(s1, sizeof s1, ev);
				event_string(s2, sizeof s2, &tr->events[*prev]);
				return inval(po, ev, "task id conflicts (id:%llu), %s vs %s", (unsigned long long)a[0], s1, s2);
			}
			bool inserted;
			uint32_t *slot = dc_map_put(&po->tasks, a[0], &inserted);
			if (!slot || idx >= UINT32_MAX)
				return nomem(p, v1_off(ev));
			*slot = (uint32_t)idx;
			break;
		}
		case V1_EvUserTaskEnd:
			dc_map_del(&po->tasks, a[0]);
			break;
		case V1_EvUserRegion: {
			uint64_t mode = a[1];
			if (mode > 1) {
				event_string(s1, sizeof s1, ev);
				return inval(po, ev, "invalid user region mode: %s", s1);
			}
			regions *rs = r_at(po, ev->g, mode == 0);
			if (mode == 0) {
				if (!rs || !dc_grow(&rs->v, &rs->cap, rs->n + 1, sizeof *rs->v))
					return nomem(p, v1_off(ev));
				rs->v[rs->n++] = idx;
			} else if (rs && rs->n > 0) { /* else the begin predates the trace */
				const v1_event *st = &tr->events[rs->v[rs->n - 1]];
				if (st->args[0] != a[0] || st->args[2] != a[2]) {
					event_string(s1, sizeof s1, ev);
					event_string(s2, sizeof s2, st);
					return inval(po, ev,
					             "misuse of region in goroutine %llu: span end %s when the inner-most active span start "
					             "event is %s",
					             (unsigned long long)ev->g, s1, s2);
				}
				rs->n--;
			}
			break;
		}
		default:
			break;
		}
		if (ev->stk != 0 && !dc_map_get(&tr->stack_index, ev->stk))
			ev->stk = 0; /* no such stack, or one without frames */
	}
	return GT_OK;
}

static void post_free(post *po)
{
	for (size_t i = 0; i < po->nrs; i++)
		free(po->rs[i].v);
	free(po->rs);
	dc_map_free(&po->rindex);
	free(po->gs);
	free(po->ps);
	dc_map_free(&po->gindex);
	dc_map_free(&po->pindex);
	dc_map_free(&po->tasks);
}

/* Frames are looked up by PC once every stack is known: the first
 * definition of a PC wins, wherever it was. */
static gt_status resolve_frames(v1_trace *tr, gt_error *err)
{
	if (tr->npcs) {
		tr->frames = malloc(tr->npcs * sizeof *tr->frames);
		if (!tr->frames)
			return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	}
	for (size_t i = 0; i < tr->npcs; i++) {
		gt_frame *f = &tr->frames[i];
		memset(f, 0, sizeof *f);
		f->func = f->file = empty_str;
		uint32_t *pi = dc_map_get(&tr->pc_index, tr->stack_pcs[i]);
		if (!pi)
			continue;
		const struct v1_pcframe *pf = &tr->pc_frames[*pi];
		f->pc = pf->pc;
		f->line = pf->line;
		/* Go panics on a frame naming a string that does not exist; an
		 * empty name keeps the event readable instead. */
		v1_trace_string(tr, pf->fn, &f->func);
		v1_trace_string(tr, pf->file, &f->file);
	}
	for (size_t i = 0; i < tr->nstacks; i++)
		tr->stacks[i].frames = tr->frames ? tr->frames + tr->stack_first[i] : NULL;
	free(tr->stack_pcs);
	tr->stack_pcs = NULL;
	return GT_OK;
}

bool v1_trace_string(const v1_trace *tr, uint64_t id, gt_str *out)
{
	if (id == 0) {
		*out = empty_str;
		return true;
	}
	uint32_t *i = dc_map_get(&tr->str_index, id);
	if (!i) {
		*out = empty_str;
		return false;
	}
	*out = tr->strs[*i];
	return true;
}

const gt_stack *v1_trace_stack(const v1_trace *tr, uint64_t id)
{
	if (id == 0 || id > UINT32_MAX)
		return NULL;
	uint32_t *i = dc_map_get(&tr->stack_index, id);
	return i ? &tr->stacks[*i] : NULL;
}

gt_status v1_parse(v1_trace *tr, const uint8_t *data, size_t len, size_t hdr_len, unsigned version, gt_error *err)
{
	memset(tr, 0, sizeof *tr);
	tr->version = version;
	parser *p = calloc(1, sizeof *p);
	if (!p)
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	p->cur = (dc_cursor){data, hdr_len, len};
	p->ver = version;
	p->tr = tr;
	p->err = err;

	gt_status s = collect_batches(p);
	if (!s)
		s = merge_batches(p);
	if (!s && p->ticks_per_sec == 0)
		s = dc_fail(err, GT_ERR_INVALID, hdr_len, "no EvFrequency event");
	if (!s && tr->nevents > 0) {
		int64_t min_ts = tr->events[0].ts;
		double freq = 1e9 / (double)p->ticks_per_sec;
		for (size_t i = 0; i < tr->nevents; i++) {
			v1_event *ev = &tr->events[i];
			ev->ts = dc_f64_to_i64((double)(int64_t)((uint64_t)ev->ts - (uint64_t)min_ts) * freq);
			if (v1_type(ev) == V1_EvGoUnblock && dc_map_get(&p->timer_goids, ev->g))
				ev->p = V1_TimerP;
			if (v1_type(ev) == V1_EvGoSysExit)
				ev->p = V1_SyscallP;
		}
	}
	if (!s) {
		post po = {.p = p};
		s = post_process(&po);
		post_free(&po);
	}
	if (!s)
		s = resolve_frames(tr, err);

	for (size_t i = 0; i < p->npids; i++)
		free(p->pids[i].offs);
	free(p->pids);
	dc_map_free(&p->pid_index);
	free(p->samples);
	dc_map_free(&p->timer_goids);
	free(p);
	return s;
}

void v1_trace_free(v1_trace *tr)
{
	free(tr->events);
	dc_map_free(&tr->str_index);
	free(tr->strs);
	free(tr->inline_strs);
	dc_map_free(&tr->stack_index);
	free(tr->stacks);
	free(tr->stack_pcs);
	free(tr->stack_first);
	free(tr->frames);
	dc_map_free(&tr->pc_index);
	free(tr->pc_frames);
	memset(tr, 0, sizeof *tr);
}
