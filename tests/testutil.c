#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <check.h>
#include <zlib.h>

#include "gofmt.h"
#include "testutil.h"

const char *tu_source_dir(void)
{
	const char *d = getenv("GT_SOURCE_DIR");
	return d ? d : ".";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

char *tu_read_file(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	if (!f)
		return NULL;
	gzbuffer(f, 1 << 17);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (!buf)
			break;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		int r = gzread(f, buf + n, (unsigned)(cap - n));
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	gzclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_into(const char *root, const char *rel, const char *suffix, int depth, char ***out, size_t *n,
                      size_t *cap)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char relpath[4096], full[8192];
		snprintf(relpath, sizeof relpath, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		snprintf(full, sizeof full, "%s/%s", root, relpath);
		struct stat st;
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth > 0)
				list_into(root, relpath, suffix, depth - 1, out, n, cap);
		} else if (ends_with(de->d_name, suffix)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*out = realloc(*out, *cap * sizeof **out);
			}
			(*out)[(*n)++] = strdup(relpath);
		}
	}
	closedir(d);
}

size_t tu_list(const char *dir, const char *suffix, char ***out)
{
	size_t n = 0, cap = 0;
	*out = NULL;
	list_into(dir, "", suffix, 1, out, &n, &cap);
	if (n)
		qsort(*out, n, sizeof **out, cmp_str);
	return n;
}

void tu_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

gt_status tu_dump(const void *data, size_t len, char **text, size_t *text_len, gt_error *err)
{
	gf_buf b = {0};
	gt_trace *t;
	gt_status s = gt_trace_open(data, len, &t, err);
	if (s == GT_OK) {
		gt_event ev;
		while ((s = gt_trace_next(t, &ev, err)) == GT_OK)
			gf_event(&b, &ev);
		gt_trace_close(t);
	}
	gf_putc(&b, '\0');
	*text = b.p;
	*text_len = b.len - 1;
	return s;
}

size_t tu_first_diff_line(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t line = 1, i = 0;
	for (; i < alen && i < blen; i++) {
		if (a[i] != b[i])
			return line;
		if (a[i] == '\n')
			line++;
	}
	return alen == blen ? 0 : line;
}

size_t tu_nth_sync_line(const char *text, size_t len, size_t n)
{
	size_t seen = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		if (strncmp(text + i, "M=-1 P=-1 G=-1 Sync", 19) == 0 && ++seen == n)
			return i;
		i = end;
	}
	return len;
}

char *tu_read_source(const char *rel, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", tu_source_dir(), rel);
	char *data = tu_read_file(path, len);
	ck_assert_msg(data != NULL, "cannot read %s", path);
	return data;
}

bool tu_load_model(const char *rel, tu_model *l, bool v2_only)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), rel);
	l->data = tu_read_file(path, &l->len);
	ck_assert_msg(l->data != NULL, "cannot read %s", path);
	unsigned v = 0;
	if (v2_only && (sscanf(l->data, "go 1.%u trace", &v) != 1 || v < 22)) {
		free(l->data);
		return false;
	}
	gt_error e;
	ck_assert_msg(gt_trace_open(l->data, l->len, &l->t, &e) == GT_OK, "%s: %s", path, e.detail);
	gt_status s = gt_model_build(l->t, &l->m, NULL, NULL, &e);
	ck_assert_msg(s == GT_OK, "%s: %s", path, e.detail);
	return true;
}

void tu_unload_model(tu_model *l)
{
	gt_model_free(l->m);
	gt_trace_close(l->t);
	free(l->data);
}

/* A track's spans read through its iterator into an array (free it). */
gt_span *tu_track_copy(const gt_model *m, int kind, uint32_t i, size_t *n)
{
	*n = gt_track_nspans(m, kind, i);
	gt_span *out = malloc((*n + 1) * sizeof *out);
	ck_assert_ptr_nonnull(out);
	gt_span_iter it;
	size_t k = 0;
	gt_track_seek(m, kind, i, INT64_MIN, &it);
	while (k <= *n && gt_track_next(&it, &out[k]))
		k++;
	ck_assert_uint_eq(k, *n);
	return out;
}

gt_gap *tu_gaps_copy(const gt_model *m, size_t *n)
{
	*n = gt_model_ngaps(m);
	gt_gap *out = malloc((*n + 1) * sizeof *out);
	ck_assert_ptr_nonnull(out);
	gt_gap_iter it;
	size_t k = 0;
	gt_gap_seek(m, 0, &it);
	while (k <= *n && gt_gap_next(&it, &out[k]))
		k++;
	ck_assert_uint_eq(k, *n);
	return out;
}
