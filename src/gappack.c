/* Packed gaps (gappack.h). A gap is a flags byte (its cause, which of the
 * optional fields follow, whether it is wide) and varints: the time since
 * the previous gap began, its length, the change of goroutine index and of
 * the runnable count from the previous gap, the unblocker as a change from
 * its own goroutine, the unblocking stack, the P plus one, and its four
 * scheduler figures, the idle time as idle_rest (or, wide, the index of
 * its record of them). A gap of this kind takes about 18 bytes. */
#include "gappack.h"

#include <stdlib.h>
#include <string.h>

#include "varint.h"

enum {
	F_CAUSE = 0x0f,
	F_UNBLOCKER = 0x10,
	F_STACK = 0x20,
	F_PROC = 0x40,
	F_WIDE = 0x80,
	MAX_GAP_BYTES = 1 + 10 * 2 + 5 * 9,
};
_Static_assert(GT_CAUSE_COUNT <= F_CAUSE + 1, "a cause fits the flags' low bits");

/* While a goroutine waits, every P is busy, or one is idle outside
 * stop-the-world, or the world is stopped: the three figures add up to
 * the gap's length, but for the overlap of a stopped world with every P
 * busy (and the trace's first moments, before GOMAXPROCS is known). So
 * the idle time is kept as what it adds beyond the length, nearly always
 * 0: one byte, where itself took two or three. Exact for any figures. */
static int64_t idle_rest(const gt_gap *g)
{
	return (int64_t)g->sched[0] + g->sched[1] + g->sched[2] - (int64_t)g->len32;
}

int gp_append(gp_store *s, const gt_gap *g, mem_ahead *ahead)
{
	if (s->capbytes - s->nbytes < MAX_GAP_BYTES &&
	    !mem_grow_in_place(&s->bytes, &s->capbytes, &s->reserved, s->nbytes + MAX_GAP_BYTES, 1, ahead))
		return -1;
	if (s->n % GT_GAP_BLOCK == 0) {
		if (!mem_grow(&s->blocks, &s->capblocks, s->nblocks + 1, sizeof *s->blocks, 256))
			return -1;
		s->blocks[s->nblocks++] = (gp_block){g->start, s->nbytes};
		s->prev = (gt_gap){.start = g->start};
	}
	const gt_gap *pv = &s->prev;
	uint8_t *p = s->bytes + s->nbytes;
	*p++ = (uint8_t)(g->cause | (g->unblocker != GT_NONE ? F_UNBLOCKER : 0) | (g->unblock_stack ? F_STACK : 0) |
	                 (g->proc != GT_NONE ? F_PROC : 0) | (g->sched_wide ? F_WIDE : 0));
	p = put_uvarint(p, (uint64_t)(g->start - pv->start));
	p = put_uvarint(p, (uint64_t)gt_gap_len(g));
	p = put_uvarint(p, zigzag((int64_t)g->goroutine - pv->goroutine));
	p = put_uvarint(p, zigzag((int64_t)g->runnable_at_start - pv->runnable_at_start));
	if (g->unblocker != GT_NONE)
		p = put_uvarint(p, zigzag((int64_t)g->unblocker - g->goroutine));
	if (g->unblock_stack)
		p = put_uvarint(p, g->unblock_stack);
	if (g->proc != GT_NONE)
		p = put_uvarint(p, g->proc);
	p = put_uvarint(p, g->sched[0]);
	if (!g->sched_wide) {
		p = put_uvarint(p, g->sched[2]);
		p = put_uvarint(p, g->sched[3]);
		p = put_uvarint(p, zigzag(idle_rest(g)));
	}
	s->nbytes = (size_t)(p - s->bytes);
	s->prev = *g;
	s->n++;
	return 0;
}

void gp_truncate(gp_store *s, size_t i)
{
	if (i >= s->n)
		return;
	s->nblocks = i / GT_GAP_BLOCK;
	s->nbytes = s->blocks[s->nblocks].off;
	s->n = s->nblocks * GT_GAP_BLOCK;
}

void gp_free(gp_store *s)
{
	mem_free_grown(s->bytes, s->reserved);
	free(s->blocks);
	memset(s, 0, sizeof *s);
}

/* Decodes the next gap at the iterator's position, without checks: the
 * bytes are the store's own. */
static inline void decode(gt_gap_iter *it, gt_gap *out)
{
	if (it->pos % GT_GAP_BLOCK == 0) {
		const gp_block *b = (const gp_block *)it->blocks + it->pos / GT_GAP_BLOCK;
		it->p = it->bytes + b->off;
		it->prev = (gt_gap){.start = b->start};
	}
	const uint8_t *p = it->p;
	const gt_gap *pv = &it->prev;
	uint8_t f = *p++;
	gt_gap g = {.cause = f & F_CAUSE, .sched_wide = (f & F_WIDE) != 0, .unblocker = GT_NONE, .proc = GT_NONE};
	g.start = pv->start + (int64_t)get_uvarint(&p);
	uint64_t len = get_uvarint(&p);
	g.goroutine = (uint32_t)((int64_t)pv->goroutine + unzigzag(get_uvarint(&p)));
	g.runnable_at_start = (uint32_t)((int64_t)pv->runnable_at_start + unzigzag(get_uvarint(&p))) & 0xffffff;
	if (f & F_UNBLOCKER)
		g.unblocker = (uint32_t)((int64_t)g.goroutine + unzigzag(get_uvarint(&p)));
	if (f & F_STACK)
		g.unblock_stack = (uint32_t)get_uvarint(&p);
	if (f & F_PROC)
		g.proc = (uint32_t)get_uvarint(&p);
	g.sched[0] = (uint32_t)get_uvarint(&p);
	if (f & F_WIDE) {
		g.sched[2] = (uint32_t)len;
		g.sched[3] = (uint32_t)(len >> 32);
	} else {
		g.len32 = (uint32_t)len;
		g.sched[2] = (uint32_t)get_uvarint(&p);
		g.sched[3] = (uint32_t)get_uvarint(&p);
		int64_t rest = unzigzag(get_uvarint(&p));
		g.sched[1] = (uint32_t)((int64_t)g.len32 + rest - g.sched[0] - g.sched[2]);
	}
	it->p = p;
	it->prev = g;
	it->pos++;
	*out = g;
}

void gp_seek(const gp_store *s, size_t i, gt_gap_iter *it)
{
	memset(it, 0, sizeof *it);
	it->blocks = s->blocks;
	it->bytes = s->bytes;
	it->n = s->n;
	if (i >= s->n) {
		it->pos = s->n;
		return;
	}
	it->pos = i - i % GT_GAP_BLOCK;
	gt_gap skip;
	while (it->pos < i)
		decode(it, &skip);
}

/* Here rather than in model.c so that decoding inlines: readers call it
 * for every gap. */
bool gt_gap_next(gt_gap_iter *it, gt_gap *out)
{
	if (it->pos >= it->n)
		return false;
	decode(it, out);
	return true;
}

size_t gp_first_at(const gp_store *s, int64_t t)
{
	/* Blocks starting before t: the answer is in the last of them, or is
	 * the first gap of the next. */
	size_t lo = 0, hi = s->nblocks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->blocks[mid].start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	gt_gap_iter it;
	gp_seek(s, (lo - 1) * GT_GAP_BLOCK, &it);
	gt_gap g;
	while (it.pos < s->n && it.pos < lo * GT_GAP_BLOCK) {
		size_t at = it.pos;
		decode(&it, &g);
		if (g.start >= t)
			return at;
	}
	return it.pos;
}
