/* Packed tracks (spanpack.h). A span is three LEB128 varints: the time
 * since the previous span ended, its length shifted left by four with its
 * state in the low three bits and a reason flag in the fourth, and the
 * change of its reference (a goroutine index, a P index or a stack id,
 * zigzag-encoded); a fourth holds the reason when the flag is set. Tracks
 * change state within microseconds and a goroutine's spans follow each
 * other without a pause, so most of these fit in one to three bytes. */
#include "spanpack.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "varint.h"

static int reserve(void *pptr, size_t *cap, size_t need, size_t elem)
{
	return mem_grow(pptr, cap, need, elem, 64) ? 0 : -1;
}

int sp_append(sp_track *t, const gt_span *s)
{
	/* Four varints of at most ten bytes each. */
	if (reserve(&t->bytes, &t->capbytes, t->nbytes + 40, 1))
		return -1;
	if (t->n % SP_BLOCK_SPANS == 0) {
		if (reserve(&t->blocks, &t->capblocks, t->nblocks + 1, sizeof *t->blocks))
			return -1;
		t->blocks[t->nblocks++] = (sp_block){s->start, t->nbytes};
		t->prev_end = s->start;
		t->prev_ref = 0;
	}
	/* Packed tracks are built sorted and without overlaps; the deltas are
	 * unsigned, so hold to that here whatever a caller passes. */
	int64_t start = s->start < t->prev_end ? t->prev_end : s->start;
	int64_t end = s->end < start ? start : s->end;
	uint64_t len = (uint64_t)(end - start);
	uint8_t *p = t->bytes + t->nbytes;
	p = put_uvarint(p, (uint64_t)(start - t->prev_end));
	p = put_uvarint(p, len << 4 | (uint64_t)(s->reason != 0) << 3 | (s->state & 7u));
	p = put_uvarint(p, zigzag((int64_t)s->ref - t->prev_ref));
	if (s->reason)
		p = put_uvarint(p, s->reason);
	t->nbytes = (size_t)(p - t->bytes);
	t->prev_end = end;
	t->prev_ref = s->ref;
	t->n++;
	return 0;
}

void sp_free(sp_track *t)
{
	free(t->bytes);
	free(t->blocks);
	memset(t, 0, sizeof *t);
}

/* Decodes the next span at the iterator's position, without checks. */
static inline void decode(gt_span_iter *it, gt_span *out)
{
	if (it->pos % SP_BLOCK_SPANS == 0 && it->blocks) {
		const sp_block *b = (const sp_block *)it->blocks + it->pos / SP_BLOCK_SPANS;
		it->p = it->bytes + b->off;
		it->prev_end = b->start;
		it->prev_ref = 0;
	}
	const uint8_t *p = it->p;
	int64_t start = it->prev_end + (int64_t)get_uvarint(&p);
	uint64_t w = get_uvarint(&p);
	int64_t ref = it->prev_ref + unzigzag(get_uvarint(&p));
	uint16_t reason = w & 8 ? (uint16_t)get_uvarint(&p) : 0;
	int64_t end = start + (int64_t)(w >> 4);
	*out = (gt_span){start, end, (uint32_t)ref, reason, (uint8_t)(w & 7), it->track};
	it->p = p;
	it->prev_end = end;
	it->prev_ref = ref;
	it->pos++;
}

static size_t nblocks_of(size_t n) { return (n + SP_BLOCK_SPANS - 1) / SP_BLOCK_SPANS; }

/* A frozen copy starts with the last span's end: seeking past a
 * goroutine's life, as a time range across millions of them does for most,
 * then decodes nothing. A track of one block has no block index: its
 * header is its start (zigzag: times come from the file) and its length up
 * to the last end. */
static size_t put_head(const sp_track *t, uint8_t *dst)
{
	uint8_t *p = put_uvarint(dst, zigzag(t->blocks[0].start));
	p = put_uvarint(p, (uint64_t)(t->prev_end - t->blocks[0].start));
	return (size_t)(p - dst);
}

static bool one_block(size_t n) { return n <= SP_BLOCK_SPANS; }

/* Whether t freezes with put_head's header: an empty track freezes to
 * its last end alone. */
static bool frozen_compact(const sp_track *t) { return t->n && one_block(t->n); }

size_t sp_frozen_size(const sp_track *t)
{
	if (frozen_compact(t)) {
		uint8_t head[20];
		return put_head(t, head) + t->nbytes;
	}
	return sizeof(int64_t) + t->nblocks * sizeof *t->blocks + t->nbytes;
}

size_t sp_frozen_align(const sp_track *t) { return frozen_compact(t) ? 1 : _Alignof(sp_block); }

void sp_freeze(const sp_track *t, void *dst)
{
	char *d = dst;
	if (frozen_compact(t)) {
		d += put_head(t, dst);
		memcpy(d, t->bytes, t->nbytes);
		return;
	}
	memcpy(d, &t->prev_end, sizeof t->prev_end);
	d += sizeof t->prev_end;
	if (t->nblocks)
		memcpy(d, t->blocks, t->nblocks * sizeof *t->blocks);
	if (t->nbytes)
		memcpy(d + t->nblocks * sizeof *t->blocks, t->bytes, t->nbytes);
}

/* Sets the iterator up before a track's first span. False when no span
 * ends after time: then it is at the end. */
static bool seek_start(const sp_block *blocks, const uint8_t *bytes, size_t n, int64_t last_end, uint8_t track_kind,
                       int64_t time, gt_span_iter *it)
{
	memset(it, 0, sizeof *it);
	it->blocks = blocks;
	it->bytes = bytes;
	it->n = n;
	it->track = track_kind;
	if (n && time >= last_end)
		it->pos = n;
	return it->pos < n;
}

/* Moves on to the first span ending after time. */
static void skip_ended(gt_span_iter *it, int64_t time)
{
	while (it->pos < it->n) {
		gt_span_iter save = *it;
		gt_span s;
		decode(it, &s);
		if (s.end > time) {
			*it = save;
			break;
		}
	}
}

static void seek(const sp_block *blocks, const uint8_t *bytes, size_t n, int64_t last_end, uint8_t track_kind,
                 int64_t time, gt_span_iter *it)
{
	if (!seek_start(blocks, bytes, n, last_end, track_kind, time, it))
		return;
	/* The last block starting at or before time: every span before it
	 * ends by its first start, so none of them ends after time. */
	size_t lo = 0, hi = nblocks_of(n);
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (blocks[mid].start <= time)
			lo = mid;
		else
			hi = mid;
	}
	it->pos = lo * SP_BLOCK_SPANS;
	skip_ended(it, time);
}

void sp_seek(const sp_track *t, uint8_t track_kind, int64_t time, gt_span_iter *it)
{
	seek(t->blocks, t->bytes, t->n, t->prev_end, track_kind, time, it);
}

void sp_seek_frozen(const void *frozen, size_t n, uint8_t track_kind, int64_t time, gt_span_iter *it)
{
	if (!n) {
		seek(NULL, NULL, 0, 0, track_kind, time, it);
		return;
	}
	if (one_block(n)) {
		/* No block index: the iterator starts where the one block does,
		 * and decode() never looks for another. */
		const uint8_t *p = frozen;
		int64_t start = unzigzag(get_uvarint(&p));
		int64_t last_end = start + (int64_t)get_uvarint(&p);
		if (!seek_start(NULL, p, n, last_end, track_kind, time, it))
			return;
		it->p = p;
		it->prev_end = start;
		skip_ended(it, time);
		return;
	}
	int64_t last_end;
	memcpy(&last_end, frozen, sizeof last_end);
	const sp_block *blocks = (const sp_block *)((const char *)frozen + sizeof last_end);
	seek(blocks, (const uint8_t *)(blocks + nblocks_of(n)), n, last_end, track_kind, time, it);
}

/* Here rather than in model.c so that decoding inlines: readers call it
 * for every span of a track. */
bool gt_track_next(gt_span_iter *it, gt_span *out)
{
	if (it->pos >= it->n)
		return false;
	if (it->arr)
		*out = it->arr[it->pos++];
	else
		decode(it, out);
	return true;
}

size_t gt_track_count(const gt_span_iter *it, int64_t t, size_t max)
{
	if (it->pos >= it->n)
		return 0;
	size_t lo = it->pos, hi = it->n - it->pos > max ? it->pos + max : it->n;
	if (it->arr) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (it->arr[mid].start < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo - it->pos;
	}
	/* Every span before the last block starting before t starts before t
	 * too: search the blocks, then decode that one block only. */
	const sp_block *blocks = it->blocks;
	size_t b = it->pos / SP_BLOCK_SPANS, bhi = nblocks_of(it->n);
	while (bhi - b > 1) {
		size_t mid = b + (bhi - b) / 2;
		if (blocks[mid].start < t)
			b = mid;
		else
			bhi = mid;
	}
	gt_span_iter walk = *it;
	if (b * SP_BLOCK_SPANS > walk.pos)
		walk.pos = b * SP_BLOCK_SPANS;
	gt_span s;
	while (walk.pos < hi) {
		size_t at = walk.pos;
		decode(&walk, &s);
		if (s.start >= t)
			return at - it->pos;
	}
	return hi - it->pos;
}
