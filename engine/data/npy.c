/* .npy arrays (numpy format 1.0 to 3.0): the magic, the header dictionary
 * {'descr': '<i8', 'fortran_order': False, 'shape': (546, 28, 28), }, and a
 * data length that matches the shape. Reads the header as a tiny grammar
 * within its stated length; no pickled objects, no Fortran order, no
 * big-endian multi-byte items. */
#include <string.h>

#include "zip_reader.h"

#define BAD_HINT "the array is damaged; write it again with numpy.save or numpy.savez"

typedef struct hdr {
    const char *s;
    size_t len, pos;
} hdr;

static void skip_ws(hdr *h)
{
    while (h->pos < h->len && (h->s[h->pos] == ' ' || h->s[h->pos] == '\t' ||
                               h->s[h->pos] == '\n' || h->s[h->pos] == '\r'))
        h->pos++;
}

static bool eat(hdr *h, char c)
{
    skip_ws(h);
    if (h->pos < h->len && h->s[h->pos] == c) {
        h->pos++;
        return true;
    }
    return false;
}

/* A quoted Python string ('...' or "...") without escapes, into out[cap]. */
static bool read_string(hdr *h, char *out, size_t cap)
{
    skip_ws(h);
    if (h->pos >= h->len || (h->s[h->pos] != '\'' && h->s[h->pos] != '"'))
        return false;
    char q = h->s[h->pos++];
    size_t n = 0;
    while (h->pos < h->len && h->s[h->pos] != q) {
        if (n + 1 >= cap || h->s[h->pos] == '\\')
            return false;
        out[n++] = h->s[h->pos++];
    }
    if (h->pos >= h->len)
        return false;
    h->pos++;
    out[n] = '\0';
    return true;
}

static bool read_word(hdr *h, const char *w)
{
    skip_ws(h);
    size_t n = strlen(w);
    if (h->len - h->pos >= n && memcmp(h->s + h->pos, w, n) == 0) {
        h->pos += n;
        return true;
    }
    return false;
}

/* (d0, d1, ...) with an optional trailing comma; () is a scalar. */
static bool read_shape(hdr *h, cz_npy *a)
{
    if (!eat(h, '('))
        return false;
    a->ndim = 0;
    for (;;) {
        if (eat(h, ')'))
            return true;
        if (a->ndim == CZ_NPY_MAX_DIMS)
            return false;
        skip_ws(h);
        uint64_t v = 0;
        size_t digits = 0;
        while (h->pos < h->len && h->s[h->pos] >= '0' && h->s[h->pos] <= '9') {
            v = v * 10 + (uint64_t)(h->s[h->pos++] - '0');
            if (++digits > 15)
                return false; /* far beyond any array we could hold */
        }
        if (!digits)
            return false;
        if (h->pos < h->len && h->s[h->pos] == 'L')
            h->pos++; /* Python 2 long */
        a->shape[a->ndim++] = v;
        if (!eat(h, ',')) {
            return eat(h, ')');
        }
    }
}

static bool parse_descr(const char *d, cz_npy *a)
{
    char order = d[0];
    if (order != '<' && order != '|' && order != '=' && order != '>')
        return false;
    a->kind = d[1];
    if (a->kind != 'u' && a->kind != 'i' && a->kind != 'f' && a->kind != 'b')
        return false;
    if (!(d[2] >= '1' && d[2] <= '8') || d[3] != '\0')
        return false;
    a->itemsize = d[2] - '0';
    if (a->itemsize != 1 && a->itemsize != 2 && a->itemsize != 4 && a->itemsize != 8)
        return false;
    if (a->kind == 'f' && a->itemsize == 1)
        return false; /* no such float */
    return order != '>' || a->itemsize == 1;
}

cz_status cz_npy_parse(const uint8_t *buf, size_t len, const char *what, cz_npy *a,
                       cz_error *err)
{
    memset(a, 0, sizeof *a);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return cz_error_set(err, CZ_EFORMAT, BAD_HINT, "%s is not a .npy array (no \\x93NUMPY magic)",
                            what);
    unsigned major = buf[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return cz_error_set(err, CZ_EFORMAT, BAD_HINT, "%s: the header is truncated", what);
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
               (size_t)buf[11] << 24;
        start = 12;
    } else {
        return cz_error_set(err, CZ_EUNSUPPORTED, "save it with numpy.save (format 1.0 to 3.0)",
                            "%s: .npy format version %u is not supported", what, major);
    }
    if (hlen > len - start)
        return cz_error_set(err, CZ_EFORMAT, BAD_HINT, "%s: the header is truncated", what);
    hdr h = {.s = (const char *)buf + start, .len = hlen};
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    char key[32], descr[32] = "";
    if (!eat(&h, '{'))
        goto malformed;
    while (!eat(&h, '}')) {
        if (!read_string(&h, key, sizeof key) || !eat(&h, ':'))
            goto malformed;
        if (strcmp(key, "descr") == 0) {
            if (!read_string(&h, descr, sizeof descr))
                return cz_error_set(err, CZ_EUNSUPPORTED,
                                    "store plain numeric arrays (uint8 images, integer labels)",
                                    "%s: structured or object arrays are not supported", what);
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (read_word(&h, "True"))
                fortran = true;
            else if (!read_word(&h, "False"))
                goto malformed;
            have_order = true;
        } else if (strcmp(key, "shape") == 0) {
            if (!read_shape(&h, a))
                goto malformed;
            have_shape = true;
        } else {
            goto malformed;
        }
        if (!eat(&h, ',')) {
            if (!eat(&h, '}'))
                goto malformed;
            break;
        }
    }
    if (!have_descr || !have_order || !have_shape)
        goto malformed;
    if (fortran)
        return cz_error_set(err, CZ_EUNSUPPORTED,
                            "save a C-ordered array (numpy.ascontiguousarray(x))",
                            "%s is in Fortran order", what);
    if (!parse_descr(descr, a))
        return cz_error_set(err, CZ_EUNSUPPORTED,
                            "store little-endian integers or floats (e.g. uint8 images, int64 "
                            "labels)",
                            "%s: dtype '%s' is not supported", what, descr);
    a->count = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] && a->count > UINT64_MAX / 16 / a->shape[i])
            return cz_error_set(err, CZ_EFORMAT, BAD_HINT, "%s: the shape is too large", what);
        a->count *= a->shape[i];
    }
    size_t data_len = len - start - hlen;
    if (a->count * (uint64_t)a->itemsize != data_len)
        return cz_error_set(err, CZ_EFORMAT, BAD_HINT,
                            "%s: the shape needs %llu bytes of data, the file holds %zu", what,
                            (unsigned long long)(a->count * (uint64_t)a->itemsize), data_len);
    a->data = buf + start + hlen;
    return CZ_OK;
malformed:
    return cz_error_set(err, CZ_EFORMAT, BAD_HINT, "%s: the .npy header is malformed", what);
}

int64_t cz_npy_int(const cz_npy *a, uint64_t i)
{
    const uint8_t *p = a->data + i * (uint64_t)a->itemsize;
    uint64_t u = 0;
    for (int k = 0; k < a->itemsize; k++)
        u |= (uint64_t)p[k] << (8 * k);
    if (a->kind == 'i' && a->itemsize < 8 && (u >> (8 * a->itemsize - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * a->itemsize); /* sign-extend */
    if (a->kind != 'i' && u > (uint64_t)INT64_MAX)
        return INT64_MAX;
    return (int64_t)u;
}
