/* Shared by test_model and fuzz_model, which links no test library. */
#ifndef GOTRACE_TESTS_SAME_GAP_H
#define GOTRACE_TESTS_SAME_GAP_H

#include <stdbool.h>

#include "gotrace/model.h"

/* Two reads of a gap agree in everything a reader sees of it. */
static inline bool same_gap(const gt_model *m, const gt_gap *a, const gt_gap *b)
{
	gt_gap_sched x = gt_gap_sched_of(m, a), y = gt_gap_sched_of(m, b);
	return a->start == b->start && gt_gap_len(a) == gt_gap_len(b) && a->goroutine == b->goroutine &&
	       a->unblocker == b->unblocker && a->unblock_stack == b->unblock_stack && a->proc == b->proc &&
	       a->runnable_at_start == b->runnable_at_start && a->cause == b->cause && a->sched_wide == b->sched_wide &&
	       x.all_ps_busy_ns == y.all_ps_busy_ns && x.idle_p_ns == y.idle_p_ns && x.stw_ns == y.stw_ns &&
	       x.gc_ns == y.gc_ns;
}

#endif
