/* Zip archives in memory: the end-of-central-directory record (zip64 too),
 * the central directory, and stored or deflated entries (zlib, CRC-checked).
 * Sizes come from the central directory: numpy writes a zip64 extra field in
 * each local header and may leave the local sizes unset. No writing, no
 * encryption, no multi-disk archives. */
#define ZLIB_CONST
#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "../core/alloc.h"
#include "data_internal.h"
#include "zip_reader.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define EOCD_SIZE 22
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
/* One entry larger than this is not an image set we can hold anyway. */
#define MAX_ENTRY ((uint64_t)1 << 32)
/* Deflate cannot expand data more than about 1032:1; a larger claim is a lie. */
#define MAX_DEFLATE_RATIO 1032

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* True when [off, off + n) lies inside a buffer of len bytes (no overflow). */
static bool fits(uint64_t off, uint64_t n, size_t len)
{
    return off <= len && n <= len - off;
}

#define CORRUPT_HINT "the file is damaged or not an .npz; download or copy it again"

static cz_status corrupt(const cz_zip *z, cz_error *err, const char *what)
{
    return cz_error_set(err, CZ_EFORMAT, CORRUPT_HINT, "%s is not a valid zip archive: %s",
                        cz_path_tail(z->source), what);
}

static cz_status corrupt_entry(const cz_zip *z, cz_error *err, const char *name,
                               const char *what)
{
    return cz_error_set(err, CZ_EFORMAT, CORRUPT_HINT, "%s: entry \"%s\": %s",
                        cz_path_tail(z->source), name, what);
}

static cz_status find_eocd(const cz_zip *z, size_t *at, cz_error *err)
{
    if (z->len < EOCD_SIZE)
        return corrupt(z, err, z->len ? "too short for a zip (under 22 bytes)" : "the file is empty");
    size_t lowest = z->len - EOCD_SIZE > 0xffff ? z->len - EOCD_SIZE - 0xffff : 0;
    for (size_t p = z->len - EOCD_SIZE + 1; p-- > lowest;) {
        if (le32(z->data + p) == SIG_EOCD &&
            (size_t)le16(z->data + p + 20) <= z->len - p - EOCD_SIZE) {
            *at = p;
            return CZ_OK;
        }
    }
    return corrupt(z, err, "no end-of-central-directory record (truncated?)");
}

/* Entry count, size and offset of the central directory, zip64 where the
 * 32-bit fields say so. */
static cz_status read_directory_bounds(const cz_zip *z, size_t eocd, uint64_t *count,
                                       uint64_t *cd_size, uint64_t *cd_off, cz_error *err)
{
    const uint8_t *e = z->data + eocd;
    if (le16(e + 4) != 0 || le16(e + 6) != 0)
        return cz_error_set(err, CZ_EUNSUPPORTED, "join the parts into one file (zip -s 0)",
                            "%s is a multi-disk zip archive", cz_path_tail(z->source));
    *count = le16(e + 10);
    *cd_size = le32(e + 12);
    *cd_off = le32(e + 16);
    if (*count != 0xffff && *cd_size != 0xffffffffu && *cd_off != 0xffffffffu)
        return CZ_OK;
    if (eocd < 20 || le32(z->data + eocd - 20) != SIG_LOCATOR64)
        return corrupt(z, err, "zip64 fields without a zip64 locator");
    uint64_t at = le64(z->data + eocd - 20 + 8);
    if (!fits(at, 56, eocd - 20) || le32(z->data + at) != SIG_EOCD64)
        return corrupt(z, err, "the zip64 end-of-central-directory record is out of place");
    const uint8_t *e64 = z->data + at;
    *count = le64(e64 + 32);
    *cd_size = le64(e64 + 40);
    *cd_off = le64(e64 + 48);
    return CZ_OK;
}

/* Replaces 0xffffffff sizes and offset by the zip64 extra field's values. */
static cz_status apply_zip64_extra(const cz_zip *z, const uint8_t *x, size_t xlen,
                                   cz_zip_entry *e, cz_error *err)
{
    bool need_size = e->size == 0xffffffffu, need_comp = e->comp_size == 0xffffffffu,
         need_off = e->local_offset == 0xffffffffu;
    if (!need_size && !need_comp && !need_off)
        return CZ_OK;
    for (size_t p = 0; p + 4 <= xlen;) {
        uint16_t id = le16(x + p), n = le16(x + p + 2);
        if (n > xlen - p - 4)
            break;
        if (id == 0x0001) {
            const uint8_t *v = x + p + 4;
            size_t left = n;
            if (need_size) {
                if (left < 8)
                    break;
                e->size = le64(v);
                v += 8;
                left -= 8;
            }
            if (need_comp) {
                if (left < 8)
                    break;
                e->comp_size = le64(v);
                v += 8;
                left -= 8;
            }
            if (need_off) {
                if (left < 8)
                    break;
                e->local_offset = le64(v);
            }
            return CZ_OK;
        }
        p += 4 + (size_t)n;
    }
    return corrupt(z, err, "an entry's zip64 sizes are missing");
}

cz_status cz_zip_open(const uint8_t *data, size_t len, const char *source, cz_zip *z,
                      cz_error *err)
{
    memset(z, 0, sizeof *z);
    z->data = data;
    z->len = len;
    z->source = source ? source : "archive";
    size_t eocd = 0;
    uint64_t count = 0, cd_size = 0, cd_off = 0;
    cz_status st = find_eocd(z, &eocd, err);
    if (!st)
        st = read_directory_bounds(z, eocd, &count, &cd_size, &cd_off, err);
    if (st)
        return st;
    if (!fits(cd_off, cd_size, len))
        return corrupt(z, err, "the central directory lies outside the file");
    if (count > cd_size / CENTRAL_SIZE)
        return corrupt(z, err, "more entries than the central directory can hold");
    z->entries = cz_calloc(count ? (size_t)count : 1, sizeof(cz_zip_entry));
    if (!z->entries)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading %s",
                            cz_path_tail(z->source));
    const uint8_t *cd = data + cd_off;
    size_t p = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (!fits(p, CENTRAL_SIZE, (size_t)cd_size) || le32(cd + p) != SIG_CENTRAL) {
            st = corrupt(z, err, "a central directory entry is damaged");
            goto fail;
        }
        const uint8_t *c = cd + p;
        cz_zip_entry *e = &z->entries[i];
        size_t nlen = le16(c + 28), xlen = le16(c + 30), clen = le16(c + 32);
        if (!fits(p + CENTRAL_SIZE, (uint64_t)nlen + xlen + clen, (size_t)cd_size)) {
            st = corrupt(z, err, "a central directory entry runs past its end");
            goto fail;
        }
        e->flags = le16(c + 8);
        e->method = le16(c + 10);
        e->crc = le32(c + 16);
        e->comp_size = le32(c + 20);
        e->size = le32(c + 24);
        e->local_offset = le32(c + 42);
        e->name = (const char *)c + CENTRAL_SIZE;
        e->name_len = nlen;
        if ((st = apply_zip64_extra(z, c + CENTRAL_SIZE + nlen, xlen, e, err)))
            goto fail;
        p += CENTRAL_SIZE + nlen + xlen + clen;
        z->count++;
    }
    return CZ_OK;
fail:
    cz_zip_close(z);
    return st;
}

void cz_zip_close(cz_zip *z)
{
    if (!z)
        return;
    cz_free(z->entries);
    z->entries = NULL;
    z->count = 0;
}

const cz_zip_entry *cz_zip_find(const cz_zip *z, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < z->count; i++)
        if (z->entries[i].name_len == n && memcmp(z->entries[i].name, name, n) == 0)
            return &z->entries[i];
    return NULL;
}

/* zlib allocates through cz_alloc too, so out-of-memory tests reach it. */
static voidpf zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return cz_calloc(items, size);
}
static void zfree(voidpf opaque, voidpf p)
{
    (void)opaque;
    cz_free(p);
}

static cz_status inflate_raw(const cz_zip *z, const char *name, const uint8_t *in,
                             uint64_t in_len, uint8_t *out, uint64_t out_len, cz_error *err)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    s.zalloc = zalloc;
    s.zfree = zfree;
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory inflating %s",
                            cz_path_tail(z->source));
    uint64_t in_left = in_len, out_left = out_len;
    int rc = Z_OK;
    s.next_in = in;
    s.next_out = out;
    while (rc == Z_OK) {
        /* zlib counts in uInt: feed at most UINT_MAX bytes at a time. */
        if (s.avail_in == 0 && in_left) {
            s.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            in_left -= s.avail_in;
        }
        if (s.avail_out == 0 && out_left) {
            s.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
            out_left -= s.avail_out;
        }
        rc = inflate(&s, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && (s.avail_in || in_left) && (s.avail_out || out_left))
            rc = Z_OK; /* more input or room to hand over */
    }
    uint64_t produced = out_len - out_left - s.avail_out;
    inflateEnd(&s);
    if (rc == Z_MEM_ERROR)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory inflating %s",
                            cz_path_tail(z->source));
    if (rc != Z_STREAM_END || produced != out_len)
        return corrupt_entry(z, err, name, "its compressed data is damaged");
    return CZ_OK;
}

/* The entry's name, printable and short, for messages. */
static void shown_name(const cz_zip_entry *e, char out[64])
{
    size_t n = e->name_len < 60 ? e->name_len : 60;
    for (size_t i = 0; i < n; i++)
        out[i] = e->name[i] >= 32 && e->name[i] < 127 ? e->name[i] : '?';
    out[n] = '\0';
}

cz_status cz_zip_extract(const cz_zip *z, const cz_zip_entry *e, uint8_t **out, cz_error *err)
{
    *out = NULL;
    char name[64];
    shown_name(e, name);
    if (e->flags & 1)
        return cz_error_set(err, CZ_EUNSUPPORTED, "save the arrays without a password",
                            "%s: the entry \"%s\" is encrypted", cz_path_tail(z->source), name);
    if (e->method != 0 && e->method != 8)
        return cz_error_set(err, CZ_EUNSUPPORTED,
                            "save with numpy.savez or numpy.savez_compressed (stored or "
                            "deflate)",
                            "%s: the entry \"%s\" uses compression method %u",
                            cz_path_tail(z->source), name, e->method);
    if (!fits(e->local_offset, LOCAL_SIZE, z->len) ||
        le32(z->data + e->local_offset) != SIG_LOCAL)
        return corrupt_entry(z, err, name, "its local header is missing");
    const uint8_t *l = z->data + e->local_offset;
    uint64_t start = e->local_offset + LOCAL_SIZE + le16(l + 26) + le16(l + 28);
    if (!fits(start, e->comp_size, z->len))
        return corrupt_entry(z, err, name, "its data runs past the end of the file (truncated?)");
    if (e->size > MAX_ENTRY ||
        (e->method == 0 && e->size != e->comp_size) ||
        (e->method == 8 && e->size > e->comp_size * MAX_DEFLATE_RATIO + 1024))
        return corrupt_entry(z, err, name, "its sizes are inconsistent");
    uint8_t *buf = cz_alloc(e->size ? (size_t)e->size : 1);
    if (!buf)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory extracting from %s",
                            cz_path_tail(z->source));
    cz_status st = CZ_OK;
    if (e->method == 0)
        memcpy(buf, z->data + start, (size_t)e->size);
    else
        st = inflate_raw(z, name, z->data + start, e->comp_size, buf, e->size, err);
    if (!st) {
        uLong crc = crc32(0L, Z_NULL, 0);
        for (uint64_t done = 0; done < e->size;) {
            uInt n = e->size - done > UINT_MAX ? UINT_MAX : (uInt)(e->size - done);
            crc = crc32(crc, buf + done, n);
            done += n;
        }
        if ((uint32_t)crc != e->crc)
            st = corrupt_entry(z, err, name, "it fails its CRC-32 check");
    }
    if (st) {
        cz_free(buf);
        return st;
    }
    *out = buf;
    return CZ_OK;
}
