/* Chrome trace-event JSON of the model, for Perfetto and chrome://tracing.
 * Prefix `ch_`. */
#ifndef GOTRACE_SRC_CHROME_H
#define GOTRACE_SRC_CHROME_H

#include <stdint.h>

#include "gofmt.h"
#include "gotrace/model.h"

/* Process ids of the exported tracks. */
enum { CH_PID_RUNTIME = 1, CH_PID_PROCS = 2, CH_PID_GOROUTINES = 3, CH_PID_THREADS = 4 };
/* Thread ids of the runtime process. */
enum { CH_TID_GC = 1, CH_TID_STW = 2 };

/* Writes every span, range, counter and unblock flow overlapping
 * [from_ns, to_ns) (to_ns < 0: to the end), clipped to the window; times in
 * microseconds from the trace start. */
void ch_export(gf_buf *b, const gt_model *m, int64_t from_ns, int64_t to_ns);

#endif
