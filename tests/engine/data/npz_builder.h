/* Test helper: builds .npy arrays and zip archives (stored or deflated,
 * optionally zip64) in memory, recording where each part lies so tests can
 * break exactly one thing. Header-only; for tests, not the engine. */
#ifndef CZ_TEST_NPZ_BUILDER_H
#define CZ_TEST_NPZ_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct blob {
    uint8_t *data;
    size_t len, cap;
} blob;

static inline void blob_put(blob *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            abort();
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void blob_le(blob *b, uint64_t v, int width)
{
    uint8_t t[8];
    for (int i = 0; i < width; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    blob_put(b, t, (size_t)width);
}

/* An .npy (format 1.0) with this descr and shape text, e.g. "|u1", "(6, 4, 4)". */
static inline blob npy_make(const char *descr, const char *shape, bool fortran,
                            const void *data, size_t len)
{
    char dict[256];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                     descr, fortran ? "True" : "False", shape);
    size_t hlen = (size_t)n + 1;
    while ((10 + hlen) % 64)
        hlen++;
    blob b = {0};
    blob_put(&b, "\x93NUMPY\x01\x00", 8);
    blob_le(&b, hlen, 2);
    blob_put(&b, dict, (size_t)n);
    for (size_t i = (size_t)n; i + 1 < hlen; i++)
        blob_put(&b, " ", 1);
    blob_put(&b, "\n", 1);
    blob_put(&b, data, len);
    return b;
}

typedef struct zip_in {
    const char *name;
    blob content;
    int method;     /* 0 stored, 8 deflate */
    uint16_t flags;
} zip_in;

typedef struct built_zip {
    blob b;
    size_t local_off[8], central_off[8], data_off[8];
    size_t eocd_off;
} built_zip;

static inline blob deflate_raw(const blob *in)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    blob out = {0};
    out.cap = deflateBound(&s, (uLong)in->len) + 16;
    out.data = malloc(out.cap);
    s.next_in = in->data;
    s.avail_in = (uInt)in->len;
    s.next_out = out.data;
    s.avail_out = (uInt)out.cap;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        abort();
    out.len = out.cap - s.avail_out;
    deflateEnd(&s);
    return out;
}

/* n entries (at most 8); zip64 writes 0xffffffff sizes and offsets with a
 * zip64 extra field, and a zip64 end record, as large archives have. */
static inline built_zip zip_make(const zip_in *in, int n, bool zip64)
{
    built_zip z;
    memset(&z, 0, sizeof z);
    blob *b = &z.b;
    blob packed[8];
    uint32_t crc[8];
    for (int i = 0; i < n; i++) {
        crc[i] = (uint32_t)crc32(0L, in[i].content.data, (uInt)in[i].content.len);
        if (in[i].method == 8) {
            packed[i] = deflate_raw(&in[i].content);
        } else {
            packed[i].len = in[i].content.len;
            packed[i].data = malloc(packed[i].len + 1);
            memcpy(packed[i].data, in[i].content.data, packed[i].len);
        }
        z.local_off[i] = b->len;
        blob_le(b, 0x04034b50, 4);
        blob_le(b, 20, 2);
        blob_le(b, in[i].flags, 2);
        blob_le(b, (uint64_t)in[i].method, 2);
        blob_le(b, 0, 4); /* time, date */
        blob_le(b, crc[i], 4);
        blob_le(b, packed[i].len, 4);
        blob_le(b, in[i].content.len, 4);
        blob_le(b, strlen(in[i].name), 2);
        blob_le(b, 0, 2);
        blob_put(b, in[i].name, strlen(in[i].name));
        z.data_off[i] = b->len;
        blob_put(b, packed[i].data, packed[i].len);
    }
    size_t cd_start = b->len;
    for (int i = 0; i < n; i++) {
        z.central_off[i] = b->len;
        blob_le(b, 0x02014b50, 4);
        blob_le(b, 20, 2);
        blob_le(b, zip64 ? 45 : 20, 2);
        blob_le(b, in[i].flags, 2);
        blob_le(b, (uint64_t)in[i].method, 2);
        blob_le(b, 0, 4);
        blob_le(b, crc[i], 4);
        blob_le(b, zip64 ? 0xffffffffu : packed[i].len, 4);
        blob_le(b, zip64 ? 0xffffffffu : in[i].content.len, 4);
        blob_le(b, strlen(in[i].name), 2);
        blob_le(b, zip64 ? 28 : 0, 2);
        blob_le(b, 0, 2); /* comment */
        blob_le(b, 0, 2); /* disk */
        blob_le(b, 0, 2);
        blob_le(b, 0, 4);
        blob_le(b, zip64 ? 0xffffffffu : z.local_off[i], 4);
        blob_put(b, in[i].name, strlen(in[i].name));
        if (zip64) {
            blob_le(b, 0x0001, 2);
            blob_le(b, 24, 2);
            blob_le(b, in[i].content.len, 8);
            blob_le(b, packed[i].len, 8);
            blob_le(b, z.local_off[i], 8);
        }
        free(packed[i].data);
    }
    size_t cd_size = b->len - cd_start;
    if (zip64) {
        size_t e64 = b->len;
        blob_le(b, 0x06064b50, 4);
        blob_le(b, 44, 8);
        blob_le(b, 45, 2);
        blob_le(b, 45, 2);
        blob_le(b, 0, 4);
        blob_le(b, 0, 4);
        blob_le(b, (uint64_t)n, 8);
        blob_le(b, (uint64_t)n, 8);
        blob_le(b, cd_size, 8);
        blob_le(b, cd_start, 8);
        blob_le(b, 0x07064b50, 4);
        blob_le(b, 0, 4);
        blob_le(b, e64, 8);
        blob_le(b, 1, 4);
    }
    z.eocd_off = b->len;
    blob_le(b, 0x06054b50, 4);
    blob_le(b, 0, 2);
    blob_le(b, 0, 2);
    blob_le(b, zip64 ? 0xffff : (uint64_t)n, 2);
    blob_le(b, zip64 ? 0xffff : (uint64_t)n, 2);
    blob_le(b, zip64 ? 0xffffffffu : cd_size, 4);
    blob_le(b, zip64 ? 0xffffffffu : cd_start, 4);
    blob_le(b, 0, 2);
    return z;
}

static inline void put_le_at(uint8_t *p, uint64_t v, int width)
{
    for (int i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* After editing stored entry i's bytes in place: its CRC-32 made right again,
 * so the edit reaches the .npy parser. */
static inline void zip_fix_crc(built_zip *z, int i)
{
    const uint8_t *c = z->b.data + z->central_off[i];
    size_t size = (size_t)c[24] | (size_t)c[25] << 8 | (size_t)c[26] << 16 | (size_t)c[27] << 24;
    uint32_t crc = (uint32_t)crc32(0L, z->b.data + z->data_off[i], (uInt)size);
    put_le_at(z->b.data + z->central_off[i] + 16, crc, 4);
    put_le_at(z->b.data + z->local_off[i] + 14, crc, 4);
}

#endif
