/* Reader for the v2 trace format (Go 1.22 and later): wire specs, one
 * generation's structural data, and the ordering state machine. Prefix
 * `v2_`. Mirrors the structure of Go's internal/trace so each rule can be
 * checked against its counterpart there. */
#ifndef GOTRACE_DECODER_V2_H
#define GOTRACE_DECODER_V2_H

#include "internal.h"

/* Wire event types (internal/trace/tracev2/events.go). */
enum {
	V2_EvNone,
	V2_EvEventBatch,
	V2_EvStacks,
	V2_EvStack,
	V2_EvStrings,
	V2_EvString,
	V2_EvCPUSamples,
	V2_EvCPUSample,
	V2_EvFrequency,
	V2_EvProcsChange,
	V2_EvProcStart,
	V2_EvProcStop,
	V2_EvProcSteal,
	V2_EvProcStatus,
	V2_EvGoCreate,
	V2_EvGoCreateSyscall,
	V2_EvGoStart,
	V2_EvGoDestroy,
	V2_EvGoDestroySyscall,
	V2_EvGoStop,
	V2_EvGoBlock,
	V2_EvGoUnblock,
	V2_EvGoSyscallBegin,
	V2_EvGoSyscallEnd,
	V2_EvGoSyscallEndBlocked,
	V2_EvGoStatus,
	V2_EvSTWBegin,
	V2_EvSTWEnd,
	V2_EvGCActive,
	V2_EvGCBegin,
	V2_EvGCEnd,
	V2_EvGCSweepActive,
	V2_EvGCSweepBegin,
	V2_EvGCSweepEnd,
	V2_EvGCMarkAssistActive,
	V2_EvGCMarkAssistBegin,
	V2_EvGCMarkAssistEnd,
	V2_EvHeapAlloc,
	V2_EvHeapGoal,
	V2_EvGoLabel,
	V2_EvUserTaskBegin,
	V2_EvUserTaskEnd,
	V2_EvUserRegionBegin,
	V2_EvUserRegionEnd,
	V2_EvUserLog,
	V2_EvGoSwitch,
	V2_EvGoSwitchDestroy,
	V2_EvGoCreateBlocked,
	V2_EvGoStatusStack,
	V2_EvExperimentalBatch,
	V2_EvSync,
	V2_EvClockSnapshot,
	V2_EvEndOfGeneration,
	V2_NumEvents,

	V2_MaxEvent = 127,
	V2_EvSpan,
	V2_EvSpanAlloc,
	V2_EvSpanFree,
	V2_EvHeapObject,
	V2_EvHeapObjectAlloc,
	V2_EvHeapObjectFree,
	V2_EvGoroutineStack,
	V2_EvGoroutineStackAlloc,
	V2_EvGoroutineStackFree,
	V2_MaxExperimentalEvent,

	V2_EvSyncPseudo = 255 /* Go's evSync: a Sync produced by the reader */
};

/* Goroutine and P statuses on the wire. */
enum { V2_GoBad, V2_GoRunnable, V2_GoRunning, V2_GoSyscall, V2_GoWaiting };
enum { V2_ProcBad, V2_ProcRunning, V2_ProcIdle, V2_ProcSyscall, V2_ProcSyscallAbandoned };

/* Go's limits, published in decoder.h. */
#define V2_MAX_BATCH_SIZE GT_MAX_BATCH_BYTES
#define V2_MAX_FRAMES GT_MAX_STACK_DEPTH
#define V2_MAX_STRING GT_MAX_STRING_BYTES

typedef struct v2_spec {
	const char *name;
	uint8_t nargs;         /* arguments including the timestamp */
	int8_t stack_args[2];  /* indices into the args list (Go's StackIDs), -1 if none */
	int8_t string_args[2]; /* Go's StringIDs, -1 if none */
	uint8_t start_ev;
	bool timed;
	uint8_t experiment;
	const char *const *arg_names; /* without the timestamp */
} v2_spec;

/* Indexed by wire type; entries past the known types are zero. */
extern const v2_spec v2_specs[V2_MaxExperimentalEvent];

/* Versions in the header that select v2 rules. */
enum { V2_GO122 = 22, V2_GO123 = 23, V2_GO125 = 25, V2_GO126 = 26 };

typedef struct v2_batch {
	int64_t m;
	uint64_t time;
	size_t off; /* absolute offset of the batch data */
	size_t len;
	size_t hdr_off; /* absolute offset of the batch header */
	uint8_t exp;
} v2_batch;

typedef struct v2_cpu_sample {
	int64_t time;
	int64_t m, p, g;
	uint64_t stack;
	uint64_t off;
} v2_cpu_sample;

/* An M's event batches, in the order they appear in the file. */
typedef struct v2_mbatches {
	int64_t m;
	uint32_t *idx;
	size_t n, cap;
} v2_mbatches;

typedef struct v2_frame_def {
	uint64_t pc, func_id, file_id, line;
} v2_frame_def;

typedef struct v2_stack_def {
	uint64_t id;
	uint32_t first; /* index into gen.stack_pcs */
	uint32_t n;
	uint64_t off;
} v2_stack_def;

typedef struct v2_gen {
	uint64_t gen;
	uint64_t min_ts;
	double freq; /* nanoseconds per tick; 0 = none seen */
	bool has_clock;
	uint64_t snap_time, snap_mono, snap_sec, snap_nsec;
	size_t start_off, end_off;

	dc_map str_index; /* string id -> index into strs */
	gt_str *strs;
	size_t nstrs, capstrs;

	dc_map stack_index; /* stack id -> index into stacks */
	v2_stack_def *stack_defs;
	size_t nstacks, capstacks;
	uint64_t *stack_pcs;
	size_t npcs, cappcs;
	dc_map pc_index; /* pc -> index into frame_defs; the first definition wins */
	v2_frame_def *frame_defs;
	size_t nframe_defs, capframe_defs;
	/* Resolved after the whole generation was read. */
	gt_stack *stacks;
	gt_frame *frames;

	v2_cpu_sample *samples;
	size_t nsamples, capsamples;

	gt_exp_batch *exp;
	size_t nexp, capexp;

	v2_batch *batches; /* event batches */
	size_t nbatches, capbatches;
	dc_map m_index; /* M -> index into ms */
	v2_mbatches *ms;
	size_t nms, capms;
} v2_gen;

extern const gt_stack v2_empty_stack;

/* Lookups that follow Go's dataTable.get: id 0 always resolves to the zero
 * value. Inline: they run for nearly every event. */
static inline bool v2_gen_string(const v2_gen *g, uint64_t id, gt_str *out)
{
	if (id == 0) {
		*out = (gt_str){"", 0};
		return true;
	}
	const uint32_t *i = dc_map_get(&g->str_index, id);
	if (!i)
		return false;
	*out = g->strs[*i];
	return true;
}

static inline bool v2_gen_stack(const v2_gen *g, uint64_t id, const gt_stack **out)
{
	if (id == 0) {
		*out = &v2_empty_stack;
		return true;
	}
	const uint32_t *i = dc_map_get(&g->stack_index, id);
	if (!i)
		return false;
	*out = &g->stacks[*i];
	return true;
}

/* The result of reading the next generation from the input. */
typedef enum v2_read_result {
	V2_GEN_OK,    /* a generation was read */
	V2_GEN_DONE,  /* no more data */
	V2_GEN_ERROR  /* err holds why; gen is invalid */
} v2_read_result;

typedef struct v2_source {
	dc_cursor cur;
	unsigned version;
	/* Before Go 1.26 a generation ends where the next one's first batch
	 * starts; that batch is kept here for the next call. */
	bool has_spill;
	uint64_t spill_gen;
	v2_batch spill;
	uint8_t spill_type;
	/* An error that ends the input after the generation just returned
	 * (Go's spillErr); is_truncation says the data simply stopped. */
	bool pending;
	gt_error pending_err;
	bool pending_is_truncation;
} v2_source;

void v2_gen_reset(v2_gen *g);
void v2_gen_free(v2_gen *g);

/* Reads one generation into g. On V2_GEN_ERROR, *truncation tells whether
 * the input ended inside the generation (as opposed to bad data). */
v2_read_result v2_read_generation(v2_source *src, v2_gen *g, bool *truncation, gt_error *err);

/* gt_trace_prefix_len for the batches from data[pos]. */
size_t v2_prefix_len(const uint8_t *data, size_t pos, size_t len, unsigned version, size_t want);

#endif
