/* The libFuzzer entry point every target defines; replay.c calls it over
 * committed inputs when the targets are built without libFuzzer. */
#ifndef GOTRACE_TESTS_FUZZ_H
#define GOTRACE_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gotrace/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Opens a trace over a private, exact-size copy of the input, so ASan sees
 * any read past its end. Returns NULL when the header is refused (nothing
 * to free then); otherwise free *copy after gt_trace_close(). */
static inline gt_trace *fuzz_open(const uint8_t *data, size_t size, uint8_t **copy)
{
	gt_trace *t = NULL;
	gt_error e;
	*copy = malloc(size ? size : 1);
	if (!*copy)
		return NULL;
	memcpy(*copy, data, size);
	if (gt_trace_open(*copy, size, &t, &e) != GT_OK) {
		free(*copy);
		return NULL;
	}
	return t;
}

#endif
