/* Line chart layout and rendering; see chart.h. */
#include "chart.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "mime.h"
#include "pngenc.h"

static const rgb8 palette[] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
};

#define FONT_SCALE 2
#define TICKS 5

rgb8 chart_color(size_t i)
{
    return palette[i % (sizeof palette / sizeof palette[0])];
}

typedef struct range {
    double lo, hi;
} range;

static double xval(const chart_series *s, size_t i)
{
    return s->x ? s->x[i] : (double)(i + 1);
}

static double yval(const chart_series *s, size_t i, bool logy)
{
    double y = s->y[i];
    if (logy)
        return y > 0 ? log10(y) : NAN;
    return y;
}

/* Ranges over finite points; false when there is none. */
static bool data_ranges(const chart_series *s, size_t n, bool logy, range *xr, range *yr)
{
    bool any = false;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            double x = xval(&s[k], i), y = yval(&s[k], i, logy);
            if (!isfinite(x) || !isfinite(y))
                continue;
            if (!any) {
                *xr = (range){x, x};
                *yr = (range){y, y};
                any = true;
            }
            xr->lo = fmin(xr->lo, x);
            xr->hi = fmax(xr->hi, x);
            yr->lo = fmin(yr->lo, y);
            yr->hi = fmax(yr->hi, y);
        }
    return any;
}

/* 1, 2 or 5 times a power of ten, near span / TICKS. */
static double nice_step(double span)
{
    double raw = span / TICKS, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* Widens a range to whole ticks (and away from zero width). */
static void nice_range(range *r, double *step, bool integer_ticks)
{
    if (r->hi - r->lo < 1e-12 * fmax(1, fabs(r->hi))) {
        double pad = fabs(r->lo) > 0 ? fabs(r->lo) * 0.1 : 1;
        r->lo -= pad;
        r->hi += pad;
    }
    *step = nice_step(r->hi - r->lo);
    if (integer_ticks && *step < 1)
        *step = 1;
    r->lo = floor(r->lo / *step) * *step;
    r->hi = ceil(r->hi / *step) * *step;
}

static void tick_label(char *buf, size_t cap, double v, double step, bool logy)
{
    if (fabs(v) < step * 1e-9)
        v = 0;
    if (logy)
        snprintf(buf, cap, "1e%d", (int)lround(v));
    else
        snprintf(buf, cap, "%.4g", v);
}

typedef struct layout {
    int left, right, top, bottom;   /* plot area in pixels */
    range xr, yr;
    double xstep, ystep;
} layout;

static double px(const layout *l, double x)
{
    return l->left + (x - l->xr.lo) / (l->xr.hi - l->xr.lo) * (l->right - l->left);
}

static double py(const layout *l, double y)
{
    return l->bottom - (y - l->yr.lo) / (l->yr.hi - l->yr.lo) * (l->bottom - l->top);
}

static void draw_axes(canvas *c, const layout *l, bool logy)
{
    const rgb8 grid = {230, 230, 230}, axis = {90, 90, 90}, label = {60, 60, 60};
    char buf[32];
    int fh = font_text_height(FONT_SCALE);
    for (double y = l->yr.lo; y <= l->yr.hi + l->ystep * 0.5; y += l->ystep) {
        int yy = (int)lround(py(l, y));
        canvas_rect(c, l->left, yy, l->right, yy + 1, grid);
        tick_label(buf, sizeof buf, y, l->ystep, logy);
        canvas_text(c, l->left - 8 - font_text_width(buf, FONT_SCALE), yy - fh / 2, buf, FONT_SCALE, label);
    }
    for (double x = l->xr.lo; x <= l->xr.hi + l->xstep * 0.5; x += l->xstep) {
        int xx = (int)lround(px(l, x));
        canvas_rect(c, xx, l->top, xx + 1, l->bottom, grid);
        tick_label(buf, sizeof buf, x, l->xstep, false);
        canvas_text(c, xx - font_text_width(buf, FONT_SCALE) / 2, l->bottom + 8, buf, FONT_SCALE, label);
    }
    canvas_rect(c, l->left, l->top, l->left + 1, l->bottom + 1, axis);
    canvas_rect(c, l->left, l->bottom, l->right + 1, l->bottom + 1, axis);
}

static void draw_series(canvas *c, const layout *l, const chart_series *s, bool logy, rgb8 color)
{
    bool have_prev = false;
    double x0 = 0, y0 = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = xval(s, i), y = yval(s, i, logy);
        if (!isfinite(x) || !isfinite(y)) {
            have_prev = false;   /* a gap, not a line to nowhere */
            continue;
        }
        double x1 = px(l, x), y1 = py(l, y);
        if (have_prev)
            canvas_line(c, x0, y0, x1, y1, 2.0, color);
        else if (s->n == 1 || i + 1 == s->n || !isfinite(yval(s, i + 1, logy)))
            canvas_line(c, x1, y1, x1, y1, 4.0, color);   /* a lone point shows as a dot */
        x0 = x1;
        y0 = y1;
        have_prev = true;
    }
}

int chart_render_png(uint8_t **png, size_t *len, const chart_series *s, size_t n,
                     const chart_options *o, char *errbuf, size_t errcap)
{
    *png = NULL;
    *len = 0;
    if (n == 0 || n > CHART_MAX_SERIES) {
        snprintf(errbuf, errcap, "a chart takes 1 to %d series, got %zu", CHART_MAX_SERIES, n);
        return -1;
    }
    layout l;
    if (!data_ranges(s, n, o->logy, &l.xr, &l.yr)) {
        snprintf(errbuf, errcap, "nothing to draw: no finite%s value in %zu series",
                 o->logy ? " positive" : "", n);
        return -1;
    }
    bool integer_x = true;
    for (size_t k = 0; k < n; k++)
        integer_x = integer_x && s[k].x == NULL;
    nice_range(&l.xr, &l.xstep, integer_x);
    nice_range(&l.yr, &l.ystep, o->logy);
    int width = o->width > 0 ? o->width : 640, height = o->height > 0 ? o->height : 360;
    /* left margin fits the widest y label */
    int label_w = 0;
    char buf[32];
    for (double y = l.yr.lo; y <= l.yr.hi + l.ystep * 0.5; y += l.ystep) {
        tick_label(buf, sizeof buf, y, l.ystep, o->logy);
        int w = font_text_width(buf, FONT_SCALE);
        label_w = w > label_w ? w : label_w;
    }
    l.left = label_w + 16;
    l.right = width - 16;
    l.top = 12;
    l.bottom = height - font_text_height(FONT_SCALE) - 20;
    if (l.right - l.left < 32 || l.bottom - l.top < 32) {
        snprintf(errbuf, errcap, "chart size %dx%d is too small for its labels", width, height);
        return -1;
    }
    canvas c;
    if (canvas_init(&c, width, height, (rgb8){255, 255, 255})) {
        snprintf(errbuf, errcap, "cannot allocate a %dx%d chart", width, height);
        return -1;
    }
    draw_axes(&c, &l, o->logy);
    for (size_t k = 0; k < n; k++)
        draw_series(&c, &l, &s[k], o->logy, chart_color(k));
    int rc = png_encode(png, len, c.rgb, width, height, 3, errbuf, errcap);
    canvas_release(&c);
    return rc;
}

static void summary_line(strbuf *b, const chart_series *s)
{
    double lo = INFINITY, hi = -INFINITY, last = NAN;
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->y[i])) {
            lo = fmin(lo, s->y[i]);
            hi = fmax(hi, s->y[i]);
            last = s->y[i];
        }
    sb_printf(b, "\n  %s: %zu points", s->name && *s->name ? s->name : "series", s->n);
    if (isfinite(last))
        sb_printf(b, ", last %.6g, min %.6g, max %.6g", last, lo, hi);
}

json_t *chart_bundle(const chart_series *s, size_t n, const chart_options *o, json_t **metadata,
                     char *errbuf, size_t errcap)
{
    uint8_t *png;
    size_t len;
    *metadata = NULL;
    if (chart_render_png(&png, &len, s, n, o, errbuf, errcap))
        return NULL;
    int width = o->width > 0 ? o->width : 640, height = o->height > 0 ? o->height : 360;
    strbuf plain = {0}, html = {0};
    sb_printf(&plain, "<chart %dx%d%s%s>", width, height, o->title ? ": " : "", o->title ? o->title : "");
    for (size_t k = 0; k < n; k++)
        summary_line(&plain, &s[k]);

    size_t b64cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    if (b64)
        sodium_bin2base64(b64, b64cap, png, len, sodium_base64_VARIANT_ORIGINAL);
    sb_puts(&html, "<figure style=\"margin:0\">");
    if (o->title && *o->title) {
        sb_puts(&html, "<div style=\"font-weight:bold\">");
        sb_append_html(&html, o->title, strlen(o->title));
        sb_puts(&html, "</div>");
    }
    sb_printf(&html, "<img width=\"%d\" height=\"%d\" src=\"data:image/png;base64,%s\"/>", width,
              height, b64 ? b64 : "");
    sb_puts(&html, "<figcaption style=\"font-size:90%\">");
    for (size_t k = 0; k < n; k++) {
        rgb8 col = chart_color(k);
        const char *name = s[k].name && *s[k].name ? s[k].name : "series";
        sb_printf(&html, "<span style=\"margin-right:1em\"><span style=\"color:#%02x%02x%02x\">"
                         "&#9644;</span> ", col.r, col.g, col.b);
        sb_append_html(&html, name, strlen(name));
        sb_puts(&html, "</span>");
    }
    if (o->xlabel || o->ylabel || o->logy) {
        sb_puts(&html, "<br/>");
        if (o->xlabel) {
            sb_puts(&html, "x: ");
            sb_append_html(&html, o->xlabel, strlen(o->xlabel));
            sb_puts(&html, " ");
        }
        if (o->ylabel) {
            sb_puts(&html, "y: ");
            sb_append_html(&html, o->ylabel, strlen(o->ylabel));
        }
        if (o->logy)
            sb_puts(&html, " (log scale)");
    }
    sb_puts(&html, "</figcaption></figure>");
    free(b64);

    char *p = sb_take(&plain), *h = sb_take(&html);
    json_t *data = NULL;
    if (p && h && b64) {
        data = mime_bundle_png(png, len, p, width, height, metadata);
        if (data && mime_bundle_set_text(data, "text/html", h, strlen(h))) {
            json_decref(data);
            data = NULL;
        }
    }
    if (!data) {
        json_decref(*metadata);
        *metadata = NULL;
        snprintf(errbuf, errcap, "out of memory building a chart");
    }
    free(p);
    free(h);
    free(png);
    return data;
}
