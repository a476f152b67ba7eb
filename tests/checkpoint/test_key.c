/* Keys: passphrase, prompt callback, environment variable and key file
 * (refused unless 0600 or stricter, with the chmod hint), the derived-key
 * cache, cost options, and the secret block being unreadable between calls. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_impl.h"
#include "ckpt_test_util.h"

static const char *dir;
static void setup(void) { dir = tmpdir_make(); }
static void teardown(void) { tmpdir_remove(dir); }

TestSuite(key, .init = setup, .fini = teardown, .timeout = 60);

static const ckpt_key_opts fast = {.save = {1, 8192}, .max_load = {1, 8192}};

/* Saves with `writer`, loads with `reader`: CZ_OK when they are the same key. */
static cz_status cross_load(ckpt_key *writer, ckpt_key *reader)
{
    cz_error err;
    ckpt_record rec = {CKPT_TYPE_SESSION, "s", "payload", 7};
    const char *path = in_dir(dir, "k.cdz");
    cr_assert_eq(ckpt_save(path, writer, &rec, 1, NULL, &err), CZ_OK, "%s", err.msg);
    ckpt_records *list = ckpt_load(path, reader, NULL, &err);
    cz_status s = list ? CZ_OK : err.code;
    ckpt_records_free(&list);
    return s;
}

Test(key, test_cost_is_libsodium_minimum)
{
    ckpt_kdf t = ckpt_kdf_test();
    cr_assert_eq(t.opslimit, crypto_pwhash_argon2id_OPSLIMIT_MIN);
    cr_assert_eq(t.memlimit, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    ckpt_kdf i = ckpt_kdf_interactive();
    cr_assert_eq(i.opslimit, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
    cr_assert_eq(i.memlimit, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
}

Test(key, default_cost_is_interactive_and_round_trips)
{
    cz_error err;
    ckpt_key *key = ckpt_key_from_passphrase(TEST_PASS, strlen(TEST_PASS), NULL, &err);
    cr_assert_not_null(key, "%s", err.msg);
    ckpt_record rec = {CKPT_TYPE_MODEL, "m", "w", 1};
    const char *path = in_dir(dir, "default.cdz");
    cr_assert_eq(ckpt_save(path, key, &rec, 1, NULL, &err), CZ_OK, "%s", err.msg);
    ckpt_info info;
    cr_assert_eq(ckpt_describe(path, NULL, &info, &err), CZ_OK);
    cr_assert_eq(info.opslimit, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
    cr_assert_eq(info.memlimit, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
    ckpt_records *list = ckpt_load(path, key, NULL, &err);
    cr_assert_not_null(list, "%s", err.msg);
    ckpt_records_free(&list);
    cr_assert_eq(ckpt_key_derivations(key), 1);
    cr_assert_str_eq(ckpt_key_source(key), "passphrase");
    ckpt_key_free(&key);
    cr_assert_null(key);
    ckpt_key_free(&key);
}

Test(key, bad_passphrases_and_costs_are_refused)
{
    cz_error err;
    cr_assert_null(ckpt_key_from_passphrase("", 0, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert_str_eq(err.msg, "passphrase is empty");
    char big[CKPT_PASSPHRASE_MAX + 1];
    memset(big, 'p', sizeof big);
    cr_assert_null(ckpt_key_from_passphrase(big, sizeof big, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    ckpt_key *k = ckpt_key_from_passphrase(big, CKPT_PASSPHRASE_MAX, &fast, &err);
    cr_assert_not_null(k, "the longest allowed passphrase: %s", err.msg);
    ckpt_key_free(&k);
    ckpt_key_opts silly = {.save = {0, 1}};
    cr_assert_null(ckpt_key_from_passphrase("pw", 2, &silly, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert(strstr(err.msg, "Argon2id cost out of range"), "%s", err.msg);
}

static cz_status ask_ok(void *user, char *buf, size_t cap, size_t *len, cz_error *err)
{
    (void)err;
    cr_assert_eq(cap, CKPT_PASSPHRASE_MAX);
    const char *pass = user;
    *len = strlen(pass);
    memcpy(buf, pass, *len);
    return CZ_OK;
}

static cz_status ask_cancelled(void *user, char *buf, size_t cap, size_t *len, cz_error *err)
{
    (void)user, (void)buf, (void)cap, (void)len;
    return cz_error_set(err, CZ_EINTERRUPTED, "run dc.key() again", "passphrase prompt cancelled");
}

Test(key, prompt_callback_fills_locked_memory)
{
    cz_error err;
    ckpt_key *asked = ckpt_key_from_prompt(ask_ok, (void *)TEST_PASS, &fast, &err);
    cr_assert_not_null(asked, "%s", err.msg);
    ckpt_key *given = test_key(TEST_PASS);
    cr_assert_eq(cross_load(given, asked), CZ_OK);
    cr_assert_null(ckpt_key_from_prompt(ask_cancelled, NULL, &fast, &err));
    cr_assert_eq(err.code, CZ_EINTERRUPTED);
    cr_assert_str_eq(err.msg, "passphrase prompt cancelled");
    cr_assert_null(ckpt_key_from_prompt(NULL, NULL, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    ckpt_key_free(&asked);
    ckpt_key_free(&given);
}

Test(key, environment_variable)
{
    cz_error err;
    setenv("CZ_TEST_CKPT_KEY", TEST_PASS, 1);
    ckpt_key *env = ckpt_key_from_env("CZ_TEST_CKPT_KEY", &fast, &err);
    cr_assert_not_null(env, "%s", err.msg);
    cr_assert_str_eq(ckpt_key_source(env), "environment variable CZ_TEST_CKPT_KEY");
    ckpt_key *given = test_key(TEST_PASS);
    cr_assert_eq(cross_load(env, given), CZ_OK);
    ckpt_key_free(&env);

    unsetenv("CZ_TEST_CKPT_KEY");
    cr_assert_null(ckpt_key_from_env("CZ_TEST_CKPT_KEY", &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert_str_eq(err.msg, "environment variable CZ_TEST_CKPT_KEY is not set");
    setenv("CZ_TEST_CKPT_KEY", "", 1);
    cr_assert_null(ckpt_key_from_env("CZ_TEST_CKPT_KEY", &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert_str_eq(err.msg, "environment variable CZ_TEST_CKPT_KEY is empty");
    cr_assert_null(ckpt_key_from_env("", &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    ckpt_key_free(&given);
}

Test(key, key_file_with_mode_0644_is_refused_with_the_chmod_hint)
{
    const char *path = in_dir(dir, "key.txt");
    cr_assert_eq(write_file(path, TEST_PASS "\n", strlen(TEST_PASS) + 1, 0644), 0);
    cz_error err;
    cr_assert_null(ckpt_key_from_file(path, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    char want[600];
    snprintf(want, sizeof want,
             "key file %s has mode 0644: other users may read it, so it is refused", path);
    cr_assert_str_eq(err.msg, want);
    snprintf(want, sizeof want, "chmod 600 %s", path);
    cr_assert_str_eq(err.hint, want);
    cr_assert_null(strstr(err.msg, TEST_PASS), "the error leaks the key");
    unsigned bad[3] = {0640, 0604, 0660};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(write_file(path, "pw", 2, bad[i]), 0);
        cr_assert_null(ckpt_key_from_file(path, &fast, &err), "mode %04o accepted", bad[i]);
        cr_assert_eq(err.code, CZ_EINVAL);
    }
}

Test(key, key_file_with_mode_0600_matches_the_passphrase)
{
    const char *path = in_dir(dir, "key.txt");
    ckpt_key *given = test_key(TEST_PASS);
    const char *contents[3] = {TEST_PASS, TEST_PASS "\n", TEST_PASS "\r\n"};
    unsigned modes[3] = {0600, 0400, 0600};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(write_file(path, contents[i], strlen(contents[i]), modes[i]), 0);
        cz_error err;
        ckpt_key *file = ckpt_key_from_file(path, &fast, &err);
        cr_assert_not_null(file, "mode %04o: %s", modes[i], err.msg);
        char want[600];
        snprintf(want, sizeof want, "key file %s", path);
        cr_assert_str_eq(ckpt_key_source(file), want);
        cr_assert_eq(cross_load(file, given), CZ_OK, "key file variant %d", i);
        ckpt_key_free(&file);
    }
    ckpt_key_free(&given);
}

Test(key, key_file_missing_empty_or_a_folder_is_refused)
{
    cz_error err;
    const char *path = in_dir(dir, "absent.key");
    cr_assert_null(ckpt_key_from_file(path, &fast, &err));
    cr_assert_eq(err.code, CZ_EIO);
    cr_assert(strstr(err.msg, "No such file or directory"), "%s", err.msg);
    cr_assert_eq(write_file(path, "\n", 1, 0600), 0);
    cr_assert_null(ckpt_key_from_file(path, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert(strstr(err.msg, "is empty"), "%s", err.msg);
    cr_assert_null(ckpt_key_from_file(dir, &fast, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
}

Test(key, different_passphrases_give_cz_eauth)
{
    ckpt_key *a = test_key("alpha");
    ckpt_key *b = test_key("alphA");
    cr_assert_eq(cross_load(a, b), CZ_EAUTH);
    ckpt_key_free(&a);
    ckpt_key_free(&b);
}

Test(key, cache_keeps_one_derivation_per_salt)
{
    ckpt_key *writer1 = test_key(TEST_PASS);
    ckpt_key *writer2 = test_key(TEST_PASS);
    ckpt_key *reader = test_key(TEST_PASS);
    cz_error err;
    ckpt_record rec = {CKPT_TYPE_RUN, "r", "x", 1};
    cr_assert_eq(ckpt_save(in_dir(dir, "1.cdz"), writer1, &rec, 1, NULL, &err), CZ_OK);
    cr_assert_eq(ckpt_save(in_dir(dir, "2.cdz"), writer2, &rec, 1, NULL, &err), CZ_OK);
    for (int round = 0; round < 3; round++) {
        for (int f = 1; f <= 2; f++) {
            char name[16];
            snprintf(name, sizeof name, "%d.cdz", f);
            ckpt_records *list = ckpt_load(in_dir(dir, name), reader, NULL, &err);
            cr_assert_not_null(list, "%s", err.msg);
            ckpt_records_free(&list);
        }
    }
    cr_assert_eq(ckpt_key_derivations(reader), 2, "two salts, %llu derivations",
                 (unsigned long long)ckpt_key_derivations(reader));
    ckpt_key_free(&writer1);
    ckpt_key_free(&writer2);
    ckpt_key_free(&reader);
}

Test(key, secret_block_is_unreadable_between_calls, .signal = SIGSEGV)
{
    ckpt_key *key = test_key(TEST_PASS);
    const volatile char *secret = ckpt_key_secret_block(key);
    cr_assert_not_null((const void *)secret);
    /* Let the fault kill the process even where a sanitizer catches SIGSEGV. */
    signal(SIGSEGV, SIG_DFL);
    /* sodium_mprotect_noaccess: reading must fault. */
    volatile char c = secret[0];
    (void)c;
    cr_assert_fail("the key's secret block was readable between calls");
}
