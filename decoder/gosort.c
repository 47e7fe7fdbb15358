/* Port of Go's pdqsort as instantiated for slices.SortFunc
 * (go/src/slices/zsortanyfunc.go, helpers from go/src/slices/sort.go).
 *
 * Equal elements end up wherever the exact sequence of comparisons and swaps
 * puts them, so every function below mirrors its Go counterpart statement for
 * statement: same thresholds, same loop bounds (including Go's quirks), same
 * swap order. Do not "improve" anything here without checking against Go's
 * source, and rerun tests/test_gosort.c, whose vectors come from real Go.
 *
 * Indices are ptrdiff_t because Go's int is signed and some loops rely on
 * going below zero (heapSort) or below `a` (partialInsertionSort). */
#include "gosort.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef int (*gs_cmp_fn)(const void *a, const void *b, void *ctx);

typedef struct gs_data {
	unsigned char *base;
	size_t size;
	gs_cmp_fn cmp;
	void *ctx;
} gs_data;

/* Go's sortedHint */
enum { GS_UNKNOWN_HINT, GS_INCREASING_HINT, GS_DECREASING_HINT };

static unsigned char *gs_at(const gs_data *d, ptrdiff_t i)
{
	return d->base + (size_t)i * d->size;
}

/* cmp(data[i], data[j]) < 0 */
static bool gs_less(const gs_data *d, ptrdiff_t i, ptrdiff_t j)
{
	return d->cmp(gs_at(d, i), gs_at(d, j), d->ctx) < 0;
}

/* data[i], data[j] = data[j], data[i] */
static void gs_swap(const gs_data *d, ptrdiff_t i, ptrdiff_t j)
{
	/* Go swaps an element with itself in places (e.g. partition with
	 * pivot == a); that is a no-op, but memcpy on identical pointers is UB. */
	if (i == j)
		return;
	unsigned char *p = gs_at(d, i);
	unsigned char *q = gs_at(d, j);
	size_t n = d->size;
	if (n <= 64) {
		unsigned char tmp[64];
		memcpy(tmp, p, n);
		memcpy(p, q, n);
		memcpy(q, tmp, n);
	} else {
		/* No malloc: large elements are swapped in place a byte at a time. */
		for (size_t k = 0; k < n; k++) {
			unsigned char t = p[k];
			p[k] = q[k];
			q[k] = t;
		}
	}
}

/* bits.Len */
static int gs_bits_len(uint64_t x)
{
	int n = 0;
	while (x != 0) {
		x >>= 1;
		n++;
	}
	return n;
}

/* xorshift.Next: the state is seeded with the subslice length, so the
 * "random" positions are a deterministic function of the length. */
static uint64_t gs_xorshift_next(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* nextPowerOfTwo */
static uint64_t gs_next_power_of_two(ptrdiff_t length)
{
	return (uint64_t)1 << gs_bits_len((uint64_t)length);
}

/* insertionSortCmpFunc */
static void gs_insertion_sort(const gs_data *d, ptrdiff_t a, ptrdiff_t b)
{
	for (ptrdiff_t i = a + 1; i < b; i++) {
		for (ptrdiff_t j = i; j > a && gs_less(d, j, j - 1); j--)
			gs_swap(d, j, j - 1);
	}
}

/* siftDownCmpFunc */
static void gs_sift_down(const gs_data *d, ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t first)
{
	ptrdiff_t root = lo;
	for (;;) {
		ptrdiff_t child = 2 * root + 1;
		if (child >= hi)
			break;
		if (child + 1 < hi && gs_less(d, first + child, first + child + 1))
			child++;
		if (!gs_less(d, first + root, first + child))
			return;
		gs_swap(d, first + root, first + child);
		root = child;
	}
}

/* heapSortCmpFunc */
static void gs_heap_sort(const gs_data *d, ptrdiff_t a, ptrdiff_t b)
{
	ptrdiff_t first = a;
	ptrdiff_t lo = 0;
	ptrdiff_t hi = b - a;

	for (ptrdiff_t i = (hi - 1) / 2; i >= 0; i--)
		gs_sift_down(d, i, hi, first);

	for (ptrdiff_t i = hi - 1; i >= 0; i--) {
		gs_swap(d, first, first + i);
		gs_sift_down(d, lo, i, first);
	}
}

/* partitionCmpFunc: returns newpivot, sets *already_partitioned. */
static ptrdiff_t gs_partition(const gs_data *d, ptrdiff_t a, ptrdiff_t b, ptrdiff_t pivot, bool *already_partitioned)
{
	gs_swap(d, a, pivot);
	ptrdiff_t i = a + 1, j = b - 1;

	while (i <= j && gs_less(d, i, a))
		i++;
	while (i <= j && !gs_less(d, j, a))
		j--;
	if (i > j) {
		gs_swap(d, j, a);
		*already_partitioned = true;
		return j;
	}
	gs_swap(d, i, j);
	i++;
	j--;

	for (;;) {
		while (i <= j && gs_less(d, i, a))
			i++;
		while (i <= j && !gs_less(d, j, a))
			j--;
		if (i > j)
			break;
		gs_swap(d, i, j);
		i++;
		j--;
	}
	gs_swap(d, j, a);
	*already_partitioned = false;
	return j;
}

/* partitionEqualCmpFunc */
static ptrdiff_t gs_partition_equal(const gs_data *d, ptrdiff_t a, ptrdiff_t b, ptrdiff_t pivot)
{
	gs_swap(d, a, pivot);
	ptrdiff_t i = a + 1, j = b - 1;

	for (;;) {
		while (i <= j && !gs_less(d, a, i))
			i++;
		while (i <= j && gs_less(d, a, j))
			j--;
		if (i > j)
			break;
		gs_swap(d, i, j);
		i++;
		j--;
	}
	return i;
}

/* partialInsertionSortCmpFunc */
static bool gs_partial_insertion_sort(const gs_data *d, ptrdiff_t a, ptrdiff_t b)
{
	enum { max_steps = 5, shortest_shifting = 50 };
	ptrdiff_t i = a + 1;
	for (int step = 0; step < max_steps; step++) {
		while (i < b && !gs_less(d, i, i - 1))
			i++;

		if (i == b)
			return true;

		if (b - a < shortest_shifting)
			return false;

		gs_swap(d, i, i - 1);

		if (i - a >= 2) {
			/* Go's bound is `j >= 1`, not `j > a`, so it can compare
			 * data[a] with data[a-1]. That earlier pivot is <= all of
			 * data[a:b], so the loop stops there with the same result;
			 * kept so cmp sees the same calls as under Go. */
			for (ptrdiff_t j = i - 1; j >= 1; j--) {
				if (!gs_less(d, j, j - 1))
					break;
				gs_swap(d, j, j - 1);
			}
		}
		if (b - i >= 2) {
			for (ptrdiff_t j = i + 1; j < b; j++) {
				if (!gs_less(d, j, j - 1))
					break;
				gs_swap(d, j, j - 1);
			}
		}
	}
	return false;
}

/* breakPatternsCmpFunc */
static void gs_break_patterns(const gs_data *d, ptrdiff_t a, ptrdiff_t b)
{
	ptrdiff_t length = b - a;
	if (length >= 8) {
		uint64_t random = (uint64_t)length;
		uint64_t modulus = gs_next_power_of_two(length);

		for (ptrdiff_t idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; idx++) {
			ptrdiff_t other = (ptrdiff_t)(gs_xorshift_next(&random) & (modulus - 1));
			if (other >= length)
				other -= length;
			gs_swap(d, idx, a + other);
		}
	}
}

/* order2CmpFunc */
static void gs_order2(const gs_data *d, ptrdiff_t *a, ptrdiff_t *b, int *swaps)
{
	if (gs_less(d, *b, *a)) {
		(*swaps)++;
		ptrdiff_t t = *a;
		*a = *b;
		*b = t;
	}
}

/* medianCmpFunc */
static ptrdiff_t gs_median(const gs_data *d, ptrdiff_t a, ptrdiff_t b, ptrdiff_t c, int *swaps)
{
	gs_order2(d, &a, &b, swaps);
	gs_order2(d, &b, &c, swaps);
	gs_order2(d, &a, &b, swaps);
	return b;
}

/* medianAdjacentCmpFunc */
static ptrdiff_t gs_median_adjacent(const gs_data *d, ptrdiff_t a, int *swaps)
{
	return gs_median(d, a - 1, a, a + 1, swaps);
}

/* choosePivotCmpFunc: returns pivot, sets *hint. */
static ptrdiff_t gs_choose_pivot(const gs_data *d, ptrdiff_t a, ptrdiff_t b, int *hint)
{
	enum { shortest_ninther = 50, max_swaps = 4 * 3 };

	ptrdiff_t l = b - a;
	int swaps = 0;
	ptrdiff_t i = a + l / 4 * 1;
	ptrdiff_t j = a + l / 4 * 2;
	ptrdiff_t k = a + l / 4 * 3;

	if (l >= 8) {
		if (l >= shortest_ninther) {
			i = gs_median_adjacent(d, i, &swaps);
			j = gs_median_adjacent(d, j, &swaps);
			k = gs_median_adjacent(d, k, &swaps);
		}
		j = gs_median(d, i, j, k, &swaps);
	}

	switch (swaps) {
	case 0:
		*hint = GS_INCREASING_HINT;
		break;
	case max_swaps:
		*hint = GS_DECREASING_HINT;
		break;
	default:
		*hint = GS_UNKNOWN_HINT;
		break;
	}
	return j;
}

/* reverseRangeCmpFunc */
static void gs_reverse_range(const gs_data *d, ptrdiff_t a, ptrdiff_t b)
{
	ptrdiff_t i = a;
	ptrdiff_t j = b - 1;
	while (i < j) {
		gs_swap(d, i, j);
		i++;
		j--;
	}
}

/* pdqsortCmpFunc. The flags persist across iterations of the loop (which
 * replaces Go's tail recursion on the larger side) but start fresh in each
 * recursive call, exactly as Go's locals do. */
static void gs_pdqsort(const gs_data *d, ptrdiff_t a, ptrdiff_t b, int limit)
{
	enum { max_insertion = 12 };

	bool was_balanced = true;
	bool was_partitioned = true;

	for (;;) {
		ptrdiff_t length = b - a;

		if (length <= max_insertion) {
			gs_insertion_sort(d, a, b);
			return;
		}

		if (limit == 0) {
			gs_heap_sort(d, a, b);
			return;
		}

		if (!was_balanced) {
			gs_break_patterns(d, a, b);
			limit--;
		}

		int hint;
		ptrdiff_t pivot = gs_choose_pivot(d, a, b, &hint);
		if (hint == GS_DECREASING_HINT) {
			gs_reverse_range(d, a, b);
			pivot = (b - 1) - (pivot - a);
			hint = GS_INCREASING_HINT;
		}

		if (was_balanced && was_partitioned && hint == GS_INCREASING_HINT) {
			if (gs_partial_insertion_sort(d, a, b))
				return;
		}

		/* data[a-1] is a previous pivot, <= everything here; if it is not
		 * smaller than this pivot the range is full of duplicates. */
		if (a > 0 && !gs_less(d, a - 1, pivot)) {
			ptrdiff_t mid = gs_partition_equal(d, a, b, pivot);
			a = mid;
			continue;
		}

		bool already_partitioned;
		ptrdiff_t mid = gs_partition(d, a, b, pivot, &already_partitioned);
		was_partitioned = already_partitioned;

		ptrdiff_t left_len = mid - a, right_len = b - mid;
		ptrdiff_t balance_threshold = length / 8;
		if (left_len < right_len) {
			was_balanced = left_len >= balance_threshold;
			gs_pdqsort(d, a, mid, limit);
			a = mid + 1;
		} else {
			was_balanced = right_len >= balance_threshold;
			gs_pdqsort(d, mid + 1, b, limit);
			b = mid;
		}
	}
}

void gt_gosort(void *base, size_t n, size_t size, gs_cmp_fn cmp, void *ctx)
{
	if (n < 2 || size == 0)
		return;
	gs_data d = {(unsigned char *)base, size, cmp, ctx};
	/* SortFunc: pdqsortCmpFunc(x, 0, n, bits.Len(uint(n)), cmp) */
	gs_pdqsort(&d, 0, (ptrdiff_t)n, gs_bits_len((uint64_t)n));
}
