/* The decoder's id map: keys below a density bound move to a direct array
 * as the map grows; every key must stay findable through those moves, and
 * keys arriving largest first must not make growth quadratic. */
#include <check.h>

#include "check_run.h"
#include "internal.h"

static void put(dc_map *m, uint64_t k, uint32_t v)
{
	bool inserted;
	uint32_t *slot = dc_map_put(m, k, &inserted);
	ck_assert_ptr_nonnull(slot);
	ck_assert(inserted);
	*slot = v;
}

START_TEST(descending_keys)
{
	dc_map m = {0};
	const uint64_t n = 300000;
	for (uint64_t k = n; k >= 1; k--)
		put(&m, k, (uint32_t)(k * 3));
	ck_assert_uint_eq(m.len, n);
	for (uint64_t k = 1; k <= n; k++) {
		uint32_t *v = dc_map_get(&m, k);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(*v, k * 3);
	}
	ck_assert_ptr_null(dc_map_get(&m, n + 1));
	dc_map_free(&m);
}
END_TEST

START_TEST(sparse_and_dense_with_deletes)
{
	dc_map m = {0};
	/* Thread ids are large and sparse; goroutine ids small and dense. */
	for (uint64_t k = 0; k < 5000; k++)
		put(&m, k % 2 ? 1000000007ULL * k : k, (uint32_t)k);
	for (uint64_t k = 0; k < 5000; k += 3)
		dc_map_del(&m, k % 2 ? 1000000007ULL * k : k);
	for (uint64_t k = 0; k < 5000; k++) {
		uint32_t *v = dc_map_get(&m, k % 2 ? 1000000007ULL * k : k);
		if (k % 3 == 0) {
			ck_assert_ptr_null(v);
		} else {
			ck_assert_ptr_nonnull(v);
			ck_assert_uint_eq(*v, k);
		}
	}
	dc_map_free(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("decoder:map");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, descending_keys);
	tcase_add_test(tc, sparse_and_dense_with_deletes);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? 1 : 0;
}
