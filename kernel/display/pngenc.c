/* libpng writing into a growing memory buffer; see png.h.
 * libpng reports errors by longjmp to png_jmpbuf: everything that must be
 * freed after the jump lives in a struct the jump cannot clobber. */
#include "pngenc.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct membuf {
    uint8_t *data;
    size_t len, cap;
    int oom;
} membuf;

static void write_fn(png_structp png, png_bytep bytes, size_t len)
{
    membuf *m = png_get_io_ptr(png);
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len)
            cap *= 2;
        uint8_t *grown = realloc(m->data, cap);
        if (!grown) {
            m->oom = 1;
            png_error(png, "out of memory");
        }
        m->data = grown;
        m->cap = cap;
    }
    memcpy(m->data + m->len, bytes, len);
    m->len += len;
}

static void flush_fn(png_structp png)
{
    (void)png;
}

/* libpng's default error handler prints to stderr; keep the text instead. */
typedef struct errctx {
    char *buf;
    size_t cap;
} errctx;

static void error_fn(png_structp png, png_const_charp msg)
{
    errctx *e = png_get_error_ptr(png);
    snprintf(e->buf, e->cap, "PNG encoder: %s", msg);
    png_longjmp(png, 1);
}

static void warning_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

int png_encode(uint8_t **out, size_t *out_len, const uint8_t *pixels, int width, int height,
               int channels, char *errbuf, size_t errcap)
{
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    *out = NULL;
    *out_len = 0;
    if (width <= 0 || height <= 0 || width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) {
        snprintf(errbuf, errcap, "image size %dx%d is outside 1..%d per side", width, height,
                 PNG_MAX_SIDE);
        return -1;
    }
    if (channels < 1 || channels > 4) {
        snprintf(errbuf, errcap, "%d channels per pixel; use 1 (grey), 2, 3 (RGB) or 4 (RGBA)", channels);
        return -1;
    }
    errctx ectx = {errbuf, errcap};
    membuf *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(errbuf, errcap, "out of memory encoding a PNG");
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ectx, error_fn, warning_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        free(m);
        snprintf(errbuf, errcap, "out of memory starting the PNG encoder");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(m->data);
        free(m);
        return -1;
    }
    png_set_write_fn(png, m, write_fn, flush_fn);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++)
        png_write_row(png, pixels + (size_t)y * stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = m->data;
    *out_len = m->len;
    free(m);
    return 0;
}
