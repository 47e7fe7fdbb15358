/* `gotrace view`: the SDL window, the loading thread, headless screenshots
 * and the frame-time benchmark. Everything the user sees comes from the
 * draw list of vw_frame_build, painted by cairo. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <SDL.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gotrace/decoder.h"
#include "gaps.h"
#include "gotrace/model.h"
#include "input.h"
#include "viewer.h"
#include "vw.h"
#include "vw_cairo.h"

#define EXIT_BAD 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: gotrace view [FILE] [--size WxH] [--from T] [--to T] [--select-gap N] [--threshold T]\n"
	"                         [--filter NAME] [--screenshot OUT.png [--window]] [--bench]\n"
	"\n"
	"Opens the timeline viewer. T is a Go duration from the trace start (250us, 1.5ms, 2s).\n"
	"Without FILE, a start screen lists the recent files and the traces in traces/.\n"
	"  --screenshot OUT.png  render the first frame to a PNG without a display and exit;\n"
	"                        with --window, open the real window and read its pixels back\n"
	"  --size WxH            window or picture size (default 1600x900)\n"
	"  --from T --to T       initial time range (default: the whole trace)\n"
	"  --select-gap N        select the N-th worst gap (1 = the longest) and zoom to it\n"
	"  --threshold T         gaps at least this long stand out (default 1ms)\n"
	"  --filter NAME         show only goroutines whose start function contains NAME\n"
	"  --bench               replay fit, zoom into the worst gap, pan, zoom out; print frame times\n";

typedef struct options {
	const char *path, *screenshot, *filter;
	int width, height;
	int64_t from, to, threshold;
	bool has_from, has_to, bench, window;
	long select_gap;
} options;

static int parse(int argc, char **argv, options *o)
{
	memset(o, 0, sizeof *o);
	o->width = 1600;
	o->height = 900;
	o->threshold = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strcmp(a, "--bench") == 0) {
			o->bench = true;
			continue;
		}
		if (strcmp(a, "--window") == 0) {
			o->window = true;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path) {
				fprintf(stderr, "gotrace: view: too many arguments\n%s", usage_text);
				return EXIT_USAGE;
			}
			o->path = a;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "gotrace: view: option %s needs a value\n%s", a, usage_text);
			return EXIT_USAGE;
		}
		const char *v = argv[++i];
		bool ok = true;
		if (strcmp(a, "--screenshot") == 0)
			o->screenshot = v;
		else if (strcmp(a, "--size") == 0)
			ok = sscanf(v, "%dx%d", &o->width, &o->height) == 2 && o->width >= 200 && o->height >= 150 &&
			     o->width <= 16384 && o->height <= 16384;
		else if (strcmp(a, "--from") == 0)
			ok = (o->has_from = gp_parse_duration(v, &o->from) == 0);
		else if (strcmp(a, "--to") == 0)
			ok = (o->has_to = gp_parse_duration(v, &o->to) == 0);
		else if (strcmp(a, "--filter") == 0)
			o->filter = v;
		else if (strcmp(a, "--threshold") == 0)
			ok = gp_parse_duration(v, &o->threshold) == 0;
		else if (strcmp(a, "--select-gap") == 0) {
			char *end;
			o->select_gap = strtol(v, &end, 10);
			ok = *end == '\0' && o->select_gap >= 1;
		} else {
			fprintf(stderr, "gotrace: view: unknown option %s\n%s", a, usage_text);
			return EXIT_USAGE;
		}
		if (!ok) {
			fprintf(stderr, "gotrace: view: bad value for %s: %s\n%s", a, v, usage_text);
			return EXIT_USAGE;
		}
	}
	if (!o->path && o->bench) {
		fprintf(stderr, "gotrace: view: --bench needs a FILE\n%s", usage_text);
		return EXIT_USAGE;
	}
	return 0;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- loading ---- */

static double t_launch; /* when viewer_main started, for --bench */

typedef struct loader {
	const char *path;
	gt_input in;
	bool in_open;
	gt_model *m;
	/* A model of the first generations, shown while the whole builds: set
	 * once before `partial` becomes 1, then only the UI thread reads it. */
	gt_model *pm;
	bool want_partial;
	/* The view states of both models, built here too when want_state
	 * (for a window of w x h at scale), since laying out millions of
	 * goroutines takes seconds: each is the UI thread's once its flag is
	 * up (ps_ok / st_ok say whether it was built). */
	bool want_state;
	int w, h;
	float scale;
	/* Posted by the UI thread once w, h and scale are known (the window is
	 * open) or the window failed (cancel set): the loader starts before
	 * the window does and waits on it only to build view states. NULL
	 * when the loader runs inline, sizes already set. */
	SDL_sem *sized;
	SDL_atomic_t cancel;
	vw_state ps, st;
	bool ps_ok, st_ok;
	SDL_atomic_t partial;
	SDL_atomic_t permille;
	SDL_atomic_t done;
	/* Where the load's time went, in ms, for --bench: the early model,
	 * the whole model, its level of detail, the view state, the warm
	 * frame. */
	double ms_partial, ms_model, ms_lod, ms_state, ms_warm;
	char error[512];
} loader;

/* Traces bigger than this show their first part while the rest loads. */
#define PARTIAL_MIN_BYTES (24u << 20)
/* The first part is the trace's first generations of 4 MB or more: one
 * generation of a busy program (one second of it, about 8 MB). The first
 * frame comes after its model, pyramids and layout, whatever the size of
 * the trace. */
#define PARTIAL_BYTES (4u << 20)
/* Of which the model takes the first events only: a generation of a busy
 * program holds about 1.7 M events, and a model of all of them took
 * 0.6-0.9 s here, too long for a first frame. Decoding still reads the
 * whole generation: Go's format orders its events only from all of it. */
#define PARTIAL_EVENTS (512u << 10)

/* Waits until the window's size is known; false when the window failed. */
static bool wait_for_size(loader *l)
{
	if (l->sized) {
		SDL_SemWait(l->sized);
		SDL_SemPost(l->sized); /* for the next wait */
	}
	return !SDL_AtomicGet(&l->cancel);
}

/* Builds the model of the trace's first part: the first PARTIAL_EVENTS
 * events of its first generations of PARTIAL_BYTES or more, which decode
 * as a cut trace, if they are no more than a quarter of the trace. Traces
 * without generations (Go 1.21 and before) are cut at PARTIAL_BYTES,
 * doubled while no event comes out. Failure only means no early view. */
static void load_partial(loader *l)
{
	gt_error e;
	size_t first = PARTIAL_BYTES, last = l->in.len / 4;
	size_t gens = gt_trace_prefix_len(l->in.data, l->in.len, PARTIAL_BYTES);
	if (gens)
		first = last = gens;
	for (size_t n = first; n <= last; n *= 2) {
		gt_trace *t;
		if (gt_trace_open(l->in.data, n, &t, &e) != GT_OK)
			return;
		gt_status s = gt_model_build_first(t, PARTIAL_EVENTS, &l->pm, &e);
		/* The model keeps nothing of the decoder, whose generations in
		 * flight would stay for the whole load. */
		gt_trace_close(t);
		if (s == GT_OK && gt_model_duration(l->pm) > 0)
			break;
		gt_model_free(l->pm);
		l->pm = NULL;
	}
	if (!l->pm)
		return;
	/* Its first frame would otherwise build these on the UI thread. */
	gt_model_warm_lod(l->pm, GT_LOD_EAGER_SPANS);
	l->ps_ok = l->want_state && wait_for_size(l) && vw_state_init(&l->ps, l->pm, l->w, l->h, l->scale) == 0;
	SDL_AtomicSet(&l->partial, 1);
}

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t retired)
{
	loader *l = ctx;
	gt_input_retire(&l->in, retired);
	SDL_AtomicSet(&l->permille, total ? (int)(done * 1000 / total) : 0);
}

/* Runs on the loading thread, or inline for screenshots. */
static int load(void *arg)
{
	loader *l = arg;
	gt_error e;
	gt_trace *tr = NULL;
	if (gt_input_open(&l->in, l->path) != 0) {
		snprintf(l->error, sizeof l->error, "%s: %s", l->path, strerror(errno));
	} else {
		l->in_open = true;
		double t = now_ms();
		if (l->want_partial && l->in.len > PARTIAL_MIN_BYTES)
			load_partial(l);
		l->ms_partial = now_ms() - t;
		t = now_ms();
		if (SDL_AtomicGet(&l->cancel)) {
			snprintf(l->error, sizeof l->error, "no window");
		} else if (gt_trace_open(l->in.data, l->in.len, &tr, &e) != GT_OK) {
			snprintf(l->error, sizeof l->error, "%s: offset %" PRIu64 ": %s", l->path, e.offset, e.detail);
		} else if (gt_model_build(tr, &l->m, on_progress, l, &e) != GT_OK) {
			snprintf(l->error, sizeof l->error, "%s: offset %" PRIu64 ": %s", l->path, e.offset, e.detail);
		} else {
			/* The decoder's last generations would stay beside the
			 * view state, at its peak: a hundred MB and more. */
			gt_trace_info info;
			gt_trace_info_get(tr, &info);
			gt_trace_close(tr);
			tr = NULL;
			/* Tracks with more spans than a screen has columns are drawn
			 * from their pyramids: build those here, off the UI thread. */
			l->ms_model = now_ms() - t;
			t = now_ms();
			gt_model_warm_lod(l->m, GT_LOD_EAGER_SPANS);
			l->ms_lod = now_ms() - t;
			t = now_ms();
			l->st_ok = l->want_state && wait_for_size(l) &&
			          vw_state_init(&l->st, l->m, l->w, l->h, l->scale) == 0;
			l->ms_state = now_ms() - t;
			t = now_ms();
			if (l->st_ok) {
				/* A first frame here fills the row cache: the window's
				 * first frame of the whole trace then only paints. */
				vw_drawlist warm = {0};
				vw_frame_build(&l->st, &warm);
				vw_dl_free(&warm);
			}
			l->ms_warm = now_ms() - t;
			if (info.truncated)
				fprintf(stderr, "gotrace: %s: warning: trace cut short at offset %" PRIu64 ": %s\n", l->path,
				        info.truncation.offset, info.truncation.detail);
		}
	}
	gt_trace_close(tr);
	SDL_AtomicSet(&l->done, 1);
	return 0;
}

/* Starts loading on a thread of its own, for a window (view states are
 * built once loader_set_size says how big); NULL if it cannot start, and
 * the caller loads inline after the size is set. */
static SDL_Thread *loader_start(loader *l, const options *o)
{
	/* Not for a screenshot: it shows the whole trace only. */
	l->want_partial = !o->screenshot;
	l->want_state = true;
	l->sized = SDL_CreateSemaphore(0);
	SDL_Thread *th = l->sized ? SDL_CreateThread(load, "gotrace-load", l) : NULL;
	if (!th && l->sized) {
		SDL_DestroySemaphore(l->sized);
		l->sized = NULL;
	}
	return th;
}

static void loader_set_size(loader *l, int w, int h, float scale)
{
	l->w = w;
	l->h = h;
	l->scale = scale;
	if (l->sized)
		SDL_SemPost(l->sized);
}

/* The window failed: the loader stops after the part it is building. */
static void loader_cancel(loader *l, SDL_Thread *th)
{
	SDL_AtomicSet(&l->cancel, 1);
	if (l->sized)
		SDL_SemPost(l->sized);
	if (th)
		SDL_WaitThread(th, NULL);
}

static void loader_free_partial(loader *l)
{
	if (l->want_state)
		vw_state_free(&l->ps); /* what the UI thread did not take */
	l->ps_ok = false;
	gt_model_free(l->pm);
	l->pm = NULL;
}

static void loader_free(loader *l)
{
	loader_free_partial(l);
	if (l->want_state)
		vw_state_free(&l->st);
	gt_model_free(l->m);
	if (l->in_open)
		gt_input_close(&l->in);
	if (l->sized)
		SDL_DestroySemaphore(l->sized);
}

/* Applies --threshold, --select-gap, --from/--to, in that order, so that a
 * range given with a gap wins over the gap's own zoom. */
static void apply_options(vw_state *s, const options *o)
{
	if (o->threshold >= 0)
		s->threshold = o->threshold;
	s->file = o->path;
	if (o->filter)
		vw_layout_set_filter(&s->layout, o->filter, s->scale);
	if (o->select_gap > 0) {
		if ((size_t)o->select_gap <= s->nworst)
			vw_state_select_gap(s, s->worst[o->select_gap - 1]);
		else
			fprintf(stderr, "gotrace: view: the trace has only %zu gaps\n", s->nworst);
	}
	if (o->has_from || o->has_to) {
		double from = o->has_from ? (double)o->from : 0;
		double to = o->has_to ? (double)o->to : (double)gt_model_duration(s->m);
		vw_view_show(&s->view, from, to, 0);
	}
	s->status[0] = '\0';
}

/* ---- headless ---- */

static int screenshot_headless(const options *o, loader *l)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o->width, o->height);
	cairo_t *cr = cairo_create(surf);
	vw_state s;
	vw_drawlist d = {0};
	int r = 0;
	if (vw_state_init(&s, l->m, o->width, o->height, 1) != 0) {
		fprintf(stderr, "gotrace: view: out of memory\n");
		r = EXIT_BAD;
	} else {
		s.measure = vw_cairo_measure;
		s.measure_ctx = cr;
		apply_options(&s, o);
		vw_frame_build(&s, &d);
		vw_cairo_render(cr, &d);
		cairo_surface_flush(surf);
		cairo_status_t st = cairo_surface_write_to_png(surf, o->screenshot);
		if (st != CAIRO_STATUS_SUCCESS) {
			fprintf(stderr, "gotrace: %s: %s\n", o->screenshot, cairo_status_to_string(st));
			r = EXIT_BAD;
		}
	}
	vw_dl_free(&d);
	vw_state_free(&s);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	return r;
}

/* ---- the start screen ---- */

/* The traces/ shipped with the sources: next to the source tree this
 * binary was built from, in the current directory, or beside the binary. */
static void find_traces_dir(char *buf, size_t n)
{
	char exe[4096], cand[4][4200];
	int nc = 0;
#ifdef GT_SOURCE_DIR
	snprintf(cand[nc++], sizeof cand[0], "%s/traces", GT_SOURCE_DIR);
#endif
	snprintf(cand[nc++], sizeof cand[0], "traces");
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(cand[nc++], sizeof cand[0], "%s/traces", exe);
		snprintf(cand[nc++], sizeof cand[0], "%s/../traces", exe);
	}
	buf[0] = '\0';
	for (int i = 0; i < nc; i++) {
		struct stat sb;
		char abs[PATH_MAX];
		if (stat(cand[i], &sb) == 0 && S_ISDIR(sb.st_mode) && realpath(cand[i], abs)) {
			snprintf(buf, n, "%s", abs);
			return;
		}
	}
}

static void start_build(vw_start *st)
{
	char recent[4096], traces[4096];
	find_traces_dir(traces, sizeof traces);
	if (vw_start_build(st, vw_recent_file(recent, sizeof recent) == 0 ? recent : NULL, traces[0] ? traces : NULL) != 0)
		fprintf(stderr, "gotrace: view: out of memory listing the traces\n");
}

static void start_state(vw_state *s, vw_start *st, int width, int height, float scale)
{
	memset(s, 0, sizeof *s);
	s->width = width;
	s->height = height;
	s->scale = scale;
	s->start = st;
}

static int screenshot_start(const options *o)
{
	vw_start st;
	start_build(&st);
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o->width, o->height);
	cairo_t *cr = cairo_create(surf);
	vw_state s;
	start_state(&s, &st, o->width, o->height, 1);
	s.measure = vw_cairo_measure;
	s.measure_ctx = cr;
	vw_drawlist d = {0};
	vw_frame_build(&s, &d);
	vw_cairo_render(cr, &d);
	cairo_surface_flush(surf);
	int r = 0;
	cairo_status_t cs = cairo_surface_write_to_png(surf, o->screenshot);
	if (cs != CAIRO_STATUS_SUCCESS) {
		fprintf(stderr, "gotrace: %s: %s\n", o->screenshot, cairo_status_to_string(cs));
		r = EXIT_BAD;
	}
	vw_dl_free(&d);
	cairo_destroy(cr);
	cairo_surface_destroy(surf);
	vw_start_free(&st);
	return r;
}

/* A file dropped on the window: opened on the start screen; while a trace
 * is shown, the viewer starts again with it. */
static char dropped[4096];

/* ---- the window ---- */

typedef struct window {
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	int tw, th; /* texture size = output pixels */
	float scale;
	/* No GPU (llvmpipe, Xvfb): cairo paints straight into the window's
	 * surface, skipping a texture upload that costs more than the frame. */
	bool direct;
	cairo_surface_t *measure_surf;
	cairo_t *measure_cr;
	/* What the window surface holds (direct only: a texture's pixels are
	 * not kept between locks, so that path paints every region). */
	vw_damage damage;
} window;

/* Whether the renderer is OpenGL emulated on the CPU (Mesa's llvmpipe or
 * softpipe, as under Xvfb): then a texture upload per frame is pure cost. */
static bool gl_is_software(SDL_Renderer *ren)
{
	SDL_RendererInfo ri;
	if (SDL_GetRendererInfo(ren, &ri) != 0)
		return false;
	if (strcmp(ri.name, "software") == 0)
		return true;
	if (strncmp(ri.name, "opengl", 6) != 0)
		return false;
	typedef const unsigned char *(*get_string_fn)(unsigned);
	get_string_fn get = (get_string_fn)(uintptr_t)SDL_GL_GetProcAddress("glGetString");
	const char *name = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
	return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") || strstr(name, "Software"));
}

static int window_open(window *w, const options *o, bool vsync)
{
	memset(w, 0, sizeof *w);
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr, "gotrace: view: cannot open a window: %s\n", SDL_GetError());
		return -1;
	}
	char title[512];
	snprintf(title, sizeof title, "gotrace — %s", o->path ? o->path : "open a trace");
	w->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, o->width, o->height,
	                          SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
	if (!w->win) {
		fprintf(stderr, "gotrace: view: cannot open a window: %s\n", SDL_GetError());
		return -1;
	}
	Uint32 flags = SDL_RENDERER_ACCELERATED | (vsync ? SDL_RENDERER_PRESENTVSYNC : 0);
	w->ren = SDL_CreateRenderer(w->win, -1, flags);
	if (!w->ren) /* no GPU: the software renderer draws the same frame */
		w->ren = SDL_CreateRenderer(w->win, -1, SDL_RENDERER_SOFTWARE);
	if (!w->ren) {
		fprintf(stderr, "gotrace: view: no renderer: %s\n", SDL_GetError());
		return -1;
	}
	const char *force = getenv("GOTRACE_VIEW_RENDER");
	if ((force && strcmp(force, "surface") == 0) || (!(force && strcmp(force, "gpu") == 0) && gl_is_software(w->ren))) {
		SDL_DestroyRenderer(w->ren);
		w->ren = NULL;
		w->direct = true;
		/* Otherwise SDL backs the window surface with a texture of its own
		 * renderer: llvmpipe again, 8 ms per 1080p frame instead of 1 ms
		 * for a shared-memory put. */
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	}
	w->measure_surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
	w->measure_cr = cairo_create(w->measure_surf);
	return 0;
}

static void window_close(window *w)
{
	if (w->measure_cr)
		cairo_destroy(w->measure_cr);
	if (w->measure_surf)
		cairo_surface_destroy(w->measure_surf);
	if (w->tex)
		SDL_DestroyTexture(w->tex);
	if (w->ren)
		SDL_DestroyRenderer(w->ren);
	if (w->win)
		SDL_DestroyWindow(w->win);
	SDL_Quit();
}

/* Output size in pixels and the HiDPI scale; recreates the texture when the
 * size changed. */
static int window_sync_size(window *w)
{
	int ow, oh, ww, wh;
	if (w->direct) {
		SDL_Surface *ws = SDL_GetWindowSurface(w->win);
		if (!ws)
			return -1;
		w->tw = ws->w;
		w->th = ws->h;
		SDL_GetWindowSize(w->win, &ww, &wh);
		w->scale = ww > 0 && ws->w > ww ? (float)ws->w / (float)ww : 1;
		return 0;
	}
	SDL_GetRendererOutputSize(w->ren, &ow, &oh);
	SDL_GetWindowSize(w->win, &ww, &wh);
	w->scale = ww > 0 ? (float)ow / (float)ww : 1;
	if (w->scale < 1)
		w->scale = 1;
	if (w->tex && ow == w->tw && oh == w->th)
		return 0;
	if (w->tex)
		SDL_DestroyTexture(w->tex);
	w->tex = SDL_CreateTexture(w->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, ow, oh);
	w->tw = ow;
	w->th = oh;
	return w->tex ? 0 : -1;
}

static double last_cairo_ms;

static void window_draw(window *w, const vw_drawlist *d)
{
	double t0 = now_ms();
	void *pixels;
	int pitch;
	SDL_Surface *ws = NULL;
	bool dirty[VW_REGIONS_MAX];
	if (!w->direct)
		w->damage.valid = false;
	if (vw_damage_compute(&w->damage, d, dirty) == 0) {
		last_cairo_ms = 0;
		return; /* the window already shows this frame */
	}
	if (w->direct) {
		ws = SDL_GetWindowSurface(w->win);
		/* cairo needs 32-bit xRGB, which is what X11 and Wayland give. */
		if (!ws || ws->format->BytesPerPixel != 4 || ws->format->Rmask != 0xff0000u || SDL_LockSurface(ws) != 0) {
			w->damage.valid = false;
			return;
		}
		pixels = ws->pixels;
		pitch = ws->pitch;
	} else if (SDL_LockTexture(w->tex, NULL, &pixels, &pitch) != 0) {
		return;
	}
	/* cairo's ARGB32 is SDL's ARGB8888: native-endian 32-bit words. */
	cairo_surface_t *surf = cairo_image_surface_create_for_data(pixels, CAIRO_FORMAT_ARGB32, w->tw, w->th, pitch);
	cairo_t *cr = cairo_create(surf);
	vw_cairo_render_dirty(cr, d, dirty);
	cairo_destroy(cr);
	cairo_surface_flush(surf);
	cairo_surface_destroy(surf);
	last_cairo_ms = now_ms() - t0;
	if (ws) {
		SDL_UnlockSurface(ws);
		/* Only what changed goes to the display server. */
		SDL_Rect rects[VW_REGIONS_MAX];
		int n = 0;
		for (size_t i = 0; i < d->nregions; i++) {
			const vw_region *r = &d->regions[i];
			if (!dirty[i] || r->overlay)
				continue;
			int x0 = (int)lroundf(r->x), y0 = (int)lroundf(r->y);
			rects[n++] = (SDL_Rect){x0, y0, (int)lroundf(r->x + r->w) - x0, (int)lroundf(r->y + r->h) - y0};
		}
		SDL_UpdateWindowSurfaceRects(w->win, rects, n);
		return;
	}
	SDL_UnlockTexture(w->tex);
	SDL_RenderCopy(w->ren, w->tex, NULL, NULL);
	SDL_RenderPresent(w->ren);
}

/* Reads the window back (what SDL presented) into a PNG. */
static int window_screenshot(window *w, const char *path)
{
	cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w->tw, w->th);
	cairo_surface_flush(surf);
	int r;
	if (w->direct) {
		SDL_Surface *ws = SDL_GetWindowSurface(w->win);
		r = ws ? SDL_ConvertPixels(ws->w, ws->h, ws->format->format, ws->pixels, ws->pitch, SDL_PIXELFORMAT_ARGB8888,
		                           cairo_image_surface_get_data(surf), cairo_image_surface_get_stride(surf))
		       : -1;
	} else {
		r = SDL_RenderReadPixels(w->ren, NULL, SDL_PIXELFORMAT_ARGB8888, cairo_image_surface_get_data(surf),
		                         cairo_image_surface_get_stride(surf));
	}
	cairo_surface_mark_dirty(surf);
	if (r == 0 && cairo_surface_write_to_png(surf, path) != CAIRO_STATUS_SUCCESS)
		r = -1;
	if (r != 0)
		fprintf(stderr, "gotrace: view: cannot save the window to %s: %s\n", path, SDL_GetError());
	cairo_surface_destroy(surf);
	return r;
}

static int map_key(const SDL_KeyboardEvent *k)
{
	bool ctrl = (k->keysym.mod & KMOD_CTRL) != 0;
	switch (k->keysym.sym) {
	case SDLK_LEFT: return VW_KEY_LEFT;
	case SDLK_RIGHT: return VW_KEY_RIGHT;
	case SDLK_UP: return VW_KEY_UP;
	case SDLK_DOWN: return VW_KEY_DOWN;
	case SDLK_PAGEUP: return VW_KEY_PAGEUP;
	case SDLK_PAGEDOWN: return VW_KEY_PAGEDOWN;
	case SDLK_HOME: return VW_KEY_HOME;
	case SDLK_ESCAPE: return VW_KEY_ESCAPE;
	case SDLK_RETURN:
	case SDLK_KP_ENTER: return VW_KEY_ENTER;
	case SDLK_BACKSPACE: return VW_KEY_BACKSPACE;
	case SDLK_z: return ctrl ? VW_KEY_UNDO : 0;
	case SDLK_y: return ctrl ? VW_KEY_REDO : 0;
	default: return 0;
	}
}

/* Handles one event; returns false on quit. */
static bool handle(vw_state *s, window *w, const SDL_Event *e)
{
	float k = w->scale;
	switch (e->type) {
	case SDL_QUIT:
		return false;
	case SDL_DROPFILE:
		if (e->drop.file) {
			snprintf(dropped, sizeof dropped, "%s", e->drop.file);
			SDL_free(e->drop.file);
			return false;
		}
		break;
	case SDL_KEYDOWN: {
		if (e->key.keysym.sym == SDLK_q && !(e->key.keysym.mod & (KMOD_CTRL | KMOD_ALT)) && !s->typing_filter)
			return false;
		int key = map_key(&e->key);
		if (key && s->m)
			vw_input_key(s, key);
		break;
	}
	case SDL_TEXTINPUT:
		/* Printable keys come as text so that '?', '[' and '+' follow the
		 * keyboard layout. */
		if (s->m && e->text.text[0] && !e->text.text[1] && (e->text.text[0] != 'q' || s->typing_filter))
			vw_input_key(s, (unsigned char)e->text.text[0]);
		break;
	case SDL_MOUSEMOTION:
		if (s->m)
			vw_input_motion(s, (float)e->motion.x * k, (float)e->motion.y * k);
		break;
	case SDL_MOUSEBUTTONDOWN:
		if (s->m)
			vw_input_press(s, (float)e->button.x * k, (float)e->button.y * k, e->button.button);
		break;
	case SDL_MOUSEBUTTONUP:
		if (s->m)
			vw_input_release(s, (float)e->button.x * k, (float)e->button.y * k, e->button.button);
		break;
	case SDL_MOUSEWHEEL: {
		int mx, my;
		SDL_GetMouseState(&mx, &my);
		SDL_Keymod mod = SDL_GetModState();
		float dy = e->wheel.preciseY != 0 ? e->wheel.preciseY : (float)e->wheel.y;
		if (s->m)
			vw_input_wheel(s, (float)mx * k, (float)my * k, dy, (mod & (KMOD_SHIFT | KMOD_CTRL)) != 0);
		break;
	}
	case SDL_WINDOWEVENT:
		if (e->window.event == SDL_WINDOWEVENT_LEAVE && s->m)
			vw_input_leave(s);
		/* Uncovered or resized: the display lost what it showed. */
		if (e->window.event == SDL_WINDOWEVENT_EXPOSED || e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
			w->damage.valid = false;
		break;
	default:
		break;
	}
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
	size_t r = (size_t)((p / 100.0) * (double)n + 0.999999);
	return n ? v[(r ? r : 1) - 1] : 0;
}

/* Where the time of the last frame went, for --bench. */
static double last_build_ms, last_paint_ms, last_cpu_ms;

static double frame(vw_state *s, window *w, vw_drawlist *d)
{
	double t0 = now_ms(), c0 = cpu_ms();
	window_sync_size(w);
	if (w->tw != s->width || w->th != s->height || w->scale != s->scale)
		vw_state_resize(s, w->tw, w->th, w->scale);
	vw_frame_build(s, d);
	double t1 = now_ms();
	last_build_ms = t1 - t0;
	window_draw(w, d);
	last_paint_ms = now_ms() - t1;
	last_cpu_ms = cpu_ms() - c0;
	return now_ms() - t0;
}

/* The scripted sequence of --bench: fit, zoom into the worst gap, pan
 * across the trace, zoom back out. Prints per-phase and overall frame
 * times. */
static double bench_frame(vw_state *s, window *w, vw_drawlist *d, double parts[4][600], int n)
{
	double t = frame(s, w, d);
	parts[0][n] = last_build_ms;
	parts[1][n] = last_cairo_ms;
	parts[2][n] = last_paint_ms - last_cairo_ms;
	parts[3][n] = last_cpu_ms;
	return t;
}

/* Interactions whose handling, not drawing, can stall: each is timed from
 * the input to the end of the frame that shows its result, the way a user
 * waits for it. */
static void bench_interactions(vw_state *s, window *w, vw_drawlist *d)
{
	double worst = 0;
	printf("phase=sort    ");
	for (int i = 0; i < VW_SORT_COUNT; i++) {
		double t0 = now_ms();
		vw_input_key(s, 't');
		double t1 = now_ms();
		frame(s, w, d);
		double t = now_ms() - t0;
		worst = t > worst ? t : worst;
		printf(" %s=%.2fms(input %.2fms)", i + 1 < VW_SORT_COUNT ? "next" : "back", t, t1 - t0);
	}
	printf(" max=%.2fms\n", worst);
	/* A drag over the whole time axis, then over its middle half. */
	vw_view_fit(&s->view);
	frame(s, w, d);
	vw_geom g = vw_state_geom(s);
	float y = g.axis_y + g.axis_h / 2;
	const float spans[2][2] = {{0, 1}, {0.25f, 0.75f}};
	const char *const names[2] = {"whole", "half"};
	printf("phase=range   ");
	worst = 0;
	for (int i = 0; i < 2; i++) {
		float x0 = g.timeline_x + spans[i][0] * (g.timeline_w - 1), x1 = g.timeline_x + spans[i][1] * (g.timeline_w - 1);
		double t0 = now_ms();
		vw_input_press(s, x0, y, 1);
		vw_input_motion(s, x1, y);
		vw_input_release(s, x1, y, 1);
		double t1 = now_ms();
		frame(s, w, d);
		double t = now_ms() - t0;
		worst = t > worst ? t : worst;
		printf(" %s=%.2fms(input %.2fms)", names[i], t, t1 - t0);
	}
	printf(" max=%.2fms\n", worst);
	vw_state_clear_range(s);
}

static int bench(vw_state *s, window *w, vw_drawlist *d)
{
	enum { FRAMES = 600 };
	static double times[FRAMES], sorted[FRAMES], parts[4][FRAMES];
	const char *phase_name[4] = {"fit", "zoom-in", "pan", "zoom-out"};
	int phase_end[4];
	int n = 0;
	vw_geom g = vw_state_geom(s);
	for (int i = 0; i < 30; i++, n++) {
		vw_view_fit(&s->view);
		times[n] = bench_frame(s, w, d, parts, n);
	}
	phase_end[0] = n;
	double target = g.timeline_w / 2;
	int64_t target_len = 1000;
	gt_gap worst = {0};
	if (s->nworst) {
		worst = gt_model_gap(s->m, s->worst[0]);
		target = vw_x_of(&s->view, (double)worst.start);
		target_len = gt_gap_len(&worst);
		s->sel = VW_SEL_GAP;
		s->sel_gap = s->worst[0];
		size_t row = vw_layout_reveal(&s->layout, worst.goroutine, s->scale);
		if (row != SIZE_MAX)
			s->view.vp.scroll_y = s->layout.rows[row].y - g.tracks_h / 3;
	}
	/* Zoom around the gap until it is a fifth of the screen or at most 1 us
	 * per screen, to cover the finest levels too. */
	while (n < 200 && s->view.vp.ns_per_px * g.timeline_w > (double)target_len * 5 &&
	       s->view.vp.ns_per_px * g.timeline_w > 1000) {
		if (s->nworst)
			target = vw_x_of(&s->view, (double)worst.start);
		vw_view_zoom_at(&s->view, target, 0.85);
		times[n] = bench_frame(s, w, d, parts, n), n++;
	}
	phase_end[1] = n;
	for (int i = 0; i < 150 && n < FRAMES - 150; i++) {
		vw_view_pan(&s->view, -g.timeline_w / 40);
		times[n] = bench_frame(s, w, d, parts, n), n++;
	}
	phase_end[2] = n;
	while (n < FRAMES && s->view.vp.ns_per_px * g.timeline_w < (double)s->view.duration) {
		vw_view_zoom_at(&s->view, g.timeline_w / 2, 1 / 0.85);
		times[n] = bench_frame(s, w, d, parts, n), n++;
	}
	phase_end[3] = n;
	int start = 0;
	for (int p = 0; p < 4; p++) {
		int m = phase_end[p] - start;
		memcpy(sorted, times + start, (size_t)m * sizeof *sorted);
		qsort(sorted, (size_t)m, sizeof *sorted, cmp_double);
		printf("phase=%-8s frames=%-4d p50=%.2fms p95=%.2fms p99=%.2fms max=%.2fms\n", phase_name[p], m,
		       pct(sorted, (size_t)m, 50), pct(sorted, (size_t)m, 95), pct(sorted, (size_t)m, 99),
		       m ? sorted[m - 1] : 0);
		start = phase_end[p];
	}
	/* Wall time of each part, and the UI thread's CPU time: on a shared
	 * machine the wall time also counts waiting for a core. */
	static const char *const part_name[4] = {"draw-list", "cairo", "upload+present", "ui-thread-cpu"};
	for (int p = 0; p < 4; p++) {
		memcpy(sorted, parts[p], (size_t)n * sizeof *sorted);
		qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
		printf("part=%-15s p50=%.2fms p95=%.2fms p99=%.2fms max=%.2fms\n", part_name[p], pct(sorted, (size_t)n, 50),
		       pct(sorted, (size_t)n, 95), pct(sorted, (size_t)n, 99), sorted[n - 1]);
	}
	memcpy(sorted, times, (size_t)n * sizeof *sorted);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
	double all_p99 = pct(sorted, (size_t)n, 99), all_max = sorted[n - 1];
	bench_interactions(s, w, d);
	printf("all      frames=%-4d p50=%.2fms p95=%.2fms p99=%.2fms max=%.2fms size=%dx%d renderer=%s\n", n,
	       pct(sorted, (size_t)n, 50), pct(sorted, (size_t)n, 95), all_p99, all_max, w->tw,
	       w->th, w->direct ? "cairo->window surface" : "cairo->SDL texture");
	return 0;
}

/* The start screen in the window until a file is picked (written to out)
 * or the window closes. Returns 0 when a file was picked, 1 on quit, or
 * the status of --screenshot --window of the start screen. */
static int start_loop(window *w, const options *o, char *out, size_t n)
{
	vw_start st;
	start_build(&st);
	vw_state s;
	vw_drawlist d = {0};
	window_sync_size(w);
	start_state(&s, &st, w->tw, w->th, w->scale);
	s.measure = vw_cairo_measure;
	s.measure_ctx = w->measure_cr;
	const char *pick = NULL;
	bool running = true;
	int r = 1;
	for (;;) {
		window_sync_size(w);
		s.width = w->tw, s.height = w->th, s.scale = w->scale;
		vw_frame_build(&s, &d);
		window_draw(w, &d);
		if (o->screenshot) {
			r = window_screenshot(w, o->screenshot) == 0 ? 0 : EXIT_BAD;
			break;
		}
		SDL_Event e;
		if (!running || pick || !SDL_WaitEvent(&e))
			break;
		float k = w->scale;
		do {
			switch (e.type) {
			case SDL_QUIT:
				running = false;
				break;
			case SDL_KEYDOWN:
				if (e.key.keysym.sym == SDLK_q)
					running = false;
				else
					pick = vw_start_key(&s, map_key(&e.key));
				break;
			case SDL_MOUSEMOTION:
				s.mouse_x = (float)e.motion.x * k, s.mouse_y = (float)e.motion.y * k, s.mouse_in = true;
				break;
			case SDL_MOUSEBUTTONDOWN:
				if (e.button.button == SDL_BUTTON_LEFT)
					pick = vw_start_click(&s, (float)e.button.x * k, (float)e.button.y * k);
				break;
			case SDL_MOUSEWHEEL:
				vw_start_wheel(&s, e.wheel.preciseY != 0 ? e.wheel.preciseY : (float)e.wheel.y);
				break;
			case SDL_DROPFILE:
				if (e.drop.file) {
					snprintf(dropped, sizeof dropped, "%s", e.drop.file);
					SDL_free(e.drop.file);
					pick = dropped;
				}
				break;
			case SDL_WINDOWEVENT:
				if (e.window.event == SDL_WINDOWEVENT_LEAVE)
					s.mouse_in = false;
				if (e.window.event == SDL_WINDOWEVENT_EXPOSED || e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
					w->damage.valid = false;
				break;
			default:
				break;
			}
		} while (running && !pick && SDL_PollEvent(&e));
	}
	if (pick) {
		snprintf(out, n, "%s", pick);
		r = 0;
	}
	dropped[0] = '\0';
	vw_dl_free(&d);
	vw_start_free(&st);
	return r;
}

static int run_window(const options *o, loader *l)
{
	window w;
	/* A named trace starts loading before the window opens: opening one
	 * takes a quarter of a second under Xvfb here, time the model of the
	 * trace's first part can use. */
	double t_load = now_ms();
	SDL_Thread *th = l->path ? loader_start(l, o) : NULL;
	if (window_open(&w, o, !o->bench && !o->screenshot) != 0) {
		loader_cancel(l, th);
		window_close(&w);
		return EXIT_BAD;
	}
	if (!l->path) {
		static char chosen[4096];
		int sr = start_loop(&w, o, chosen, sizeof chosen);
		if (sr != 0 || o->screenshot) {
			window_close(&w);
			return sr == 1 ? 0 : sr;
		}
		l->path = chosen;
		char title[4200];
		snprintf(title, sizeof title, "gotrace — %s", chosen);
		SDL_SetWindowTitle(w.win, title);
	}
	SDL_RendererInfo ri;
	if (w.direct && (o->bench || getenv("GOTRACE_VIEW_VERBOSE")))
		fprintf(stderr, "gotrace: view: no GPU: cairo paints the window surface\n");
	else if (!w.direct && SDL_GetRendererInfo(w.ren, &ri) == 0 && (o->bench || getenv("GOTRACE_VIEW_VERBOSE")))
		fprintf(stderr, "gotrace: view: renderer %s%s\n", ri.name,
		        ri.flags & SDL_RENDERER_ACCELERATED ? " (accelerated)" : " (software)");
	window_sync_size(&w);
	if (!th) {
		/* Chosen on the start screen, or no thread to be had. */
		t_load = now_ms();
		th = loader_start(l, o);
	}
	loader_set_size(l, w.tw, w.th, w.scale);
	if (!th)
		load(l);
	vw_state s;
	memset(&s, 0, sizeof s);
	vw_drawlist d = {0};
	bool running = true, loaded = false;
	int r = 0;
	bool partial = false;
	/* The window answers at once: a progress bar while the model builds,
	 * over the first part of the trace as soon as that is decoded. */
	while (running && !loaded) {
		SDL_Event e;
		while (SDL_PollEvent(&e))
			running &= handle(&s, &w, &e);
		if (!partial && SDL_AtomicGet(&l->partial) && !SDL_AtomicGet(&l->done)) {
			if (l->ps_ok) {
				s = l->ps;
				memset(&l->ps, 0, sizeof l->ps);
				partial = true;
				s.measure = vw_cairo_measure;
				s.measure_ctx = w.measure_cr;
				if (o->threshold >= 0)
					s.threshold = o->threshold;
				s.loading = true;
				frame(&s, &w, &d);
				if (o->bench)
					printf("first-frame=%.0fms after launch (first part of the trace)\n", now_ms() - t_launch);
			}
		}
		s.progress = SDL_AtomicGet(&l->permille) / 1000.0;
		if (SDL_AtomicGet(&l->done)) {
			if (th)
				SDL_WaitThread(th, NULL);
			th = NULL;
			loaded = true;
		}
		if (!loaded) {
			frame(&s, &w, &d);
			SDL_Delay(30);
		}
	}
	if (th) {
		/* Quit while loading: the model build has no cancel, let it end. */
		SDL_WaitThread(th, NULL);
	}
	/* The whole model replaces the first part's, keeping the view. */
	vw_viewport vp = s.view.vp;
	bool moved = partial && s.view.nundo > 0;
	if (partial) {
		vw_state_free(&s);
		memset(&s, 0, sizeof s);
		loader_free_partial(l);
	}
	if (!running) {
		vw_dl_free(&d);
		window_close(&w);
		return 0;
	}
	if (o->bench)
		printf("load=%.0fms (first part %.0f, model %.0f, level of detail %.0f, view state %.0f, warm frame %.0f)\n",
		       now_ms() - t_load, l->ms_partial, l->ms_model, l->ms_lod, l->ms_state, l->ms_warm);
	if (l->error[0]) {
		fprintf(stderr, "gotrace: %s\n", l->error);
		snprintf(s.error, sizeof s.error, "%s", l->error);
		r = EXIT_BAD;
		if (o->bench || o->screenshot)
			running = false;
		while (running) {
			frame(&s, &w, &d);
			SDL_Event e;
			if (SDL_WaitEvent(&e))
				running &= handle(&s, &w, &e);
		}
		vw_dl_free(&d);
		window_close(&w);
		return r;
	}
	if (!o->bench && !o->screenshot) {
		char recent[4096];
		if (vw_recent_file(recent, sizeof recent) == 0 && vw_recent_add(recent, l->path) != 0 &&
		    getenv("GOTRACE_VIEW_VERBOSE"))
			fprintf(stderr, "gotrace: view: cannot update %s: %s\n", recent, strerror(errno));
	}
	if (l->st_ok) {
		s = l->st;
		memset(&l->st, 0, sizeof l->st);
	} else {
		fprintf(stderr, "gotrace: view: out of memory\n");
		vw_dl_free(&d);
		window_close(&w);
		return EXIT_BAD;
	}
	s.measure = vw_cairo_measure;
	s.measure_ctx = w.measure_cr;
	apply_options(&s, o);
	if (moved && !o->bench && !o->has_from && !o->has_to && o->select_gap <= 0) {
		s.view.vp = vp;
		vw_view_pan(&s.view, 0); /* clamps */
	}
	if (o->bench) {
		r = bench(&s, &w, &d);
		/* The process's peak: the model, the view state and what built
		 * them, beside the file's size as gotrace bench gives it. */
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			printf("memory   peak RSS %.0f MB (%.2fx the file)\n", (double)ru.ru_maxrss / 1024,
			       l->in.len ? (double)ru.ru_maxrss * 1024 / (double)l->in.len : 0);
	} else if (o->screenshot) {
		frame(&s, &w, &d);
		r = window_screenshot(&w, o->screenshot) == 0 ? 0 : EXIT_BAD;
	} else {
		frame(&s, &w, &d);
		while (running) {
			SDL_Event e;
			if (!SDL_WaitEvent(&e))
				break;
			running &= handle(&s, &w, &e);
			while (running && SDL_PollEvent(&e))
				running &= handle(&s, &w, &e);
			if (running)
				frame(&s, &w, &d);
		}
	}
	vw_state_free(&s);
	vw_dl_free(&d);
	window_close(&w);
	return r;
}

int viewer_main(int argc, char **argv)
{
	t_launch = now_ms();
	options o;
	int r = parse(argc, argv, &o);
	if (r)
		return r;
	loader l;
	memset(&l, 0, sizeof l);
	l.path = o.path;
	if (!o.path && o.screenshot && !o.window) {
		r = screenshot_start(&o);
	} else if (o.screenshot && !o.window && !o.bench) {
		load(&l);
		if (l.error[0]) {
			fprintf(stderr, "gotrace: %s\n", l.error);
			r = EXIT_BAD;
		} else {
			r = screenshot_headless(&o, &l);
		}
	} else {
		r = run_window(&o, &l);
	}
	loader_free(&l);
	if (dropped[0]) {
		/* A file dropped on a shown trace: start again with it, the
		 * simplest way to a clean model, view state and loader. */
		char *args[] = {"gotrace", "view", dropped, NULL};
		execv("/proc/self/exe", args);
		fprintf(stderr, "gotrace: view: cannot open %s: %s\n", dropped, strerror(errno));
		return EXIT_BAD;
	}
	return r;
}
