/* Autosave: the every-K policy, PATH.prev holding the state before the
 * latest, and the guarantee that a crash at any file operation of a write
 * leaves ckpt_autosave_load the newest or the previous state, on file
 * systems with and without hard links. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(autosave, .init = setup, .fini = teardown, .timeout = 60);

/* The record for the state at iteration `it`. */
static ckpt_record state_at(int64_t it, char *buf, size_t n)
{
    memset(buf, 0, n);
    snprintf(buf, n, "iteration %lld", (long long)it);
    return (ckpt_record){CKPT_TYPE_RUN, "run", buf, n};
}

/* The iteration a loaded list holds, or -1. */
static int64_t iteration_of(const ckpt_records *list)
{
    const ckpt_record *r = ckpt_records_find(list, "run");
    long long it = -1;
    if (!r || sscanf(r->data, "iteration %lld", &it) != 1)
        return -1;
    return it;
}

static int64_t load_iteration(const char *path, ckpt_key *key, int *used_prev, cz_error *why)
{
    cz_error err;
    ckpt_records *list = ckpt_autosave_load(path, key, NULL, used_prev, why, &err);
    int64_t it = list ? iteration_of(list) : -1;
    ckpt_records_free(&list);
    return it;
}

Test(autosave, due_every_k_iterations_once)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "run.cdz");
    ckpt_autosave *a = ckpt_autosave_new(path, key, 5, NULL, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_assert_eq(ckpt_autosave_last(a), -1);
    int due[21] = {0};
    for (int it = 0; it <= 20; it++)
        due[it] = ckpt_autosave_due(a, it);
    for (int it = 0; it <= 20; it++)
        cr_assert_eq(due[it], it > 0 && it % 5 == 0, "iteration %d", it);
    char buf[64];
    ckpt_record rec = state_at(10, buf, sizeof buf);
    cr_assert_eq(ckpt_autosave_write(a, 10, &rec, 1, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(ckpt_autosave_last(a), 10);
    cr_assert_not(ckpt_autosave_due(a, 10), "written iterations are not due again");
    cr_assert(ckpt_autosave_due(a, 15));
    char want[600];
    snprintf(want, sizeof want, "%s.prev", path);
    cr_assert_str_eq(ckpt_autosave_prev_path(a), want);
    ckpt_autosave_free(&a);
    cr_assert_null(a);
    cr_assert_null(ckpt_autosave_new(path, key, 0, NULL, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert_null(ckpt_autosave_new(path, NULL, 5, NULL, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    ckpt_key_free(&key);
}

Test(autosave, prev_holds_the_state_before_the_latest)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "run.cdz");
    ckpt_autosave *a = ckpt_autosave_new(path, key, 10, NULL, &err);
    char buf[64];
    for (int64_t it = 10; it <= 40; it += 10) {
        cr_assert(ckpt_autosave_due(a, it));
        ckpt_record rec = state_at(it, buf, sizeof buf);
        cr_assert_eq(ckpt_autosave_write(a, it, &rec, 1, &err), CZ_OK, "%s", err.msg);
        ckpt_records *cur = ckpt_load(path, key, NULL, &err);
        cr_assert_not_null(cur, "%s", err.msg);
        cr_assert_eq(iteration_of(cur), it);
        ckpt_records_free(&cur);
        ckpt_records *prev = ckpt_load(ckpt_autosave_prev_path(a), key, NULL, &err);
        if (it == 10) {
            cr_assert_null(prev, "no previous state after the first write");
        } else {
            cr_assert_not_null(prev, "%s", err.msg);
            cr_assert_eq(iteration_of(prev), it - 10);
        }
        ckpt_records_free(&prev);
    }
    cr_assert_eq(count_files(dir, ".tmp-"), 0);
    ckpt_autosave_free(&a);
    ckpt_key_free(&key);
}

Test(autosave, load_falls_back_to_prev_and_says_why)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "run.cdz");
    ckpt_autosave *a = ckpt_autosave_new(path, key, 1, NULL, &err);
    char buf[64];
    for (int64_t it = 1; it <= 2; it++) {
        ckpt_record rec = state_at(it, buf, sizeof buf);
        cr_assert_eq(ckpt_autosave_write(a, it, &rec, 1, &err), CZ_OK);
    }
    int used_prev = -1;
    cz_error why;
    cr_assert_eq(load_iteration(path, key, &used_prev, &why), 2);
    cr_assert_eq(used_prev, 0);
    /* Cut the latest file short: the fallback is read, and the reason kept. */
    size_t n;
    uint8_t *bytes = read_file(path, &n);
    cr_assert_eq(write_file(path, bytes, n / 2, 0600), 0);
    free(bytes);
    cr_assert_eq(load_iteration(path, key, &used_prev, &why), 1);
    cr_assert_eq(used_prev, 1);
    cr_assert_eq(why.code, CZ_EFORMAT);
    cr_assert(strstr(why.msg, "truncated"), "%s", why.msg);
    /* Both gone: the error is about the primary file. */
    unlink(path);
    unlink(ckpt_autosave_prev_path(a));
    ckpt_records *list = ckpt_autosave_load(path, key, NULL, &used_prev, NULL, &err);
    cr_assert_null(list);
    cr_assert_eq(err.code, CZ_EIO);
    cr_assert(strstr(err.msg, path), "%s", err.msg);
    cr_assert(strstr(err.hint, ".prev failed too"), "%s", err.hint);
    ckpt_autosave_free(&a);
    ckpt_key_free(&key);
}

Test(autosave, a_wrong_key_is_reported_not_hidden_by_the_fallback)
{
    ckpt_key *key = test_key(TEST_PASS);
    ckpt_key *wrong = test_key("not it");
    cz_error err;
    const char *path = in_dir(dir, "run.cdz");
    ckpt_autosave *a = ckpt_autosave_new(path, key, 1, NULL, &err);
    char buf[64];
    for (int64_t it = 1; it <= 2; it++) {
        ckpt_record rec = state_at(it, buf, sizeof buf);
        cr_assert_eq(ckpt_autosave_write(a, it, &rec, 1, &err), CZ_OK);
    }
    int used_prev;
    cr_assert_null(ckpt_autosave_load(path, wrong, NULL, &used_prev, NULL, &err));
    cr_assert_eq(err.code, CZ_EAUTH);
    cr_assert(strstr(err.msg, "wrong key"), "%s", err.msg);
    ckpt_autosave_free(&a);
    ckpt_key_free(&wrong);
    ckpt_key_free(&key);
}

/* Writes states 1 and 2, then state 3 with a fault at call k; the autosave
 * must then load as state 2 or 3, and never fail. */
static void crash_at_every_call(int no_links)
{
    ckpt_key *key = test_key(TEST_PASS);
    cz_error err;
    const char *path = in_dir(dir, "run.cdz");
    char buf[64];
    fault_io clean;
    fault_io_init(&clean, FAULT_CRASH, -1);
    clean.no_links = no_links;
    ckpt_save_opts opts = {.io = &clean.io, .frame_bytes = 16};
    ckpt_autosave *a = ckpt_autosave_new(path, key, 1, &opts, &err);
    for (int64_t it = 1; it <= 3; it++) {
        ckpt_record rec = state_at(it, buf, sizeof buf);
        cr_assert_eq(ckpt_autosave_write(a, it, &rec, 1, &err), CZ_OK, "%s", err.msg);
    }
    ckpt_autosave_free(&a);
    /* Calls made by the third write (the first has no previous file). */
    long per_write = clean.calls / 3;
    cr_assert_gt(per_write, 8);

    for (long k = 0; k < per_write + 2; k++) {
        tmpdir_remove(dir);
        cr_assert_eq(mkdir(dir, 0700), 0);
        ckpt_autosave *setup_a = ckpt_autosave_new(path, key, 1, NULL, &err);
        for (int64_t it = 1; it <= 2; it++) {
            ckpt_record rec = state_at(it, buf, sizeof buf);
            cr_assert_eq(ckpt_autosave_write(setup_a, it, &rec, 1, &err), CZ_OK);
        }
        ckpt_autosave_free(&setup_a);

        fault_io f;
        fault_io_init(&f, FAULT_CRASH, k);
        f.no_links = no_links;
        ckpt_save_opts fo = {.io = &f.io, .frame_bytes = 16};
        ckpt_autosave *crashing = ckpt_autosave_new(path, key, 1, &fo, &err);
        ckpt_record rec = state_at(3, buf, sizeof buf);
        cz_status s = ckpt_autosave_write(crashing, 3, &rec, 1, &err);
        ckpt_autosave_free(&crashing);
        int used_prev;
        cz_error why;
        int64_t it = load_iteration(path, key, &used_prev, &why);
        cr_assert(it == 2 || it == 3, "%s, crash at call %ld (%s): loaded %lld",
                  no_links ? "no hard links" : "hard links", k, k < f.calls ? f.log[k] : "none",
                  (long long)it);
        if (s == CZ_OK)
            cr_assert_eq(it, 3, "a successful write must be the one loaded");
    }
    ckpt_key_free(&key);
}

Test(autosave, a_crash_at_any_call_leaves_the_newest_or_previous_state)
{
    crash_at_every_call(0);
}

Test(autosave, without_hard_links_a_crash_still_leaves_a_loadable_state)
{
    crash_at_every_call(1);
}
