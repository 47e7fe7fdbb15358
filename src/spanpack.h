/* Packed tracks: spans delta-encoded in blocks, for the tracks that only
 * repeat what goroutine tracks say (Ps and threads: which goroutine ran,
 * from when to when). A busy trace has tens of millions of them; packed,
 * a span takes about a third of its 24 bytes, and a block index keeps a
 * seek to any time a binary search plus at most one block's decoding. */
#ifndef GOTRACE_SPANPACK_H
#define GOTRACE_SPANPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gotrace/model.h"

/* Spans per block: a seek decodes at most this many. */
#define SP_BLOCK_SPANS 64

typedef struct sp_block {
	int64_t start; /* the block's first span's start: deltas restart from it */
	uint64_t off;  /* where its first span's bytes begin */
} sp_block;

typedef struct sp_track {
	uint8_t *bytes;
	size_t nbytes, capbytes;
	sp_block *blocks;
	size_t nblocks, capblocks;
	size_t n; /* spans packed */
	int64_t prev_end, prev_ref;
} sp_track;

/* Appends a span that starts at or after the last one's end. Returns -1
 * when out of memory (the track is unchanged). */
int sp_append(sp_track *t, const gt_span *s);
void sp_free(sp_track *t);

/* Positions it at the first span ending after time t. */
void sp_seek(const sp_track *t, uint8_t track_kind, int64_t time, gt_span_iter *it);
bool sp_next(gt_span_iter *it, gt_span *out);

#endif
