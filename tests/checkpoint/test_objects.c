/* checkpoint/objects.c: every engine object kind goes through an encrypted
 * file and comes back with the digest it had; the names and order survive;
 * the wrong key is refused as such; damaged payloads and kinds without a
 * codec are refused with named errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "ckpt_test_util.h"
#include "engine_fixture.h"
#include "../engine/prior/small_prior.h"

static engine_fixture fx;
static const char *dir;

static void setup(void)
{
    engine_fixture_make(&fx);
    dir = tmpdir_make();
}

static void teardown(void)
{
    tmpdir_remove(dir);
    engine_fixture_free(&fx);
}

TestSuite(objects, .init = setup, .fini = teardown);

/* One object of every kind, owned by the test. */
typedef struct zoo {
    cz_mtt *mtt;
    ckpt_run run;
    cz_synthetic *syn;
    cz_eval_result *result;
    cz_prior *prior;
    ckpt_object objs[7];
    const char *names[7];
} zoo;

static void zoo_make(zoo *z)
{
    memset(z, 0, sizeof *z);
    cz_error err;
    cz_mtt_config c = small_run_config(cz_mtt_config_default(), 6);
    z->mtt = small_run(&fx, &c, 0);
    cr_assert_eq(cz_mtt_step(z->mtt, 3, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cz_match_source src = {.experts = fx.experts};
    z->run = ckpt_run_view(z->mtt, fx.data, &src, 2, cz_backend_cpu());
    cr_assert_eq(cz_mtt_synthetic(z->mtt, &z->syn, &err), CZ_OK, "%s", err.msg);
    cz_eval_opts eo = cz_eval_opts_default();
    eo.models = 1;
    eo.epochs = 3;
    cr_assert_eq(cz_evaluate_synthetic(z->syn, fx.data, &eo, cz_backend_cpu(), &z->result, &err),
                 CZ_OK, "%s", err.msg);
    z->prior = small_prior(1);
    ckpt_object o[7] = {
        {CKPT_TYPE_DATASET, {.dataset = fx.data}},
        {CKPT_TYPE_EXPERTS, {.experts = fx.experts}},
        {CKPT_TYPE_SURROGATE, {.surrogate = fx.curves}},
        {CKPT_TYPE_SYNTHETIC, {.synthetic = z->syn}},
        {CKPT_TYPE_RUN, {.run = &z->run}},
        {CKPT_TYPE_RESULT, {.result = z->result}},
        {CKPT_TYPE_GENERATOR, {.generator = z->prior}},
    };
    memcpy(z->objs, o, sizeof o);
    const char *names[7] = {"pima", "experts", "curves", "syn", "run", "result", "G"};
    memcpy(z->names, names, sizeof names);
}

static void zoo_free(zoo *z)
{
    cz_prior_free(&z->prior);
    cz_eval_result_free(&z->result);
    cz_synthetic_free(&z->syn);
    cz_mtt_free(&z->mtt);
}

Test(objects, every_kind_round_trips_through_an_encrypted_file_with_its_digest)
{
    zoo z;
    zoo_make(&z);
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "all.cdz");
    cz_error err;
    cr_assert_eq(ckpt_objects_save(path, key, z.names, z.objs, 7, NULL, &err), CZ_OK, "%s",
                 err.msg);
    /* Encrypted: no record name reaches the disk in plaintext. */
    cr_assert_not(folder_contains(dir, "experts"));
    ckpt_objects *back = ckpt_objects_load(path, key, cz_backend_cpu(), &err);
    cr_assert_not_null(back, "%s (%s)", err.msg, err.hint);
    cr_assert_eq(ckpt_objects_count(back), 7);
    for (size_t i = 0; i < 7; i++) {
        const ckpt_object *o = ckpt_objects_at(back, i);
        cr_assert_str_eq(ckpt_objects_name(back, i), z.names[i]);
        cr_assert_eq(o->type, z.objs[i].type, "record %zu", i);
        uint8_t want[32], got[32];
        cr_assert_eq(ckpt_object_digest(&z.objs[i], want, &err), CZ_OK, "%s", err.msg);
        cr_assert_eq(ckpt_object_digest(o, got, &err), CZ_OK, "%s", err.msg);
        cr_assert_eq(memcmp(want, got, 32), 0, "%s: digest differs after the round trip",
                     ckpt_type_name(o->type));
    }
    /* The decoded run owns copies of its companions, equal to the originals. */
    const ckpt_run *run = ckpt_objects_at(back, 4)->as.run;
    uint8_t a[32], b[32];
    cr_assert_eq(cz_dataset_digest(run->dataset, a, &err), CZ_OK);
    cr_assert_eq(cz_dataset_digest(fx.data, b, &err), CZ_OK);
    cr_assert_eq(memcmp(a, b, 32), 0);
    cr_assert_eq(run->every, 2);
    cr_assert_str_eq(run->backend, "cpu");
    /* Taking an object out leaves the list owning the rest. */
    ckpt_object syn = ckpt_objects_take(back, 3);
    cr_assert_eq(syn.type, CKPT_TYPE_SYNTHETIC);
    cr_assert_eq(ckpt_objects_at(back, 3)->type, 0);
    ckpt_objects_free(&back);
    cr_assert_null(back);
    cr_assert_eq(syn.as.synthetic->rows, z.syn->rows);
    ckpt_object_clear(&syn);
    ckpt_key_free(&key);
    zoo_free(&z);
}

Test(objects, the_wrong_key_is_refused_as_such_and_the_file_survives)
{
    zoo z;
    zoo_make(&z);
    ckpt_key *key = test_key(TEST_PASS), *wrong = test_key("not the passphrase");
    const char *path = in_dir(dir, "k.cdz");
    cz_error err;
    cr_assert_eq(ckpt_objects_save(path, key, z.names, z.objs, 2, NULL, &err), CZ_OK);
    size_t before_len = 0, after_len = 0;
    uint8_t *before = read_file(path, &before_len);
    cr_assert_null(ckpt_objects_load(path, wrong, NULL, &err));
    cr_assert_eq(err.code, CZ_EAUTH);
    cr_assert(strstr(err.msg, "wrong key"), "message: %s", err.msg);
    uint8_t *after = read_file(path, &after_len);
    cr_assert_eq(before_len, after_len);
    cr_assert_eq(memcmp(before, after, before_len), 0, "a refused load changed the file");
    ckpt_objects *back = ckpt_objects_load(path, key, NULL, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_eq(ckpt_objects_count(back), 2);
    ckpt_objects_free(&back);
    free(before);
    free(after);
    ckpt_key_free(&wrong);
    ckpt_key_free(&key);
    zoo_free(&z);
}

Test(objects, damaged_payloads_and_kinds_without_a_codec_are_refused)
{
    cz_error err;
    cz_bytes b = {0};
    ckpt_object ds = {CKPT_TYPE_DATASET, {.dataset = fx.data}};
    cr_assert_eq(ckpt_object_encode(&ds, &b, &err), CZ_OK);
    ckpt_object out;
    /* Cut short, and one byte too many. */
    cr_assert_neq(ckpt_object_decode(CKPT_TYPE_DATASET, b.data, b.len - 1, NULL, &out, &err),
                  CZ_OK);
    cr_assert_eq(err.code, CZ_EFORMAT, "%s", err.msg);
    cr_assert(strstr(err.msg, "dataset"), "message names the kind: %s", err.msg);
    cr_assert_null(out.as.any);
    cz_bytes_u8(&b, 0);
    cr_assert_neq(ckpt_object_decode(CKPT_TYPE_DATASET, b.data, b.len, NULL, &out, &err), CZ_OK);
    /* A dataset's bytes are not a run. */
    cr_assert_neq(ckpt_object_decode(CKPT_TYPE_RUN, b.data, b.len, NULL, &out, &err), CZ_OK);
    cr_assert_eq(err.code, CZ_EFORMAT, "%s", err.msg);
    cz_bytes_free(&b);
    ckpt_object model = {CKPT_TYPE_MODEL, {.any = &err}};
    cr_assert_eq(ckpt_object_encode(&model, &b, &err), CZ_EUNSUPPORTED);
    cr_assert(strstr(err.msg, "model"), "%s", err.msg);
    cr_assert_eq(ckpt_object_decode(CKPT_TYPE_SESSION, "x", 1, NULL, &out, &err),
                 CZ_EUNSUPPORTED);
    cr_assert_not(ckpt_object_kind_known(CKPT_TYPE_MODEL));
    cr_assert(ckpt_object_kind_known(CKPT_TYPE_RUN));
    cz_bytes_free(&b);
}

Test(objects, a_failed_save_leaves_the_previous_file)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "keep.cdz");
    cz_error err;
    ckpt_object ds = {CKPT_TYPE_DATASET, {.dataset = fx.data}};
    const char *name = "pima";
    cr_assert_eq(ckpt_objects_save(path, key, &name, &ds, 1, NULL, &err), CZ_OK);
    /* Two objects of one name: refused before anything is written. */
    ckpt_object two[2] = {ds, {CKPT_TYPE_EXPERTS, {.experts = fx.experts}}};
    const char *names[2] = {"x", "x"};
    cr_assert_eq(ckpt_objects_save(path, key, names, two, 2, NULL, &err), CZ_EINVAL);
    ckpt_objects *back = ckpt_objects_load(path, key, NULL, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_str_eq(ckpt_objects_name(back, 0), "pima");
    ckpt_objects_free(&back);
    ckpt_key_free(&key);
}
