/* Minimum mutator utilization, computed exactly as `go tool trace`'s MMU
 * page does: internal/trace's MutatorUtilizationV2 builds utilization
 * functions from the events, NewMMUCurve/MMU/Examples find the worst windows
 * with the same band algorithm and the same float arithmetic, so the numbers
 * are bit-for-bit Go's. Prefix `mu_`. */
#ifndef GOTRACE_SRC_MMU_H
#define GOTRACE_SRC_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gofmt.h"
#include "gotrace/decoder.h"

/* What counts as time taken from the mutator; the same bits as Go's
 * trace.UtilFlags. */
enum {
	MU_STW = 1 << 0,        /* stop-the-world pauses of the GC */
	MU_BACKGROUND = 1 << 1, /* background mark workers */
	MU_ASSIST = 1 << 2,     /* mark assists */
	MU_SWEEP = 1 << 3,      /* incremental sweeping */
	MU_PER_PROC = 1 << 4    /* one function per P instead of one for the system */
};

/* The page's default checkboxes: everything but sweep, system-wide. */
#define MU_DEFAULT (MU_STW | MU_BACKGROUND | MU_ASSIST)

/* A change of mean mutator utilization (0..1) at a time, in ns. */
typedef struct mu_point {
	int64_t time;
	double util;
} mu_point;

/* A utilization function: points sorted by time, ending with utilization 0
 * at the last event. */
typedef struct mu_series {
	mu_point *pts;
	size_t len, cap;
} mu_series;

/* The utilization functions of one trace (MutatorUtilizationV2's result)
 * and the state that builds them one event at a time. */
typedef struct mu_util mu_util;

/* A window of the given size starting at time, and its mean utilization. */
typedef struct mu_window {
	int64_t time;
	double util;
} mu_window;

/* flags: MU_* bits. Returns NULL when out of memory. */
mu_util *mu_util_new(unsigned flags);
/* Feeds the next event of the trace, in the decoder's order. Returns GT_OK,
 * GT_ERR_NOMEM, or GT_ERR_LIMIT for a GOMAXPROCS no runtime can have. */
gt_status mu_util_event(mu_util *u, const gt_event *ev);
/* Closes every function at the last event. Call once after the last event. */
gt_status mu_util_finish(mu_util *u);
size_t mu_util_nseries(const mu_util *u);
const mu_series *mu_util_borrow_series(const mu_util *u, size_t i);
/* Time of the first event (the origin of the times mu_print_* prints). */
int64_t mu_util_start(const mu_util *u);
void mu_util_free(mu_util *u);

/* Reads every remaining event of t into a new mu_util and finishes it.
 * Returns GT_EOF (as gt_trace_next does at the end) with *out set, or the
 * decoder's or this module's error in *err with *out NULL. A trace cut short
 * ends where the decoder ends it; check gt_trace_info for that. */
gt_status mu_util_read(gt_trace *t, unsigned flags, mu_util **out, gt_error *err);

/* An MMU curve over utilization functions (NewMMUCurve). It borrows the
 * functions: keep the mu_util alive while the curve is used. */
typedef struct mu_curve mu_curve;

/* Returns GT_OK with *out set, GT_ERR_NOMEM, or GT_ERR_LIMIT when times lie
 * so far apart (beyond 2^60 ns, decades) that window arithmetic could
 * overflow. */
gt_status mu_curve_new(const mu_util *u, mu_curve **out);
/* The minimum mean utilization over all windows of `window` ns (MMU). */
double mu_curve_mmu(mu_curve *c, int64_t window);
/* Up to n disjoint worst windows of `window` ns, worst first (Examples).
 * Returns how many were written to out[0..n). -1 when out of memory. */
long mu_curve_examples(mu_curve *c, int64_t window, size_t n, mu_window *out);
void mu_curve_free(mu_curve *c);

/* The span the page bounds its plot with: from the earliest to the latest
 * point of all functions; 0 without functions. */
int64_t mu_span(const mu_util *u);

/* The window sizes the report lists: 1us, 2us, 5us, 10us, ... below span,
 * then span itself. Returns the count (at most MU_MAX_WINDOWS). */
#define MU_MAX_WINDOWS 64
size_t mu_windows(int64_t span, int64_t out[MU_MAX_WINDOWS]);

/* `gotrace mmu` */
#define MU_SUMMARY "minimum mutator utilization by window size, as go tool trace computes it"
#define MU_USAGE \
	"gotrace mmu [--include LIST] [--exclude LIST] [--per-proc] [--format text|json] FILE\n" \
	"  LIST: comma-separated of stw,background,assist,sweep (default stw,background,assist)"

typedef struct mu_opts {
	const char *path;
	unsigned flags;
	bool json;
} mu_opts;

/* Parses the command's arguments (argv[0] is "mmu"). Returns 0, or 2 after
 * printing a usage error. */
int mu_parse_args(int argc, char **argv, mu_opts *o);
/* The report: MMU for every window of mu_windows(), the worst windows for a
 * few sizes. JSON is one line, the exact text tests/gotools/gommu prints;
 * times are ns from the first event. Returns GT_OK or GT_ERR_NOMEM /
 * GT_ERR_LIMIT (from mu_curve_new). */
gt_status mu_print(gf_buf *b, const mu_util *u, bool json);

#endif
