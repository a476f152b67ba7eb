/* DSA in the methods on real images (BreastMNIST, a small cut): the setting
 * resolves on for images and off for tabular data, expert training, MTT's
 * unrolled loop and evaluation training use it, the MTT run stays
 * deterministic and resumable bit for bit, and an MTT record from before the
 * setting (format version 2) still loads, as a run without DSA. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../methods/methods_fixtures.h"
#include "core/bytes.h"
#include "image_fixture.h"
#include "methods/common.h"
#include "methods/evaluate.h"
#include "methods/mtt.h"

static cz_dataset *data;
static cz_experts *experts;

static void setup(void)
{
    data = image_fixture_load(12);
    experts = image_fixture_experts(data, CZ_DSA_AUTO);
}

static void teardown(void)
{
    cz_experts_free(&experts);
    cz_dataset_free(data);
}

TestSuite(mtt_dsa, .init = setup, .fini = teardown);

static cz_mtt_config small(cz_dsa_use dsa)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = 2;
    c.iterations = 8;
    c.syn_steps = 4;
    c.batch_syn = 2;
    c.expert_epochs = 2;
    c.max_start_epoch = 2;
    c.lr_img = 100;
    c.lr_lr = 1e-5;
    c.seed = 11;
    c.dsa = dsa;
    return c;
}

static cz_mtt *start(const cz_mtt_config *c)
{
    cz_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_new(data, experts, c, cz_backend_cpu(), &r, &err), CZ_OK, "%s (%s)",
                 err.msg, err.hint);
    return r;
}

static void run(cz_mtt *r, int64_t n)
{
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, n, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
}

static void digest(const cz_mtt *r, uint8_t out[32])
{
    cz_error err;
    cr_assert_eq(cz_mtt_digest(r, out, &err), CZ_OK, "%s", err.msg);
}

static cz_mtt *reload_bytes(const cz_bytes *b)
{
    cz_error err;
    cz_reader rd = cz_reader_init(b->data, b->len, &err);
    cz_mtt *back = NULL;
    cr_assert_eq(cz_mtt_deserialize(&rd, data, experts, cz_backend_cpu(), &back, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&rd, 1), CZ_OK);
    return back;
}

static cz_mtt *reload(cz_mtt *r)
{
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_mtt_free(&r);
    cz_mtt *back = reload_bytes(&b);
    cz_bytes_free(&b);
    return back;
}

Test(mtt_dsa, the_setting_resolves_by_the_data)
{
    cr_assert_eq(experts->dsa, 1, "image experts train with DSA by default");
    cz_mtt_config c = small(CZ_DSA_AUTO);
    cz_mtt *r = start(&c);
    cr_assert_eq(cz_mtt_config_of(r)->dsa, CZ_DSA_ON, "auto is on for images");
    cz_mtt_free(&r);
    c.dsa = CZ_DSA_OFF;
    r = start(&c);
    cr_assert_eq(cz_mtt_config_of(r)->dsa, CZ_DSA_OFF);
    cz_mtt_free(&r);

    cz_dataset *tab = fixture_load("pima");
    int on = 1;
    cz_error err;
    cr_assert_eq(cz_dsa_resolve(CZ_DSA_AUTO, tab, cz_backend_cpu(), &on, &err), CZ_OK);
    cr_assert_eq(on, 0, "auto is off for tabular data");
    cr_assert_eq(cz_dsa_resolve(CZ_DSA_ON, tab, cz_backend_cpu(), &on, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "tabular"), "%s", err.msg);
    cz_experts_opts eo = cz_experts_opts_default(tab);
    eo.count = 1;
    eo.epochs = 1;
    cz_experts *te = NULL;
    cr_assert_eq(cz_experts_train(tab, &eo, cz_backend_cpu(), &te, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(te->dsa, 0);
    cz_experts_free(&te);
    eo.dsa = CZ_DSA_ON;
    cr_assert_eq(cz_experts_train(tab, &eo, cz_backend_cpu(), &te, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "experts: dsa augments images"), "%s", err.msg);
    cz_dataset_free(tab);
}

Test(mtt_dsa, experts_with_dsa_are_deterministic_and_differ_from_plain)
{
    cz_experts *again = image_fixture_experts(data, CZ_DSA_AUTO);
    cz_experts *plain = image_fixture_experts(data, CZ_DSA_OFF);
    uint8_t a[32], b[32], p[32];
    cz_error err;
    cr_assert_eq(cz_experts_digest(experts, a, &err), CZ_OK);
    cr_assert_eq(cz_experts_digest(again, b, &err), CZ_OK);
    cr_assert_eq(cz_experts_digest(plain, p, &err), CZ_OK);
    cr_assert_eq(memcmp(a, b, 32), 0, "the same seed gives the same experts");
    cr_assert_eq(plain->dsa, 0);
    size_t last = (size_t)experts->epochs;
    cr_assert_neq(memcmp(cz_experts_at(experts, 0, (int)last), cz_experts_at(plain, 0, (int)last),
                         experts->params * sizeof(cz_real)),
                  0, "augmentation changes the trajectory");
    /* The flag survives a round trip. */
    cz_bytes buf = {0};
    cr_assert_eq(cz_experts_serialize(experts, &buf, &err), CZ_OK);
    cz_reader rd = cz_reader_init(buf.data, buf.len, &err);
    cz_experts *back = NULL;
    cr_assert_eq(cz_experts_deserialize(&rd, &back, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(back->dsa, 1);
    cz_experts_free(&back);
    cz_bytes_free(&buf);
    cz_experts_free(&again);
    cz_experts_free(&plain);
}

Test(mtt_dsa, mtt_with_dsa_is_deterministic_and_augments)
{
    cz_mtt_config c = small(CZ_DSA_ON), off = small(CZ_DSA_OFF);
    cz_mtt *a = start(&c), *b = start(&c), *p = start(&off);
    run(a, 8);
    run(b, 8);
    run(p, 8);
    uint8_t da[32], db[32];
    digest(a, da);
    digest(b, db);
    cr_assert_eq(memcmp(da, db, 32), 0, "two runs of the same config agree bit for bit");
    int64_t n;
    const double *ha = cz_mtt_history(a, &n), *hp = cz_mtt_history(p, &n);
    cr_assert_eq(n, 8);
    for (int i = 0; i < 8; i++)
        cr_assert(isfinite(ha[i]), "iteration %d's loss is finite", i);
    cr_assert_neq(memcmp(ha, hp, 8 * sizeof *ha), 0, "DSA changes the matching losses");
    cz_mtt_free(&a);
    cz_mtt_free(&b);
    cz_mtt_free(&p);
}

Test(mtt_dsa, mtt_with_dsa_resumes_bit_for_bit)
{
    cz_mtt_config c = small(CZ_DSA_AUTO);
    cz_mtt *straight = start(&c), *cut = start(&c);
    run(straight, 8);
    run(cut, 3);
    cut = reload(cut);
    cr_assert_eq(cz_mtt_config_of(cut)->dsa, CZ_DSA_ON);
    run(cut, 5);
    uint8_t ds[32], dc[32];
    digest(straight, ds);
    digest(cut, dc);
    cr_assert_eq(memcmp(ds, dc, 32), 0, "interrupted, saved, loaded and continued = straight");
    cz_mtt_free(&straight);
    cz_mtt_free(&cut);
}

/* Offset of the dsa byte in a version 3 record: magic, version, then the
 * configuration up to sam_lr_at_x (mtt_io.c's write_config). */
#define DSA_BYTE (8 + 4 + 8 + 4 * 4 + 8 * 4 + 4 + 1 + 4 + 8 + 4 + 1)

Test(mtt_dsa, a_version_2_record_loads_as_a_run_without_dsa)
{
    cz_mtt_config c = small(CZ_DSA_OFF);
    cz_mtt *r = start(&c), *ref = start(&c);
    run(r, 2);
    run(ref, 5);
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cr_assert_eq(b.data[4], 3, "this build writes version 3");
    cr_assert_eq(b.data[DSA_BYTE], CZ_DSA_OFF, "the dsa byte sits after sam_lr_at_x");
    b.data[4] = 2; /* the same record as version 2 wrote it: no dsa byte */
    memmove(b.data + DSA_BYTE, b.data + DSA_BYTE + 1, b.len - DSA_BYTE - 1);
    b.len--;
    cz_mtt *old = reload_bytes(&b);
    cr_assert_eq(cz_mtt_config_of(old)->dsa, CZ_DSA_OFF);
    run(old, 3);
    uint8_t d1[32], d2[32];
    digest(old, d1);
    digest(ref, d2);
    cr_assert_eq(memcmp(d1, d2, 32), 0, "it continues as the run it was");
    b.data[4] = 1;
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_mtt *bad = NULL;
    cr_assert_eq(cz_mtt_deserialize(&rd, data, experts, cz_backend_cpu(), &bad, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "versions 2..3"), "%s", err.msg);
    cz_bytes_free(&b);
    cz_mtt_free(&r);
    cz_mtt_free(&ref);
    cz_mtt_free(&old);
}

Test(mtt_dsa, evaluation_trains_with_dsa_on_images)
{
    cz_mtt_config c = small(CZ_DSA_AUTO);
    cz_mtt *r = start(&c);
    run(r, 2);
    cz_synthetic *s = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_synthetic(r, &s, &err), CZ_OK);
    cz_model_spec spec = image_fixture_spec(data);
    cz_eval_opts o = cz_eval_opts_default();
    o.models = 1;
    o.epochs = 6;
    o.archs = &spec;
    o.arch_count = 1;
    cz_eval_result *on = NULL, *again = NULL, *off = NULL;
    cr_assert_eq(cz_evaluate_synthetic(s, data, &o, cz_backend_cpu(), &on, &err), CZ_OK, "%s",
                 err.msg);
    cr_assert_eq(cz_evaluate_synthetic(s, data, &o, cz_backend_cpu(), &again, &err), CZ_OK);
    o.dsa = CZ_DSA_OFF;
    cr_assert_eq(cz_evaluate_synthetic(s, data, &o, cz_backend_cpu(), &off, &err), CZ_OK);
    cr_assert_eq(on->dsa, 1);
    cr_assert_eq(off->dsa, 0);
    uint8_t d1[32], d2[32], d3[32];
    cr_assert_eq(cz_eval_result_digest(on, d1, &err), CZ_OK);
    cr_assert_eq(cz_eval_result_digest(again, d2, &err), CZ_OK);
    cr_assert_eq(cz_eval_result_digest(off, d3, &err), CZ_OK);
    cr_assert_eq(memcmp(d1, d2, 32), 0, "evaluation with DSA is deterministic");
    cr_assert_neq(memcmp(d1, d3, 32), 0, "and differs from evaluation without it");
    cz_bytes b = {0};
    cr_assert_eq(cz_eval_result_serialize(on, &b, &err), CZ_OK);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_eval_result *back = NULL;
    cr_assert_eq(cz_eval_result_deserialize(&rd, &back, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(back->dsa, 1, "the result records that it trained with DSA");
    cz_eval_result_free(&back);
    cz_bytes_free(&b);
    cz_eval_result_free(&on);
    cz_eval_result_free(&again);
    cz_eval_result_free(&off);
    cz_synthetic_free(&s);
    cz_mtt_free(&r);
}
