#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static size_t slot_of(uint64_t k, size_t mask)
{
	k *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(k ^ (k >> 32)) & mask;
}

/* A key joins the dense array while the array stays within a few times the
 * number of keys: goroutine ids are dense, thread ids are not. */
#define DENSE_LIMIT ((uint64_t)1 << 26)
#define DENSE_SLACK 4096

uint32_t idmap_hash_get(const idmap *m, uint64_t key)
{
	if (!m->cap)
		return UINT32_MAX;
	size_t mask = m->cap - 1;
	for (size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
		if (m->vals[i] == UINT32_MAX)
			return UINT32_MAX;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static int hash_put(idmap *m, uint64_t key, uint32_t val);

/* Rebuilds the table at capacity ncap, leaving out keys below `below`
 * (they have moved to the dense array). */
static int rehash(idmap *m, size_t ncap, uint64_t below)
{
	idmap n = {.keys = malloc(ncap * sizeof *n.keys), .vals = malloc(ncap * sizeof *n.vals), .cap = ncap};
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	memset(n.vals, 0xff, ncap * sizeof *n.vals);
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != UINT32_MAX && m->keys[i] >= below)
			hash_put(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	m->keys = n.keys;
	m->vals = n.vals;
	m->cap = ncap;
	m->hlen = n.hlen;
	return 0;
}

static int hash_put(idmap *m, uint64_t key, uint32_t val)
{
	if ((m->hlen + 1) * 2 > m->cap && rehash(m, m->cap ? m->cap * 2 : 64, 0) != 0)
		return -1;
	size_t mask = m->cap - 1;
	size_t i = slot_of(key, mask);
	while (m->vals[i] != UINT32_MAX && m->keys[i] != key)
		i = (i + 1) & mask;
	if (m->vals[i] == UINT32_MAX) {
		m->hlen++;
		m->len++;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

static int dense_grow(idmap *m, uint64_t key)
{
	size_t n = m->ndense ? m->ndense : 256;
	while (n <= key)
		n *= 2;
	uint32_t *d = realloc(m->dense, n * sizeof *d);
	if (!d)
		return -1;
	memset(d + m->ndense, 0xff, (n - m->ndense) * sizeof *d);
	size_t old = m->ndense;
	m->dense = d;
	m->ndense = n;
	if (!m->hlen)
		return 0;
	size_t moved = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != UINT32_MAX && m->keys[i] >= old && m->keys[i] < n) {
			d[m->keys[i]] = m->vals[i];
			moved++;
		}
	if (!moved)
		return 0;
	size_t len = m->len;
	if (rehash(m, m->cap, n) != 0)
		return -1;
	m->len = len; /* the moved keys are still in the map */
	return 0;
}

int idmap_put(idmap *m, uint64_t key, uint32_t val)
{
	if (key >= m->ndense && key < DENSE_LIMIT && key < 4 * (m->len + 1) + DENSE_SLACK && dense_grow(m, key) != 0)
		return -1;
	if (key < m->ndense) {
		if (m->dense[key] == UINT32_MAX)
			m->len++;
		m->dense[key] = val;
		return 0;
	}
	return hash_put(m, key, val);
}

void idmap_free(idmap *m)
{
	free(m->dense);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

uint32_t idmap_group(idmap *m, const char *p, size_t n, uint32_t next,
                     int (*same)(const void *ctx, uint32_t index, const char *p, size_t n), const void *ctx)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	/* Keys that collide take the following hash values. */
	for (;; h++) {
		uint32_t i = idmap_get(m, h);
		if (i == UINT32_MAX)
			return idmap_put(m, h, next) ? UINT32_MAX : next;
		if (same(ctx, i, p, n))
			return i;
	}
}
