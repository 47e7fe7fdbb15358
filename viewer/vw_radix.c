/* A stable radix sort of 32-bit values by 64-bit keys. The viewer orders
 * millions of goroutines and gaps once while a trace loads; comparison
 * sorts spend seconds on that, and stability lets a sort by key alone
 * keep an order that is already right among equal keys. */
#include <stdlib.h>
#include <string.h>

#include "vw.h"

#define DIGIT_BITS 11
#define DIGITS ((64 + DIGIT_BITS - 1) / DIGIT_BITS)
#define RADIX (1u << DIGIT_BITS)

/* Below this, moving elements one by one is cheaper than the counts. */
#define SMALL 48

static void insertion(uint64_t *key, uint32_t *val, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint64_t k = key[i];
		uint32_t v = val[i];
		size_t j = i;
		for (; j > 0 && key[j - 1] > k; j--) {
			key[j] = key[j - 1];
			val[j] = val[j - 1];
		}
		key[j] = k;
		val[j] = v;
	}
}

int vw_radix_sort(uint64_t *key, uint32_t *val, size_t n)
{
	if (n < SMALL) {
		insertion(key, val, n);
		return 0;
	}
	size_t(*count)[RADIX] = calloc(DIGITS, sizeof *count);
	uint64_t *tk = malloc(n * sizeof *tk);
	uint32_t *tv = malloc(n * sizeof *tv);
	if (!count || !tk || !tv) {
		free(count);
		free(tk);
		free(tv);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < DIGITS; d++)
			count[d][(key[i] >> (d * DIGIT_BITS)) & (RADIX - 1)]++;
	uint64_t *ks = key, *kd = tk;
	uint32_t *vs = val, *vd = tv;
	for (int d = 0; d < DIGITS; d++) {
		size_t *c = count[d];
		unsigned shift = (unsigned)(d * DIGIT_BITS);
		/* A digit every key shares orders nothing: most keys are
		 * durations far below 2^64. */
		if (c[(ks[0] >> shift) & (RADIX - 1)] == n)
			continue;
		size_t at = 0;
		for (unsigned b = 0; b < RADIX; b++) {
			size_t m = c[b];
			c[b] = at;
			at += m;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = c[(ks[i] >> shift) & (RADIX - 1)]++;
			kd[to] = ks[i];
			vd[to] = vs[i];
		}
		uint64_t *kt = ks;
		ks = kd, kd = kt;
		uint32_t *vt = vs;
		vs = vd, vd = vt;
	}
	if (ks != key) {
		memcpy(key, ks, n * sizeof *key);
		memcpy(val, vs, n * sizeof *val);
	}
	free(count);
	free(tk);
	free(tv);
	return 0;
}

uint64_t vw_radix_key(int64_t v) { return (uint64_t)v ^ (UINT64_C(1) << 63); }
