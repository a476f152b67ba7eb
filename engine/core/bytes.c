/* Little-endian field encoding; explicit byte order so files and digests are
 * the same on every host. */
#include "bytes.h"

#include <string.h>

#include "alloc.h"

void cz_bytes_free(cz_bytes *b)
{
    cz_free(b->data);
    memset(b, 0, sizeof *b);
}

cz_status cz_bytes_status(const cz_bytes *b, cz_error *err)
{
    if (b->failed)
        return cz_error_set(err, CZ_ENOMEM, "free memory and try again",
                            "out of memory while encoding %zu bytes", b->len);
    return CZ_OK;
}

static int reserve(cz_bytes *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra < b->len) {
        b->failed = 1;
        return 0;
    }
    if (b->len + extra <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    uint8_t *p = cz_realloc(b->data, b->len, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void cz_bytes_put(cz_bytes *b, const void *p, size_t n)
{
    if (!n || !reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_le(cz_bytes *b, uint64_t v, int width)
{
    uint8_t tmp[8];
    for (int i = 0; i < width; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    cz_bytes_put(b, tmp, (size_t)width);
}

void cz_bytes_u8(cz_bytes *b, uint8_t v) { put_le(b, v, 1); }
void cz_bytes_u32(cz_bytes *b, uint32_t v) { put_le(b, v, 4); }
void cz_bytes_u64(cz_bytes *b, uint64_t v) { put_le(b, v, 8); }
void cz_bytes_i64(cz_bytes *b, int64_t v) { put_le(b, (uint64_t)v, 8); }

void cz_bytes_f64(cz_bytes *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_le(b, u, 8);
}

void cz_bytes_str(cz_bytes *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    cz_bytes_u32(b, (uint32_t)n);
    cz_bytes_put(b, s, n);
}

void cz_bytes_reals(cz_bytes *b, const cz_real *x, int64_t n)
{
    if (n <= 0 || !reserve(b, (size_t)n * 4))
        return;
    for (int64_t i = 0; i < n; i++) {
        float f = (float)x[i];
        uint32_t u;
        memcpy(&u, &f, 4);
        put_le(b, u, 4);
    }
}

void cz_bytes_i32s(cz_bytes *b, const int32_t *x, int64_t n)
{
    if (n <= 0 || !reserve(b, (size_t)n * 4))
        return;
    for (int64_t i = 0; i < n; i++)
        put_le(b, (uint32_t)x[i], 4);
}

void cz_bytes_i64s(cz_bytes *b, const int64_t *x, int64_t n)
{
    if (n <= 0 || !reserve(b, (size_t)n * 8))
        return;
    for (int64_t i = 0; i < n; i++)
        put_le(b, (uint64_t)x[i], 8);
}

cz_reader cz_reader_init(const void *data, size_t len, cz_error *err)
{
    cz_reader r = {.data = data, .len = len, .pos = 0, .failed = 0, .err = err};
    return r;
}

int cz_read(cz_reader *r, void *out, size_t n, const char *what)
{
    if (r->failed)
        return 0;
    if (n > r->len - r->pos) {
        r->failed = 1;
        cz_error_set(r->err, CZ_EFORMAT, "the data is truncated or corrupt; use an intact copy",
                     "truncated record: %s needs %zu bytes at offset %zu, %zu left", what, n, r->pos,
                     r->len - r->pos);
        return 0;
    }
    if (out)
        memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return 1;
}

static uint64_t get_le(cz_reader *r, int width, const char *what)
{
    uint8_t tmp[8];
    if (!cz_read(r, tmp, (size_t)width, what))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint64_t)tmp[i] << (8 * i);
    return v;
}

uint8_t cz_read_u8(cz_reader *r, const char *what) { return (uint8_t)get_le(r, 1, what); }
uint32_t cz_read_u32(cz_reader *r, const char *what) { return (uint32_t)get_le(r, 4, what); }
uint64_t cz_read_u64(cz_reader *r, const char *what) { return get_le(r, 8, what); }
int64_t cz_read_i64(cz_reader *r, const char *what) { return (int64_t)get_le(r, 8, what); }

double cz_read_f64(cz_reader *r, const char *what)
{
    uint64_t u = get_le(r, 8, what);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

char *cz_read_str(cz_reader *r, size_t max_len, const char *what)
{
    uint32_t n = cz_read_u32(r, what);
    if (r->failed)
        return NULL;
    if (n > max_len) {
        r->failed = 1;
        cz_error_set(r->err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                     "malformed record: %s is %u bytes long, the limit is %zu", what, n, max_len);
        return NULL;
    }
    char *s = cz_alloc((size_t)n + 1);
    if (!s) {
        r->failed = 1;
        cz_error_set(r->err, CZ_ENOMEM, NULL, "out of memory reading %s", what);
        return NULL;
    }
    if (!cz_read(r, s, n, what)) {
        cz_free(s);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

/* Checks that n items of width bytes remain before reading them one by one. */
static int check_count(cz_reader *r, int64_t n, size_t width, const char *what)
{
    if (r->failed)
        return 0;
    if (n < 0 || (uint64_t)n > (r->len - r->pos) / width) {
        r->failed = 1;
        cz_error_set(r->err, CZ_EFORMAT, "the data is truncated or corrupt; use an intact copy",
                     "truncated record: %s needs %lld items of %zu bytes at offset %zu, %zu bytes left",
                     what, (long long)n, width, r->pos, r->len - r->pos);
        return 0;
    }
    return 1;
}

int cz_read_reals(cz_reader *r, cz_real *out, int64_t n, const char *what)
{
    if (!check_count(r, n, 4, what))
        return 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)get_le(r, 4, what);
        float f;
        memcpy(&f, &u, 4);
        out[i] = (cz_real)f;
    }
    return !r->failed;
}

int cz_read_i32s(cz_reader *r, int32_t *out, int64_t n, const char *what)
{
    if (!check_count(r, n, 4, what))
        return 0;
    for (int64_t i = 0; i < n; i++)
        out[i] = (int32_t)(uint32_t)get_le(r, 4, what);
    return !r->failed;
}

int cz_read_i64s(cz_reader *r, int64_t *out, int64_t n, const char *what)
{
    if (!check_count(r, n, 8, what))
        return 0;
    for (int64_t i = 0; i < n; i++)
        out[i] = (int64_t)get_le(r, 8, what);
    return !r->failed;
}

cz_status cz_reader_finish(cz_reader *r, int require_end)
{
    if (r->failed)
        return r->err ? r->err->code : CZ_EFORMAT;
    if (require_end && r->pos != r->len)
        return cz_error_set(r->err, CZ_EFORMAT, "the data is corrupt; use an intact copy",
                            "malformed record: %zu unexpected trailing bytes", r->len - r->pos);
    return CZ_OK;
}
