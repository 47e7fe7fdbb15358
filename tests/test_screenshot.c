/* Screenshots of every trace in traces/go1.2[2-7]/ rendered by
 * `gotrace view --screenshot` without a display, decoded back with cairo
 * and checked for content: not blank, and the state colours a reader
 * looks for (running, and runnable or gap) are there.
 *
 * usage: test_screenshot GOTRACE          every trace
 *        test_screenshot --png FILE.png   check one picture (the window test) */
#define _POSIX_C_SOURCE 200809L
#include <cairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

/* The viewer's colours (viewer/vw_frame.c), as cairo stores them. */
#define RUNNING 0x3fb950u
#define RUNNABLE 0xc9a227u
#define GAP 0xff2e88u
#define ACCENT 0x58a6ffu /* the start screen's headers */

typedef struct counts {
	long running, runnable, gap, accent, distinct_rows;
	int width, height;
} counts;

static int count_png(const char *path, counts *c)
{
	memset(c, 0, sizeof *c);
	cairo_surface_t *s = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "%s: %s\n", path, cairo_status_to_string(cairo_surface_status(s)));
		cairo_surface_destroy(s);
		return -1;
	}
	c->width = cairo_image_surface_get_width(s);
	c->height = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	const unsigned char *data = cairo_image_surface_get_data(s);
	uint32_t first = *(const uint32_t *)data;
	for (int y = 0; y < c->height; y++) {
		const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
		bool differs = false;
		for (int x = 0; x < c->width; x++) {
			uint32_t p = row[x] & 0xffffffu;
			c->running += p == RUNNING;
			c->runnable += p == RUNNABLE;
			c->gap += p == GAP;
			c->accent += p == ACCENT;
			differs |= (row[x] != first);
		}
		c->distinct_rows += differs;
	}
	cairo_surface_destroy(s);
	return 0;
}

/* A picture is not blank: most of its rows carry something. */
static int check_not_blank(const char *name, const counts *c, int want_w, int want_h)
{
	int bad = 0;
	if (want_w && (c->width != want_w || c->height != want_h)) {
		fprintf(stderr, "%s: %dx%d, want %dx%d\n", name, c->width, c->height, want_w, want_h);
		bad = 1;
	}
	if (c->distinct_rows < c->height / 2) {
		fprintf(stderr, "%s: blank (%ld of %d rows differ from the first pixel)\n", name, c->distinct_rows, c->height);
		bad = 1;
	}
	return bad;
}

/* The colours a reader looks for: running, and runnable or gap. The
 * legend's swatches alone are 100 pixels of each. */
static int check_colours(const char *name, const counts *c)
{
	int bad = 0;
	if (c->running < 300) {
		fprintf(stderr, "%s: only %ld running pixels\n", name, c->running);
		bad = 1;
	}
	if (c->runnable + c->gap < 300) {
		fprintf(stderr, "%s: only %ld runnable and %ld gap pixels\n", name, c->runnable, c->gap);
		bad = 1;
	}
	printf("%s %s: running=%ld runnable=%ld gap=%ld\n", bad ? "FAIL" : "ok", name, c->running, c->runnable, c->gap);
	return bad;
}

static int check(const char *png)
{
	counts c;
	if (count_png(png, &c) != 0)
		return 1;
	return check_not_blank(png, &c, 0, 0) | check_colours(png, &c);
}

/* `gotrace view` without a file, headless: the start screen with a recent
 * file (from a state directory of its own) and the traces of traces/. */
static int check_start_screen(const char *gotrace, const char *out_dir)
{
	char state[4096], recent[4200], png[4200], cmd[16384];
	snprintf(state, sizeof state, "%s/state", out_dir);
	snprintf(recent, sizeof recent, "%s/gotrace", state);
	mkdir(state, 0755);
	mkdir(recent, 0755);
	snprintf(recent, sizeof recent, "%s/gotrace/recent", state);
	FILE *f = fopen(recent, "w");
	if (!f)
		return 1;
	fprintf(f, "%s/traces/go1.26/gcassist.trace\n", tu_source_dir());
	fclose(f);
	snprintf(png, sizeof png, "%s/start-screen.png", out_dir);
	snprintf(cmd, sizeof cmd, "XDG_STATE_HOME='%s' '%s' view --size 1000x700 --screenshot '%s'", state, gotrace, png);
	counts c;
	if (system(cmd) != 0 || count_png(png, &c) != 0) {
		fprintf(stderr, "FAIL start screen: %s\n", cmd);
		return 1;
	}
	int bad = c.width != 1000 || c.height != 700;
	/* Mostly background between lines of text: a quarter of the rows. */
	if (c.distinct_rows < c.height / 4) {
		fprintf(stderr, "start screen: blank (%ld rows)\n", c.distinct_rows);
		bad = 1;
	}
	if (c.accent < 100) {
		fprintf(stderr, "start screen: no section headers (%ld accent pixels)\n", c.accent);
		bad = 1;
	}
	printf("%s start screen: rows=%ld accent=%ld\n", bad ? "FAIL" : "ok", c.distinct_rows, c.accent);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--png") == 0)
		return check(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: test_screenshot GOTRACE | --png FILE\n");
		return 2;
	}
	const char *out_dir = getenv("GT_SCREENSHOT_DIR") ? getenv("GT_SCREENSHOT_DIR") : "screenshots";
	mkdir(out_dir, 0755);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	char **list;
	size_t n = tu_list(dir, ".trace", &list);
	int bad = 0, done = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(list[i], "go1.%u/", &v) != 1 || v < 22 || v > 27)
			continue;
		char png[4096], cmd[16384], name[512];
		snprintf(name, sizeof name, "%s", list[i]);
		for (char *p = name; *p; p++)
			if (*p == '/')
				*p = '-';
		/* One picture of the whole trace, one zoomed on its worst gap: a
		 * mostly idle program shows its running and its gaps in the
		 * second, a busy one in both. */
		counts sum = {0};
		for (int zoomed = 0; zoomed < 2; zoomed++) {
			snprintf(png, sizeof png, "%s/%.*s%s.png", out_dir, (int)(strlen(name) - strlen(".trace")), name,
			         zoomed ? "-gap" : "");
			snprintf(cmd, sizeof cmd, "'%s' view '%s/%s' --size 1280x800 --screenshot '%s'%s", argv[1], dir, list[i],
			         png, zoomed ? " --select-gap 1" : "");
			counts c;
			if (system(cmd) != 0 || count_png(png, &c) != 0) {
				fprintf(stderr, "FAIL %s: %s\n", list[i], cmd);
				bad = 1;
				continue;
			}
			bad |= check_not_blank(png, &c, 1280, 800);
			sum.running += c.running;
			sum.runnable += c.runnable;
			sum.gap += c.gap;
			done++;
		}
		bad |= check_colours(list[i], &sum);
	}
	tu_list_free(list, n);
	bad |= check_start_screen(argv[1], out_dir);
	if (done < 10) {
		fprintf(stderr, "only %d screenshots\n", done);
		bad = 1;
	}
	return bad;
}
