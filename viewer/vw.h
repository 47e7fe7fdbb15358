/* The viewer's core: view state, layout and the per-frame draw list, in
 * plain C with no SDL or cairo, so that every piece of view logic is tested
 * without a window. Data flows model (read-only) -> view state (changed
 * only by input handlers) -> a draw list built each frame -> a renderer
 * (cairo image for screenshots, SDL window). Prefix `vw_`. */
#ifndef GOTRACE_VIEWER_VW_H
#define GOTRACE_VIEWER_VW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gotrace/model.h"

/* ---- time <-> pixels, zoom, pan, undo ---- */

typedef struct vw_viewport {
	double t0;        /* model time (ns) at the left edge of the timeline */
	double ns_per_px; /* zoom */
	double scroll_y;  /* how far the track area is scrolled down, px */
} vw_viewport;

#define VW_UNDO_MAX 128
#define VW_MIN_NS_PER_PX 0.02 /* 1 ns is 50 px: past that nothing more to see */

typedef struct vw_view {
	vw_viewport vp;
	int64_t duration; /* of the trace */
	double width;     /* of the timeline area, px */
	vw_viewport undo[VW_UNDO_MAX], redo[VW_UNDO_MAX];
	int nundo, nredo;
} vw_view;

void vw_view_init(vw_view *v, int64_t duration, double width);
double vw_x_of(const vw_view *v, double t); /* px from the timeline's left edge */
double vw_t_of(const vw_view *v, double x);
double vw_view_end(const vw_view *v); /* time at the right edge */
/* Resizes the timeline keeping the left edge and the zoom. */
void vw_view_resize(vw_view *v, double width);
void vw_view_fit(vw_view *v);
/* Zooms by factor (< 1 zooms in) keeping the time under x in place. */
void vw_view_zoom_at(vw_view *v, double x, double factor);
void vw_view_pan(vw_view *v, double dx_px);
/* Shows [from, to) with a margin of `margin` of the width on each side. */
void vw_view_show(vw_view *v, double from, double to, double margin);
/* Snapshots the viewport before a change; a new change clears redo. */
void vw_view_push(vw_view *v);
bool vw_view_undo(vw_view *v);
bool vw_view_redo(vw_view *v);

/* First i in [lo, hi) whose int64_t at byte `off` of record i (records
 * `stride` bytes apart from base, sorted by that field) is at or after t:
 * the one binary search behind gaps, samples, spans and regions in view. */
size_t vw_first_at(const void *base, size_t stride, size_t off, size_t lo, size_t hi, double t);

/* ---- gaps ---- */

/* Index of the first gap starting at or after t (gaps are sorted by start). */
size_t vw_gap_first_from(const gt_model *m, double t);
/* Reads gaps at ascending indices, however sparse, decoding each block of
 * GT_GAP_BLOCK at most once: gt_model_gap decodes a block from its start
 * on every call. */
typedef struct vw_gap_reader {
	const gt_model *m;
	gt_gap_iter it;
	size_t at; /* the index it reads next; SIZE_MAX before the first */
} vw_gap_reader;
void vw_gap_reader_init(vw_gap_reader *r, const gt_model *m);
/* Gap i (< ngaps), in any order; cheapest after a lower i of its block. */
gt_gap vw_gap_read(vw_gap_reader *r, size_t i);
/* First gap at least min_ns long starting after t, or GT_NONE. */
uint32_t vw_gap_next(const gt_model *m, double t, int64_t min_ns);
/* Last gap at least min_ns long starting before t, or GT_NONE. */
uint32_t vw_gap_prev(const gt_model *m, double t, int64_t min_ns);
/* Indices of the gaps at least min_ns long, in start order, into a
 * malloc'd *out. Returns the count, or SIZE_MAX when out of memory. */
size_t vw_gaps_over(const gt_model *m, int64_t min_ns, uint32_t **out);
/* The same, gap by gap, for a pass that serves several purposes: gaps
 * are fed in index order, and oom is set (idx freed) when out of memory. */
typedef struct vw_over {
	uint32_t *idx;
	size_t n, cap;
	bool oom;
} vw_over;
void vw_over_add(vw_over *o, int64_t min_ns, uint32_t i, const gt_gap *g);
/* The k longest gaps, longest first (ties: earliest first). Returns how
 * many were written to out[0..k). */
size_t vw_worst_gaps(const gt_model *m, uint32_t *out, size_t k);
/* The same, gap by gap: init, add each gap (index, length), finish, which
 * returns the count. */
#define VW_WORST_LOCAL 256 /* room for every caller's k without an allocation */
typedef struct vw_worst {
	uint32_t *out;
	int64_t *d;
	size_t k, len;
	int64_t local[VW_WORST_LOCAL];
} vw_worst;
void vw_worst_init(vw_worst *w, uint32_t *out, size_t k);
void vw_worst_add(vw_worst *w, uint32_t c, int64_t len);
size_t vw_worst_finish(vw_worst *w);

/* ---- series: maximum over any time window ---- */

/* A max pyramid over a series' values: level 0 is the samples, each level
 * above keeps the maximum of VW_PYR_FANOUT cells of the one below, so the
 * maximum of any index range costs O(log n) instead of a scan of the
 * million samples a zoomed-out column covers. */
#define VW_PYR_FANOUT 16
#define VW_PYR_LEVELS 8
typedef struct vw_series_pyr {
	const gt_sample *s;
	size_t n;
	int64_t *level[VW_PYR_LEVELS]; /* level[0] unused: the samples are level 0 */
	size_t nlevel[VW_PYR_LEVELS];
	int nlevels;
	int64_t max; /* over the whole series, 0 when empty */
} vw_series_pyr;

/* Returns 0, or -1 when out of memory (then the pyramid is empty). */
int vw_series_pyr_build(vw_series_pyr *p, const gt_sample *s, size_t n);
void vw_series_pyr_free(vw_series_pyr *p);
/* Maximum value of samples [lo, hi); INT64_MIN when the range is empty. */
int64_t vw_series_pyr_max(const vw_series_pyr *p, size_t lo, size_t hi);
/* Index of the first sample at or after time t. */
size_t vw_series_at(const vw_series_pyr *p, double t);
/* The same when every sample before lo is known to be earlier: a search
 * by doubling steps from lo, whose cost is the log of the distance. */
size_t vw_series_from(const vw_series_pyr *p, size_t lo, double t);

/* ---- sorting ---- */

/* Sorts val[0, n) by key[0, n), smallest first, keeping the order of equal
 * keys; key is sorted with it. Returns 0, or -1 when out of memory (then
 * both are unchanged). */
int vw_radix_sort(uint64_t *key, uint32_t *val, size_t n);
/* A key that orders int64 values as vw_radix_sort orders keys; its
 * complement orders them largest first. */
uint64_t vw_radix_key(int64_t v);

/* ---- range statistics ---- */

#define VW_BUSIEST 5
/* Gap histogram buckets by power of two, as in `gotrace gaps`: bucket b
 * holds durations in [2^b, 2^(b+1)) ns (bucket 0 also below 2 ns, the last
 * one everything above). */
#define VW_HIST_BUCKETS 40
int vw_hist_bucket(int64_t ns);
typedef struct vw_busy {
	uint32_t goroutine;
	int64_t exec_ns;
} vw_busy;
typedef struct vw_range_stats {
	int64_t from, to;
	int64_t state_ns[GT_GS_COUNT]; /* goroutine time in each state, clipped to the range */
	size_t ngaps;                  /* gaps starting in the range */
	size_t ngaps_over;             /* of those, at least the threshold */
	int64_t gap_p50, gap_p90, gap_p99, gap_max;
	size_t hist[VW_HIST_BUCKETS]; /* gaps starting in the range, by vw_hist_bucket */
	int64_t gc_ns, stw_ns; /* GC marking and stop-the-world, clipped */
	size_t nbusiest;
	vw_busy busiest[VW_BUSIEST]; /* most running time first, then lowest index */
} vw_range_stats;

/* Returns 0, or -1 when out of memory. */
int vw_range_stats_compute(const gt_model *m, int64_t from, int64_t to, int64_t threshold, vw_range_stats *out);

/* What makes the statistics of a range cost about the goroutines and gaps
 * at its two ends rather than all of them. Built once per model.
 *
 * Goroutines by blocks of VW_LIFE_BLOCK consecutive indices: the earliest
 * start and the latest end of their spans, so that a range skips the blocks
 * that do not reach into it (goroutines are numbered in about the order
 * they appear, so most blocks of a big trace lie wholly before or after a
 * range) and takes the whole-life sums of the blocks that lie wholly in it.
 *
 * Goroutines that live long have many spans, and a range that cuts one
 * would decode all it holds: for those of VW_CHECK_SPANS * 2 spans or more,
 * every VW_CHECK_SPANS-th span's start and the time in each state before it,
 * so that such a range decodes the spans at its ends only.
 *
 * Gaps: a histogram of the first i gaps every VW_GAP_BLOCK gaps, and every
 * gap's index sorted by length, so that the histogram of a range costs two
 * partial blocks and a percentile a walk through one histogram bucket. */
#define VW_LIFE_BLOCK 64
#define VW_CHECK_SPANS 256
#define VW_GAP_BLOCK 1024
typedef struct vw_checkpoint {
	int64_t start;               /* of the span it is at */
	int64_t state_ns[GT_GS_COUNT]; /* in spans before it */
} vw_checkpoint;
typedef struct vw_range_index {
	int64_t *lo, *hi; /* per block; a block without spans: lo > hi */
	size_t nblocks;
	int64_t (*state_ns)[GT_GS_COUNT]; /* per block: time in each state */
	vw_busy (*busiest)[VW_BUSIEST];    /* per block: its busiest goroutines */
	uint8_t *nbusiest;
	uint32_t *long_g;     /* long-lived goroutines, ascending */
	size_t *long_first;   /* [i]..[i+1]: long_g[i]'s checkpoints; nlong + 1 */
	size_t nlong, caplong, caplongfirst;
	vw_checkpoint *checks;
	size_t nchecks, capchecks;
	uint32_t (*hist)[VW_HIST_BUCKETS]; /* [k]: the histogram of gaps [0, k * VW_GAP_BLOCK) */
	uint32_t *by_len;                  /* gap indices by (length, index) */
	size_t bucket_at[VW_HIST_BUCKETS + 1]; /* where each bucket's gaps start in by_len */
	size_t ngaps;
} vw_range_index;
/* Returns 0, or -1 when out of memory (then it is empty). */
int vw_range_index_build(vw_range_index *x, const gt_model *m);
void vw_range_index_free(vw_range_index *x);
/* vw_range_stats_compute with the index built for m (NULL: none); the
 * same result. */
int vw_range_stats_compute_in(const gt_model *m, const vw_range_index *x, int64_t from, int64_t to, int64_t threshold,
                              vw_range_stats *out);

/* ---- export of a range's gap report ---- */

/* "gaps-<from>-<to>" for the range [from, to): times in ms from the trace
 * start, with as many decimals as needed to be exact ("gaps-900ms-1100.5ms"). */
void vw_export_name(char *buf, size_t n, int64_t from, int64_t to);
#define VW_EXPORT_NFORMATS 4
extern const char *const vw_export_exts[VW_EXPORT_NFORMATS]; /* html json csv md */
/* Writes the gap report (gp_gaps) of the gaps starting in [from, to) and at
 * least min_ns long to dir/<name>.html, .json, .csv and .md (dir NULL or
 * "": the current directory); file names the trace in the reports. Writes
 * "dir/<name>.{html,json,csv,md}" to path. Returns 0, or -1 with errno. */
int vw_export_gaps(const gt_model *m, const char *dir, int64_t from, int64_t to, int64_t min_ns, const char *file,
                   char *path, size_t n);

/* ---- level of detail ---- */

/* One item of a track as drawn: a run of pixel columns [x0, x1) with one
 * state. Spans narrower than a pixel are folded into their column, which
 * keeps the state covering most of it and the worst gap inside. */
typedef struct vw_bin {
	int32_t x0, x1;
	uint8_t state;     /* gt_gstate / gt_pstate; 0xff: nothing */
	uint8_t folded;    /* several spans in it */
	uint16_t reason;   /* of the span, when not folded */
	uint32_t other;    /* of the span, when not folded */
	int64_t worst_gap; /* longest runnable span touching it */
} vw_bin;

/* Bins a track (kind 0 goroutine, 1 P, 2 thread) over the columns
 * [0, ncols) of the view: individual spans when they are few, the model's
 * level-of-detail pyramid when there are more spans than columns. Writes
 * at most 2 * ncols + 2 bins to out and returns how many. */
size_t vw_bin_track(const gt_model *m, int kind, uint32_t index, const vw_view *v, int ncols, vw_bin *out);

/* ---- layout: the rows of the track area ---- */

typedef enum vw_row_kind {
	VW_ROW_GC,
	VW_ROW_HEAP,
	VW_ROW_RUNNABLE,
	VW_ROW_CPU,
	VW_ROW_REGIONS,
	VW_ROW_SECTION, /* header of Procs / Threads / Goroutines; index: vw_section */
	VW_ROW_PROC,
	VW_ROW_THREAD,
	VW_ROW_GROUP, /* goroutines sharing a start function; index: group */
	VW_ROW_GOROUTINE,
} vw_row_kind;

typedef enum vw_section { VW_SEC_PROCS, VW_SEC_THREADS, VW_SEC_GOROUTINES } vw_section;

typedef struct vw_row {
	uint8_t kind;
	uint32_t index;
	float y, h; /* in the scrolled track area, px */
} vw_row;

typedef struct vw_group {
	gt_str name;
	uint32_t *members; /* goroutine indices, sorted by the layout's key */
	size_t n;
	size_t first; /* where its members start in each order's storage */
	bool collapsed;
	int64_t sched_wait_ns, exec_ns, worst_gap_ns;
	int64_t min_id;
	uint32_t id; /* its index in groups[], in name order */
} vw_group;

typedef enum vw_sort { VW_SORT_WAIT, VW_SORT_EXEC, VW_SORT_ID, VW_SORT_COUNT } vw_sort;

typedef struct vw_layout {
	const gt_model *m;
	vw_group *groups; /* in name order; order[] says how they are shown */
	uint32_t *order;  /* group indices, sorted by the layout's key */
	uint64_t *order_key; /* room to sort order[] */
	size_t ngroups;
	/* Every group's members in each order, sorted once when the layout is
	 * made so that changing the order costs a sort of the groups only. */
	uint32_t *members[VW_SORT_COUNT];
	vw_row *rows;
	size_t nrows, cap;
	float total_h;
	vw_sort sort;
	bool threads_collapsed, procs_collapsed;
	uint32_t *group_of;     /* per goroutine: its group's index in groups[] */
	size_t *group_row;      /* per group: its header row, SIZE_MAX when not laid out */
	bool has_regions, has_cpu;
	char filter[64]; /* only groups whose name contains it are laid out; "": all */
} vw_layout;

/* Groups goroutines by start function and sorts each group's members in
 * every order. Returns 0 or -1 (out of memory). The groups' worst gaps
 * come from vw_layout_add_gap, fed every gap by the pass over them that
 * the view state makes. */
int vw_layout_init(vw_layout *l, const gt_model *m);
void vw_layout_add_gap(vw_layout *l, const gt_gap *g);
void vw_layout_free(vw_layout *l);
/* Shows the groups, and the members in each, by s: largest key first,
 * then lowest goroutine id (by id alone for VW_SORT_ID). O(groups log
 * groups). */
void vw_layout_sort(vw_layout *l, vw_sort s);
/* Lays rows out for a scale (1 normally, 2 on a HiDPI screen). */
int vw_layout_rows(vw_layout *l, float scale);
/* Whether a start-function name contains filter, ignoring ASCII case; an
 * empty filter matches every name. */
bool vw_name_matches(gt_str name, const char *filter);
/* Sets the name filter (NULL or "": none) and lays the rows out again:
 * only the groups whose name matches, and their goroutines, get rows. */
int vw_layout_set_filter(vw_layout *l, const char *filter, float scale);
/* Row under y (track-area coordinates), or SIZE_MAX. */
size_t vw_layout_row_at(const vw_layout *l, float y);
/* Row of goroutine gi after expanding its group, or SIZE_MAX. */
size_t vw_layout_reveal(vw_layout *l, uint32_t gi, float scale);
/* Row of goroutine gi, or SIZE_MAX when it has none (its group collapsed
 * or filtered out), O(log members); row of group g's header, or SIZE_MAX,
 * O(1). */
size_t vw_layout_goroutine_row(const vw_layout *l, uint32_t gi);
size_t vw_layout_group_row(const vw_layout *l, uint32_t g);

/* The span under time t, within tol ns when none covers t exactly, read
 * from an iterator seeked to t - tol: false when none. */
bool vw_span_at(gt_span_iter *it, double t, double tol, gt_span *out);

/* ---- the per-frame draw list ---- */

typedef struct vw_rect {
	float x, y, w, h;
	uint32_t rgba; /* 0xRRGGBBAA */
} vw_rect;

typedef enum vw_op_kind {
	VW_OP_FILL,    /* rectangle, x y w h */
	VW_OP_FRAME,   /* rectangle outline, width in size */
	VW_OP_LINE,    /* from x y to x+w y+h, width in size */
	VW_OP_TEXT,    /* at x (per align) with its baseline at y; size in px */
	VW_OP_POLY,    /* n points at pts[off..], width in size; filled to y+h when h > 0 */
	VW_OP_ARROW,   /* curved arrow from x y to x+w y+h */
	VW_OP_CLIP,    /* restrict what follows to x y w h */
	VW_OP_UNCLIP,
} vw_op_kind;

enum { VW_ALIGN_LEFT, VW_ALIGN_CENTER, VW_ALIGN_RIGHT };

typedef struct vw_op {
	uint8_t kind, align, bold;
	float x, y, w, h;
	float size;
	uint32_t rgba;
	uint32_t off, n; /* text bytes or points */
} vw_op;

/* A part of the frame that is painted as a unit: the renderer compares its
 * hash with the last frame's and repaints (and presents) only the regions
 * that changed, so a pan repaints the timeline and not the side panel.
 * Regions tile the frame without overlapping; overlays (tooltip, help) are
 * painted over them and force the regions under them to repaint. */
typedef struct vw_region {
	float x, y, w, h;
	size_t rect0, rect1, op0, op1; /* its rects and ops */
	uint64_t hash;
	bool overlay;
} vw_region;
#define VW_REGIONS_MAX 16

/* Region by region: the bulk rectangles first, in order, then the ops
 * over them. */
typedef struct vw_drawlist {
	vw_rect *rects;
	size_t nrects, caprects;
	vw_op *ops;
	size_t nops, capops;
	char *text;
	size_t ntext, captext;
	float *pts;
	size_t npts, cappts;
	int width, height;
	uint32_t background;
	bool oom;
	vw_region regions[VW_REGIONS_MAX];
	size_t nregions;
} vw_drawlist;

void vw_dl_reset(vw_drawlist *d, int width, int height, uint32_t background);
void vw_dl_free(vw_drawlist *d);
void vw_dl_rect(vw_drawlist *d, float x, float y, float w, float h, uint32_t rgba);
void vw_dl_fill(vw_drawlist *d, float x, float y, float w, float h, uint32_t rgba);
void vw_dl_frame(vw_drawlist *d, float x, float y, float w, float h, float lw, uint32_t rgba);
void vw_dl_line(vw_drawlist *d, float x0, float y0, float x1, float y1, float lw, uint32_t rgba);
void vw_dl_text(vw_drawlist *d, float x, float y, float size, int align, bool bold, uint32_t rgba, const char *s);
void vw_dl_arrow(vw_drawlist *d, float x0, float y0, float x1, float y1, float lw, uint32_t rgba);
void vw_dl_clip(vw_drawlist *d, float x, float y, float w, float h);
void vw_dl_unclip(vw_drawlist *d);
/* Starts a polyline; add points with vw_dl_point. fill_to > 0 fills the
 * area between the line and y = fill_to. */
void vw_dl_poly(vw_drawlist *d, float lw, uint32_t rgba, float fill_to);
void vw_dl_point(vw_drawlist *d, float x, float y);
/* Starts a region (ending the one before); what is drawn next belongs to
 * it and is clipped to it. */
void vw_dl_region(vw_drawlist *d, float x, float y, float w, float h, bool overlay);
/* Ends the last region and hashes every region. A draw list without
 * regions gets one covering the frame. */
void vw_dl_finish(vw_drawlist *d);

/* What was painted last time, to find what must be painted now. */
typedef struct vw_damage {
	vw_region prev[VW_REGIONS_MAX];
	size_t nprev;
	int width, height;
	uint32_t background;
	bool valid; /* false: the target lost its pixels (resize, expose) */
} vw_damage;

/* Marks which regions of d must be painted: all when the last frame is
 * unknown, else those whose content or place changed and those under an
 * overlay of this frame or the last. Remembers d for next time. Returns
 * how many are dirty. */
size_t vw_damage_compute(vw_damage *dm, const vw_drawlist *d, bool dirty[VW_REGIONS_MAX]);

/* ---- the start screen: recent files and the shipped traces ---- */

#define VW_RECENT_MAX 20
/* Where the list of recent files lives: $XDG_STATE_HOME/gotrace/recent, or
 * ~/.local/state/gotrace/recent. Returns 0, or -1 when neither is set. */
int vw_recent_file(char *buf, size_t n);
/* Parses the list: one path a line, most recent first; blank lines and
 * repeats skipped, at most VW_RECENT_MAX. *out is malloc'd (free with
 * vw_paths_free). Returns the count. */
size_t vw_recent_parse(const char *text, size_t len, char ***out);
/* vw_recent_parse of a file; a missing file is an empty list. */
size_t vw_recent_load(const char *file, char ***out);
/* Puts path (made absolute) first in the list in file, dropping an older
 * entry of it and those past VW_RECENT_MAX; creates the directories.
 * Returns 0, or -1 with errno. */
int vw_recent_add(const char *file, const char *path);
void vw_paths_free(char **p, size_t n);

typedef struct vw_start_item {
	char *path;
	bool recent;
} vw_start_item;

typedef struct vw_start {
	vw_start_item *items; /* the recent files, then the traces of traces_dir */
	size_t n, cap, nrecent;
	size_t sel;
	float scroll;
	char traces_dir[1024]; /* "": none found */
} vw_start;

typedef struct vw_start_geom {
	float top, bottom, row_h, x, w;
} vw_start_geom;

/* Builds the list from the recent file (NULL: none) and the *.trace files
 * in traces_dir and its subdirectories (NULL: none). Returns 0 or -1. */
int vw_start_build(vw_start *st, const char *recent_file, const char *traces_dir);
void vw_start_free(vw_start *st);
/* Row of item i on the screen, counting the two section headers. */
size_t vw_start_row_of(const vw_start *st, size_t i);

/* ---- the whole view state ---- */

/* Measures text for layout of boxes; the renderer supplies it. */
typedef float (*vw_measure_fn)(void *ctx, const char *s, float size, bool bold);

typedef enum vw_sel_kind { VW_SEL_NONE, VW_SEL_GAP, VW_SEL_SPAN } vw_sel_kind;

#define VW_REGION_DEPTHS 3 /* user regions nested deeper are not drawn */

typedef struct vw_state {
	const gt_model *m;
	vw_view view;
	vw_layout layout;
	int width, height; /* of the frame, px */
	float scale;       /* HiDPI: output pixels per window pixel */
	int64_t threshold; /* gaps at least this long stand out */
	/* selection */
	vw_sel_kind sel;
	uint32_t sel_gap;                /* gap index */
	uint32_t sel_kind, sel_track;    /* track of the selected span (0 g, 1 P, 2 M) */
	gt_span sel_span;
	bool has_range;
	int64_t range_from, range_to;
	vw_range_stats range;
	vw_range_index rix; /* for range statistics */
	/* pointer */
	float mouse_x, mouse_y;
	bool mouse_in;
	/* drags */
	int drag; /* vw_drag */
	float drag_x0, drag_y0;
	double drag_t0, drag_scroll0;
	bool drag_moved;
	int last_action; /* vw_action: continuous actions share one undo step */
	/* panels */
	bool help, show_side;
	bool typing_filter; /* `/` pressed: keys edit layout.filter until Enter or Esc */
	bool arrows;        /* unblock -> start arrows for every gap of the selected goroutine */
	uint32_t worst[200];
	size_t nworst;
	float side_scroll;
	/* overview cache: worst gap per column */
	int64_t *overview;
	int overview_cols;
	vw_measure_fn measure;
	void *measure_ctx;
	char status[256]; /* a message in the status bar */
	const char *file; /* the trace's path, for exports; may be NULL */
	vw_start *start;  /* no model: the start screen shows this list */
	/* loading */
	bool loading;
	double progress; /* 0..1 */
	char error[512];
	int64_t heap_max, runnable_max; /* plot scales, over the whole trace */
	vw_series_pyr series[GT_SERIES_COUNT];
	/* Gaps over the threshold, for collapsed groups: grouped by group id
	 * (vw_group.id), in start order within a group, with the running
	 * maximum of their ends, so a group's row draws them in time that
	 * grows with its pixels, not with its gaps. */
	uint32_t *over;     /* gap indices */
	int64_t *over_start; /* their starts */
	int64_t *over_end;  /* running maximum of the ends, within the group */
	size_t *over_off;   /* per group id: its first in `over`; [ngroups]: nover */
	size_t nover;
	int64_t over_threshold; /* what `over` was built for; -1: not built */
	/* Running maximum of the ends of each kind of runtime range (sorted by
	 * start), built on first use. */
	int64_t *range_end[GT_RANGE_STW + 1];
	bool range_end_built[GT_RANGE_STW + 1];
	int cpu_order; /* CPU samples in time order: 1 yes, -1 no, 0 not looked at */
	/* User regions of each drawn depth, in start order, with the running
	 * maximum of their ends; built on first use. */
	uint32_t *reg_idx[VW_REGION_DEPTHS];
	int64_t *reg_start[VW_REGION_DEPTHS], *reg_end[VW_REGION_DEPTHS];
	size_t reg_n[VW_REGION_DEPTHS];
	bool reg_built;
	vw_bin *bins; /* scratch */
	size_t nbins_cap;
	/* The rectangles of each track row, relative to the row's top, kept
	 * while the time axis (and what colours them) stays: scrolling,
	 * hovering and selecting redraw rows without binning them again. */
	struct vw_row_cache *rowcache; /* VW_ROWCACHE entries, direct-mapped by row */
	double rc_t0, rc_npp;
	float rc_x, rc_w, rc_k;
	int64_t rc_threshold;
} vw_state;

#define VW_ROWCACHE 512
typedef struct vw_row_cache {
	uint8_t kind; /* vw_row_kind */
	bool valid;
	uint32_t index; /* track index; for groups their id */
	float h;
	vw_rect *rects; /* y relative to the row's top */
	size_t n, cap;
} vw_row_cache;

/* Geometry of the frame, in px (scaled). */
typedef struct vw_geom {
	float overview_y, overview_h;
	float axis_y, axis_h;
	float tracks_y, tracks_h;
	float label_w;
	float timeline_x, timeline_w;
	float side_x, side_w;
	float status_y, status_h;
} vw_geom;

enum vw_drag { VW_DRAG_NONE, VW_DRAG_PAN, VW_DRAG_OVERVIEW, VW_DRAG_RANGE };
enum vw_action { VW_ACT_NONE, VW_ACT_ZOOM, VW_ACT_PAN, VW_ACT_JUMP };

/* What is under a point of the frame. */
typedef enum vw_area {
	VW_AREA_NONE,
	VW_AREA_OVERVIEW,
	VW_AREA_AXIS,
	VW_AREA_LABELS,
	VW_AREA_TRACKS,
	VW_AREA_SIDE
} vw_area;

typedef struct vw_hit {
	vw_area area;
	double t;           /* time under the point */
	size_t row;         /* track row, SIZE_MAX if none */
	int kind;           /* of the row's spans: 0 goroutine, 1 P, 2 thread */
	uint32_t track;     /* goroutine, P or thread index */
	bool on_span;       /* span holds the span under the point */
	gt_span span;
	uint32_t gap;       /* gap under the point (runnable span or side list), or GT_NONE */
} vw_hit;

/* Side panel: the list of worst gaps. */
#define VW_SIDE_ITEM_H 17
float vw_side_list_top(const vw_state *s); /* below the top of the track area, px */
size_t vw_side_list_count(const vw_state *s);

/* Takes the model (not owned). Returns 0 or -1 (out of memory). */
int vw_state_init(vw_state *s, const gt_model *m, int width, int height, float scale);
void vw_state_free(vw_state *s);
void vw_state_resize(vw_state *s, int width, int height, float scale);
/* (Re)builds the overview's worst gap per column for `cols` columns, and
 * the list of gaps over the threshold. Return 0 or -1 (out of memory). */
int vw_state_overview(vw_state *s, int cols);
int vw_state_gaps_over(vw_state *s);
vw_geom vw_state_geom(const vw_state *s);
/* The goroutine of the selected gap or goroutine span, or GT_NONE. */
uint32_t vw_selected_goroutine(const vw_state *s);
/* Length of the longest gap of the trace, 0 if it has none. */
int64_t vw_worst_gap_len(const vw_state *s);
/* Indices of goroutine gi's gaps that overlap the view's time window, in
 * start order, at most cap into out. Returns the count written. */
size_t vw_goroutine_gaps_in_view(const vw_state *s, uint32_t gi, uint32_t *out, size_t cap);
/* Selects a gap, reveals its goroutine and zooms around it. */
void vw_state_select_gap(vw_state *s, uint32_t gap);
void vw_state_set_range(vw_state *s, int64_t from, int64_t to);
void vw_state_clear_range(vw_state *s);

/* Input, in frame pixels. Keys are ASCII or one of VW_KEY_*. */
enum {
	VW_KEY_LEFT = 0x100,
	VW_KEY_RIGHT,
	VW_KEY_UP,
	VW_KEY_DOWN,
	VW_KEY_PAGEUP,
	VW_KEY_PAGEDOWN,
	VW_KEY_HOME,
	VW_KEY_ESCAPE,
	VW_KEY_UNDO,
	VW_KEY_REDO,
	VW_KEY_ENTER,
	VW_KEY_BACKSPACE,
};
vw_hit vw_hit_test(const vw_state *s, float x, float y);
void vw_input_key(vw_state *s, int key);
void vw_input_wheel(vw_state *s, float x, float y, float dy, bool ctrl_or_shift);
void vw_input_motion(vw_state *s, float x, float y);
void vw_input_press(vw_state *s, float x, float y, int button);
void vw_input_release(vw_state *s, float x, float y, int button);
void vw_input_leave(vw_state *s);

/* The start screen (s->start set, no model): geometry, the item under a
 * point (SIZE_MAX: none), keys (arrows, PgUp/PgDn, Home move; Enter
 * returns the path to open, else NULL), a click (the path under it or
 * NULL) and the wheel. */
vw_start_geom vw_start_geometry(const vw_state *s);
float vw_start_item_y(const vw_state *s, size_t i);
size_t vw_start_item_at(const vw_state *s, float x, float y);
const char *vw_start_key(vw_state *s, int key);
const char *vw_start_click(vw_state *s, float x, float y);
void vw_start_wheel(vw_state *s, float dy);

/* Builds the frame for the current state. */
void vw_frame_build(vw_state *s, vw_drawlist *d);
/* Builds what frames index once (runtime ranges, user regions), so that
 * the first frame does not; vw_state_init calls it. */
void vw_frame_prepare(vw_state *s);

/* Colours. */
uint32_t vw_gstate_color(const gt_model *m, const gt_span *sp);
extern const uint32_t VW_COLOR_RUNNING, VW_COLOR_RUNNABLE, VW_COLOR_GAP, VW_COLOR_SYSCALL, VW_COLOR_SYSCALL_BLOCKED;

/* Formats a duration the short way: "1.25ms". */
void vw_fmt_dur(char *buf, size_t n, double ns);

#endif
