/* gotrace — status values and error records shared by every layer.
 *
 * The library never prints. A failing call fills a gt_error with the status,
 * the byte offset in the input where the problem was found, and a short
 * detail; the command line and the viewer decide how to show it. */
#ifndef GOTRACE_STATUS_H
#define GOTRACE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One table expands into the enum and its strings, so they cannot drift. */
#define GT_STATUS_TABLE(X)                                                        \
	X(GT_OK, "ok")                                                                \
	X(GT_EOF, "end of trace")                                                     \
	X(GT_ERR_NOT_TRACE, "not a Go execution trace")                               \
	X(GT_ERR_VERSION, "unsupported trace version")                                \
	X(GT_ERR_TRUNCATED, "unexpected end of data")                                 \
	X(GT_ERR_MALFORMED, "malformed trace data")                                   \
	X(GT_ERR_LIMIT, "value exceeds a limit")                                      \
	X(GT_ERR_INVALID, "inconsistent trace")                                       \
	X(GT_ERR_NOMEM, "out of memory")                                              \
	X(GT_ERR_IO, "input/output error")                                            \
	X(GT_ERR_USAGE, "invalid argument")

#define GT_STATUS_ENUM_(name, text) name,
typedef enum gt_status { GT_STATUS_TABLE(GT_STATUS_ENUM_) GT_STATUS_COUNT } gt_status;
#undef GT_STATUS_ENUM_

/* The first failure of a call. `offset` is the byte offset in the input of
 * the item that failed (a batch, an event, a table entry). */
typedef struct gt_error {
	gt_status status;
	uint64_t offset;
	char detail[256];
} gt_error;

/* A constant, human-readable name for a status; never NULL. */
const char *gt_status_str(gt_status status);

#ifdef __cplusplus
}
#endif

#endif
