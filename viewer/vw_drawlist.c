/* The per-frame draw list: flat arrays reused from frame to frame, so that
 * building a frame allocates nothing once the arrays have grown. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vw.h"

static bool grow(vw_drawlist *d, void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t nc = *cap ? *cap : 1024;
	while (nc < need)
		nc *= 2;
	void *np = realloc(*p, nc * elem);
	if (!np) {
		d->oom = true;
		return false;
	}
	*p = np;
	*cap = nc;
	return true;
}

void vw_dl_reset(vw_drawlist *d, int width, int height, uint32_t background)
{
	d->nrects = d->nops = d->ntext = d->npts = 0;
	d->width = width;
	d->height = height;
	d->background = background;
	d->oom = false;
	d->nregions = 0;
}

void vw_dl_free(vw_drawlist *d)
{
	free(d->rects);
	free(d->ops);
	free(d->text);
	free(d->pts);
	memset(d, 0, sizeof *d);
}

void vw_dl_rect(vw_drawlist *d, float x, float y, float w, float h, uint32_t rgba)
{
	if (w <= 0 || h <= 0 || !grow(d, (void **)&d->rects, &d->caprects, d->nrects + 1, sizeof *d->rects))
		return;
	d->rects[d->nrects++] = (vw_rect){x, y, w, h, rgba};
}

static vw_op *op(vw_drawlist *d, uint8_t kind)
{
	if (!grow(d, (void **)&d->ops, &d->capops, d->nops + 1, sizeof *d->ops))
		return NULL;
	vw_op *o = &d->ops[d->nops++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	return o;
}

void vw_dl_fill(vw_drawlist *d, float x, float y, float w, float h, uint32_t rgba)
{
	vw_op *o = op(d, VW_OP_FILL);
	if (o)
		*o = (vw_op){.kind = VW_OP_FILL, .x = x, .y = y, .w = w, .h = h, .rgba = rgba};
}

void vw_dl_frame(vw_drawlist *d, float x, float y, float w, float h, float lw, uint32_t rgba)
{
	vw_op *o = op(d, VW_OP_FRAME);
	if (o)
		*o = (vw_op){.kind = VW_OP_FRAME, .x = x, .y = y, .w = w, .h = h, .size = lw, .rgba = rgba};
}

void vw_dl_line(vw_drawlist *d, float x0, float y0, float x1, float y1, float lw, uint32_t rgba)
{
	vw_op *o = op(d, VW_OP_LINE);
	if (o)
		*o = (vw_op){.kind = VW_OP_LINE, .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0, .size = lw, .rgba = rgba};
}

void vw_dl_arrow(vw_drawlist *d, float x0, float y0, float x1, float y1, float lw, uint32_t rgba)
{
	vw_op *o = op(d, VW_OP_ARROW);
	if (o)
		*o = (vw_op){.kind = VW_OP_ARROW, .x = x0, .y = y0, .w = x1 - x0, .h = y1 - y0, .size = lw, .rgba = rgba};
}

void vw_dl_text(vw_drawlist *d, float x, float y, float size, int align, bool bold, uint32_t rgba, const char *s)
{
	size_t n = strlen(s);
	if (!grow(d, (void **)&d->text, &d->captext, d->ntext + n + 1, 1))
		return;
	vw_op *o = op(d, VW_OP_TEXT);
	if (!o)
		return;
	*o = (vw_op){.kind = VW_OP_TEXT, .align = (uint8_t)align, .bold = bold, .x = x, .y = y, .size = size,
	             .rgba = rgba, .off = (uint32_t)d->ntext, .n = (uint32_t)n};
	memcpy(d->text + d->ntext, s, n + 1);
	d->ntext += n + 1;
}

void vw_dl_clip(vw_drawlist *d, float x, float y, float w, float h)
{
	vw_op *o = op(d, VW_OP_CLIP);
	if (o)
		*o = (vw_op){.kind = VW_OP_CLIP, .x = x, .y = y, .w = w, .h = h};
}

void vw_dl_unclip(vw_drawlist *d) { op(d, VW_OP_UNCLIP); }

void vw_dl_poly(vw_drawlist *d, float lw, uint32_t rgba, float fill_to)
{
	vw_op *o = op(d, VW_OP_POLY);
	if (o)
		*o = (vw_op){.kind = VW_OP_POLY, .size = lw, .rgba = rgba, .h = fill_to, .off = (uint32_t)(d->npts / 2)};
}

void vw_dl_point(vw_drawlist *d, float x, float y)
{
	if (!d->nops || d->ops[d->nops - 1].kind != VW_OP_POLY)
		return;
	if (!grow(d, (void **)&d->pts, &d->cappts, d->npts + 2, sizeof *d->pts))
		return;
	d->pts[d->npts++] = x;
	d->pts[d->npts++] = y;
	d->ops[d->nops - 1].n++;
}

static void end_region(vw_drawlist *d)
{
	if (d->nregions) {
		d->regions[d->nregions - 1].rect1 = d->nrects;
		d->regions[d->nregions - 1].op1 = d->nops;
	}
}

void vw_dl_region(vw_drawlist *d, float x, float y, float w, float h, bool overlay)
{
	end_region(d);
	if (d->nregions == VW_REGIONS_MAX) {
		/* Out of regions: the last one grows over the rest, still correct
		 * since a region repaints whatever it holds. */
		vw_region *r = &d->regions[d->nregions - 1];
		float x1 = fmaxf(r->x + r->w, x + w), y1 = fmaxf(r->y + r->h, y + h);
		r->x = fminf(r->x, x), r->y = fminf(r->y, y);
		r->w = x1 - r->x, r->h = y1 - r->y;
		r->overlay |= overlay;
		return;
	}
	d->regions[d->nregions++] = (vw_region){x, y, w, h, d->nrects, d->nrects, d->nops, d->nops, 0, overlay};
}

/* A word-at-a-time hash: a frame's rectangles are a megabyte when zoomed
 * out, and hashing must stay far cheaper than painting. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	if (!n)
		return mix(h, 0);
	uint64_t w;
	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = mix(h, w);
	}
	w = 0;
	memcpy(&w, b, n);
	return mix(h, w ^ n);
}

static uint64_t hash_region(const vw_drawlist *d, const vw_region *r)
{
	float geom[4] = {r->x, r->y, r->w, r->h};
	uint64_t h = hash_bytes((uint64_t)r->overlay << 32 | d->background, geom, sizeof geom);
	h = hash_bytes(h, d->rects + r->rect0, (r->rect1 - r->rect0) * sizeof *d->rects);
	for (size_t i = r->op0; i < r->op1; i++) {
		vw_op o = d->ops[i];
		/* Text and points by content: their offsets move when an earlier
		 * region's text changes. */
		if (o.kind == VW_OP_TEXT)
			h = hash_bytes(h, d->text + o.off, o.n);
		else if (o.kind == VW_OP_POLY)
			h = hash_bytes(h, d->pts + 2 * (size_t)o.off, 2 * (size_t)o.n * sizeof *d->pts);
		o.off = 0;
		h = hash_bytes(h, &o, sizeof o);
	}
	return h;
}

void vw_dl_finish(vw_drawlist *d)
{
	if (!d->nregions) {
		d->regions[0] = (vw_region){0, 0, (float)d->width, (float)d->height, 0, d->nrects, 0, d->nops, 0, false};
		d->nregions = 1;
	}
	end_region(d);
	for (size_t i = 0; i < d->nregions; i++)
		d->regions[i].hash = hash_region(d, &d->regions[i]);
}

static bool overlaps(const vw_region *a, const vw_region *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static bool under_overlay(const vw_region *r, const vw_region *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].overlay && overlaps(r, &list[i]))
			return true;
	return false;
}

size_t vw_damage_compute(vw_damage *dm, const vw_drawlist *d, bool dirty[VW_REGIONS_MAX])
{
	bool all = !dm->valid || dm->width != d->width || dm->height != d->height || dm->background != d->background;
	size_t ndirty = 0;
	for (size_t i = 0; i < d->nregions; i++) {
		const vw_region *r = &d->regions[i], *p = i < dm->nprev ? &dm->prev[i] : NULL;
		dirty[i] = all || r->overlay || !p || p->hash != r->hash || p->overlay ||
		           under_overlay(r, d->regions, d->nregions) || under_overlay(r, dm->prev, dm->nprev);
		ndirty += dirty[i];
	}
	/* A region that went away leaves its pixels: repaint all next time. */
	if (!all && dm->nprev > d->nregions)
		for (size_t i = d->nregions; i < dm->nprev; i++)
			if (!dm->prev[i].overlay) {
				for (size_t j = 0; j < d->nregions; j++)
					ndirty += !dirty[j], dirty[j] = true;
				break;
			}
	memcpy(dm->prev, d->regions, d->nregions * sizeof *d->regions);
	dm->nprev = d->nregions;
	dm->width = d->width;
	dm->height = d->height;
	dm->background = d->background;
	dm->valid = true;
	return ndirty;
}
