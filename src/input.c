#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): posix_madvise's is a no-op in glibc */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

static int read_all(int fd, gt_input *in)
{
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		if (len == cap) {
			unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	in->data = buf;
	in->len = len;
	in->mapped = 0;
	return 0;
}

int gt_input_open(gt_input *in, const char *path)
{
	memset(in, 0, sizeof *in);
	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO, in);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		/* Pipes and empty files cannot be mapped; read them instead. */
		int r = read_all(fd, in);
		int e = errno;
		close(fd);
		errno = e;
		return r;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = e;
		return -1;
	}
	/* The decoder reads front to back. */
	posix_madvise(p, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
	in->data = p;
	in->len = (size_t)st.st_size;
	in->mapped = 1;
	return 0;
}

void gt_input_close(gt_input *in)
{
	if (!in->data && !in->len)
		return;
	if (in->mapped)
		munmap((void *)in->data, in->len);
	else
		free((void *)in->data);
	memset(in, 0, sizeof *in);
}

void gt_input_retire(gt_input *in, size_t offset)
{
	if (!in->mapped || offset > in->len)
		return;
	long page = sysconf(_SC_PAGESIZE);
	size_t n = page > 0 ? offset / (size_t)page * (size_t)page : 0;
	/* The mapping is private and read-only, so dropping pages loses
	 * nothing: a later access reads the file again. */
	if (n > in->retired) {
		madvise((void *)in->data, n, MADV_DONTNEED);
		in->retired = n;
	}
}

void gt_input_retire_progress(void *ctx, uint64_t done, uint64_t total, uint64_t retired)
{
	(void)done;
	(void)total;
	gt_input_retire(ctx, (size_t)retired);
}
