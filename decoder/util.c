#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mem.h"

#define GT_STATUS_STR_(name, text) text,
static const char *const status_strings[] = {GT_STATUS_TABLE(GT_STATUS_STR_)};
#undef GT_STATUS_STR_

DC_EXPORT const char *gt_status_str(gt_status status)
{
	if ((unsigned)status >= GT_STATUS_COUNT)
		return "unknown status";
	return status_strings[status];
}

gt_status dc_fail(gt_error *err, gt_status status, uint64_t offset, const char *fmt, ...)
{
	if (err) {
		err->status = status;
		err->offset = offset;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof err->detail, fmt, ap);
		va_end(ap);
	}
	return status;
}

DC_EXPORT int gt_uvarint(const uint8_t *p, size_t len, uint64_t *out) { return dc_uvarint_bytes(p, len, out); }

bool dc_grow(void *pptr, size_t *cap, size_t need, size_t elem) { return mem_grow(pptr, cap, need, elem, 8); }

static inline size_t map_hash(uint64_t k)
{
	/* splitmix64 finaliser: spreads ids that are far apart but regular. */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

#define DENSE_ABSENT UINT32_MAX
/* A key goes to the dense array when the array would stay within a small
 * factor of the number of keys put (as Go's dataTable.compactify decides,
 * counting deleted keys too: each one took an event of the input, so the
 * array still grows no faster than the input). */
#define DENSE_MAX_KEYS ((size_t)1 << 24)
#define DENSE_SLACK 1024

void dc_map_free(dc_map *m)
{
	free(m->dense);
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof *m);
}

void dc_map_clear(dc_map *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap);
	if (m->ndense)
		memset(m->dense, 0xff, m->ndense * sizeof *m->dense);
	m->hlen = 0;
	m->len = 0;
	m->puts = 0;
}

static uint32_t *hash_get(const dc_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = map_hash(key) & mask;; i = (i + 1) & mask) {
		if (!m->used[i])
			return NULL;
		if (m->keys[i] == key)
			return &m->vals[i];
	}
}

uint32_t *dc_map_get_hashed(const dc_map *m, uint64_t key) { return hash_get(m, key); }

static bool hash_rehash(dc_map *m, size_t ncap)
{
	uint64_t *keys = malloc(ncap * sizeof *keys);
	uint32_t *vals = malloc(ncap * sizeof *vals);
	uint8_t *used = calloc(ncap, 1);
	if (!keys || !vals || !used) {
		free(keys);
		free(vals);
		free(used);
		return false;
	}
	size_t mask = ncap - 1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		size_t j = map_hash(m->keys[i]) & mask;
		while (used[j])
			j = (j + 1) & mask;
		used[j] = 1;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = keys;
	m->vals = vals;
	m->used = used;
	m->cap = ncap;
	return true;
}

static void hash_del(dc_map *m, uint64_t key);

/* Grows the dense array to cover key, moving hashed keys that now fit. */
static bool dense_grow(dc_map *m, uint64_t key)
{
	size_t n = m->ndense ? m->ndense : 64;
	while (n <= key)
		n *= 2;
	uint32_t *d = realloc(m->dense, n * sizeof *d);
	if (!d)
		return false;
	memset(d + m->ndense, 0xff, (n - m->ndense) * sizeof *d);
	m->dense = d;
	size_t old = m->ndense;
	m->ndense = n;
	if (m->hlen) {
		/* Move the keys that now fit, then rebuild the table without them:
		 * deleting one by one would rescan after every shift. */
		size_t moved = 0;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->used[i] && m->keys[i] >= old && m->keys[i] < n) {
				d[m->keys[i]] = m->vals[i];
				m->used[i] = 2; /* marked for removal */
				moved++;
			}
		}
		if (moved) {
			size_t mask = m->cap - 1;
			uint64_t *keys = m->keys;
			uint32_t *vals = m->vals;
			uint8_t *used = m->used;
			uint8_t *fresh = calloc(m->cap, 1);
			uint64_t *nkeys = malloc(m->cap * sizeof *nkeys);
			uint32_t *nvals = malloc(m->cap * sizeof *nvals);
			if (!fresh || !nkeys || !nvals) {
				free(fresh);
				free(nkeys);
				free(nvals);
				for (size_t i = 0; i < m->cap; i++)
					if (used[i] == 2)
						used[i] = 1; /* leave them hashed: lookups check dense first */
				return true;
			}
			for (size_t i = 0; i < m->cap; i++) {
				if (used[i] != 1)
					continue;
				size_t j = map_hash(keys[i]) & mask;
				while (fresh[j])
					j = (j + 1) & mask;
				fresh[j] = 1;
				nkeys[j] = keys[i];
				nvals[j] = vals[i];
			}
			free(keys);
			free(vals);
			free(used);
			m->keys = nkeys;
			m->vals = nvals;
			m->used = fresh;
			m->hlen -= moved;
		}
	}
	return true;
}

uint32_t *dc_map_put(dc_map *m, uint64_t key, bool *inserted)
{
	if (key >= m->ndense && key < DENSE_MAX_KEYS && key < 2 * (m->puts + 1) + DENSE_SLACK) {
		if (!dense_grow(m, key))
			return NULL;
	}
	if (key < m->ndense) {
		uint32_t *slot = &m->dense[key];
		*inserted = *slot == DENSE_ABSENT;
		if (*inserted) {
			*slot = 0;
			m->len++;
			m->puts++;
		}
		return slot;
	}
	/* Keep the hash table's load under 1/2 so probes stay short. */
	if ((m->hlen + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(uint64_t) || !hash_rehash(m, ncap))
			return NULL;
	}
	size_t mask = m->cap - 1;
	size_t i = map_hash(key) & mask;
	for (; m->used[i]; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			*inserted = false;
			return &m->vals[i];
		}
	}
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = 0;
	m->hlen++;
	m->len++;
	m->puts++;
	*inserted = true;
	return &m->vals[i];
}

static void hash_del(dc_map *m, uint64_t key)
{
	if (!m->cap)
		return;
	size_t mask = m->cap - 1;
	size_t i = map_hash(key) & mask;
	for (;; i = (i + 1) & mask) {
		if (!m->used[i])
			return;
		if (m->keys[i] == key)
			break;
	}
	/* Backward-shift deletion keeps probe chains intact without tombstones. */
	m->used[i] = 0;
	m->hlen--;
	m->len--;
	for (size_t j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = map_hash(m->keys[j]) & mask;
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		m->used[i] = 1;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->used[j] = 0;
		i = j;
	}
}

void dc_map_del(dc_map *m, uint64_t key)
{
	if (key < m->ndense) {
		if (m->dense[key] != DENSE_ABSENT) {
			m->dense[key] = DENSE_ABSENT;
			m->len--;
		}
		return;
	}
	hash_del(m, key);
}
