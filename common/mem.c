/* Why some arrays grow in place: realloc moves a big block with mremap,
 * and on some virtual machines the first read of the moved pages costs
 * about as much as new memory (measured on one: 640 MB grown by realloc,
 * then read once, 0.8-0.9 s; the same written into one mapping, 0.02 s).
 * An array that reaches gigabytes is moved about as many times as it
 * doubles past the mmap threshold, and read whole afterwards. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

bool mem_grow(void *pptr, size_t *cap, size_t need, size_t elem, size_t first)
{
	void **pp = (void **)pptr;
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap : first ? first : 1;
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

/* Address space, not memory: PROT_NONE pages are neither committed nor
 * backed until made writable, and 64-bit address space is plentiful. */
#define RESERVE_BYTES ((size_t)1 << 38)
#define COMMIT_STEP ((size_t)2 << 20)

bool mem_grow_in_place(void *pptr, size_t *cap, size_t *reserved, size_t need, size_t elem)
{
	void **pp = (void **)pptr;
	if (need <= *cap)
		return true;
	if (!*pp && !*reserved && SIZE_MAX >= RESERVE_BYTES) {
		void *p = mmap(NULL, RESERVE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED) {
			*pp = p;
			*reserved = RESERVE_BYTES;
		}
	}
	if (!*reserved)
		return mem_grow(pptr, cap, need, elem, 64);
	if (need > *reserved / elem)
		return false;
	/* Doubling, in whole steps, keeps the mprotect calls few. */
	size_t bytes = *cap * elem * 2;
	if (bytes < need * elem)
		bytes = need * elem;
	bytes = (bytes + COMMIT_STEP - 1) / COMMIT_STEP * COMMIT_STEP;
	if (bytes > *reserved)
		bytes = *reserved;
	if (mprotect(*pp, bytes, PROT_READ | PROT_WRITE) != 0)
		return false;
	*cap = bytes / elem;
	return true;
}

void mem_free_grown(void *p, size_t reserved)
{
	if (reserved)
		munmap(p, reserved);
	else
		free(p);
}
