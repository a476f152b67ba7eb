/* RGB canvas primitives; see canvas.h. */
#include "canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int canvas_init(canvas *c, int width, int height, rgb8 bg)
{
    c->rgb = NULL;
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192)
        return -1;
    c->rgb = malloc((size_t)width * (size_t)height * 3);
    if (!c->rgb)
        return -1;
    c->width = width;
    c->height = height;
    for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
        c->rgb[3 * i] = bg.r;
        c->rgb[3 * i + 1] = bg.g;
        c->rgb[3 * i + 2] = bg.b;
    }
    return 0;
}

void canvas_release(canvas *c)
{
    free(c->rgb);
    c->rgb = NULL;
}

void canvas_blend(canvas *c, int x, int y, rgb8 color, double alpha)
{
    if (x < 0 || y < 0 || x >= c->width || y >= c->height || !(alpha > 0))
        return;
    if (alpha > 1)
        alpha = 1;
    uint8_t *p = c->rgb + ((size_t)y * (size_t)c->width + (size_t)x) * 3;
    p[0] = (uint8_t)lround(p[0] + (color.r - p[0]) * alpha);
    p[1] = (uint8_t)lround(p[1] + (color.g - p[1]) * alpha);
    p[2] = (uint8_t)lround(p[2] + (color.b - p[2]) * alpha);
}

void canvas_rect(canvas *c, int x0, int y0, int x1, int y1, rgb8 color)
{
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < c->height; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < c->width; x++)
            canvas_blend(c, x, y, color, 1.0);
}

static double dist_to_segment(double px, double py, double x0, double y0, double x1, double y1)
{
    double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
    return sqrt(ex * ex + ey * ey);
}

void canvas_line(canvas *c, double x0, double y0, double x1, double y1, double width, rgb8 color)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
        return;
    double half = width / 2, reach = half + 1;
    int xa = (int)floor(fmin(x0, x1) - reach), xb = (int)ceil(fmax(x0, x1) + reach);
    int ya = (int)floor(fmin(y0, y1) - reach), yb = (int)ceil(fmax(y0, y1) + reach);
    xa = xa < 0 ? 0 : xa;
    ya = ya < 0 ? 0 : ya;
    xb = xb >= c->width ? c->width - 1 : xb;
    yb = yb >= c->height ? c->height - 1 : yb;
    for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++) {
            /* pixel centres at +0.5; coverage falls off over one pixel */
            double d = dist_to_segment(x + 0.5, y + 0.5, x0, y0, x1, y1);
            double cover = half + 0.5 - d;
            if (cover > 0)
                canvas_blend(c, x, y, color, cover);
        }
}

/* 3x5 glyphs, one row per byte, bit 2 = leftmost column. */
static const struct {
    char ch;
    uint8_t rows[5];
} glyphs[] = {
    {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}},
    {'3', {7, 1, 7, 1, 7}}, {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}},
    {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 1, 1, 1}}, {'8', {7, 5, 7, 5, 7}},
    {'9', {7, 5, 7, 1, 7}}, {'.', {0, 0, 0, 0, 2}}, {'-', {0, 0, 7, 0, 0}},
    {'+', {0, 2, 7, 2, 0}}, {'e', {0, 7, 7, 4, 3}}, {' ', {0, 0, 0, 0, 0}},
};

static const uint8_t *glyph(char ch)
{
    for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0]; i++)
        if (glyphs[i].ch == ch)
            return glyphs[i].rows;
    return glyphs[sizeof glyphs / sizeof glyphs[0] - 1].rows;
}

int font_text_width(const char *s, int scale)
{
    size_t n = strlen(s);
    return n ? (int)(n * 4 - 1) * scale : 0;   /* 3 columns + 1 spacing */
}

int font_text_height(int scale)
{
    return 5 * scale;
}

int canvas_text(canvas *c, int x, int y, const char *s, int scale, rgb8 color)
{
    for (size_t i = 0; s[i]; i++) {
        const uint8_t *rows = glyph(s[i]);
        int gx = x + (int)i * 4 * scale;
        for (int r = 0; r < 5; r++)
            for (int col = 0; col < 3; col++)
                if (rows[r] & (4 >> col))
                    canvas_rect(c, gx + col * scale, y + r * scale, gx + (col + 1) * scale,
                                y + (r + 1) * scale, color);
    }
    return font_text_width(s, scale);
}
