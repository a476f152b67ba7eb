/* The public header: encoding, decoding with errors that tell "not a
 * checkpoint" from "truncated" from "newer version", and the key-check MAC.
 * Version dispatch lives here: a future version 2 gets its own decode branch
 * and an upgrade path; version 1 files must stay readable. */
#include <string.h>

#include "ckpt_impl.h"

_Static_assert(CKPT_SALT_BYTES == crypto_pwhash_argon2id_SALTBYTES, "salt size");
_Static_assert(CKPT_STREAM_HEADER_BYTES == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
               "stream header size");
_Static_assert(CKPT_FRAME_OVERHEAD == crypto_secretstream_xchacha20poly1305_ABYTES,
               "frame overhead");
_Static_assert(CKPT_CHECK_BYTES == crypto_auth_BYTES, "key check size");
_Static_assert(CKPT_OFF_CHECK + CKPT_CHECK_BYTES == CKPT_HEADER_BYTES, "header layout");

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void ckpt_header_encode(uint8_t out[CKPT_HEADER_BYTES], const ckpt_header *h)
{
    memcpy(out + CKPT_OFF_MAGIC, CKPT_MAGIC, CKPT_MAGIC_BYTES);
    put_u32(out + CKPT_OFF_VERSION, h->version);
    put_u32(out + CKPT_OFF_HEADER_BYTES, h->header_bytes);
    put_u32(out + CKPT_OFF_KDF, h->kdf);
    put_u32(out + CKPT_OFF_FRAME, h->frame_bytes);
    put_u64(out + CKPT_OFF_OPSLIMIT, h->opslimit);
    put_u64(out + CKPT_OFF_MEMLIMIT, h->memlimit);
    memcpy(out + CKPT_OFF_SALT, h->salt, CKPT_SALT_BYTES);
    put_u64(out + CKPT_OFF_BODY, h->body_bytes);
    memcpy(out + CKPT_OFF_STREAM, h->stream, CKPT_STREAM_HEADER_BYTES);
    memcpy(out + CKPT_OFF_CHECK, h->check, CKPT_CHECK_BYTES);
}

static cz_status truncated(const char *path, size_t n, size_t need, cz_error *err)
{
    return cz_error_set(err, CZ_EFORMAT,
                        "the file was cut short (an interrupted copy or a full disk?); "
                        "load its .prev autosave or another copy",
                        "%s is truncated: a checkpoint header needs %zu bytes, the file has %zu",
                        path, need, n);
}

static cz_status decode_v1(ckpt_header *h, const uint8_t *b, size_t n, const char *path,
                           cz_error *err)
{
    if (n < CKPT_HEADER_BYTES)
        return truncated(path, n, CKPT_HEADER_BYTES, err);
    const char *hint = "the header is damaged; load the .prev autosave or another copy";
    h->header_bytes = get_u32(b + CKPT_OFF_HEADER_BYTES);
    if (h->header_bytes != CKPT_HEADER_BYTES)
        return cz_error_set(err, CZ_EFORMAT, hint,
                            "%s has a malformed header: it says %u header bytes, version 1 has %d",
                            path, h->header_bytes, CKPT_HEADER_BYTES);
    h->kdf = get_u32(b + CKPT_OFF_KDF);
    if (h->kdf != CKPT_KDF_ARGON2ID13)
        return cz_error_set(err, CZ_EFORMAT, hint,
                            "%s has a malformed header: unknown key derivation id %u "
                            "(version 1 knows %u, Argon2id)",
                            path, h->kdf, CKPT_KDF_ARGON2ID13);
    h->frame_bytes = get_u32(b + CKPT_OFF_FRAME);
    if (h->frame_bytes < CKPT_FRAME_MIN || h->frame_bytes > CKPT_FRAME_MAX)
        return cz_error_set(err, CZ_EFORMAT, hint,
                            "%s has a malformed header: frame size %u is outside %u..%u", path,
                            h->frame_bytes, CKPT_FRAME_MIN, CKPT_FRAME_MAX);
    h->opslimit = get_u64(b + CKPT_OFF_OPSLIMIT);
    h->memlimit = get_u64(b + CKPT_OFF_MEMLIMIT);
    memcpy(h->salt, b + CKPT_OFF_SALT, CKPT_SALT_BYTES);
    h->body_bytes = get_u64(b + CKPT_OFF_BODY);
    if (h->body_bytes > CKPT_BODY_MAX)
        return cz_error_set(err, CZ_EFORMAT, hint,
                            "%s has a malformed header: body size %llu exceeds the limit %llu",
                            path, (unsigned long long)h->body_bytes, CKPT_BODY_MAX);
    memcpy(h->stream, b + CKPT_OFF_STREAM, CKPT_STREAM_HEADER_BYTES);
    memcpy(h->check, b + CKPT_OFF_CHECK, CKPT_CHECK_BYTES);
    return CZ_OK;
}

cz_status ckpt_header_decode(ckpt_header *h, const uint8_t *b, size_t n, const char *path,
                             cz_error *err)
{
    memset(h, 0, sizeof *h);
    if (n == 0)
        return cz_error_set(err, CZ_EFORMAT,
                            "an empty file is what an interrupted copy leaves; "
                            "load its .prev autosave or another copy",
                            "%s is empty (0 bytes), not a Condensa checkpoint", path);
    size_t m = n < CKPT_MAGIC_BYTES ? n : CKPT_MAGIC_BYTES;
    if (memcmp(b, CKPT_MAGIC, m) != 0)
        return cz_error_set(err, CZ_EFORMAT, "pass a file written by dc.save or an autosave",
                            "%s is not a Condensa checkpoint (its first bytes are not the "
                            "checkpoint signature)",
                            path);
    if (n < CKPT_OFF_VERSION + 4)
        return truncated(path, n, CKPT_HEADER_BYTES, err);
    h->version = get_u32(b + CKPT_OFF_VERSION);
    if (h->version > CKPT_VERSION)
        return cz_error_set(err, CZ_EUNSUPPORTED, "open it with a newer Condensa",
                            "%s was written by a newer Condensa: format version %u, this "
                            "build reads versions 1..%u",
                            path, h->version, CKPT_VERSION);
    switch (h->version) {
    case 1:
        return decode_v1(h, b, n, path, err);
    default:
        return cz_error_set(err, CZ_EFORMAT,
                            "the header is damaged; load the .prev autosave or another copy",
                            "%s has a malformed header: format version %u does not exist",
                            path, h->version);
    }
}

void ckpt_header_layout(const ckpt_header *h, uint64_t *frames, uint64_t *file_bytes)
{
    /* At least one frame: the final one, even for an empty body, so the
     * TAG_FINAL check also guards empty files against truncation. Sizes are
     * bounded by CKPT_BODY_MAX, far from overflow. */
    uint64_t f = h->body_bytes == 0 ? 1 : (h->body_bytes + h->frame_bytes - 1) / h->frame_bytes;
    *frames = f;
    *file_bytes = (uint64_t)CKPT_HEADER_BYTES + h->body_bytes + f * CKPT_FRAME_OVERHEAD;
}

void ckpt_check_compute(uint8_t mac[CKPT_CHECK_BYTES], const uint8_t *header,
                        const ckpt_subkeys *keys)
{
    crypto_auth(mac, header, CKPT_OFF_CHECK, keys->check);
}

int ckpt_check_verify(const uint8_t *header, const ckpt_subkeys *keys)
{
    return crypto_auth_verify(header + CKPT_OFF_CHECK, header, CKPT_OFF_CHECK, keys->check) == 0;
}
