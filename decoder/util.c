#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define GT_STATUS_STR_(name, text) text,
static const char *const status_strings[] = {GT_STATUS_TABLE(GT_STATUS_STR_)};
#undef GT_STATUS_STR_

const char *gt_status_str(gt_status status)
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

int gt_uvarint(const uint8_t *p, size_t len, uint64_t *out)
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

bool dc_grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
	void **pp = (void **)pptr;
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return false;
	void *np = realloc(*pp, ncap * elem);
	if (!np)
		return false;
	*pp = np;
	*cap = ncap;
	return true;
}

static inline size_t map_hash(uint64_t k)
{
	/* splitmix64 finaliser: ids are often dense, so spread them. */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

void dc_map_free(dc_map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof *m);
}

void dc_map_clear(dc_map *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap);
	m->len = 0;
}

uint32_t *dc_map_get(const dc_map *m, uint64_t key)
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

static bool map_rehash(dc_map *m, size_t ncap)
{
	dc_map n = {0};
	n.keys = malloc(ncap * sizeof *n.keys);
	n.vals = malloc(ncap * sizeof *n.vals);
	n.used = calloc(ncap, 1);
	if (!n.keys || !n.vals || !n.used) {
		free(n.keys);
		free(n.vals);
		free(n.used);
		return false;
	}
	n.cap = ncap;
	size_t mask = ncap - 1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		size_t j = map_hash(m->keys[i]) & mask;
		while (n.used[j])
			j = (j + 1) & mask;
		n.used[j] = 1;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	n.len = m->len;
	dc_map_free(m);
	*m = n;
	return true;
}

uint32_t *dc_map_put(dc_map *m, uint64_t key, bool *inserted)
{
	/* Keep the load under 1/2 so probes stay short. */
	if ((m->len + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(uint64_t) || !map_rehash(m, ncap))
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
	m->len++;
	*inserted = true;
	return &m->vals[i];
}

void dc_map_del(dc_map *m, uint64_t key)
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
