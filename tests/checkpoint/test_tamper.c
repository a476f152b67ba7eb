/* Attacks on a saved checkpoint (STYLE.md rule 36): every single-byte flip,
 * every truncation length, frames (and with them records) swapped, dropped,
 * repeated or spliced from another file, bytes appended. Every variant must
 * be refused, with the status its region implies: the body and the keyed
 * header fields give CZ_EAUTH, cuts give CZ_EFORMAT "truncated". */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(tamper, .init = setup, .fini = teardown, .timeout = 120);

enum { FRAME = 64, CT_FRAME = FRAME + CKPT_FRAME_OVERHEAD };

/* A small file of several 64-byte frames; three records, one per ~frame. */
static uint8_t *small_file(ckpt_key *key, const char *path, char fill, size_t *n)
{
    static char a[60], b[60], c[60];
    memset(a, fill, sizeof a);
    memset(b, fill + 1, sizeof b);
    memset(c, fill + 2, sizeof c);
    ckpt_record recs[3] = {{CKPT_TYPE_DATASET, "a", a, sizeof a},
                           {CKPT_TYPE_SYNTHETIC, "b", b, sizeof b},
                           {CKPT_TYPE_RUN, "c", c, sizeof c}};
    cz_error err;
    ckpt_save_opts opts = {.frame_bytes = FRAME};
    cr_assert_eq(ckpt_save(path, key, recs, 3, &opts, &err), CZ_OK, "%s", err.msg);
    uint8_t *bytes = read_file(path, n);
    cr_assert_not_null(bytes);
    return bytes;
}

/* Writes `bytes` to path and loads it; returns the error (CZ_OK if it loaded). */
static cz_status try_load(const char *path, ckpt_key *key, const uint8_t *bytes, size_t n,
                          cz_error *err)
{
    cr_assert_eq(write_file(path, bytes, n, 0600), 0);
    cz_error_clear(err);
    ckpt_records *list = ckpt_load(path, key, NULL, err);
    if (list) {
        ckpt_records_free(&list);
        return CZ_OK;
    }
    return err->code;
}

static int in(size_t pos, size_t lo, size_t hi) { return pos >= lo && pos < hi; }

Test(tamper, every_single_byte_flip_is_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "f.cdz");
    size_t n;
    uint8_t *good = small_file(key, path, 'x', &n);
    cr_assert_gt(n, CKPT_HEADER_BYTES + 3 * CT_FRAME);
    uint8_t *bad = malloc(n);
    const uint8_t flips[3] = {0x01, 0x80, 0xff};
    cz_error err;
    for (size_t pos = 0; pos < n; pos++) {
        for (int f = 0; f < 3; f++) {
            memcpy(bad, good, n);
            bad[pos] ^= flips[f];
            cz_status s = try_load(path, key, bad, n, &err);
            cr_assert_neq(s, CZ_OK, "flip 0x%02x at byte %zu of %zu was not detected", flips[f],
                          pos, n);
            if (pos >= CKPT_HEADER_BYTES) {
                cr_assert_eq(s, CZ_EAUTH, "byte %zu: %s", pos, cz_status_name(s));
                cr_assert(strstr(err.msg, "fails authentication"), "byte %zu: %s", pos, err.msg);
            } else if (in(pos, CKPT_OFF_SALT, CKPT_OFF_BODY) ||
                       in(pos, CKPT_OFF_STREAM, CKPT_HEADER_BYTES)) {
                cr_assert_eq(s, CZ_EAUTH, "byte %zu: %s", pos, cz_status_name(s));
                cr_assert(strstr(err.msg, "wrong key"), "byte %zu: %s", pos, err.msg);
            } else if (in(pos, CKPT_OFF_MAGIC, CKPT_OFF_VERSION)) {
                cr_assert_eq(s, CZ_EFORMAT, "byte %zu: %s", pos, cz_status_name(s));
                cr_assert(strstr(err.msg, "not a Condensa checkpoint"), "byte %zu: %s", pos,
                          err.msg);
            } else {
                /* Version, sizes, KDF id and cost: refused as malformed,
                 * unsupported or by the key check, never loaded. */
                cr_assert(s == CZ_EAUTH || s == CZ_EFORMAT || s == CZ_EUNSUPPORTED,
                          "byte %zu: %s (%s)", pos, cz_status_name(s), err.msg);
            }
        }
    }
    cr_assert_eq(try_load(path, key, good, n, &err), CZ_OK, "the untouched file: %s", err.msg);
    free(bad);
    free(good);
    ckpt_key_free(&key);
}

Test(tamper, every_truncation_length_is_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "t.cdz");
    size_t n;
    uint8_t *good = small_file(key, path, 'y', &n);
    cz_error err;
    for (size_t len = 0; len < n; len++) {
        cz_status s = try_load(path, key, good, len, &err);
        cr_assert_eq(s, CZ_EFORMAT, "cut at %zu of %zu: %s (%s)", len, n, cz_status_name(s),
                     err.msg);
        cr_assert(strstr(err.msg, len ? "truncated" : "empty"), "cut at %zu: %s", len, err.msg);
    }
    free(good);
    ckpt_key_free(&key);
}

static size_t frame_at(size_t i) { return CKPT_HEADER_BYTES + i * CT_FRAME; }

Test(tamper, swapped_frames_reorder_records_and_are_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "r.cdz");
    size_t n;
    uint8_t *good = small_file(key, path, 'a', &n);
    uint8_t *bad = malloc(n);
    uint8_t tmp[CT_FRAME];
    cz_error err;
    /* Frames 0..2 are full; swap every pair of them. */
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = i + 1; j < 3; j++) {
            memcpy(bad, good, n);
            memcpy(tmp, bad + frame_at(i), CT_FRAME);
            memcpy(bad + frame_at(i), bad + frame_at(j), CT_FRAME);
            memcpy(bad + frame_at(j), tmp, CT_FRAME);
            cr_assert_eq(try_load(path, key, bad, n, &err), CZ_EAUTH, "swap %zu,%zu: %s", i, j,
                         err.msg);
            char want[64];
            snprintf(want, sizeof want, "frame %zu of", i + 1);
            cr_assert(strstr(err.msg, want), "swap %zu,%zu: %s", i, j, err.msg);
        }
    }
    /* A frame repeated in place of another. */
    memcpy(bad, good, n);
    memcpy(bad + frame_at(2), bad + frame_at(1), CT_FRAME);
    cr_assert_eq(try_load(path, key, bad, n, &err), CZ_EAUTH, "%s", err.msg);
    free(bad);
    free(good);
    ckpt_key_free(&key);
}

Test(tamper, dropped_frames_are_detected_even_when_the_size_is_restored)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "d.cdz");
    size_t n;
    uint8_t *good = small_file(key, path, 'b', &n);
    uint8_t *bad = malloc(n + CT_FRAME);
    cz_error err;
    /* Drop frame 1: the file is short. */
    memcpy(bad, good, frame_at(1));
    memcpy(bad + frame_at(1), good + frame_at(2), n - frame_at(2));
    cz_status s = try_load(path, key, bad, n - CT_FRAME, &err);
    cr_assert_eq(s, CZ_EFORMAT, "%s", err.msg);
    cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
    /* ... and pad with a copy of frame 0 at the end so the size is right. */
    memcpy(bad + n - CT_FRAME, good + frame_at(0), CT_FRAME);
    cr_assert_eq(try_load(path, key, bad, n, &err), CZ_EAUTH, "%s", err.msg);
    /* Drop the final frame and repeat the one before it: the size differs
     * from what the keyed header says (test_stream pins the TAG_FINAL check
     * for files whose size is right). */
    memcpy(bad, good, n);
    size_t last = frame_at(3);
    memcpy(bad + last, good + frame_at(2), CT_FRAME);
    cr_assert_eq(try_load(path, key, bad, last + CT_FRAME, &err), CZ_EFORMAT, "%s", err.msg);
    free(bad);
    free(good);
    ckpt_key_free(&key);
}

Test(tamper, frames_spliced_from_another_file_under_the_same_key_are_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    size_t na, nb;
    uint8_t *a = small_file(key, in_dir(dir, "a.cdz"), 'a', &na);
    uint8_t *b = small_file(key, in_dir(dir, "b.cdz"), 'k', &nb);
    cr_assert_eq(na, nb);
    /* Same key, same salt: the key checks agree, the stream nonces do not. */
    cr_assert(memcmp(a + CKPT_OFF_SALT, b + CKPT_OFF_SALT, CKPT_SALT_BYTES) == 0);
    uint8_t *mix = malloc(na);
    const char *path = in_dir(dir, "mix.cdz");
    cz_error err;
    /* A's header, B's frames. */
    memcpy(mix, a, CKPT_HEADER_BYTES);
    memcpy(mix + CKPT_HEADER_BYTES, b + CKPT_HEADER_BYTES, na - CKPT_HEADER_BYTES);
    cr_assert_eq(try_load(path, key, mix, na, &err), CZ_EAUTH, "%s", err.msg);
    /* A with B's last frame. */
    memcpy(mix, a, na);
    memcpy(mix + frame_at(3), b + frame_at(3), na - frame_at(3));
    cr_assert_eq(try_load(path, key, mix, na, &err), CZ_EAUTH, "%s", err.msg);
    free(mix);
    free(a);
    free(b);
    ckpt_key_free(&key);
}

Test(tamper, appended_bytes_are_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "p.cdz");
    size_t n;
    uint8_t *good = small_file(key, path, 'c', &n);
    uint8_t *bad = malloc(n + CT_FRAME);
    memcpy(bad, good, n);
    memcpy(bad + n, good + frame_at(0), CT_FRAME);
    cz_error err;
    for (size_t extra = 1; extra <= CT_FRAME; extra += 16) {
        cr_assert_eq(try_load(path, key, bad, n + extra, &err), CZ_EFORMAT, "%zu extra: %s",
                     extra, err.msg);
        cr_assert(strstr(err.msg, "after its end"), "%s", err.msg);
    }
    free(bad);
    free(good);
    ckpt_key_free(&key);
}
