/* The cairo renderer of draw lists. */
#ifndef GOTRACE_VIEWER_VW_CAIRO_H
#define GOTRACE_VIEWER_VW_CAIRO_H

#include <cairo.h>

#include "vw.h"

/* Paints the whole draw list onto cr. */
void vw_cairo_render(cairo_t *cr, const vw_drawlist *d);
/* Paints the regions of a finished draw list that dirty[] marks (all when
 * dirty is NULL), leaving the other pixels of cr as they are. */
void vw_cairo_render_dirty(cairo_t *cr, const vw_drawlist *d, const bool *dirty);
/* A vw_measure_fn; ctx is a cairo_t. */
float vw_cairo_measure(void *ctx, const char *s, float size, bool bold);

#endif
