/* gotrace — the decoder: bytes of a Go execution trace in, validated and
 * ordered events out.
 *
 * The decoder reads a caller-owned buffer (an mmap of a file or stdin read
 * into memory), one generation at a time, and yields the same events in the
 * same order as Go's own reader (internal/trace.Reader): a Sync event at the
 * start of every generation and at the end of the trace, then state
 * transitions, ranges, metrics, annotations, CPU samples and experimental
 * events, with timestamps in nanoseconds. */
#ifndef GOTRACE_DECODER_H
#define GOTRACE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gotrace/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A string inside the trace: not NUL-terminated. Strings that come from the
 * input point into the caller's buffer and stay valid while it does. */
typedef struct gt_str {
	const char *ptr;
	size_t len;
} gt_str;

/* One frame of a stack, resolved through the generation's tables. */
typedef struct gt_frame {
	uint64_t pc;
	gt_str func;
	gt_str file;
	uint64_t line;
} gt_frame;

/* A stack of the generation that is being read. Valid until the next call to
 * gt_trace_next(); the id is only unique within its generation. */
typedef struct gt_stack {
	uint64_t id;
	uint32_t nframes;
	const gt_frame *frames;
} gt_stack;

#define GT_NO_ID (-1) /* thread, proc or goroutine absent */
#define GT_NO_TASK UINT64_MAX
#define GT_BACKGROUND_TASK 0

/* Event kinds, in the order of Go's trace.EventKind. */
typedef enum gt_event_kind {
	GT_EV_BAD,
	GT_EV_SYNC,
	GT_EV_METRIC,
	GT_EV_LABEL,
	GT_EV_STACK_SAMPLE,
	GT_EV_RANGE_BEGIN,
	GT_EV_RANGE_ACTIVE,
	GT_EV_RANGE_END,
	GT_EV_TASK_BEGIN,
	GT_EV_TASK_END,
	GT_EV_REGION_BEGIN,
	GT_EV_REGION_END,
	GT_EV_LOG,
	GT_EV_STATE_TRANSITION,
	GT_EV_EXPERIMENTAL,
	GT_EV_KIND_COUNT
} gt_event_kind;

typedef enum gt_go_state {
	GT_GO_UNDETERMINED,
	GT_GO_NOT_EXIST,
	GT_GO_RUNNABLE,
	GT_GO_RUNNING,
	GT_GO_WAITING,
	GT_GO_SYSCALL
} gt_go_state;

typedef enum gt_proc_state {
	GT_PROC_UNDETERMINED,
	GT_PROC_NOT_EXIST,
	GT_PROC_RUNNING,
	GT_PROC_IDLE
} gt_proc_state;

typedef enum gt_resource_kind {
	GT_RES_NONE,
	GT_RES_GOROUTINE,
	GT_RES_PROC,
	GT_RES_THREAD
} gt_resource_kind;

typedef enum gt_metric_id {
	GT_METRIC_GOMAXPROCS, /* /sched/gomaxprocs:threads */
	GT_METRIC_HEAP_ALLOC, /* /memory/classes/heap/objects:bytes */
	GT_METRIC_HEAP_GOAL   /* /gc/heap/goal:bytes */
} gt_metric_id;

typedef enum gt_range_id {
	GT_RANGE_GC_MARK,     /* "GC concurrent mark phase", global */
	GT_RANGE_SWEEP,       /* "GC incremental sweep", per P */
	GT_RANGE_MARK_ASSIST, /* "GC mark assist", per goroutine */
	GT_RANGE_STW          /* "stop-the-world (<kind>)", per goroutine */
} gt_range_id;

/* Raw data of an experiment, handed out untouched with the Sync event that
 * starts its generation. */
typedef struct gt_exp_batch {
	uint8_t experiment;   /* Go's experiment id (1 = AllocFree) */
	const char *name;     /* experiment name, or "Unknown" */
	int64_t thread;
	const uint8_t *data;
	size_t len;
} gt_exp_batch;

typedef struct gt_event {
	gt_event_kind kind;
	uint8_t wire_type; /* the wire event type this came from (0 for Sync) */
	int64_t time;      /* nanoseconds, on the trace's clock */
	int64_t thread;    /* execution context before the event, GT_NO_ID if none */
	int64_t proc;
	int64_t goroutine;
	const gt_stack *stack; /* stack of the executing context, or NULL */
	uint64_t offset;       /* byte offset of the event in the input */
	union {
		struct {
			uint64_t n; /* 1 for the first Sync of the trace */
			bool has_clock;
			int64_t clock_trace; /* trace time of the snapshot, ns */
			uint64_t clock_mono;
			int64_t wall_sec; /* wall clock, Unix seconds and nanoseconds */
			int64_t wall_nsec;
			size_t nexp;
			const gt_exp_batch *exp;
		} sync;
		struct {
			gt_metric_id id;
			const char *name;
			uint64_t value;
		} metric;
		struct {
			gt_str label;
			int64_t goroutine;
		} label;
		struct {
			gt_range_id id;
			gt_str stw_kind; /* GT_RANGE_STW only */
			gt_resource_kind scope;
			int64_t scope_id;
			bool has_sweep_stats; /* GT_EV_RANGE_END of a sweep */
			uint64_t swept_bytes;
			uint64_t reclaimed_bytes;
		} range;
		struct {
			uint64_t id;
			uint64_t parent; /* GT_NO_TASK when none */
			gt_str type;     /* may be empty for a task that began before the trace */
		} task;
		struct {
			uint64_t task;
			gt_str type;
		} region;
		struct {
			uint64_t task;
			gt_str category;
			gt_str message;
		} log;
		struct {
			gt_resource_kind resource; /* GT_RES_GOROUTINE or GT_RES_PROC */
			int64_t id;
			uint8_t from; /* gt_go_state or gt_proc_state */
			uint8_t to;
			gt_str reason;
			const gt_stack *stack; /* stack of the transitioning goroutine, or NULL */
		} transition;
		struct {
			const char *name;
			const char *experiment;
			uint32_t nargs;
			const char *const *arg_names;
			uint64_t args[4];
			gt_str arg_strs[4]; /* resolved for arguments whose name ends in "string" */
		} experimental;
	} u;
} gt_event;

typedef enum gt_format {
	GT_FORMAT_V1, /* Go 1.11–1.21 */
	GT_FORMAT_V2  /* Go 1.22 and later */
} gt_format;

/* What the decoder knows about the trace so far. */
typedef struct gt_trace_info {
	gt_format format;
	unsigned version;     /* minor version in the header: 22 for "go 1.22" */
	uint64_t size;        /* bytes of input */
	uint64_t generations; /* complete generations decoded so far */
	/* Set once the end is reached and the last generation was incomplete:
	 * its events were not produced. */
	bool truncated;
	uint64_t valid_bytes; /* bytes up to the end of the last complete generation */
	gt_error truncation;  /* why the rest could not be read */
} gt_trace_info;

typedef struct gt_trace gt_trace;

/* Ceilings on what a trace may hold. Input is untrusted: every size and
 * count read from it is checked before it is used, and going over one of
 * these is GT_ERR_LIMIT with the offset, never an allocation that exhausts
 * memory. The first three are Go's own (internal/trace), so every trace Go
 * can read is read here. Other memory grows with the input: a few tens of
 * bytes of state per byte of trace at most. */
#define GT_MAX_BATCH_BYTES (64u << 10) /* one batch of a Go 1.22+ trace */
#define GT_MAX_STRING_BYTES 1024u      /* Go 1.22+; Go 1.11-1.21 traces allow 1,000,000 */
#define GT_MAX_STACK_DEPTH 128u        /* frames; Go 1.11-1.21 traces allow 1000 */
/* Goroutines alive at once in the decoder, and distinct goroutine ids in
 * the model over the whole trace; a million take about 1.5 GB in the model. */
#define GT_MAX_GOROUTINES 10000000u
#define GT_MAX_PROCS 65536u       /* distinct P ids (GOMAXPROCS is far lower) */
#define GT_MAX_THREADS 1048576u   /* distinct M (OS thread) ids */
/* Time from the first event to the last, in the model (about 13 days):
 * beyond it durations summed over a trace could overflow int64. */
#define GT_MAX_TRACE_NS ((int64_t)1 << 50)

/* Opens a trace over `data[0..len)`, which the caller keeps alive and
 * unchanged until gt_trace_close(). Reads and checks the header only.
 * Returns GT_OK and sets *out, or an error status filled into *err. */
gt_status gt_trace_open(const void *data, size_t len, gt_trace **out, gt_error *err);

/* Produces the next event into *ev. Returns GT_OK, GT_EOF at the end (also
 * after a truncated last generation: see gt_trace_info), or an error; after an
 * error every further call returns the same error. Pointers inside *ev that
 * do not point into the input stay valid until the next call. */
gt_status gt_trace_next(gt_trace *t, gt_event *ev, gt_error *err);

void gt_trace_info_get(const gt_trace *t, gt_trace_info *out);

/* How many bytes from the start of a trace hold its first complete
 * generations, at least `want` bytes of them: a prefix that decodes as
 * those generations. With Go 1.22-1.25, where only the next generation's
 * first batch proves that one has ended, the prefix ends inside that
 * batch's header, and decodes as a trace cut short after the whole ones.
 * Reads batch headers only, so it is quick on any size. 0 when no
 * generation ends within `len` or the prefix would be the whole trace, on
 * malformed input, and for traces of Go 1.21 and earlier, which have no
 * generations. */
size_t gt_trace_prefix_len(const void *data, size_t len, size_t want);

/* Frees everything the trace allocated. Accepts NULL. */
void gt_trace_close(gt_trace *t);

/* Names in Go's spelling, for printing. */
const char *gt_event_kind_str(gt_event_kind kind);
const char *gt_go_state_str(gt_go_state s);
const char *gt_proc_state_str(gt_proc_state s);
const char *gt_resource_kind_str(gt_resource_kind k);
const char *gt_range_name(gt_range_id id); /* "stop-the-world" for GT_RANGE_STW */

/* Decodes an unsigned LEB128 varint of at most 10 bytes from p[0..len).
 * Returns the number of bytes used, or 0 when the data ends first, or -1
 * when the value does not fit 64 bits. Exposed for tests and tools. */
int gt_uvarint(const uint8_t *p, size_t len, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif
