#include "mem.h"

#include <stdint.h>
#include <stdlib.h>

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
