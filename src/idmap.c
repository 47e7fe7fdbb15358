#include <stdlib.h>
#include <string.h>

#include "idmap.h"

static size_t slot_of(uint64_t k, size_t mask)
{
	k *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(k ^ (k >> 32)) & mask;
}

uint32_t idmap_get(const idmap *m, uint64_t key)
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

static int grow(idmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	idmap n = {malloc(ncap * sizeof *n.keys), malloc(ncap * sizeof *n.vals), ncap, 0};
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -1;
	}
	memset(n.vals, 0xff, ncap * sizeof *n.vals);
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] != UINT32_MAX)
			idmap_put(&n, m->keys[i], m->vals[i]);
	idmap_free(m);
	*m = n;
	return 0;
}

int idmap_put(idmap *m, uint64_t key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->cap && grow(m) != 0)
		return -1;
	size_t mask = m->cap - 1;
	size_t i = slot_of(key, mask);
	while (m->vals[i] != UINT32_MAX && m->keys[i] != key)
		i = (i + 1) & mask;
	if (m->vals[i] == UINT32_MAX)
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

void idmap_free(idmap *m)
{
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
