/* Line charts (loss and metric curves) rendered to PNG: axes, grid, tick
 * labels, one coloured antialiased line per series; NaN and infinite values
 * break a line instead of breaking the chart. Titles and the legend go in
 * the HTML caption that chart_bundle builds (the raster font has digits
 * only). No Lua here. */
#ifndef KERNEL_CHART_H
#define KERNEL_CHART_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canvas.h"

typedef struct chart_series {
    const char *name;
    const double *x;   /* NULL: 1, 2, ..., n */
    const double *y;
    size_t n;
} chart_series;

typedef struct chart_options {
    int width, height;   /* 0: 640 x 360 */
    bool logy;           /* log10 y axis; values <= 0 are skipped */
    const char *title;   /* optional, shown in the caption */
    const char *xlabel, *ylabel;
} chart_options;

#define CHART_MAX_SERIES 16

/* The colour of series i (a fixed palette, repeating). */
rgb8 chart_color(size_t i);

/* Renders to a malloc'd PNG. -1 with errbuf filled when there is nothing to
 * draw (no finite point), too many series, or out-of-memory. */
int chart_render_png(uint8_t **png, size_t *len, const chart_series *s, size_t n,
                     const chart_options *o, char *errbuf, size_t errcap);

/* A display bundle: image/png, text/html (image + title + legend) and a
 * text/plain summary (per series: points, last, min, max). NULL with errbuf
 * filled on failure. *metadata gets the image size (or NULL). */
json_t *chart_bundle(const chart_series *s, size_t n, const chart_options *o, json_t **metadata,
                     char *errbuf, size_t errcap);

#endif
