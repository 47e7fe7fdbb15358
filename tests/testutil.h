/* Helpers shared by the Check suites: test data paths, whole-file reads
 * (gzip-aware), and decoding a buffer into Go's text format. */
#ifndef GOTRACE_TESTS_TESTUTIL_H
#define GOTRACE_TESTS_TESTUTIL_H

#include <stddef.h>

#include <stdbool.h>

#include "gotrace/decoder.h"
#include "gotrace/model.h"

/* Root of the source tree (GT_SOURCE_DIR), set by meson for every test. */
const char *tu_source_dir(void);

/* Reads a file (gunzipping it when the name ends in .gz). Returns a
 * malloc'd buffer with a NUL after the data, or NULL. */
char *tu_read_file(const char *path, size_t *len);
/* tu_read_file of a path under the source tree; fails the test if missing. */
char *tu_read_source(const char *rel, size_t *len);

/* Lists files under dir (one level of subdirectories too) whose names end
 * with suffix, sorted; returns the count and a malloc'd array of malloc'd
 * paths relative to dir. */
size_t tu_list(const char *dir, const char *suffix, char ***out);
void tu_list_free(char **list, size_t n);

/* Decodes data and prints every event as `go tool trace -d=parsed` does.
 * Returns the final status (GT_EOF on success) with *err filled otherwise;
 * *text is malloc'd. */
gt_status tu_dump(const void *data, size_t len, char **text, size_t *text_len, gt_error *err);

/* Byte offset of the start of the n-th (1-based) Sync line of Go's text
 * format in text, or len when there are fewer: where the events of the
 * first n-1 generations end. */
size_t tu_nth_sync_line(const char *text, size_t len, size_t n);

/* A trace from traces/ read into memory, opened, with its model built. */
typedef struct tu_model {
	char *data;
	size_t len;
	gt_trace *t;
	gt_model *m;
} tu_model;

/* Loads traces/<rel> and builds its model, failing the test on any error.
 * With v2_only, an old-format trace is skipped: returns false, nothing kept. */
bool tu_load_model(const char *rel, tu_model *l, bool v2_only);
void tu_unload_model(tu_model *l);
/* A track's spans read through its iterator into an array (free it). */
gt_span *tu_track_copy(const gt_model *m, int kind, uint32_t i, size_t *n);
/* The model's gaps read in one pass from gt_gap_seek(m, 0) into an array
 * indexed as the model indexes them (free it); fails the test when the
 * pass does not give gt_model_ngaps of them. */
gt_gap *tu_gaps_copy(const gt_model *m, size_t *n);

/* Index of the first differing line (1-based) or 0 when equal. */
size_t tu_first_diff_line(const char *a, size_t alen, const char *b, size_t blen);

#endif
