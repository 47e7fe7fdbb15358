/* The gap report and the leak report. Prefix `gp_`. */
#ifndef GOTRACE_SRC_GAPS_H
#define GOTRACE_SRC_GAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"

/* Parses a Go duration ("250us", "1.5ms", "2s", "1m30s", "0") into ns.
 * Returns 0, or -1 when it is not one. */
int gp_parse_duration(const char *s, int64_t *ns);

typedef struct gp_options {
	int64_t min_ns;          /* gaps and other sources at least this long */
	int64_t from_ns, to_ns;  /* window on gap start; to_ns < 0: to the end */
	const char *name_filter; /* glob (with * ? [) or substring of the goroutine name; NULL: all */
	long top;                /* rows at most; < 0: format's default */
	const char *file;        /* shown in reports; jsonl rows carry it */
} gp_options;

/* The gap histogram's buckets: b holds [2^b, 2^(b+1)) ns (0 and 1 ns
 * in the first), the last everything from 2^39 ns, about nine minutes. */
#define GP_HIST_BUCKETS 40

static inline int gp_hist_bucket(int64_t ns)
{
	/* From the highest bit set: the viewer's range index takes three per
	 * gap, for tens of millions of gaps. */
	if (ns < 2)
		return 0;
	int b = 63 - __builtin_clzll((unsigned long long)ns);
	return b < GP_HIST_BUCKETS - 1 ? b : GP_HIST_BUCKETS - 1;
}

/* Writes the gap report of one trace. */
void gp_gaps(gf_buf *b, const gt_model *m, rp_format f, const gp_options *o);

/* Goroutines still blocked at the end, grouped by reason and stack. */
void gp_leaks(gf_buf *b, const gt_model *m, rp_format f, const char *file);

/* Statistics of the gaps that start inside [from, to), for range
 * selections: count, total and nearest-rank percentiles. */
typedef struct gp_stats {
	size_t count;
	int64_t total_ns, p50_ns, p90_ns, p99_ns, max_ns;
} gp_stats;
gp_stats gp_gap_stats(const gt_model *m, int64_t from, int64_t to, int64_t min_ns);

extern const char *const gp_cause_names[GT_CAUSE_COUNT];

#endif
