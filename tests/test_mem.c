/* Arrays that grow in place: they keep their address and contents while
 * they grow, and with a faulting thread every step the owner fills next
 * is already in memory when the owner gets to it. */
#define _DEFAULT_SOURCE /* mincore, MADV_POPULATE_WRITE */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "mem.h"

#define MB ((size_t)1 << 20)

START_TEST(grows_in_place_keeping_contents)
{
	uint32_t *v = NULL;
	size_t cap = 0, reserved = 0;
	const size_t n = 12 * MB; /* 48 MB of elements: doubling, then steps */
	uint32_t *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (i == cap) {
			ck_assert(mem_grow_in_place(&v, &cap, &reserved, i + 1, sizeof *v, NULL));
			ck_assert_uint_gt(cap, i);
			if (!first)
				first = v;
			ck_assert_ptr_eq(v, first);
		}
		v[i] = (uint32_t)(i * 2654435761u);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i] != (uint32_t)(i * 2654435761u))
			ck_abort_msg("element %zu changed while the array grew", i);
	mem_free_grown(v, reserved);
}
END_TEST

static bool resident(const char *p, size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = (bytes + page - 1) / page;
	unsigned char *in = malloc(n);
	bool all = in && mincore((void *)p, bytes, in) == 0;
	for (size_t i = 0; all && i < n; i++)
		all = in[i] & 1;
	free(in);
	return all;
}

/* The faulting thread runs on its own: give it up to 5 s, far more than
 * faulting in 8 MB takes even on a loaded machine under sanitizers. */
static bool becomes_resident(const char *p, size_t bytes)
{
	for (int i = 0; i < 5000; i++) {
		if (resident(p, bytes))
			return true;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return false;
}

static bool kernel_populates(void)
{
#ifdef MADV_POPULATE_WRITE
	size_t bytes = 64 * 1024;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	bool ok = madvise(p, bytes, MADV_POPULATE_WRITE) == 0;
	munmap(p, bytes);
	return ok;
#else
	return false;
#endif
}

START_TEST(each_step_is_faulted_in_before_it_is_filled)
{
	mem_ahead *ahead = mem_ahead_start();
	if (!ahead || !kernel_populates()) {
		fprintf(stderr, "test_mem: no MADV_POPULATE_WRITE here, nothing to check\n");
		mem_ahead_stop(ahead);
		return;
	}
	char *p = NULL;
	size_t cap = 0, reserved = 0, filled = 0;
	int checked = 0;
	while (filled < 80 * MB) {
		size_t before = cap;
		ck_assert(mem_grow_in_place(&p, &cap, &reserved, filled + 1, 1, ahead));
		/* Past 16 MB the array grows in steps, and from the second step
		 * on, the one about to be filled was asked for at the growth
		 * before. Until the owner writes it, only that thread can have
		 * brought it in. */
		if (before > 16 * MB) {
			ck_assert_msg(becomes_resident(p + before, cap - before),
			              "the step at %zu MB was not faulted in ahead of the owner", before / MB);
			checked++;
		}
		memset(p + filled, 0x5a, cap - filled);
		filled = cap;
	}
	ck_assert_int_ge(checked, 4);
	mem_ahead_stop(ahead);
	mem_free_grown(p, reserved);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("common:mem");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, grows_in_place_keeping_contents);
	tcase_add_test(tc, each_step_is_faulted_in_before_it_is_filled);
	suite_add_tcase(s, tc);
	int failed = check_run(s);
	return failed ? 1 : 0;
}
