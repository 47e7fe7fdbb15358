/* Internal helpers of libgotrace: the bounded cursor, error filling, growable
 * arrays and an integer hash map. Prefix `dc_`. */
#ifndef GOTRACE_DECODER_INTERNAL_H
#define GOTRACE_DECODER_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gotrace/decoder.h"

#if defined(__GNUC__) || defined(__clang__)
#define DC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define DC_LIKELY(x) __builtin_expect(!!(x), 1)
#define DC_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* libgotrace is built with hidden visibility (meson.build): only what is
 * marked DC_EXPORT, the public gt_* API, leaves the shared object, so calls
 * between the decoder's own files go direct, not through the PLT. */
#define DC_EXPORT __attribute__((visibility("default")))
#else
#define DC_PRINTF(a, b)
#define DC_LIKELY(x) (x)
#define DC_UNLIKELY(x) (x)
#define DC_EXPORT
#endif

/* Fills *err (when not NULL) and returns status, so callers can write
 * `return dc_fail(err, GT_ERR_..., off, "...")`. */
gt_status dc_fail(gt_error *err, gt_status status, uint64_t offset, const char *fmt, ...) DC_PRINTF(4, 5);

/* Every byte the decoder reads goes through a cursor over [pos, end) of the
 * input; offsets reported in errors are absolute offsets in the input. */
typedef struct dc_cursor {
	const uint8_t *base; /* start of the whole input */
	size_t pos;
	size_t end;
} dc_cursor;

static inline size_t dc_left(const dc_cursor *c) { return c->end - c->pos; }

/* Reads one byte; false at the end. */
static inline bool dc_u8(dc_cursor *c, uint8_t *out)
{
	if (c->pos >= c->end)
		return false;
	*out = c->base[c->pos++];
	return true;
}

typedef enum dc_varint_result { DC_VARINT_OK, DC_VARINT_SHORT, DC_VARINT_OVERFLOW } dc_varint_result;

/* gt_uvarint (Go's binary.Uvarint) inline, for the decoder's own loops:
 * the bytes read, 0 when p ends first, -1 on overflow. */
static inline int dc_uvarint_bytes(const uint8_t *p, size_t len, uint64_t *out)
{
	uint64_t x = 0;
	unsigned s = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = p[i];
		if (i == 10)
			return -1; /* more than 10 bytes: Go reports overflow */
		if (b < 0x80) {
			if (i == 9 && b > 1)
				return -1;
			*out = x | (uint64_t)b << s;
			return (int)i + 1;
		}
		x |= (uint64_t)(b & 0x7f) << s;
		s += 7;
	}
	return 0;
}

/* Reads a uvarint of at most 10 bytes, as Go's encoding/binary does. */
static inline dc_varint_result dc_uvarint(dc_cursor *c, uint64_t *out)
{
	const uint8_t *p = c->base + c->pos;
	size_t n = c->end - c->pos;
	/* Fast path: single-byte values are the common case in traces. */
	if (DC_LIKELY(n > 0 && p[0] < 0x80)) {
		*out = p[0];
		c->pos++;
		return DC_VARINT_OK;
	}
	int r = dc_uvarint_bytes(p, n, out);
	if (r > 0) {
		c->pos += (size_t)r;
		return DC_VARINT_OK;
	}
	return r == 0 ? DC_VARINT_SHORT : DC_VARINT_OVERFLOW;
}

/* Growable array: `dc_grow(&ptr, &cap, need, sizeof *ptr)` makes room for
 * `need` elements. Returns false (leaving the array intact) when the size
 * would overflow or memory runs out. */
bool dc_grow(void *pptr, size_t *cap, size_t need, size_t elem);

/* Map from a 64-bit key to a 32-bit value below UINT32_MAX. Trace ids
 * (strings, stacks, goroutines, Ps, Ms) are mostly small and dense, so keys
 * below `ndense` live in a direct-indexed array (UINT32_MAX meaning absent);
 * the rest go to an open-addressing hash table. The array covers keys up to
 * about twice the number of keys ever put: ids handed out in increasing
 * order (goroutines, tasks) stay direct-indexed however many of them have
 * since been deleted. */
typedef struct dc_map {
	uint32_t *dense;
	size_t ndense;
	uint64_t *keys;
	uint32_t *vals;
	uint8_t *used;
	size_t cap;  /* of the hash table: a power of two, or 0 */
	size_t hlen; /* keys in the hash table */
	size_t len;  /* keys in all */
	size_t puts; /* keys inserted since the last clear, deleted or not */
} dc_map;

void dc_map_free(dc_map *m);
void dc_map_clear(dc_map *m);
uint32_t *dc_map_get_hashed(const dc_map *m, uint64_t key);
/* Returns a pointer to the value slot for key, or NULL when absent. */
static inline uint32_t *dc_map_get(const dc_map *m, uint64_t key)
{
	if (DC_LIKELY(key < m->ndense))
		return m->dense[key] != UINT32_MAX ? &m->dense[key] : NULL;
	return dc_map_get_hashed(m, key);
}
/* Inserts or finds key; *inserted says which. NULL when out of memory. */
uint32_t *dc_map_put(dc_map *m, uint64_t key, bool *inserted);
/* Removes key if present. */
void dc_map_del(dc_map *m, uint64_t key);

/* Go's float64 to int64 conversion as amd64 performs it: NaN and values out
 * of range become INT64_MIN (C leaves them undefined). */
static inline int64_t dc_f64_to_i64(double x)
{
	if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)x;
}

#endif
