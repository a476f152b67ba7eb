/* checkpoint/run.c for distillation through a generative prior (run record
 * kind 2) on a BreastMNIST cut with a tiny prior: a run autosaved every K
 * iterations and interrupted, or killed with SIGKILL in a child process,
 * resumes from its file alone to the uninterrupted run's state bit for bit
 * (G fixed against experts; G learned against Bézier curves); the file
 * holds none of the prior's weights in the clear; a record whose prior is
 * not the one the state was made with is refused naming it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../engine/prior/image_fixture.h"
#include "ckpt_test_util.h"
#include "methods/bezier_experts.h"
#include "methods/btm.h"

static cz_dataset *data;
static cz_experts *experts;
static cz_surrogate *curves;
static cz_prior *prior;
static const char *dir;

static cz_prior *train_prior(uint64_t seed)
{
    cz_prior_opts o = cz_prior_opts_default();
    o.latent = 4;
    o.base = 8;
    o.hidden = 16;
    o.epochs = 2;
    o.batch = 8;
    o.seed = seed;
    cz_prior *p = NULL;
    cz_error err;
    cr_assert_eq(cz_prior_train(data, &o, cz_backend_cpu(), NULL, NULL, NULL, &p, &err), CZ_OK,
                 "%s", err.msg);
    return p;
}

static void setup(void)
{
    data = image_fixture_load(12);
    experts = image_fixture_experts(data, CZ_DSA_AUTO);
    cz_bezier_opts bo = cz_bezier_opts_default();
    bo.epochs = 2;
    cz_error err;
    cr_assert_eq(cz_bezier_fit_experts(experts, data, &bo, cz_backend_cpu(), &curves, &err),
                 CZ_OK, "%s", err.msg);
    prior = train_prior(1);
    dir = tmpdir_make();
}

static void teardown(void)
{
    tmpdir_remove(dir);
    cz_prior_free(&prior);
    cz_surrogate_free(&curves);
    cz_experts_free(&experts);
    cz_dataset_free(data);
}

TestSuite(run_prior, .init = setup, .fini = teardown, .timeout = 120);

/* A small prior run's settings; `learn_g` also steps G's weights. */
typedef struct plan {
    cz_mtt_config c;
    cz_latent_opts lo;
    int curves;
} plan;

static plan small(int64_t iterations, int use_curves, int learn_g)
{
    plan p;
    p.c = cz_prior_mtt_config_default();
    if (use_curves)
        p.c.truncate = cz_btm_config_default().truncate;
    p.c.ipc = 2;
    p.c.iterations = iterations;
    p.c.syn_steps = 3;
    p.c.batch_syn = 2;
    p.c.expert_epochs = 2;
    p.c.max_start_epoch = 2;
    p.c.seed = 7;
    p.lo = cz_prior_mtt_latent_default();
    p.lo.lr_w = 10;
    p.lo.lr_g = learn_g ? 0.01 : 0;
    p.curves = use_curves;
    return p;
}

static cz_match_source source_of(const plan *p)
{
    cz_match_source s = {0};
    if (p->curves)
        s.curves = curves;
    else
        s.experts = experts;
    return s;
}

static cz_prior_mtt *start(const plan *p)
{
    cz_match_source src = source_of(p);
    cz_prior_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_prior_mtt_new(data, &src, prior, &p->c, &p->lo, cz_backend_cpu(), &r, &err),
                 CZ_OK, "%s (%s)", err.msg, err.hint);
    return r;
}

static cz_prior_mtt *straight(const plan *p)
{
    cz_prior_mtt *r = start(p);
    cz_error err;
    cr_assert_eq(cz_prior_mtt_step(r, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    return r;
}

/* Runs p with autosave every `every` into path; returns the step status. */
static cz_status distill(const plan *p, const char *path, ckpt_key *key, int64_t every,
                         cz_progress_fn progress, void *user)
{
    cz_error err;
    ckpt_autosave *as = ckpt_autosave_new(path, key, every, NULL, &err);
    cr_assert_not_null(as, "%s", err.msg);
    cz_prior_mtt *r = start(p);
    cz_match_source src = source_of(p);
    ckpt_run run = ckpt_run_view_prior(r, prior, data, &src, every);
    cz_status st = ckpt_run_distill(&run, as, NULL, progress, user, &err);
    ckpt_autosave_free(&as);
    cz_prior_mtt_free(&r);
    return st;
}

/* Loads the autosave and runs it to its end (with a fresh autosave). */
static ckpt_run *resume(const char *path, ckpt_key *key)
{
    cz_error err;
    ckpt_run *run = ckpt_run_load(path, key, cz_backend_cpu(), NULL, &err);
    cr_assert_not_null(run, "%s (%s)", err.msg, err.hint);
    cr_assert_not_null(run->prior_run, "the record holds a prior run");
    cr_assert_null(run->mtt);
    ckpt_autosave *as = ckpt_autosave_new(path, key, run->every, NULL, &err);
    cr_assert_not_null(as);
    cr_assert_eq(ckpt_run_distill(run, as, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    ckpt_autosave_free(&as);
    return run;
}

static int64_t iteration_of(const ckpt_run *run)
{
    cz_mtt_info info;
    ckpt_run_info(run, &info);
    return info.iteration;
}

/* Equal run states (codes, G, rate, RNG, history: the digest covers them
 * all) and equal synthetic sets, byte for byte. */
static void assert_equal_to(const cz_prior_mtt *ref, const ckpt_run *back)
{
    cz_error err;
    uint8_t a[32], b[32];
    cr_assert_eq(cz_prior_mtt_digest(ref, a, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(ckpt_run_digest(back, b, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(memcmp(a, b, 32), 0, "the resumed run's state differs from the straight run's");
    cz_synthetic *sa = NULL, *sb = NULL;
    cr_assert_eq(cz_prior_mtt_synthetic(ref, &sa, &err), CZ_OK);
    cr_assert_eq(ckpt_run_synthetic(back, &sb, &err), CZ_OK);
    cr_assert_str_eq(sb->method, "prior");
    cr_assert_eq(sa->rows, sb->rows);
    cr_assert_eq(memcmp(sa->x, sb->x, sa->rows * sa->features * sizeof *sa->x), 0,
                 "the synthetic images differ");
    cr_assert_eq(sa->lr, sb->lr, "the learned rates differ");
    uint8_t da[32], db[32];
    cr_assert_eq(cz_synthetic_digest(sa, da, &err), CZ_OK);
    cr_assert_eq(cz_synthetic_digest(sb, db, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0, "the synthetic sets' digests differ");
    cz_synthetic_free(&sa);
    cz_synthetic_free(&sb);
}

/* Interrupts after `stop_at` iterations (a progress callback saying stop). */
static int stop_after(const cz_progress *p, void *user)
{
    return p->step >= *(const int64_t *)user;
}

static void check_interrupt_resume(const plan *p, const char *name)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, name);
    int64_t stop_at = 5;
    cr_assert_eq(distill(p, path, key, 4, stop_after, &stop_at), CZ_EINTERRUPTED);
    cz_error err;
    ckpt_run *mid = ckpt_run_load(path, key, NULL, NULL, &err);
    cr_assert_not_null(mid, "%s", err.msg);
    cr_assert_eq(iteration_of(mid), 5, "the interrupt saved its iteration");
    cr_assert_str_eq(ckpt_run_method(mid), "prior");
    ckpt_run_free(&mid);
    ckpt_run *back = resume(path, key);
    cz_prior_mtt *ref = straight(p);
    cr_assert_eq(iteration_of(back), p->c.iterations);
    assert_equal_to(ref, back);
    ckpt_run_free(&back);
    cz_prior_mtt_free(&ref);
    ckpt_key_free(&key);
}

Test(run_prior, interrupted_with_g_fixed_resumes_bit_for_bit)
{
    plan p = small(9, 0, 0);
    check_interrupt_resume(&p, "fixed.cdz");
}

Test(run_prior, btm_with_g_learned_resumes_bit_for_bit)
{
    plan p = small(9, 1, 1);
    check_interrupt_resume(&p, "learned.cdz");
}

/* The child's pace: slow enough that the parent sees autosaves mid-run. */
static int slow(const cz_progress *p, void *user)
{
    (void)user;
    (void)p;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 0;
}

Test(run_prior, killed_with_sigkill_after_autosaves_resumes_bit_for_bit)
{
    plan p = small(30, 0, 1);
    const char *path = in_dir(dir, "kill.cdz");
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        ckpt_key *key = test_key(TEST_PASS);
        cz_status st = distill(&p, path, key, 2, slow, NULL);
        _exit(st == CZ_OK ? 0 : 1);
    }
    ckpt_key *key = test_key(TEST_PASS);
    /* Wait for an autosave at iteration >= 6, then kill without warning. */
    int64_t seen = -1;
    for (int tries = 0; tries < 3000 && seen < 6; tries++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        cz_error err;
        ckpt_run *peek = access(path, F_OK) == 0 ? ckpt_run_load(path, key, NULL, NULL, &err) : NULL;
        if (peek)
            seen = iteration_of(peek);
        ckpt_run_free(&peek);
    }
    kill(child, SIGKILL);
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child finished before it was killed (status %d)", status);
    cr_assert_geq(seen, 6, "no autosave appeared");
    ckpt_run *back = resume(path, key);
    cz_prior_mtt *ref = straight(&p);
    cr_assert_eq(iteration_of(back), 30);
    assert_equal_to(ref, back);
    ckpt_run_free(&back);
    cz_prior_mtt_free(&ref);
    ckpt_key_free(&key);
}

/* Nonzero when `needle` occurs in the n bytes of hay. */
static int contains(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return 1;
    return 0;
}

Test(run_prior, the_file_carries_the_prior_encrypted_and_decodes_it_equal)
{
    plan p = small(4, 0, 0);
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "plain.cdz");
    cr_assert_eq(distill(&p, path, key, 2, NULL, NULL), CZ_OK);
    size_t n = 0;
    uint8_t *bytes = read_file(path, &n);
    cr_assert_not_null(bytes);
    /* 64 bytes of G's weights, of the codes' record and of the images. */
    cr_assert_not(contains(bytes, n, cz_prior_theta(prior), 64), "G's weights are in the clear");
    cz_error err;
    ckpt_run *run = ckpt_run_load(path, key, NULL, NULL, &err);
    cr_assert_not_null(run, "%s", err.msg);
    const cz_latent *lat = cz_prior_mtt_latent(run->prior_run);
    cr_assert_not(contains(bytes, n, cz_latent_codes(lat), 4 * sizeof(cz_real)),
                  "the codes are in the clear");
    const cz_real *x = cz_mtt_x(cz_prior_mtt_run(run->prior_run));
    cr_assert_not(contains(bytes, n, x, 16 * sizeof(cz_real)), "the images are in the clear");
    /* The decoded prior is the one the run used. */
    uint8_t a[32], b[32];
    cr_assert_eq(cz_prior_digest(prior, a, &err), CZ_OK);
    cr_assert_eq(cz_prior_digest(run->prior, b, &err), CZ_OK);
    cr_assert_eq(memcmp(a, b, 32), 0);
    cr_assert_eq(iteration_of(run), 4);
    ckpt_run_free(&run);
    free(bytes);
    ckpt_key_free(&key);
}

Test(run_prior, a_record_whose_prior_is_another_is_refused_naming_it)
{
    plan p = small(2, 0, 0);
    cz_prior_mtt *r = straight(&p);
    cz_error err;
    cz_bytes state = {0}, whole = {0}, parts = {0}, wrong = {0};
    cr_assert_eq(cz_prior_mtt_serialize(r, &state, &err), CZ_OK);
    cz_match_source src = source_of(&p);
    /* From parts it is the record of the run itself... */
    ckpt_run view = ckpt_run_view_prior(r, prior, data, &src, 3);
    cr_assert_eq(ckpt_run_encode(&view, &whole, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(ckpt_run_encode_parts(data, &src, prior, state.data, state.len, 3, NULL, &parts,
                                       &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_eq(whole.len, parts.len);
    cr_assert_eq(memcmp(whole.data, parts.data, whole.len), 0);
    ckpt_run *back = NULL;
    cr_assert_eq(ckpt_run_decode(parts.data, parts.len, NULL, &back, &err), CZ_OK, "%s", err.msg);
    cr_assert_str_eq(ckpt_run_method(back), "prior");
    assert_equal_to(r, back);
    ckpt_run_free(&back);
    /* ...and with another prior it is refused, naming the prior. */
    cz_prior *other = train_prior(2);
    cr_assert_eq(ckpt_run_encode_parts(data, &src, other, state.data, state.len, 3, NULL, &wrong,
                                       &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_neq(ckpt_run_decode(wrong.data, wrong.len, NULL, &back, &err), CZ_OK);
    cr_assert_null(back);
    cr_assert_eq(err.code, CZ_EINVAL, "%s: %s", cz_status_name(err.code), err.msg);
    cr_assert(strstr(err.msg, "prior"), "%s", err.msg);
    cz_prior_free(&other);
    cz_bytes_free(&wrong);
    cz_bytes_free(&parts);
    cz_bytes_free(&whole);
    cz_bytes_free(&state);
    cz_prior_mtt_free(&r);
}
