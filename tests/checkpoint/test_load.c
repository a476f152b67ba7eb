/* ckpt_load and ckpt_describe errors: wrong key, not a checkpoint, newer and
 * impossible versions, missing files, folders and FIFOs, costly headers.
 * Each is refused with its own status and a message that names the file;
 * the pinned texts are what a notebook user reads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(load, .init = setup, .fini = teardown, .timeout = 60);

static const char *saved_file(ckpt_key *key)
{
    ckpt_record recs[2] = {{CKPT_TYPE_DATASET, "wdbc", "rows", 4},
                           {CKPT_TYPE_SURROGATE, "curves", "points", 6}};
    cz_error err;
    const char *path = in_dir(dir, "s.cdz");
    cr_assert_eq(ckpt_save(path, key, recs, 2, NULL, &err), CZ_OK, "%s", err.msg);
    return path;
}

Test(load, wrong_key_is_cz_eauth_before_any_decryption)
{
    ckpt_key *key = test_key(TEST_PASS);
    ckpt_key *wrong = test_key("Correct horse battery staple");
    const char *path = saved_file(key);
    cz_error err;
    cr_assert_null(ckpt_load(path, wrong, NULL, &err));
    cr_assert_eq(err.code, CZ_EAUTH, "%s: %s", cz_status_name(err.code), err.msg);
    char want[600];
    snprintf(want, sizeof want, "wrong key for %s (or its header was altered)", path);
    cr_assert_str_eq(err.msg, want);
    cr_assert(strstr(err.hint, "passphrase"), "hint: %s", err.hint);
    /* No secret in what a user would see. */
    cr_assert_null(strstr(err.msg, TEST_PASS));
    cr_assert_null(strstr(err.hint, TEST_PASS));
    /* The right key still works afterwards. */
    ckpt_records *list = ckpt_load(path, key, NULL, &err);
    cr_assert_not_null(list, "%s", err.msg);
    ckpt_records_free(&list);
    ckpt_key_free(&wrong);
    ckpt_key_free(&key);
}

Test(load, a_different_key_source_with_the_same_passphrase_loads)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = saved_file(key);
    ckpt_key *again = test_key(TEST_PASS); /* another object, empty cache */
    cz_error err;
    ckpt_records *list = ckpt_load(path, again, NULL, &err);
    cr_assert_not_null(list, "%s", err.msg);
    cr_assert_eq(ckpt_records_count(list), 2);
    cr_assert_eq(ckpt_key_derivations(again), 1);
    ckpt_records_free(&list);
    ckpt_key_free(&again);
    ckpt_key_free(&key);
}

Test(load, not_a_checkpoint)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "notes.txt");
    const char *text = "age,sex,label\n61,F,1\n";
    cr_assert_eq(write_file(path, text, strlen(text), 0600), 0);
    cz_error err;
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EFORMAT);
    char want[600];
    snprintf(want, sizeof want,
             "%s is not a Condensa checkpoint (its first bytes are not the checkpoint signature)",
             path);
    cr_assert_str_eq(err.msg, want);
    ckpt_info info;
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_EFORMAT);

    /* A PNG shares the first byte of the magic but not the rest. */
    const uint8_t png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    cr_assert_eq(write_file(path, png, sizeof png, 0600), 0);
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EFORMAT);
    cr_assert(strstr(err.msg, "not a Condensa checkpoint"), "%s", err.msg);

    cr_assert_eq(write_file(path, "", 0, 0600), 0);
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EFORMAT);
    snprintf(want, sizeof want, "%s is empty (0 bytes), not a Condensa checkpoint", path);
    cr_assert_str_eq(err.msg, want);
    ckpt_key_free(&key);
}

static void set_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

Test(load, newer_version_is_unsupported_and_says_so)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = saved_file(key);
    size_t n;
    uint8_t *b = read_file(path, &n);
    set_u32(b + CKPT_OFF_VERSION, CKPT_VERSION + 1);
    cr_assert_eq(write_file(path, b, n, 0600), 0);
    cz_error err;
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EUNSUPPORTED, "%s", cz_status_name(err.code));
    char want[600];
    snprintf(want, sizeof want,
             "%s was written by a newer Condensa: format version 2, this build reads versions 1..1",
             path);
    cr_assert_str_eq(err.msg, want);
    cr_assert_str_eq(err.hint, "open it with a newer Condensa");
    ckpt_info info;
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_EUNSUPPORTED);

    set_u32(b + CKPT_OFF_VERSION, 0);
    cr_assert_eq(write_file(path, b, n, 0600), 0);
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EFORMAT);
    cr_assert(strstr(err.msg, "format version 0 does not exist"), "%s", err.msg);
    free(b);
    ckpt_key_free(&key);
}

Test(load, missing_file_and_folder_and_fifo_are_io_errors)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "nope.cdz");
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EIO);
    char want[600];
    snprintf(want, sizeof want, "cannot open %s: No such file or directory", path);
    cr_assert_str_eq(err.msg, want);

    cr_assert_null(ckpt_load(dir, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EIO);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);

    const char *fifo = in_dir(dir, "fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_null(ckpt_load(fifo, key, NULL, &err)); /* and does not hang */
    cr_assert_eq(err.code, CZ_EIO);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);

    cr_assert_null(ckpt_load(path, NULL, NULL, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    ckpt_key_free(&key);
}

Test(load, describe_needs_no_key_and_reports_incomplete_files)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = saved_file(key);
    ckpt_key_free(&key);
    cz_error err;
    ckpt_info info;
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_OK, "%s", err.msg);
    cr_assert(info.complete);
    size_t n;
    uint8_t *b = read_file(path, &n);
    cr_assert_eq(info.file_bytes, n);
    cr_assert_eq(write_file(path, b, n - 5, 0600), 0);
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_OK);
    cr_assert_not(info.complete);
    cr_assert_eq(info.expected_bytes, n);
    cr_assert_eq(info.file_bytes, n - 5);
    free(b);
}

Test(load, a_header_asking_for_too_costly_argon2id_is_refused_without_running_it)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = saved_file(key);
    size_t n;
    uint8_t *b = read_file(path, &n);
    /* 64 GiB of memory: must be refused, not attempted. */
    uint64_t mem = (uint64_t)64 << 30;
    for (int i = 0; i < 8; i++)
        b[CKPT_OFF_MEMLIMIT + i] = (uint8_t)(mem >> (8 * i));
    cr_assert_eq(write_file(path, b, n, 0600), 0);
    cz_error err;
    cr_assert_null(ckpt_load(path, key, NULL, &err));
    cr_assert_eq(err.code, CZ_EUNSUPPORTED, "%s", cz_status_name(err.code));
    cr_assert(strstr(err.msg, "above this key's limit"), "%s", err.msg);
    cr_assert_eq(ckpt_key_derivations(key), 1, "Argon2id ran for the costly header");
    free(b);
    ckpt_key_free(&key);
}
