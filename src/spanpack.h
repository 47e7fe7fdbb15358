/* Packed tracks: spans delta-encoded in blocks. A busy trace has tens of
 * millions of spans; packed, one takes about a quarter of its 24 bytes,
 * and a block index keeps a seek to any time a binary search plus at most
 * one block's decoding. Ps and threads pack as they are built; a
 * goroutine's spans are packed once, when it ends, into one piece of
 * memory (sp_frozen_size). */
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

/* A track's frozen copy: its last end, its block index, then its bytes;
 * a track of one block (nearly every goroutine's) only its first start
 * and its last end as varints, then its bytes, unaligned. */
size_t sp_frozen_size(const sp_track *t);
size_t sp_frozen_align(const sp_track *t);
void sp_freeze(const sp_track *t, void *dst);

/* Positions it at the first span ending after time t: in a track, or in a
 * frozen copy of n spans. */
void sp_seek(const sp_track *t, uint8_t track_kind, int64_t time, gt_span_iter *it);
void sp_seek_frozen(const void *frozen, size_t n, uint8_t track_kind, int64_t time, gt_span_iter *it);

#endif
