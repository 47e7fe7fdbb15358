/* Fuzz target: open a trace, read every event, print each as `gotrace dump`
 * does; find a prefix of whole generations (gt_trace_prefix_len). Any
 * crash, sanitizer report, leak or hang is a decoder bug. */
#include <stdlib.h>

#include "fuzz.h"
#include "gofmt.h"
#include "gotrace/decoder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer's buffer is exactly `size` long: ASan sees any overread. */
	size_t prefix = gt_trace_prefix_len(data, size, size / 2);
	if (prefix && prefix >= size)
		abort();
	uint8_t *copy;
	gt_trace *t = fuzz_open(data, size, &copy);
	if (!t)
		return 0;
	gt_error e;
	gf_buf b = {0};
	gt_event ev;
	gt_status s;
	while ((s = gt_trace_next(t, &ev, &e)) == GT_OK) {
		gf_event(&b, &ev);
		/* Keep memory flat on long streams; what was printed is checked by
		 * the sanitizers, not compared. */
		if (b.len > (1u << 20))
			b.len = 0;
	}
	/* Errors are sticky: asking again must give the same status. */
	gt_error e2;
	if (gt_trace_next(t, &ev, &e2) != s)
		abort();
	gt_trace_info info;
	gt_trace_info_get(t, &info);
	if (info.valid_bytes > info.size)
		abort();
	gf_free(&b);
	gt_trace_close(t);
	free(copy);
	return 0;
}
