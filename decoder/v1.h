/* Reader for the v1 trace format (Go 1.11-1.21): a port of Go's
 * internal/trace/internal/tracev1 (parser.go, order.go), which loads the
 * whole trace, merges its per-P batches into one validated stream, and of
 * internal/trace/tracev1.go, which converts that stream into the event model
 * of Go 1.22+ traces. Prefix `v1_`.
 *
 * Unlike v2, a v1 trace cannot be decoded piecewise: Go's parser accepts or
 * rejects it as a whole (its time order, syscall timestamps and validation
 * are global), so the first v1_next() parses everything. */
#ifndef GOTRACE_DECODER_V1_H
#define GOTRACE_DECODER_V1_H

#include "internal.h"

/* Wire event types (tracev1.EvNone ... EvCount). */
enum {
	V1_EvNone,
	V1_EvBatch,
	V1_EvFrequency,
	V1_EvStack,
	V1_EvGomaxprocs,
	V1_EvProcStart,
	V1_EvProcStop,
	V1_EvGCStart,
	V1_EvGCDone,
	V1_EvSTWStart,
	V1_EvSTWDone,
	V1_EvGCSweepStart,
	V1_EvGCSweepDone,
	V1_EvGoCreate,
	V1_EvGoStart,
	V1_EvGoEnd,
	V1_EvGoStop,
	V1_EvGoSched,
	V1_EvGoPreempt,
	V1_EvGoSleep,
	V1_EvGoBlock,
	V1_EvGoUnblock,
	V1_EvGoBlockSend,
	V1_EvGoBlockRecv,
	V1_EvGoBlockSelect,
	V1_EvGoBlockSync,
	V1_EvGoBlockCond,
	V1_EvGoBlockNet,
	V1_EvGoSysCall,
	V1_EvGoSysExit,
	V1_EvGoSysBlock,
	V1_EvGoWaiting,
	V1_EvGoInSyscall,
	V1_EvHeapAlloc,
	V1_EvHeapGoal,
	V1_EvTimerGoroutine,
	V1_EvFutileWakeup,
	V1_EvString,
	V1_EvGoStartLocal,
	V1_EvGoUnblockLocal,
	V1_EvGoSysExitLocal,
	V1_EvGoStartLabel,
	V1_EvGoBlockGC,
	V1_EvGCMarkAssistStart,
	V1_EvGCMarkAssistDone,
	V1_EvUserTaskCreate,
	V1_EvUserTaskEnd,
	V1_EvUserRegion,
	V1_EvUserLog,
	V1_EvCPUSample,
	V1_EvCount
};

/* Fake Ps Go's parser moves some events to. */
enum {
	V1_FakeP = 1000000,
	V1_TimerP,
	V1_NetpollP,
	V1_SyscallP,
	V1_GCP,
	V1_ProfileP
};

typedef struct v1_spec {
	const char *name;
	uint8_t min_version;
	bool stack;
	uint8_t nargs; /* named arguments, without timestamp and stack */
	const char *const *arg_names;
} v1_spec;

extern const v1_spec v1_specs[V1_EvCount];

/* Go's tracev1.Event, with the byte offset of the event in the input
 * packed beside the type so the record stays at Go's 56 bytes. */
typedef struct v1_event {
	int64_t ts;
	uint64_t g;
	uint64_t args[3];
	uint32_t stk;
	int32_t p;
	uint64_t type_off; /* type << 56 | offset */
} v1_event;

#define V1_OFF_MASK ((UINT64_C(1) << 56) - 1)
static inline uint8_t v1_type(const v1_event *e) { return (uint8_t)(e->type_off >> 56); }
static inline uint64_t v1_off(const v1_event *e) { return e->type_off & V1_OFF_MASK; }
static inline void v1_set_type(v1_event *e, uint8_t t) { e->type_off = (uint64_t)t << 56 | (e->type_off & V1_OFF_MASK); }

/* Set in args[0] of an EvGoSysCall whose goroutine's next event is an
 * EvGoSysBlock (computed once instead of Go's per-syscall look-ahead). */
#define V1_SYSCALL_BLOCKED 1u

/* The parsed trace (tracev1.Trace): events in their final order with
 * nanosecond timestamps from 0, and the tables they refer to. */
typedef struct v1_trace {
	unsigned version;
	v1_event *events;
	size_t nevents, capevents;

	dc_map str_index; /* string id -> index into strs */
	gt_str *strs;
	size_t nstrs, capstrs;

	gt_str *inline_strs; /* UserLog messages; args[2] of the event indexes them */
	size_t ninline, capinline;

	dc_map stack_index; /* stack id -> index into stacks */
	gt_stack *stacks;   /* frames resolved once parsing is complete */
	size_t nstacks, capstacks;
	uint64_t *stack_pcs; /* stacks[i].frames points into frames, pcs here meanwhile */
	uint32_t *stack_first;
	size_t capstack_first;
	size_t npcs, cappcs;
	gt_frame *frames;

	dc_map pc_index; /* pc -> index into pc_frames; the first definition wins */
	struct v1_pcframe {
		uint64_t pc, fn, file, line;
	} *pc_frames;
	size_t npc_frames, cappc_frames;
} v1_trace;

/* The element of the growable array *parr (n used, cap allocated, elem
 * bytes each) that key maps to in m. A missing key gets a zeroed element
 * appended when create is set (*inserted tells); otherwise, or when memory
 * runs out, the result is NULL. */
void *v1_slot(dc_map *m, uint64_t key, void *parr, size_t *n, size_t *cap, size_t elem, bool create, bool *inserted);

/* Parses data[hdr_len..len) as a v1 trace of the given header version. On
 * failure err holds Go's message and the offset of the offending event. */
gt_status v1_parse(v1_trace *tr, const uint8_t *data, size_t len, size_t hdr_len, unsigned version, gt_error *err);
void v1_trace_free(v1_trace *tr);

bool v1_trace_string(const v1_trace *tr, uint64_t id, gt_str *out);
/* The stack with that id, or NULL for 0 or an id without frames. */
const gt_stack *v1_trace_stack(const v1_trace *tr, uint64_t id);

/* The converter: a v1_trace handed out as public events. */
typedef struct v1_reader v1_reader;

gt_status v1_reader_new(const uint8_t *data, size_t len, size_t hdr_len, unsigned version, v1_reader **out,
                        gt_error *err);
/* GT_OK with *ev, GT_EOF after the final Sync, or an error (sticky in the
 * caller). */
gt_status v1_reader_next(v1_reader *r, gt_event *ev, gt_error *err);
/* 1 once the trace was parsed: Go presents a v1 trace as one generation. */
uint64_t v1_reader_generations(const v1_reader *r);
void v1_reader_free(v1_reader *r);

#endif
