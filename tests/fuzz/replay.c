/* Runs a fuzz target over committed inputs without libFuzzer, so that
 * `meson test` replays every crasher and corpus entry under whatever
 * sanitizers the build has. Arguments are files or directories (their
 * regular files, not recursively). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		return -1;
	}
	/* An exact-size copy: the slack of buf would hide overreads from ASan. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
	size_t runs = 0;
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) != 0;
			runs++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			failed = 1;
			continue;
		}
		/* Sorted, so a failure names the same input on every machine. */
		char **names = NULL;
		size_t nnames = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (nnames == cap) {
				cap = cap ? cap * 2 : 64;
				char **nn = realloc(names, cap * sizeof *names);
				if (!nn)
					abort();
				names = nn;
			}
			size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
			names[nnames] = malloc(len);
			if (!names[nnames])
				abort();
			snprintf(names[nnames++], len, "%s/%s", argv[i], de->d_name);
		}
		closedir(d);
		qsort(names, nnames, sizeof *names, cmp_str);
		for (size_t k = 0; k < nnames; k++) {
			if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= run_file(names[k]) != 0;
				runs++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("%zu inputs replayed\n", runs);
	return failed;
}
