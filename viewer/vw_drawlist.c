/* The per-frame draw list: flat arrays reused from frame to frame, so that
 * building a frame allocates nothing once the arrays have grown. */
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
