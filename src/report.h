/* Reports over the model: goroutine summaries, gaps, leaks. Each output
 * format is one small set of callbacks; the command line picks one. */
#ifndef GOTRACE_SRC_REPORT_H
#define GOTRACE_SRC_REPORT_H

#include <stdio.h>

#include "gofmt.h"
#include "gotrace/model.h"

typedef enum rp_format { RP_TEXT, RP_CSV, RP_JSON, RP_JSONL, RP_MD, RP_HTML, RP_FORMAT_COUNT } rp_format;

/* "text" -> RP_TEXT ...; -1 when unknown. */
int rp_parse_format(const char *s);

/* JSON string with the escapes Go's encoding/json uses (HTML escaping off). */
void rp_json_str(gf_buf *b, gt_str s);
/* CSV field, quoted when it needs to be. */
void rp_csv_str(gf_buf *b, gt_str s);

/* Name of a range as Go's summaries key it: "GC mark assist",
 * "stop-the-world (<kind>)". */
void rp_range_name(gf_buf *b, const gt_model *m, const gt_range_ns *r);

/* gotrace goroutines: one row per goroutine (or per name with group). */
void rp_goroutines(gf_buf *b, const gt_model *m, rp_format f, bool group);

#endif
