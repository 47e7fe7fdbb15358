/* Packed gaps: a busy trace has tens of millions, and a gap's fields are
 * mostly small or close to its predecessor's. Kept in order of start, in
 * blocks of GT_GAP_BLOCK behind an index of block starts, so that reading
 * one gap decodes at most one block and finding a time is a binary
 * search. */
#ifndef GOTRACE_GAPPACK_H
#define GOTRACE_GAPPACK_H

#include <stddef.h>
#include <stdint.h>

#include "gotrace/model.h"
#include "mem.h"

typedef struct gp_block {
	int64_t start; /* the block's first gap's start: deltas restart from it */
	uint64_t off;  /* where its first gap's bytes begin */
} gp_block;

typedef struct gp_store {
	uint8_t *bytes; /* grown in place */
	size_t nbytes, capbytes, reserved;
	gp_block *blocks;
	size_t nblocks, capblocks;
	size_t n; /* gaps packed */
	gt_gap prev;
} gp_store;

/* Appends a gap starting at or after the last one. Returns -1 when out of
 * memory (the store is unchanged). */
int gp_append(gp_store *s, const gt_gap *g, mem_ahead *ahead);
void gp_free(gp_store *s);
/* Drops the gaps from i on, i a multiple of GT_GAP_BLOCK: the next one
 * appended starts a block. */
void gp_truncate(gp_store *s, size_t i);

void gp_seek(const gp_store *s, size_t i, gt_gap_iter *it);
size_t gp_first_at(const gp_store *s, int64_t t);

#endif
