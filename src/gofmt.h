/* Printing decoded events exactly as Go's Event.String() does, which is what
 * `go tool trace -d=parsed` prints. Prefix `gf_`. */
#ifndef GOTRACE_SRC_GOFMT_H
#define GOTRACE_SRC_GOFMT_H

#include <stdio.h>

#include "gotrace/decoder.h"

/* A growable output buffer: formatting into memory and writing in large
 * blocks is several times faster than stdio for millions of small lines. */
typedef struct gf_buf {
	char *p;
	size_t len, cap;
	FILE *out; /* flushed here when it fills; NULL keeps everything */
	int error; /* a write or allocation failed */
} gf_buf;

void gf_put(gf_buf *b, const char *s, size_t n);
void gf_puts(gf_buf *b, const char *s);
void gf_putc(gf_buf *b, char c);
void gf_i64(gf_buf *b, int64_t v);
void gf_u64(gf_buf *b, uint64_t v);
void gf_hex(gf_buf *b, uint64_t v);
/* strconv.Quote: the string in double quotes with Go's escapes. */
void gf_quote(gf_buf *b, gt_str s);
/* A duration for people: 950ns, 12.5us, 3.25ms, 1.500s. */
void gf_duration(gf_buf *b, int64_t ns);
/* The same, padded with spaces to a column of `width` characters. */
void gf_duration_col(gf_buf *b, int64_t ns, int width);
/* time.Time.Format(time.RFC3339Nano) in UTC. */
void gf_rfc3339nano(gf_buf *b, int64_t sec, int64_t nsec);
void gf_flush(gf_buf *b);
void gf_free(gf_buf *b);

/* Event.String(), followed by the newline fmt.Println adds. */
void gf_event(gf_buf *b, const gt_event *ev);

#endif
