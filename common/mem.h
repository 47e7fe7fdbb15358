/* Growable arrays, one implementation for the decoder and the model (each
 * library compiles common/mem.c in). */
#ifndef GOTRACE_COMMON_MEM_H
#define GOTRACE_COMMON_MEM_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room for `need` elements of `elem` bytes in the array at *pptr of
 * capacity *cap, doubling from `first`. Returns false, leaving the array
 * as it was, when the size would overflow or memory runs out. */
bool mem_grow(void *pptr, size_t *cap, size_t need, size_t elem, size_t first);

/* A thread that faults in memory ahead of the thread that fills it: on a
 * virtual machine the first touch of a page costs a trap to the host, and
 * the thread that fills gigabytes is the critical path. NULL (a valid
 * argument below, which then does nothing) where the kernel interface or
 * a thread is missing. Stop it before freeing memory asked for. */
typedef struct mem_ahead mem_ahead;
mem_ahead *mem_ahead_start(void);
void mem_ahead_ask(mem_ahead *a, void *p, size_t bytes);
void mem_ahead_stop(mem_ahead *a);

/* mem_grow for an array that may reach gigabytes: it grows in place in an
 * address range reserved on the first call (*reserved: its size, 0 before
 * then and where none could be had, when this is mem_grow), so it is never
 * copied or moved. With `ahead`, past 16 MB, it grows a step at a time
 * and has that thread fault in the step after it, the one filled next.
 * Free it with mem_free_grown. */
bool mem_grow_in_place(void *pptr, size_t *cap, size_t *reserved, size_t need, size_t elem, mem_ahead *ahead);
void mem_free_grown(void *p, size_t reserved);

/* malloc for a block of megabytes that will be filled: taken in huge pages
 * where the kernel allows. Free it with free(). */
void *mem_alloc_huge(size_t bytes);

#endif
