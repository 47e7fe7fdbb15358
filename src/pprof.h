/* pprof profiles of where goroutines waited, as `go tool trace -pprof=TYPE`
 * writes them, plus a profile of scheduler-latency gaps. Prefix `pp_`. */
#ifndef GOTRACE_SRC_PPROF_H
#define GOTRACE_SRC_PPROF_H

#include <stdint.h>

#include "gofmt.h"
#include "gotrace/model.h"

typedef enum pp_kind {
	PP_SCHED,   /* time runnable */
	PP_SYNC,    /* blocked on a chan, select or sync reason */
	PP_NET,     /* blocked on the network */
	PP_SYSCALL, /* in a syscall */
	PP_GAPS,    /* gaps over a threshold, by the stack that unblocked them */
	PP_KIND_COUNT
} pp_kind;

/* "sched" -> PP_SCHED ...; -1 when unknown. */
int pp_parse_kind(const char *s);
extern const char *const pp_kind_names[PP_KIND_COUNT];

/* Samples keyed by stack: a count and a total delay per distinct stack. */
typedef struct pp_profile pp_profile;

pp_profile *pp_new(pp_kind kind);
void pp_free(pp_profile *p); /* accepts NULL */

/* Adds count and ns to the sample of this stack (leaf first). Stacks are
 * keyed by their first 128 PCs, as go tool trace keys them. Returns 0, or
 * -1 when out of memory. */
int pp_add(pp_profile *p, const gt_frame *frames, size_t n, int64_t count, int64_t ns);

/* Reads every remaining event of t and adds the samples that
 * `go tool trace -pprof=TYPE` computes for kinds PP_SCHED..PP_SYSCALL.
 * Returns the decoder's final status (GT_EOF at the end) with *err filled
 * on an error, or GT_ERR_NOMEM. */
gt_status pp_from_trace(pp_profile *p, gt_trace *t, gt_error *err);

/* Adds one sample per gap of at least min_ns, keyed by the stack of the
 * event that made the goroutine runnable: the unblocker's or creator's
 * stack, or for a preemption, yield or syscall return the goroutine's own.
 * Returns 0 or -1 (out of memory). */
int pp_from_gaps(pp_profile *p, const gt_model *m, int64_t min_ns);

/* Writes the profile as gzipped profile.proto. Returns 0, or -1 when out
 * of memory or when compression fails (b->error is set too). */
int pp_write(const pp_profile *p, gf_buf *b);

/* Distinct stacks and the totals over them, for tests and summaries. */
size_t pp_nsamples(const pp_profile *p);
void pp_totals(const pp_profile *p, int64_t *count, int64_t *ns);

#endif
