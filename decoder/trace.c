/* Opening a trace and dispatching on its version once: everything after the
 * header is read by the v1 or the v2 reader. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "v1.h"
#include "v2_read.h"

struct gt_trace {
	gt_trace_info info;

	/* Sticky failure: every call after an error returns it again. */
	gt_status failed;
	gt_error failure;
	bool done;

	v1_reader *v1; /* Go 1.11-1.21 */
	v2_reader *v2; /* Go 1.22 and later */
};

static const char *const kind_names[] = {
	"Bad",       "Sync",     "Metric",      "Label",     "StackSample", "RangeBegin",      "RangeActive", "RangeEnd",
	"TaskBegin", "TaskEnd",  "RegionBegin", "RegionEnd", "Log",         "StateTransition", "Experimental",
};

DC_EXPORT const char *gt_event_kind_str(gt_event_kind k) { return (unsigned)k < GT_EV_KIND_COUNT ? kind_names[k] : "Bad"; }

DC_EXPORT const char *gt_go_state_str(gt_go_state s)
{
	static const char *const n[] = {"Undetermined", "NotExist", "Runnable", "Running", "Waiting", "Syscall"};
	return (unsigned)s < 6 ? n[s] : "Bad";
}

DC_EXPORT const char *gt_proc_state_str(gt_proc_state s)
{
	static const char *const n[] = {"Undetermined", "NotExist", "Running", "Idle"};
	return (unsigned)s < 4 ? n[s] : "Bad";
}

DC_EXPORT const char *gt_resource_kind_str(gt_resource_kind k)
{
	static const char *const n[] = {"None", "Goroutine", "Proc", "Thread"};
	return (unsigned)k < 4 ? n[k] : "Bad";
}

DC_EXPORT const char *gt_range_name(gt_range_id id)
{
	switch (id) {
	case GT_RANGE_GC_MARK:
		return "GC concurrent mark phase";
	case GT_RANGE_SWEEP:
		return "GC incremental sweep";
	case GT_RANGE_MARK_ASSIST:
		return "GC mark assist";
	case GT_RANGE_STW:
		return "stop-the-world";
	}
	return "unknown range";
}

/* Go's header is "go 1.%d trace\0\0\0", read with Fscanf. */
static gt_status read_header(const uint8_t *p, size_t len, unsigned *version, size_t *hdr_len, gt_error *err)
{
	static const char prefix[] = "go 1.";
	static const char suffix[] = " trace\0\0\0";
	size_t i = 0;
	if (len < sizeof prefix - 1 || memcmp(p, prefix, sizeof prefix - 1) != 0)
		return dc_fail(err, GT_ERR_NOT_TRACE, 0, "bad file format: not a Go execution trace?");
	i = sizeof prefix - 1;
	unsigned v = 0;
	size_t digits = 0;
	while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 6) {
		v = v * 10 + (unsigned)(p[i] - '0');
		i++;
		digits++;
	}
	if (!digits || len - i < sizeof suffix - 1 || memcmp(p + i, suffix, sizeof suffix - 1) != 0)
		return dc_fail(err, GT_ERR_NOT_TRACE, 0, "bad file format: not a Go execution trace?");
	*version = v;
	*hdr_len = i + sizeof suffix - 1;
	return GT_OK;
}

DC_EXPORT size_t gt_trace_prefix_len(const void *data, size_t len, size_t want)
{
	unsigned version = 0;
	size_t hdr_len = 0;
	if (!data || read_header(data, len, &version, &hdr_len, NULL) != GT_OK)
		return 0;
	if (version != V2_GO122 && version != V2_GO123 && version != V2_GO125 && version != V2_GO126)
		return 0;
	return v2_prefix_len(data, hdr_len, len, version, want);
}

DC_EXPORT gt_status gt_trace_open(const void *data, size_t len, gt_trace **out, gt_error *err)
{
	*out = NULL;
	if (!data && len)
		return dc_fail(err, GT_ERR_USAGE, 0, "no data");
	unsigned version = 0;
	size_t hdr_len = 0;
	gt_status s = read_header(data, len, &version, &hdr_len, err);
	if (s)
		return s;
	gt_format format;
	switch (version) {
	case 11:
	case 19:
	case 21:
		format = GT_FORMAT_V1;
		break;
	case V2_GO122:
	case V2_GO123:
	case V2_GO125:
	case V2_GO126:
		format = GT_FORMAT_V2;
		break;
	default:
		/* Go releases write only the headers above (1.12-1.18 write 1.11,
		 * 1.20 writes 1.19, 1.24 writes 1.23, 1.27 writes 1.26), so the
		 * range names the releases whose traces are read. */
		if (version > 11 && version < 26)
			return dc_fail(err, GT_ERR_VERSION, 0,
			               "unsupported trace version go 1.%u (no Go release writes it); gotrace supports 1.11\u2013"
			               "1.26",
			               version);
		return dc_fail(err, GT_ERR_VERSION, 0, "unsupported trace version go 1.%u; gotrace supports 1.11\u2013" "1.26",
		               version);
	}
	gt_trace *t = calloc(1, sizeof *t);
	if (!t)
		return dc_fail(err, GT_ERR_NOMEM, 0, "out of memory");
	t->info.format = format;
	t->info.version = version;
	t->info.size = len;
	t->info.valid_bytes = hdr_len;
	gt_status vs = format == GT_FORMAT_V1 ? v1_reader_new(data, len, hdr_len, version, &t->v1, err)
	                                      : v2_reader_new(data, len, hdr_len, version, &t->v2, err);
	if (vs) {
		free(t);
		return vs;
	}
	*out = t;
	return GT_OK;
}

DC_EXPORT void gt_trace_close(gt_trace *t)
{
	if (!t)
		return;
	v1_reader_free(t->v1);
	v2_reader_free(t->v2);
	free(t);
}

DC_EXPORT void gt_trace_info_get(const gt_trace *t, gt_trace_info *out)
{
	*out = t->info;
	if (t->v1) {
		/* A v1 trace is one generation, read whole or not at all. */
		out->generations = v1_reader_generations(t->v1);
		if (out->generations)
			out->valid_bytes = out->size;
	} else {
		v2_reader_info(t->v2, out);
	}
}

DC_EXPORT gt_status gt_trace_next(gt_trace *t, gt_event *ev, gt_error *err)
{
	if (t->failed) {
		if (err)
			*err = t->failure;
		return t->failed;
	}
	if (t->done)
		return GT_EOF;
	gt_error e;
	gt_status s = t->v1 ? v1_reader_next(t->v1, ev, &e) : v2_reader_next(t->v2, ev, &e);
	if (s == GT_EOF) {
		t->done = true;
	} else if (s != GT_OK) {
		t->failed = s;
		t->failure = e;
		if (err)
			*err = e;
	}
	return s;
}
