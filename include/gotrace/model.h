/* gotrace — the model: what every goroutine, P and thread did over time,
 * built from the decoder's events in one streaming pass.
 *
 * Tracks are flat arrays of spans sorted by start, so a binary search finds
 * the first span of any time window; each track has a level-of-detail
 * summary for drawing millions of spans. Goroutine summaries follow Go's
 * internal/trace summaries; gaps are the intervals in which a goroutine was
 * runnable and not running, with who made it runnable and what the
 * scheduler was doing meanwhile. Times are nanoseconds since the first
 * event of the trace. Prefix `gt_`. */
#ifndef GOTRACE_MODEL_H
#define GOTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gotrace/decoder.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GT_NONE UINT32_MAX /* an absent index */

/* What a goroutine is doing during a span. */
typedef enum gt_gstate {
	GT_GS_RUNNING,         /* executing on a P */
	GT_GS_RUNNABLE,        /* waiting for a P: a scheduler-latency gap */
	GT_GS_WAITING,         /* blocked (reason in the span) */
	GT_GS_SYSCALL,         /* in a syscall, still holding its P */
	GT_GS_SYSCALL_BLOCKED, /* in a syscall that lost its P */
	GT_GS_COUNT
} gt_gstate;

/* What a P is doing during a span. */
typedef enum gt_pstate {
	GT_PS_RUNNING, /* running goroutine `other` */
	GT_PS_SYSCALL, /* its goroutine is in a syscall */
	GT_PS_IDLE,
	GT_PS_COUNT
} gt_pstate;

/* Which kind of track a span is on. */
enum { GT_TRACK_GOROUTINE, GT_TRACK_PROC, GT_TRACK_THREAD };

/* 24 bytes: a trace of a busy service holds tens of millions of spans. */
typedef struct gt_span {
	int64_t start, end;
	uint32_t ref;    /* read through gt_span_other() and gt_span_stack() */
	uint16_t reason; /* interned reason (block reason, stop reason), 0: none */
	uint8_t state;   /* gt_gstate or gt_pstate */
	uint8_t track;   /* GT_TRACK_* */
} gt_span;

/* Goroutine spans while running: the P index; P and thread spans: the
 * goroutine index; GT_NONE otherwise. */
static inline uint32_t gt_span_other(const gt_span *s)
{
	return s->track != GT_TRACK_GOROUTINE || s->state == GT_GS_RUNNING ? s->ref : GT_NONE;
}

/* Goroutine spans not running: the model stack id at the span's start;
 * 0 (no stack) otherwise. */
static inline uint32_t gt_span_stack(const gt_span *s)
{
	return s->track == GT_TRACK_GOROUTINE && s->state != GT_GS_RUNNING ? s->ref : 0;
}

/* Why a goroutine became runnable. */
typedef enum gt_gap_cause {
	GT_CAUSE_CREATED,
	GT_CAUSE_UNBLOCKED,
	GT_CAUSE_PREEMPTED,
	GT_CAUSE_YIELDED, /* GoStop for another reason, e.g. runtime.Gosched */
	GT_CAUSE_SYSCALL, /* back from a syscall without a P */
	GT_CAUSE_TRACE_START, /* already runnable when the trace started */
	GT_CAUSE_COUNT
} gt_gap_cause;

typedef struct gt_model gt_model;

/* What the scheduler did while a goroutine waited for a P. */
typedef struct gt_gap_sched {
	int64_t all_ps_busy_ns; /* every P was running another goroutine */
	int64_t idle_p_ns;      /* some P was idle, outside stop-the-world */
	int64_t stw_ns;         /* overlap with stop-the-world */
	int64_t gc_ns;          /* overlap with GC marking */
} gt_gap_sched;

/* A busy trace has tens of millions of gaps, nearly all shorter than
 * 4.3 s, so a gap keeps its length and its gt_gap_sched figures (each at
 * most the length) in 32 bits each: 48 bytes a gap. A gap of 4.3 s or more
 * is wide: sched[0] indexes its figures in a side table and sched[2..3]
 * hold its length. Read them with gt_gap_end, gt_gap_len and
 * gt_gap_sched_of. */
typedef struct gt_gap {
	int64_t start;
	uint32_t len32;          /* end - start when not wide */
	uint32_t goroutine;      /* index into the goroutine table */
	uint32_t unblocker;      /* goroutine index that made it runnable, or GT_NONE */
	uint32_t unblock_stack;  /* stack of the unblocking event, 0 if none */
	uint32_t proc;           /* P index it ran on, GT_NONE if it never ran */
	/* Goroutines runnable when it began, itself included: at most the
	 * model's 10 M goroutines, within 24 bits. */
	unsigned runnable_at_start : 24;
	unsigned cause : 7;      /* gt_gap_cause */
	unsigned sched_wide : 1;
	uint32_t sched[4];
} gt_gap;

static inline int64_t gt_gap_len(const gt_gap *g)
{
	if (g->sched_wide)
		return (int64_t)((uint64_t)g->sched[3] << 32 | g->sched[2]);
	return g->len32;
}

static inline int64_t gt_gap_end(const gt_gap *g) { return g->start + gt_gap_len(g); }

const gt_gap_sched *gt_model_gap_sched_wide(const gt_model *m, uint32_t i);

static inline gt_gap_sched gt_gap_sched_of(const gt_model *m, const gt_gap *g)
{
	if (g->sched_wide)
		return *gt_model_gap_sched_wide(m, g->sched[0]);
	return (gt_gap_sched){g->sched[0], g->sched[1], g->sched[2], g->sched[3]};
}

/* A time range of the runtime: GC cycles, stop-the-world, mark assists. */
typedef struct gt_range_span {
	int64_t start, end;
	uint32_t goroutine; /* for assists and STW: the goroutine, or GT_NONE */
	uint16_t kind;      /* STW: interned kind string; otherwise 0 */
} gt_range_span;

typedef struct gt_sample {
	int64_t time;
	int64_t value;
} gt_sample;

/* Time by block reason (interned reason index). */
typedef struct gt_reason_ns {
	uint16_t reason;
	int64_t ns;
} gt_reason_ns;

/* Time in a runtime range: range id plus, for stop-the-world, its kind. */
typedef struct gt_range_ns {
	uint8_t range; /* gt_range_id */
	uint16_t kind; /* interned STW kind */
	int64_t ns;
} gt_range_ns;

/* Statistics with the meaning of Go's trace.GoroutineExecStats. */
typedef struct gt_gstats {
	int64_t exec_ns, sched_wait_ns, syscall_ns, syscall_block_ns, total_ns;
	const gt_reason_ns *block; /* in order of first occurrence */
	const gt_range_ns *ranges;
	/* At most one each per interned reason and range kind: 32 bits keep
	 * millions of goroutine records 8 bytes smaller. */
	uint32_t nblock, nranges;
} gt_gstats;

/* A goroutine as gt_model_goroutine gives it; its statistics come from
 * gt_model_gstats. */
typedef struct gt_goroutine {
	int64_t id;
	gt_str name;      /* entry function, as Go names goroutines; empty if unknown */
	int64_t creation; /* first appearance */
	int64_t start;    /* first time running, -1 if never */
	int64_t end;      /* exit, -1 if it did not end */
	uint32_t nspans; /* read through gt_track_seek */
	bool blocked_forever; /* still blocked at the end of the trace */
} gt_goroutine;

/* A busy trace has tens of millions of spans: tracks are kept packed and
 * read through gt_track_seek. */
typedef struct gt_proc {
	int64_t id;
	size_t nspans;
} gt_proc;

typedef struct gt_thread {
	int64_t id;
	size_t nspans; /* GT_PS_RUNNING or GT_PS_SYSCALL; other = goroutine index */
} gt_thread;

/* A position in the spans of a track, read one at a time. The fields are
 * the iterator's own. */
typedef struct gt_span_iter {
	const gt_span *arr;     /* an array of spans */
	const void *blocks;     /* packed spans: their block index */
	const uint8_t *bytes, *p; /* and their bytes, the next span's */
	size_t pos, n;
	int64_t prev_end, prev_ref;
	uint8_t track;
} gt_span_iter;

/* Level of detail: a track cut into buckets of 2^shift ns. */
typedef struct gt_lod_bucket {
	uint8_t dominant; /* the state covering most of the bucket (0xff: none) */
	uint8_t count;    /* spans starting in it, saturating at 255 */
	uint16_t busy_permille; /* fraction of the bucket covered by non-idle spans */
	int64_t worst_gap_ns;   /* longest runnable span overlapping it */
} gt_lod_bucket;

typedef struct gt_lod {
	unsigned shift; /* bucket width is 1 << shift ns */
	size_t nbuckets;
	const gt_lod_bucket *buckets;
} gt_lod;

/* Called as the model builds: bytes_done of bytes_total read so far, and
 * bytes_retired, the offset before which the decoder reads nothing again
 * (the start of the generation being read), so a caller that mapped the
 * file may drop those pages. */
typedef void (*gt_progress_fn)(void *ctx, uint64_t bytes_done, uint64_t bytes_total, uint64_t bytes_retired);

/* Builds the model from an open trace, reading all its events. The trace
 * and its input must stay open while the model is used (strings point into
 * the input). Returns the decoder's status: GT_OK on success (a cut trace
 * too: see gt_trace_info), or the error with *err filled. */
gt_status gt_model_build(gt_trace *t, gt_model **out, gt_progress_fn progress, void *ctx, gt_error *err);
/* The same from the trace's first max_events events only, as if the trace
 * ended after them: what a viewer shows of a big trace while the whole
 * model builds. */
gt_status gt_model_build_first(gt_trace *t, uint64_t max_events, gt_model **out, gt_error *err);
void gt_model_free(gt_model *m);

int64_t gt_model_start_ns(const gt_model *m); /* absolute trace time of model time 0 */
int64_t gt_model_duration(const gt_model *m);

size_t gt_model_ngoroutines(const gt_model *m);
/* A busy service leaves millions of goroutines: the model keeps them
 * compact and these decode one. For i past the last, id -1 and no name. */
gt_goroutine gt_model_goroutine(const gt_model *m, uint32_t i);
gt_gstats gt_model_gstats(const gt_model *m, uint32_t i);
uint32_t gt_model_find_goroutine(const gt_model *m, int64_t id); /* GT_NONE if unknown */
/* Goroutine names, interned by content: goroutines with one start
 * function share an index, so grouping millions of them compares numbers.
 * Index 0 is the empty name; an index out of range reads as it. */
size_t gt_model_nnames(const gt_model *m);
gt_str gt_model_name(const gt_model *m, uint32_t i);
uint32_t gt_model_goroutine_name(const gt_model *m, uint32_t gi); /* 0 if gi is out of range */
size_t gt_model_nprocs(const gt_model *m);
const gt_proc *gt_model_proc(const gt_model *m, uint32_t i);
size_t gt_model_nthreads(const gt_model *m);
const gt_thread *gt_model_thread(const gt_model *m, uint32_t i);

/* Gaps, in order of start (equal starts in the order they began). A busy
 * trace has tens of millions: they are kept packed, in blocks of
 * GT_GAP_BLOCK, at about 18 of their 48 bytes. Read them in order with
 * gt_gap_seek and gt_gap_next; gt_model_gap decodes part of one block to
 * reach one gap. */
#define GT_GAP_BLOCK 32
typedef struct gt_gap_iter {
	const void *blocks;
	const uint8_t *bytes, *p;
	size_t pos, n;
	gt_gap prev;
} gt_gap_iter;

size_t gt_model_ngaps(const gt_model *m);
/* Positions it at gap i (at the end when i >= ngaps). */
void gt_gap_seek(const gt_model *m, size_t i, gt_gap_iter *it);
bool gt_gap_next(gt_gap_iter *it, gt_gap *out);
gt_gap gt_model_gap(const gt_model *m, size_t i); /* i < ngaps */
/* The first gap starting at or after t; ngaps if none does. */
size_t gt_model_gap_first_at(const gt_model *m, int64_t t);

/* GC mark phases, stop-the-world pauses, mark assists, sorted by start. */
size_t gt_model_ranges(const gt_model *m, gt_range_id which, const gt_range_span **out);

/* Series of (time, value), sorted by time, at a resolution of about 16 us:
 * a sample holds the peak (counts) or last value (heap) of its window. */
typedef enum gt_series_id {
	GT_SERIES_HEAP_ALLOC,
	GT_SERIES_HEAP_GOAL,
	GT_SERIES_GOMAXPROCS,
	GT_SERIES_RUNNABLE, /* goroutines runnable */
	GT_SERIES_RUNNING,  /* goroutines running */
	GT_SERIES_COUNT
} gt_series_id;
size_t gt_model_series(const gt_model *m, gt_series_id which, const gt_sample **out);

/* Interned strings: reasons and STW kinds. Index 0 is the empty string. */
size_t gt_model_nreasons(const gt_model *m);
gt_str gt_model_reason(const gt_model *m, uint16_t i);

/* Stacks, deduplicated across generations. Id 0 is no stack. */
size_t gt_model_nstacks(const gt_model *m);
size_t gt_model_stack(const gt_model *m, uint32_t id, const gt_frame **frames);

/* CPU samples: time, goroutine index (GT_NONE if none), stack id. */
typedef struct gt_cpu_sample {
	int64_t time;
	uint32_t goroutine;
	uint32_t stack;
} gt_cpu_sample;
size_t gt_model_cpu_samples(const gt_model *m, const gt_cpu_sample **out);

/* User annotations. */
typedef struct gt_region {
	int64_t start, end; /* end -1 if it did not end */
	uint32_t goroutine;
	uint64_t task;
	gt_str type;
	uint32_t depth; /* nesting depth on its goroutine */
} gt_region;
size_t gt_model_regions(const gt_model *m, const gt_region **out);

typedef struct gt_task {
	uint64_t id, parent;
	gt_str type;
	int64_t start, end; /* -1 when not in the trace */
} gt_task;
size_t gt_model_tasks(const gt_model *m, const gt_task **out);

typedef struct gt_log {
	int64_t time;
	uint32_t goroutine;
	uint64_t task;
	gt_str category, message;
} gt_log;
size_t gt_model_logs(const gt_model *m, const gt_log **out);

/* Index of the first span ending after t (binary search). */
size_t gt_spans_find(const gt_span *spans, size_t n, int64_t t);

/* The same over an array of spans sorted by start and not overlapping. */
void gt_spans_seek(const gt_span *spans, size_t n, int64_t t, gt_span_iter *it);

/* Spans of a goroutine (kind 0), P (kind 1) or thread (kind 2) track: the
 * iterator starts at the first span ending after t (INT64_MIN: the first
 * span), and gt_track_next copies out one span after another in order of
 * time, returning false after the last. The model must outlive it. */
void gt_track_seek(const gt_model *m, int kind, uint32_t index, int64_t t, gt_span_iter *it);
bool gt_track_next(gt_span_iter *it, gt_span *out);
size_t gt_track_nspans(const gt_model *m, int kind, uint32_t index);
/* The last span of a track; false when it has none. */
bool gt_track_last(const gt_model *m, int kind, uint32_t index, gt_span *out);
/* How many spans from the iterator's position on start before t, counted
 * up to max by binary search (on packed tracks over their blocks, then
 * within one block); the iterator does not move. */
size_t gt_track_count(const gt_span_iter *it, int64_t t, size_t max);

/* Builds the level of detail of every track with more than min_spans
 * spans now rather than on first use (the viewer draws only those from
 * it): for a loading thread, so the first frames do not pay for it. */
void gt_model_warm_lod(const gt_model *m, size_t min_spans);
/* Tracks with more spans than a wide screen has columns: the viewer draws
 * them zoomed out from their level of detail. */
#define GT_LOD_EAGER_SPANS 4096

/* Level of detail for a goroutine (kind 0), P (kind 1) or thread (kind 2)
 * track: the coarsest level whose buckets are at most `max_ns` wide. */
gt_lod gt_model_lod(const gt_model *m, int kind, uint32_t index, int64_t max_ns);

#ifdef __cplusplus
}
#endif

#endif
