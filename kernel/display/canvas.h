/* A small RGB raster for charts: fills, antialiased thick lines, and a 3x5
 * pixel font that knows only what axis labels need (digits . - + e).
 * Coordinates are pixels, origin top-left. No Lua, no PNG (png.h encodes). */
#ifndef KERNEL_CANVAS_H
#define KERNEL_CANVAS_H

#include <stddef.h>
#include <stdint.h>

typedef struct canvas {
    int width, height;
    uint8_t *rgb;   /* width * height * 3 bytes, owned */
} canvas;

typedef struct rgb8 {
    uint8_t r, g, b;
} rgb8;

/* Allocates a canvas filled with bg. Returns -1 on bad size or out-of-memory. */
int canvas_init(canvas *c, int width, int height, rgb8 bg);
void canvas_release(canvas *c);

/* Blends color into one pixel with coverage alpha in [0, 1] (clipped). */
void canvas_blend(canvas *c, int x, int y, rgb8 color, double alpha);

/* Solid axis-aligned rectangle [x0, x1) x [y0, y1) (clipped). */
void canvas_rect(canvas *c, int x0, int y0, int x1, int y1, rgb8 color);

/* Antialiased segment of the given width (pixels), by distance to the segment. */
void canvas_line(canvas *c, double x0, double y0, double x1, double y1, double width, rgb8 color);

/* Text in the 3x5 font scaled by `scale`; unknown characters draw as blanks.
 * Returns the width drawn. font_text_width gives it without drawing. */
int canvas_text(canvas *c, int x, int y, const char *s, int scale, rgb8 color);
int font_text_width(const char *s, int scale);
int font_text_height(int scale);

#endif
