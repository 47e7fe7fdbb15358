/* The start screen of `gotrace view` without a file: the recent files and
 * the traces shipped in traces/, and the list of recent files kept in
 * $XDG_STATE_HOME/gotrace/recent. No SDL: tested without a window. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vw.h"

int vw_recent_file(char *buf, size_t n)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int w;
	if (state && state[0] == '/')
		w = snprintf(buf, n, "%s/gotrace/recent", state);
	else if (home && home[0])
		w = snprintf(buf, n, "%s/.local/state/gotrace/recent", home);
	else
		return -1;
	return w > 0 && (size_t)w < n ? 0 : -1;
}

void vw_paths_free(char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

size_t vw_recent_parse(const char *text, size_t len, char ***out)
{
	char **list = calloc(VW_RECENT_MAX, sizeof *list);
	size_t n = 0;
	*out = list;
	if (!list)
		return 0;
	for (size_t i = 0; i < len && n < VW_RECENT_MAX;) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		size_t a = i, b = e;
		while (b > a && (text[b - 1] == '\r' || text[b - 1] == ' ' || text[b - 1] == '\t'))
			b--;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strlen(list[j]) == b - a && memcmp(list[j], text + a, b - a) == 0;
		if (b > a && !dup && memchr(text + a, '\0', b - a) == NULL) {
			list[n] = malloc(b - a + 1);
			if (!list[n])
				break;
			memcpy(list[n], text + a, b - a);
			list[n][b - a] = '\0';
			n++;
		}
		i = e + 1;
	}
	return n;
}

size_t vw_recent_load(const char *file, char ***out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(file, "rb");
	if (f) {
		/* The list is 20 paths: 64 KiB is plenty, the rest is ignored. */
		text = malloc(65536);
		if (text)
			len = fread(text, 1, 65536, f);
		fclose(f);
	}
	size_t n = vw_recent_parse(text ? text : "", len, out);
	free(text);
	return n;
}

/* mkdir -p of the directory holding file. */
static int make_parent(const char *file)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", file);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int vw_recent_add(const char *file, const char *path)
{
	char abs[4096];
	if (!path || !path[0])
		return -1;
	/* The same file opened from two directories is one entry. */
	if (!realpath(path, abs))
		snprintf(abs, sizeof abs, "%s", path);
	char **old;
	size_t n = vw_recent_load(file, &old);
	if (make_parent(file) != 0) {
		vw_paths_free(old, n);
		return -1;
	}
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		vw_paths_free(old, n);
		return -1;
	}
	fprintf(f, "%s\n", abs);
	size_t kept = 1;
	for (size_t i = 0; i < n && kept < VW_RECENT_MAX; i++)
		if (strcmp(old[i], abs) != 0) {
			fprintf(f, "%s\n", old[i]);
			kept++;
		}
	vw_paths_free(old, n);
	/* Written aside then renamed: two viewers never leave half a list. */
	if (fclose(f) != 0 || rename(tmp, file) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int push(vw_start *st, const char *path, bool recent)
{
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 64;
		vw_start_item *p = realloc(st->items, nc * sizeof *p);
		if (!p)
			return -1;
		st->items = p;
		st->cap = nc;
	}
	char *copy = malloc(strlen(path) + 1);
	if (!copy)
		return -1;
	strcpy(copy, path);
	st->items[st->n++] = (vw_start_item){copy, recent};
	return 0;
}

/* The *.trace files of dir and of its subdirectories, sorted. */
static int add_traces(vw_start *st, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char **found = NULL;
	size_t n = 0, cap = 0;
	int bad = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(p, &sb) != 0)
			continue;
		char **names = NULL;
		size_t nn = 0;
		if (S_ISDIR(sb.st_mode)) {
			DIR *sd = opendir(p);
			struct dirent *se;
			while (sd && (se = readdir(sd)) != NULL) {
				if (se->d_name[0] == '.' || !ends_with(se->d_name, ".trace"))
					continue;
				char **g = realloc(names, (nn + 1) * sizeof *g);
				if (!g)
					break;
				names = g;
				size_t len = strlen(p) + strlen(se->d_name) + 2;
				if (!(names[nn] = malloc(len)))
					break;
				snprintf(names[nn++], len, "%s/%s", p, se->d_name);
			}
			if (sd)
				closedir(sd);
		} else if (ends_with(e->d_name, ".trace")) {
			names = malloc(sizeof *names);
			if (names && (names[0] = malloc(strlen(p) + 1)))
				strcpy(names[nn++], p);
		}
		for (size_t i = 0; i < nn; i++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **g = realloc(found, cap * sizeof *g);
				if (!g) {
					bad = -1;
					free(names[i]);
					continue;
				}
				found = g;
			}
			found[n++] = names[i];
		}
		free(names);
	}
	closedir(d);
	if (n)
		qsort(found, n, sizeof *found, cmp_str);
	for (size_t i = 0; i < n; i++)
		bad |= push(st, found[i], false);
	vw_paths_free(found, n);
	return bad;
}

int vw_start_build(vw_start *st, const char *recent_file, const char *traces_dir)
{
	memset(st, 0, sizeof *st);
	int bad = 0;
	if (recent_file) {
		char **r;
		size_t n = vw_recent_load(recent_file, &r);
		for (size_t i = 0; i < n; i++)
			bad |= push(st, r[i], true);
		vw_paths_free(r, n);
	}
	st->nrecent = st->n;
	if (traces_dir) {
		snprintf(st->traces_dir, sizeof st->traces_dir, "%s", traces_dir);
		bad |= add_traces(st, traces_dir);
	}
	return bad ? -1 : 0;
}

void vw_start_free(vw_start *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->items[i].path);
	free(st->items);
	memset(st, 0, sizeof *st);
}

/* Rows: the "Recent files" header, the recent files (or a line saying
 * there are none), the header of the traces, the traces. */
size_t vw_start_row_of(const vw_start *st, size_t i)
{
	size_t recent_rows = st->nrecent ? st->nrecent : 1;
	return i < st->nrecent ? 1 + i : i - st->nrecent + recent_rows + 2;
}

static float item_y(const vw_start *st, size_t i, float top, float row_h)
{
	return top + (float)vw_start_row_of(st, i) * row_h - st->scroll;
}

vw_start_geom vw_start_geometry(const vw_state *s)
{
	float k = s->scale;
	vw_start_geom g = {.top = 96 * k, .row_h = 22 * k, .x = 40 * k};
	g.bottom = (float)s->height - 30 * k;
	g.w = (float)s->width - 2 * g.x;
	return g;
}

float vw_start_item_y(const vw_state *s, size_t i)
{
	vw_start_geom g = vw_start_geometry(s);
	return item_y(s->start, i, g.top, g.row_h);
}

size_t vw_start_item_at(const vw_state *s, float x, float y)
{
	const vw_start *st = s->start;
	vw_start_geom g = vw_start_geometry(s);
	if (!st || x < g.x || x > g.x + g.w || y < g.top || y > g.bottom)
		return SIZE_MAX;
	for (size_t i = 0; i < st->n; i++) {
		float iy = item_y(st, i, g.top, g.row_h);
		if (y >= iy && y < iy + g.row_h)
			return i;
	}
	return SIZE_MAX;
}

static void keep_visible(vw_state *s)
{
	vw_start *st = s->start;
	vw_start_geom g = vw_start_geometry(s);
	float y = item_y(st, st->sel, g.top, g.row_h);
	if (y + g.row_h > g.bottom)
		st->scroll += y + g.row_h - g.bottom;
	if (y < g.top + g.row_h)
		st->scroll -= g.top + g.row_h - y;
	if (st->scroll < 0)
		st->scroll = 0;
}

const char *vw_start_key(vw_state *s, int key)
{
	vw_start *st = s->start;
	if (!st || !st->n)
		return NULL;
	vw_start_geom g = vw_start_geometry(s);
	size_t page = (size_t)((g.bottom - g.top) / g.row_h) - 2;
	switch (key) {
	case VW_KEY_UP:
		st->sel = st->sel ? st->sel - 1 : 0;
		break;
	case VW_KEY_DOWN:
		st->sel = st->sel + 1 < st->n ? st->sel + 1 : st->n - 1;
		break;
	case VW_KEY_PAGEUP:
		st->sel = st->sel > page ? st->sel - page : 0;
		break;
	case VW_KEY_PAGEDOWN:
		st->sel = st->sel + page < st->n ? st->sel + page : st->n - 1;
		break;
	case VW_KEY_HOME:
		st->sel = 0;
		break;
	case VW_KEY_ENTER:
		return st->items[st->sel].path;
	default:
		return NULL;
	}
	keep_visible(s);
	return NULL;
}

const char *vw_start_click(vw_state *s, float x, float y)
{
	size_t i = vw_start_item_at(s, x, y);
	if (i == SIZE_MAX)
		return NULL;
	s->start->sel = i;
	return s->start->items[i].path;
}

void vw_start_wheel(vw_state *s, float dy)
{
	vw_start *st = s->start;
	if (!st)
		return;
	vw_start_geom g = vw_start_geometry(s);
	st->scroll -= dy * 3 * g.row_h;
	float max = item_y(st, st->n ? st->n - 1 : 0, g.top, g.row_h) + st->scroll + g.row_h - g.bottom;
	if (st->scroll > max)
		st->scroll = max;
	if (st->scroll < 0)
		st->scroll = 0;
}
