/* ckpt_save and ckpt_load round trips: many records, large and empty
 * payloads, lookup by name, file mode 0600, no plaintext on disk, argument
 * errors that name the record. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(save, .init = setup, .fini = teardown, .timeout = 60);

static uint8_t *pattern(size_t n, uint32_t seed)
{
    uint8_t *b = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    return b;
}

Test(save, many_records_large_and_empty_round_trip)
{
    enum { SMALL = 300 };
    size_t n = SMALL + 4;
    ckpt_record *recs = calloc(n, sizeof *recs);
    char (*names)[32] = calloc(n, sizeof *names);
    uint8_t **bufs = calloc(n, sizeof *bufs);
    for (size_t i = 0; i < SMALL; i++) {
        snprintf(names[i], sizeof names[i], "rec-%03zu", i);
        size_t size = (i * 37) % 200;
        bufs[i] = pattern(size, (uint32_t)i);
        recs[i] = (ckpt_record){(ckpt_type)(1 + i % 9), names[i], size ? bufs[i] : NULL, size};
    }
    /* Several MB, not a multiple of the frame size, and an exact multiple. */
    size_t big[4] = {5u * 1024 * 1024 + 7, 3u * 1024 * 1024, 0, 0};
    const char *big_names[4] = {"experts", "synthetic", "empty-run", "empty-session"};
    ckpt_type big_types[4] = {CKPT_TYPE_EXPERTS, CKPT_TYPE_SYNTHETIC, CKPT_TYPE_RUN,
                              CKPT_TYPE_SESSION};
    for (int j = 0; j < 4; j++) {
        size_t i = SMALL + (size_t)j;
        bufs[i] = pattern(big[j], 1000u + (uint32_t)j);
        recs[i] = (ckpt_record){big_types[j], big_names[j], big[j] ? bufs[i] : NULL, big[j]};
    }
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "state.cdz");
    cr_assert_eq(ckpt_save(path, key, recs, n, NULL, &err), CZ_OK, "%s", err.msg);

    ckpt_records *list = ckpt_load(path, key, NULL, &err);
    cr_assert_not_null(list, "%s", err.msg);
    assert_records_equal(list, recs, n);
    const ckpt_record *r = ckpt_records_find(list, "synthetic");
    cr_assert_not_null(r);
    cr_assert_eq(r->size, big[1]);
    cr_assert_eq(r->type, CKPT_TYPE_SYNTHETIC);
    cr_assert_null(ckpt_records_find(list, "no-such-record"));
    cr_assert_null(ckpt_records_at(list, n));
    r = ckpt_records_find(list, "empty-run");
    cr_assert_not_null(r);
    cr_assert_eq(r->size, 0);

    ckpt_info info;
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(info.version, CKPT_VERSION);
    cr_assert_str_eq(info.kdf, "argon2id");
    cr_assert_eq(info.opslimit, ckpt_kdf_test().opslimit);
    cr_assert_eq(info.memlimit, ckpt_kdf_test().memlimit);
    cr_assert_eq(info.frame_bytes, CKPT_FRAME_DEFAULT);
    cr_assert(info.complete);
    cr_assert_eq(info.file_bytes, info.expected_bytes);
    cr_assert_gt(info.frames, 100, "a multi-MB body spans many frames, got %llu",
                 (unsigned long long)info.frames);

    ckpt_records_free(&list);
    cr_assert_null(list);
    ckpt_records_free(&list); /* NULL is fine */
    ckpt_key_free(&key);
    for (size_t i = 0; i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(names);
    free(recs);
}

Test(save, empty_record_list_round_trips)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "empty.cdz");
    cr_assert_eq(ckpt_save(path, key, NULL, 0, NULL, &err), CZ_OK, "%s", err.msg);
    ckpt_records *list = ckpt_load(path, key, NULL, &err);
    cr_assert_not_null(list, "%s", err.msg);
    cr_assert_eq(ckpt_records_count(list), 0);
    ckpt_records_free(&list);
    ckpt_key_free(&key);
}

Test(save, every_frame_size_boundary_round_trips)
{
    /* Bodies of k*F-1, k*F and k*F+1 bytes: the last frame short, full, or
     * holding a single byte. */
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const size_t frame = 64;
    const size_t fixed = 4 + 4 + 1 + 8 + 4; /* count, type, name length, name "x", size */
    for (size_t body = 3 * frame - 1; body <= 3 * frame + 1; body++) {
        size_t size = body - fixed;
        uint8_t *data = pattern(size, (uint32_t)body);
        ckpt_record rec = {CKPT_TYPE_MODEL, "x", data, size};
        ckpt_save_opts opts = {.frame_bytes = frame};
        const char *path = in_dir(dir, "frames.cdz");
        cr_assert_eq(ckpt_save(path, key, &rec, 1, &opts, &err), CZ_OK, "%s", err.msg);
        ckpt_info info;
        cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_OK);
        cr_assert_eq(info.body_bytes, body);
        cr_assert_eq(info.frames, (body + frame - 1) / frame);
        ckpt_records *list = ckpt_load(path, key, NULL, &err);
        cr_assert_not_null(list, "body %zu: %s", body, err.msg);
        assert_records_equal(list, &rec, 1);
        ckpt_records_free(&list);
        free(data);
    }
    ckpt_key_free(&key);
}

Test(save, files_are_mode_0600_whatever_the_umask)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    ckpt_record rec = {CKPT_TYPE_DATASET, "d", "abc", 3};
    mode_t masks[3] = {022, 0, 077};
    for (int i = 0; i < 3; i++) {
        mode_t old = umask(masks[i]);
        const char *path = in_dir(dir, "mode.cdz");
        cr_assert_eq(ckpt_save(path, key, &rec, 1, NULL, &err), CZ_OK, "%s", err.msg);
        umask(old);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0600, "umask %03o gave mode %04o", (unsigned)masks[i],
                     (unsigned)(st.st_mode & 07777));
    }
    cr_assert_eq(count_files(dir, ".tmp-"), 0, "a temporary file was left behind");
    ckpt_key_free(&key);
}

Test(save, no_plaintext_reaches_the_disk)
{
    const char *marker = "PATIENT-MARKER-4f1c9e";
    const char *name_marker = "record-name-marker-b7e2";
    char payload[4096];
    for (size_t i = 0; i + 22 < sizeof payload; i += 22)
        memcpy(payload + i, marker, 21), payload[i + 21] = ' ';
    payload[sizeof payload - 1] = '\0';
    ckpt_record recs[2] = {{CKPT_TYPE_DATASET, name_marker, payload, sizeof payload},
                           {CKPT_TYPE_RESULT, "r", marker, strlen(marker)}};
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "secret.cdz");
    cr_assert_eq(ckpt_save(path, key, recs, 2, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(ckpt_save(path, key, recs, 2, &(ckpt_save_opts){.keep_prev = 1}, &err), CZ_OK);
    cr_assert_eq(count_files(dir, ".prev"), 1);
    cr_assert_not(folder_contains(dir, marker), "the payload marker is on disk in plaintext");
    cr_assert_not(folder_contains(dir, name_marker), "a record name is on disk in plaintext");
    cr_assert_not(folder_contains(dir, TEST_PASS), "the passphrase is on disk");
    /* The scan itself can fail: the marker is found where it is. */
    cr_assert_eq(write_file(in_dir(dir, "canary.txt"), payload, 100, 0600), 0);
    cr_assert(folder_contains(dir, marker), "the scan does not find a planted marker");
    ckpt_key_free(&key);
}

Test(save, saving_twice_reuses_the_derived_key)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    ckpt_record rec = {CKPT_TYPE_RUN, "run", "state", 5};
    cr_assert_eq(ckpt_key_derivations(key), 0);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ckpt_save(in_dir(dir, "a.cdz"), key, &rec, 1, NULL, &err), CZ_OK);
    cr_assert_eq(ckpt_save(in_dir(dir, "b.cdz"), key, &rec, 1, NULL, &err), CZ_OK);
    ckpt_records *list = ckpt_load(in_dir(dir, "b.cdz"), key, NULL, &err);
    cr_assert_not_null(list);
    ckpt_records_free(&list);
    cr_assert_eq(ckpt_key_derivations(key), 1, "Argon2id ran %llu times for one salt",
                 (unsigned long long)ckpt_key_derivations(key));
    /* Two saves of the same state differ anyway: each file has its own nonce. */
    cr_assert_eq(ckpt_save(in_dir(dir, "c.cdz"), key, &rec, 1, NULL, &err), CZ_OK);
    size_t na, nc;
    uint8_t *a = read_file(in_dir(dir, "a.cdz"), &na);
    uint8_t *c = read_file(in_dir(dir, "c.cdz"), &nc);
    cr_assert_eq(na, nc);
    cr_assert_neq(memcmp(a + CKPT_OFF_STREAM, c + CKPT_OFF_STREAM, CKPT_STREAM_HEADER_BYTES), 0);
    cr_assert_neq(memcmp(a + CKPT_HEADER_BYTES, c + CKPT_HEADER_BYTES, na - CKPT_HEADER_BYTES), 0);
    free(a);
    free(c);
    ckpt_key_free(&key);
}

Test(save, bad_records_are_refused_naming_the_record)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "bad.cdz");
    ckpt_record dup[2] = {{CKPT_TYPE_MODEL, "m", "a", 1}, {CKPT_TYPE_MODEL, "m", "b", 1}};
    cr_assert_eq(ckpt_save(path, key, dup, 2, NULL, &err), CZ_EINVAL);
    cr_assert_str_eq(err.msg, "two records are named \"m\"");

    ckpt_record badtype = {(ckpt_type)42, "weird", "a", 1};
    cr_assert_eq(ckpt_save(path, key, &badtype, 1, NULL, &err), CZ_EINVAL);
    cr_assert_str_eq(err.msg, "record 1 (\"weird\") has type tag 42; known tags are 1..9");

    ckpt_record noname = {CKPT_TYPE_MODEL, "", "a", 1};
    cr_assert_eq(ckpt_save(path, key, &noname, 1, NULL, &err), CZ_EINVAL);
    cr_assert_str_eq(err.msg, "record 1 has no name");

    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ckpt_record toolong = {CKPT_TYPE_MODEL, longname, "a", 1};
    cr_assert_eq(ckpt_save(path, key, &toolong, 1, NULL, &err), CZ_EINVAL);

    ckpt_record nodata = {CKPT_TYPE_MODEL, "m", NULL, 10};
    cr_assert_eq(ckpt_save(path, key, &nodata, 1, NULL, &err), CZ_EINVAL);

    ckpt_record ok = {CKPT_TYPE_MODEL, "m", "a", 1};
    cr_assert_eq(ckpt_save(path, key, &ok, 1, &(ckpt_save_opts){.frame_bytes = 8}, &err),
                 CZ_EINVAL);
    cr_assert_eq(ckpt_save(path, NULL, &ok, 1, NULL, &err), CZ_EINVAL);
    cr_assert_eq(ckpt_save("", key, &ok, 1, NULL, &err), CZ_EINVAL);
    cr_assert_eq(count_files(dir, "bad"), 0, "a refused save left a file");
    ckpt_key_free(&key);
}

Test(save, unwritable_folder_is_an_io_error_naming_the_path)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    ckpt_record ok = {CKPT_TYPE_MODEL, "m", "a", 1};
    const char *path = in_dir(dir, "missing-folder/state.cdz");
    cr_assert_eq(ckpt_save(path, key, &ok, 1, NULL, &err), CZ_EIO);
    cr_assert(strstr(err.msg, path), "message does not name the path: %s", err.msg);
    cr_assert(strstr(err.msg, "No such file or directory"), "no errno text: %s", err.msg);
    ckpt_key_free(&key);
}

Test(save, type_names_round_trip)
{
    for (int t = CKPT_TYPE_FIRST; t <= CKPT_TYPE_LAST; t++)
        cr_assert_eq((int)ckpt_type_from_name(ckpt_type_name((ckpt_type)t)), t);
    cr_assert_str_eq(ckpt_type_name(CKPT_TYPE_RUN), "run");
    cr_assert_str_eq(ckpt_type_name(CKPT_TYPE_GENERATOR), "generator");
    cr_assert_str_eq(ckpt_type_name((ckpt_type)0), "unknown");
    cr_assert_eq(ckpt_type_from_name("nonsense"), 0);
}
