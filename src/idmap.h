/* A map from 64-bit ids (goroutines, Ps, threads, stacks by hash) to 32-bit
 * indices, for the model and the reports. Insert and look up only. */
#ifndef GOTRACE_SRC_IDMAP_H
#define GOTRACE_SRC_IDMAP_H

#include <stddef.h>
#include <stdint.h>

/* Small dense ids (goroutines, Ps) index an array directly; the rest
 * (thread ids, hashes) go to an open-addressing table. */
typedef struct idmap {
	uint32_t *dense; /* UINT32_MAX marks an absent key */
	size_t ndense;
	uint64_t *keys;
	uint32_t *vals; /* UINT32_MAX marks an empty slot */
	size_t cap, hlen, len;
} idmap;

uint32_t idmap_hash_get(const idmap *m, uint64_t key);

/* The value for key, or UINT32_MAX. Inline for the dense keys (goroutine
 * ids, a generation's stack ids): the model looks several up per event. */
static inline uint32_t idmap_get(const idmap *m, uint64_t key)
{
	return key < m->ndense ? m->dense[key] : idmap_hash_get(m, key);
}
/* Sets key to val. Returns 0, or -1 when out of memory. */
int idmap_put(idmap *m, uint64_t key, uint32_t val);
void idmap_free(idmap *m);

/* Grouping by a byte-string key in linear time: the index already given to
 * an equal key (same(ctx, index, p, n) decides equality), or else `next`,
 * which is recorded for it. UINT32_MAX when out of memory. Comparing with
 * every group instead is quadratic: a hostile trace with a million
 * distinct names would hang the reports. */
uint32_t idmap_group(idmap *m, const char *p, size_t n, uint32_t next,
                     int (*same)(const void *ctx, uint32_t index, const char *p, size_t n), const void *ctx);

#endif
