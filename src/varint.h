/* LEB128 varints and zigzag, for the packed stores (spanpack.c,
 * gappack.c): most of what they keep is small deltas. */
#ifndef GOTRACE_VARINT_H
#define GOTRACE_VARINT_H

#include <stdint.h>

static inline uint8_t *put_uvarint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* Reads bytes written by put_uvarint, without checks: the stores read
 * only what they wrote. */
static inline uint64_t get_uvarint(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	/* Most values take one or two bytes: no loop for those. */
	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if (p[1] < 0x80) {
		*pp = p + 2;
		return (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
	}
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80)
			break;
	}
	*pp = p;
	return v;
}

#endif
