/* Why some arrays grow in place: realloc moves a big block with mremap,
 * and on some virtual machines the first read of the moved pages costs
 * about as much as new memory (measured on one: 640 MB grown by realloc,
 * then read once, 0.8-0.9 s; the same written into one mapping, 0.02 s).
 * An array that reaches gigabytes is moved about as many times as it
 * doubles past the mmap threshold, and read whole afterwards. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "mem.h"

#include <pthread.h>
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
#define HUGE_PAGE ((size_t)2 << 20)
#define COMMIT_STEP HUGE_PAGE
#define AHEAD_STEP ((size_t)8 << 20)
#define AHEAD_FROM ((size_t)16 << 20) /* small models do without */

/* Memory the model fills once, gigabytes of it, is taken in huge pages
 * where the kernel allows it: on a virtual machine a page fault traps to
 * the host, and faults of 4 KB pages were a quarter of the model
 * builder's time on one (docs/scale.md). */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE); /* only advice: fine to fail */
#else
	(void)p;
	(void)bytes;
#endif
}

void *mem_alloc_huge(size_t bytes)
{
	void *p = NULL;
	if (bytes < HUGE_PAGE || posix_memalign(&p, HUGE_PAGE, bytes) != 0)
		return malloc(bytes);
	advise_huge(p, bytes);
	return p;
}

/* A reservation starting on a huge page boundary, so that the steps
 * committed in it are whole huge pages. */
static void *reserve_aligned(size_t bytes)
{
	char *raw = mmap(NULL, bytes + HUGE_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uintptr_t at = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	char *p = raw + (at - (uintptr_t)raw);
	if (p > raw)
		munmap(raw, (size_t)(p - raw));
	munmap(p + bytes, (size_t)(raw + HUGE_PAGE - p));
	advise_huge(p, bytes);
	return p;
}

bool mem_grow_in_place(void *pptr, size_t *cap, size_t *reserved, size_t need, size_t elem, mem_ahead *ahead)
{
	void **pp = (void **)pptr;
	if (need <= *cap)
		return true;
	if (!*pp && !*reserved && SIZE_MAX >= RESERVE_BYTES) {
		void *p = reserve_aligned(RESERVE_BYTES);
		if (p) {
			*pp = p;
			*reserved = RESERVE_BYTES;
		}
	}
	if (!*reserved)
		return mem_grow(pptr, cap, need, elem, 64);
	if (need > *reserved / elem)
		return false;
	size_t bytes;
	if (ahead && *cap * elem >= AHEAD_FROM) {
		/* The array grows a step at a time, and the step after the one
		 * now filled is made writable and faulted in by the other thread
		 * while this one fills up to it. */
		bytes = (need * elem + AHEAD_STEP - 1) / AHEAD_STEP * AHEAD_STEP;
		size_t next = bytes + AHEAD_STEP;
		if (bytes > *reserved)
			bytes = *reserved;
		if (next > *reserved)
			next = *reserved;
		if (mprotect(*pp, next, PROT_READ | PROT_WRITE) != 0)
			return false;
		if (next > bytes)
			mem_ahead_ask(ahead, (char *)*pp + bytes, next - bytes);
	} else {
		/* Doubling, in whole steps, keeps the mprotect calls few. */
		bytes = *cap * elem * 2;
		if (bytes < need * elem)
			bytes = need * elem;
		bytes = (bytes + COMMIT_STEP - 1) / COMMIT_STEP * COMMIT_STEP;
		if (bytes > *reserved)
			bytes = *reserved;
		if (mprotect(*pp, bytes, PROT_READ | PROT_WRITE) != 0)
			return false;
	}
	*cap = bytes / elem;
	return true;
}

/* ---- faulting in ahead ---- */

#define AHEAD_QUEUE 32

struct mem_ahead {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct {
		void *p;
		size_t bytes;
	} q[AHEAD_QUEUE];
	size_t head, n;
	bool stop;
};

static void *ahead_main(void *arg)
{
	mem_ahead *a = arg;
	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->n && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop)
			break;
		void *p = a->q[a->head].p;
		size_t bytes = a->q[a->head].bytes;
		a->head = (a->head + 1) % AHEAD_QUEUE;
		a->n--;
		pthread_mutex_unlock(&a->mu);
#ifdef MADV_POPULATE_WRITE
		/* Maps the pages writable as a write would, without writing:
		 * the owner may already be filling the first of them. */
		(void)madvise(p, bytes, MADV_POPULATE_WRITE);
#else
		(void)p;
		(void)bytes;
#endif
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

mem_ahead *mem_ahead_start(void)
{
#ifndef MADV_POPULATE_WRITE
	return NULL;
#else
	mem_ahead *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	if (pthread_mutex_init(&a->mu, NULL) != 0) {
		free(a);
		return NULL;
	}
	if (pthread_cond_init(&a->cv, NULL) != 0) {
		pthread_mutex_destroy(&a->mu);
		free(a);
		return NULL;
	}
	if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		free(a);
		return NULL;
	}
	return a;
#endif
}

void mem_ahead_ask(mem_ahead *a, void *p, size_t bytes)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	/* A full queue means the thread is behind: the owner faults the
	 * pages itself, as it would without it. */
	if (a->n < AHEAD_QUEUE) {
		a->q[(a->head + a->n) % AHEAD_QUEUE].p = p;
		a->q[(a->head + a->n) % AHEAD_QUEUE].bytes = bytes;
		a->n++;
		pthread_cond_signal(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
}

void mem_ahead_stop(mem_ahead *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

void mem_free_grown(void *p, size_t reserved)
{
	if (reserved)
		munmap(p, reserved);
	else
		free(p);
}
