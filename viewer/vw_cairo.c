/* Renders a draw list with cairo: into a PNG for screenshots, into the
 * window's streaming texture otherwise, so both show the same pixels. */
#include <math.h>

#include "vw_cairo.h"

static void set_rgba(cairo_t *cr, uint32_t c)
{
	cairo_set_source_rgba(cr, (double)(c >> 24) / 255.0, (double)((c >> 16) & 0xff) / 255.0,
	                      (double)((c >> 8) & 0xff) / 255.0, (double)(c & 0xff) / 255.0);
}

static void set_font(cairo_t *cr, float size, bool bold)
{
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

float vw_cairo_measure(void *ctx, const char *s, float size, bool bold)
{
	cairo_t *cr = ctx;
	cairo_text_extents_t e;
	set_font(cr, size, bold);
	cairo_text_extents(cr, s, &e);
	return (float)e.x_advance;
}

static void arrow(cairo_t *cr, const vw_op *o)
{
	double x0 = o->x, y0 = o->y, x1 = o->x + o->w, y1 = o->y + o->h;
	/* A curve that leaves the unblock going right and lands on the start
	 * from above or below: readable even when both ends share a row. */
	double bend = fabs(y1 - y0) < 4 ? -30 : 0;
	double cx0 = x0 + (x1 - x0) * 0.5, cy0 = y0 + bend, cx1 = x1 - (x1 - x0) * 0.2, cy1 = y0 + (y1 - y0) * 0.2 + bend;
	cairo_move_to(cr, x0, y0);
	cairo_curve_to(cr, cx0, cy0, cx1, cy1, x1, y1);
	cairo_set_line_width(cr, o->size);
	cairo_stroke(cr);
	double ang = atan2(y1 - cy1, x1 - cx1), len = 4.5 * o->size;
	cairo_move_to(cr, x1, y1);
	cairo_line_to(cr, x1 - len * cos(ang - 0.45), y1 - len * sin(ang - 0.45));
	cairo_line_to(cr, x1 - len * cos(ang + 0.45), y1 - len * sin(ang + 0.45));
	cairo_close_path(cr);
	cairo_fill(cr);
}

/* Fills the bulk rectangles straight into the pixels: they are
 * pixel-aligned and opaque or simply blended, and tens of thousands of them
 * through cairo's path machinery cost a 1080p frame 20 ms, a plain loop 2. */
typedef struct box {
	int x0, y0, x1, y1;
} box;

static void fill_rects(uint32_t *px, int stride_px, box clip, const vw_rect *rects, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const vw_rect *r = &rects[i];
		double fx = floor(r->x), fy = floor(r->y);
		int x0 = (int)fmax(fx, clip.x0), y0 = (int)fmax(fy, clip.y0);
		int x1 = (int)fmin(fx + ceil(r->w), clip.x1), y1 = (int)fmin(fy + ceil(r->h), clip.y1);
		if (x1 <= x0 || y1 <= y0)
			continue;
		uint32_t a = r->rgba & 0xff, rgb = r->rgba >> 8;
		if (a == 0xff) {
			uint32_t v = 0xff000000u | rgb;
			for (int y = y0; y < y1; y++) {
				uint32_t *row = px + (size_t)y * (size_t)stride_px;
				for (int x = x0; x < x1; x++)
					row[x] = v;
			}
			continue;
		}
		/* Source over an opaque destination: every frame starts from an
		 * opaque background, so alpha stays 255. */
		uint32_t sr = (rgb >> 16) * a, sg = ((rgb >> 8) & 0xff) * a, sb = (rgb & 0xff) * a, na = 255 - a;
		for (int y = y0; y < y1; y++) {
			uint32_t *row = px + (size_t)y * (size_t)stride_px;
			for (int x = x0; x < x1; x++) {
				uint32_t p = row[x];
				uint32_t pr = ((p >> 16) & 0xff) * na + sr + 127, pg = ((p >> 8) & 0xff) * na + sg + 127,
				         pb = (p & 0xff) * na + sb + 127;
				row[x] = 0xff000000u | (pr / 255) << 16 | (pg / 255) << 8 | pb / 255;
			}
		}
	}
}

static bool is_pixel_buffer(cairo_surface_t *t)
{
	if (cairo_surface_get_type(t) != CAIRO_SURFACE_TYPE_IMAGE)
		return false;
	cairo_format_t f = cairo_image_surface_get_format(t);
	return f == CAIRO_FORMAT_ARGB32 || f == CAIRO_FORMAT_RGB24;
}

/* A region's pixels: rounded the same way for the clip and the fills, so
 * that neighbours share edges without gaps or overlap. */
static box region_box(const vw_region *r, int w, int h)
{
	box b = {(int)lroundf(r->x), (int)lroundf(r->y), (int)lroundf(r->x + r->w), (int)lroundf(r->y + r->h)};
	b.x0 = b.x0 < 0 ? 0 : b.x0;
	b.y0 = b.y0 < 0 ? 0 : b.y0;
	b.x1 = b.x1 > w ? w : b.x1;
	b.y1 = b.y1 > h ? h : b.y1;
	return b;
}

static void render_ops(cairo_t *cr, const vw_drawlist *d, size_t op0, size_t op1);

static void render_region(cairo_t *cr, const vw_drawlist *d, const vw_region *rg, bool direct)
{
	cairo_surface_t *target = cairo_get_target(cr);
	box b = region_box(rg, d->width, d->height);
	if (b.x1 <= b.x0 || b.y1 <= b.y0)
		return;
	cairo_save(cr);
	cairo_rectangle(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
	cairo_clip(cr);
	if (!rg->overlay) {
		set_rgba(cr, d->background);
		cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
		cairo_paint(cr);
		cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
	}
	if (direct) {
		cairo_surface_flush(target);
		fill_rects((uint32_t *)(void *)cairo_image_surface_get_data(target), cairo_image_surface_get_stride(target) / 4,
		           b, d->rects + rg->rect0, rg->rect1 - rg->rect0);
		cairo_surface_mark_dirty_rectangle(target, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
	} else {
		/* Any other target: one fill per run of the same colour. */
		cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
		uint32_t cur = 0;
		bool open = false;
		for (size_t i = rg->rect0; i < rg->rect1; i++) {
			const vw_rect *r = &d->rects[i];
			if (!open || r->rgba != cur) {
				if (open)
					cairo_fill(cr);
				set_rgba(cr, r->rgba);
				cur = r->rgba;
				open = true;
			}
			cairo_rectangle(cr, floor(r->x), floor(r->y), ceil(r->w), ceil(r->h));
		}
		if (open)
			cairo_fill(cr);
		cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
	}
	render_ops(cr, d, rg->op0, rg->op1);
	cairo_restore(cr);
}

void vw_cairo_render_dirty(cairo_t *cr, const vw_drawlist *d, const bool *dirty)
{
	cairo_surface_t *target = cairo_get_target(cr);
	cairo_matrix_t mx;
	cairo_get_matrix(cr, &mx);
	bool direct = is_pixel_buffer(target) && mx.xx == 1 && mx.yy == 1 && mx.xy == 0 && mx.yx == 0 && mx.x0 == 0 &&
	              mx.y0 == 0 && cairo_image_surface_get_width(target) >= d->width &&
	              cairo_image_surface_get_height(target) >= d->height;
	for (size_t i = 0; i < d->nregions; i++)
		if (!dirty || dirty[i])
			render_region(cr, d, &d->regions[i], direct);
}

void vw_cairo_render(cairo_t *cr, const vw_drawlist *d)
{
	if (!d->nregions) {
		/* Not finished: paint it as one region covering the frame. */
		vw_drawlist whole = *d;
		vw_dl_finish(&whole);
		vw_cairo_render_dirty(cr, &whole, NULL);
		return;
	}
	vw_cairo_render_dirty(cr, d, NULL);
}

static void render_ops(cairo_t *cr, const vw_drawlist *d, size_t op0, size_t op1)
{
	int depth = 0;
	for (size_t i = op0; i < op1; i++) {
		const vw_op *o = &d->ops[i];
		if (o->kind != VW_OP_CLIP && o->kind != VW_OP_UNCLIP)
			set_rgba(cr, o->rgba);
		switch (o->kind) {
		case VW_OP_FILL:
			cairo_rectangle(cr, o->x, o->y, o->w, o->h);
			cairo_fill(cr);
			break;
		case VW_OP_FRAME:
			cairo_set_line_width(cr, o->size);
			cairo_rectangle(cr, o->x, o->y, o->w, o->h);
			cairo_stroke(cr);
			break;
		case VW_OP_LINE:
			cairo_set_line_width(cr, o->size);
			/* Half-pixel offset: a 1 px line on a pixel, not across two. */
			cairo_move_to(cr, floor(o->x) + 0.5, floor(o->y) + 0.5);
			cairo_line_to(cr, floor(o->x + o->w) + 0.5, floor(o->y + o->h) + 0.5);
			cairo_stroke(cr);
			break;
		case VW_OP_TEXT: {
			const char *s = d->text + o->off;
			set_font(cr, o->size, o->bold);
			double x = o->x;
			if (o->align != VW_ALIGN_LEFT) {
				cairo_text_extents_t e;
				cairo_text_extents(cr, s, &e);
				x -= o->align == VW_ALIGN_CENTER ? e.x_advance / 2 : e.x_advance;
			}
			cairo_move_to(cr, x, o->y);
			cairo_show_text(cr, s);
			break;
		}
		case VW_OP_POLY: {
			const float *p = d->pts + 2 * (size_t)o->off;
			if (o->n < 2)
				break;
			cairo_move_to(cr, p[0], p[1]);
			for (uint32_t k = 1; k < o->n; k++)
				cairo_line_to(cr, p[2 * k], p[2 * k + 1]);
			if (o->h > 0) {
				cairo_close_path(cr);
				cairo_fill(cr);
			} else {
				cairo_set_line_width(cr, o->size);
				cairo_stroke(cr);
			}
			break;
		}
		case VW_OP_ARROW:
			arrow(cr, o);
			break;
		case VW_OP_CLIP:
			depth++;
			cairo_save(cr);
			cairo_rectangle(cr, o->x, o->y, o->w, o->h);
			cairo_clip(cr);
			break;
		case VW_OP_UNCLIP:
			if (depth > 0) {
				depth--;
				cairo_restore(cr);
			}
			break;
		}
	}
	/* A clip left open at the end of a region ends with it. */
	for (; depth > 0; depth--)
		cairo_restore(cr);
}
