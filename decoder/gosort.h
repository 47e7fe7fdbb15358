/* Go-compatible unstable sort. Go's trace reader orders events with
 * slices.SortFunc, which is not stable, so reproducing its output on ties
 * needs the very same algorithm rather than qsort(3). */
#ifndef GOTRACE_DECODER_GOSORT_H
#define GOTRACE_DECODER_GOSORT_H

#include <stddef.h>

/* Sorts n elements of `size` bytes at base exactly as Go's slices.SortFunc
 * does (same order for equal elements). cmp returns <0, 0 or >0 like Go's
 * cmp function; only its sign relative to 0 (`< 0`) is ever used. */
void gt_gosort(void *base, size_t n, size_t size, int (*cmp)(const void *a, const void *b, void *ctx), void *ctx);

#endif
