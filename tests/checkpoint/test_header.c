/* The public header codec: encode/decode round trip, a cut at every length,
 * and each malformed field refused with its pinned message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ckpt_impl.h"

TestSuite(header, .timeout = 30);

static ckpt_header sample(void)
{
    ckpt_header h = {.version = CKPT_VERSION, .header_bytes = CKPT_HEADER_BYTES,
                     .kdf = CKPT_KDF_ARGON2ID13, .frame_bytes = 4096, .opslimit = 3,
                     .memlimit = 1u << 20, .body_bytes = 123456};
    for (int i = 0; i < CKPT_SALT_BYTES; i++)
        h.salt[i] = (uint8_t)(i + 1);
    for (int i = 0; i < CKPT_STREAM_HEADER_BYTES; i++)
        h.stream[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < CKPT_CHECK_BYTES; i++)
        h.check[i] = (uint8_t)(0x40 + i);
    return h;
}

Test(header, round_trip_and_layout)
{
    ckpt_header h = sample(), back;
    uint8_t b[CKPT_HEADER_BYTES];
    ckpt_header_encode(b, &h);
    cr_assert(memcmp(b, CKPT_MAGIC, CKPT_MAGIC_BYTES) == 0);
    cr_assert_eq(b[CKPT_OFF_VERSION], 1);
    cr_assert_eq(b[CKPT_OFF_FRAME + 1], 0x10, "frame size is little-endian");
    cz_error err;
    cr_assert_eq(ckpt_header_decode(&back, b, sizeof b, "f", &err), CZ_OK, "%s", err.msg);
    cr_assert(memcmp(&h, &back, sizeof h) == 0);
    uint64_t frames, bytes;
    ckpt_header_layout(&h, &frames, &bytes);
    cr_assert_eq(frames, 31); /* ceil(123456 / 4096) */
    cr_assert_eq(bytes, 120 + 123456 + 31 * 17);
    h.body_bytes = 0;
    ckpt_header_layout(&h, &frames, &bytes);
    cr_assert_eq(frames, 1, "an empty body still has its final frame");
    cr_assert_eq(bytes, 120 + 17);
}

Test(header, a_cut_at_every_length_is_truncated_or_empty)
{
    ckpt_header h = sample(), back;
    uint8_t b[CKPT_HEADER_BYTES];
    ckpt_header_encode(b, &h);
    cz_error err;
    for (size_t n = 0; n < sizeof b; n++) {
        cr_assert_eq(ckpt_header_decode(&back, b, n, "f", &err), CZ_EFORMAT, "length %zu", n);
        char want[128];
        if (n == 0)
            snprintf(want, sizeof want, "f is empty (0 bytes), not a Condensa checkpoint");
        else
            snprintf(want, sizeof want,
                     "f is truncated: a checkpoint header needs 120 bytes, the file has %zu", n);
        cr_assert_str_eq(err.msg, want);
    }
}

static void expect_bad(ckpt_header h, cz_status code, const char *msg)
{
    uint8_t b[CKPT_HEADER_BYTES];
    ckpt_header_encode(b, &h);
    ckpt_header back;
    cz_error err;
    cr_assert_eq(ckpt_header_decode(&back, b, sizeof b, "f", &err), code, "%s", err.msg);
    cr_assert_str_eq(err.msg, msg);
}

Test(header, malformed_fields_are_refused)
{
    ckpt_header h = sample();
    h.header_bytes = 64;
    expect_bad(h, CZ_EFORMAT, "f has a malformed header: it says 64 header bytes, version 1 has 120");
    h = sample();
    h.kdf = 2;
    expect_bad(h, CZ_EFORMAT,
               "f has a malformed header: unknown key derivation id 2 (version 1 knows 1, Argon2id)");
    h = sample();
    h.frame_bytes = 8;
    expect_bad(h, CZ_EFORMAT, "f has a malformed header: frame size 8 is outside 16..1048576");
    h.frame_bytes = CKPT_FRAME_MAX + 1;
    expect_bad(h, CZ_EFORMAT, "f has a malformed header: frame size 1048577 is outside 16..1048576");
    h = sample();
    h.body_bytes = UINT64_MAX;
    expect_bad(h, CZ_EFORMAT,
               "f has a malformed header: body size 18446744073709551615 exceeds the limit "
               "281474976710656");
    h = sample();
    h.version = 7;
    expect_bad(h, CZ_EUNSUPPORTED,
               "f was written by a newer Condensa: format version 7, this build reads versions 1..1");
}
