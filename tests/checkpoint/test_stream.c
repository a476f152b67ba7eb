/* The frame reader's own checks, on files forged with the right key through
 * the internal API (an attacker without the key cannot make these): the last
 * frame must carry TAG_FINAL and no other frame may. */
#include <criterion/criterion.h>
#include <string.h>

#include "ckpt_impl.h"
#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(stream, .init = setup, .fini = teardown, .timeout = 60);

enum { FRAME = 32 };

/* Writes a two-frame file whose body is a valid empty record list padded
 * with zeros, tagging frame i with tags[i]. */
static void forge(const char *path, ckpt_key *key, const unsigned char tags[2])
{
    cz_error err;
    ckpt_secret *secret = ckpt_secret_new(&err);
    cr_assert_not_null(secret);
    ckpt_header h = {.version = CKPT_VERSION, .header_bytes = CKPT_HEADER_BYTES,
                     .kdf = CKPT_KDF_ARGON2ID13, .frame_bytes = FRAME, .body_bytes = 2 * FRAME};
    ckpt_kdf cost;
    cr_assert_eq(ckpt_key_save_params(key, h.salt, &cost, &err), CZ_OK);
    h.opslimit = cost.opslimit;
    h.memlimit = cost.memlimit;
    cr_assert_eq(ckpt_key_subkeys(key, h.salt, cost, &secret->keys, path, &err), CZ_OK);
    crypto_secretstream_xchacha20poly1305_init_push(&secret->state, h.stream,
                                                    secret->keys.stream);
    uint8_t file[CKPT_HEADER_BYTES + 2 * (FRAME + CKPT_FRAME_OVERHEAD)];
    ckpt_header_encode(file, &h);
    ckpt_check_compute(file + CKPT_OFF_CHECK, file, &secret->keys);
    uint8_t plain[FRAME] = {0};
    for (int i = 0; i < 2; i++)
        crypto_secretstream_xchacha20poly1305_push(
            &secret->state, file + CKPT_HEADER_BYTES + i * (FRAME + CKPT_FRAME_OVERHEAD), NULL,
            plain, FRAME, file, CKPT_HEADER_BYTES, tags[i]);
    cr_assert_eq(write_file(path, file, sizeof file, 0600), 0);
    ckpt_secret_free(&secret);
}

static cz_status load(const char *path, ckpt_key *key, cz_error *err)
{
    ckpt_records *list = ckpt_load(path, key, NULL, err);
    cz_status s = list ? CZ_OK : err->code;
    ckpt_records_free(&list);
    return s;
}

Test(stream, a_missing_final_tag_is_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "nofinal.cdz");
    cz_error err;
    const unsigned char ok[2] = {0, crypto_secretstream_xchacha20poly1305_TAG_FINAL};
    forge(path, key, ok);
    /* The forged body is 64 zero bytes: zero records, then trailing bytes. */
    cr_assert_eq(load(path, key, &err), CZ_EFORMAT, "%s", err.msg);
    cr_assert(strstr(err.msg, "trailing"), "the control file must reach the parser: %s", err.msg);

    const unsigned char none[2] = {0, 0};
    forge(path, key, none);
    cr_assert_eq(load(path, key, &err), CZ_EAUTH, "%s", err.msg);
    cr_assert(strstr(err.msg, "frame 2 of 2 is out of place"), "%s", err.msg);
    ckpt_key_free(&key);
}

Test(stream, a_final_tag_before_the_end_is_detected)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "early.cdz");
    cz_error err;
    const unsigned char early[2] = {crypto_secretstream_xchacha20poly1305_TAG_FINAL,
                                    crypto_secretstream_xchacha20poly1305_TAG_FINAL};
    forge(path, key, early);
    cr_assert_eq(load(path, key, &err), CZ_EAUTH, "%s", err.msg);
    cr_assert(strstr(err.msg, "frame 1 of 2 is out of place"), "%s", err.msg);
    ckpt_key_free(&key);
}
