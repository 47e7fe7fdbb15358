/* The v2 reader: generations read ahead on a worker thread, merged into one
 * ordered stream of events by Go's rules. */
#ifndef GOTRACE_DECODER_V2_READ_H
#define GOTRACE_DECODER_V2_READ_H

#include "v2.h"

typedef struct v2_reader v2_reader;

gt_status v2_reader_new(const uint8_t *data, size_t len, size_t hdr_len, unsigned version, v2_reader **out,
                        gt_error *err);
/* GT_OK, GT_EOF, or an error (the caller makes errors sticky). */
gt_status v2_reader_next(v2_reader *r, gt_event *ev, gt_error *err);
/* Fills generations, valid_bytes and truncation. */
void v2_reader_info(const v2_reader *r, gt_trace_info *info);
void v2_reader_free(v2_reader *r);

#endif
