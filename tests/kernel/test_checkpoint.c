/* dc.key, dc.save, dc.load, dc.resume and the autosave of dc.distill, driven
 * through a cell host on notebooks/data/pima.csv with tiny settings: the
 * passphrase goes through the password prompt and never reaches an output
 * stream; saved objects load with equal digests; the wrong key is refused
 * and the right one still works; a distillation interrupted after autosaves
 * resumes to the digest of an uninterrupted run, in pixels (mtt) and through
 * a generative prior (BreastMNIST, a tiny prior); an autosave that failed is
 * written by the shutdown hook when the kernel stops. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "test_paths.h"

#define PASS_A "open sesame, said the notebook"
#define PASS_B "a different passphrase entirely"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/cz_kckpt_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("CZ_TEST_KEY_A", PASS_A, 1);
    setenv("CZ_TEST_KEY_B", PASS_B, 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(checkpoint, .init = setup, .fini = teardown, .timeout = 120);

static cellhost *pima_host(capture *c)
{
    cellhost *h = capture_host(c, true);
    char path[1024], code[1400];
    CZ_SOURCE_PATH(path, "notebooks/data/pima.csv");
    snprintf(code, sizeof code, "data = dc.load_csv('%s'); dir = '%s'", path, dir);
    cellhost_result r = capture_run(h, code);
    cr_assert(r.ok, "load failed: %s: %s", r.ename, r.evalue ? r.evalue : "");
    cellhost_result_clear(&r);
    return h;
}

static void expect_ok(cellhost *h, const char *code)
{
    cellhost_result r = capture_run(h, code);
    cr_assert(r.ok, "%s failed: %s: %s", code, r.ename, r.evalue ? r.evalue : "");
    cellhost_result_clear(&r);
}

static void expect_true(cellhost *h, const char *expr)
{
    char code[2048], v[256];
    snprintf(code, sizeof code, "return tostring(%s)", expr);
    cr_expect_str_eq(capture_value(h, code, v, sizeof v), "true", "%s", expr);
}

static void expect_error(cellhost *h, const char *code, const char *ename, const char *fragment)
{
    cellhost_result r = capture_run(h, code);
    cr_expect_not(r.ok, "%s should fail", code);
    cr_expect_str_eq(r.ename, ename, "%s: %s", code, r.evalue ? r.evalue : "");
    cr_expect(r.evalue && strstr(r.evalue, fragment), "%s: \"%s\" lacks \"%s\"", code,
              r.evalue ? r.evalue : "", fragment);
    cellhost_result_clear(&r);
}

Test(checkpoint, without_a_key_every_call_says_how_to_set_one)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_error(h, "dc.save(dir .. '/a.cdz', {data = data})", "StateError",
                 "no checkpoint key is set");
    expect_error(h, "dc.load(dir .. '/a.cdz')", "StateError", "no checkpoint key is set");
    expect_error(h, "dc.resume(dir .. '/a.cdz')", "StateError", "no checkpoint key is set");
    expect_error(h, "dc.key{envv = 'X'}", "ValueError", "did you mean \"env\"");
    expect_error(h, "dc.key{env = 'CZ_TEST_KEY_UNSET_ANYWHERE'}", "ValueError",
                 "CZ_TEST_KEY_UNSET_ANYWHERE");
    capture_free(&c, &h);
}

Test(checkpoint, the_prompt_asks_in_password_mode_and_never_shows_the_passphrase)
{
    capture c;
    cellhost *h = pima_host(&c);
    c.inputs[0] = PASS_A;
    c.n_inputs = 1;
    char v[256];
    capture_value(h, "return dc.key{}", v, sizeof v);
    cr_expect_eq(c.last_password, 1, "the prompt was not in password mode");
    cr_expect(strstr(c.last_prompt, "passphrase") != NULL, "%s", c.last_prompt);
    cr_expect_null(strstr(v, "sesame"), "the key's description shows the passphrase: %s", v);
    expect_ok(h, "print(dc.key)");
    expect_ok(h, "dc.save(dir .. '/p.cdz', {data = data})");
    cr_expect_null(strstr(c.out, "sesame"));
    cr_expect_null(strstr(c.err, "sesame"));
    /* The same passphrase from the environment opens the file. */
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_true(h, "dc.load(dir .. '/p.cdz').data:info().digest == data:info().digest");
    capture_free(&c, &h);
}

Test(checkpoint, saved_objects_load_exactly_and_the_wrong_key_is_refused)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 4, model = {width = 16}})");
    expect_ok(h, "cv = dc.bezier(ex, {epochs = 2})");
    expect_ok(h, "syn = dc.distill(data, {method = 'random', ipc = 3})");
    expect_ok(h, "res = dc.evaluate(syn, data, {models = 1, epochs = 3})");
    expect_ok(h, "msg = dc.save(dir .. '/all.cdz', {data = data, ex = ex, cv = cv, syn = syn, "
                 "res = res})");
    expect_true(h, "msg:find('saved 5 objects') ~= nil");
    expect_ok(h, "t = dc.load(dir .. '/all.cdz')");
    expect_true(h, "t.data:info().digest == data:info().digest");
    expect_true(h, "t.ex:info().digest == ex:info().digest");
    expect_true(h, "t.cv:info().digest == cv:info().digest");
    expect_true(h, "t.syn:info().digest == syn:info().digest");
    expect_true(h, "t.res:info().digest == res:info().digest");
    expect_true(h, "t.ex:info().kind == 'experts' and t.res:info().auroc == res:info().auroc");
    /* The loaded experts keep their dataset: dc.bezier fits on it. */
    expect_true(h, "dc.bezier(t.ex, {epochs = 2}):info().digest == cv:info().digest");
    expect_error(h, "dc.save(dir .. '/x.cdz', {n = 3})", "ValueError", "not an engine object");
    expect_error(h, "dc.save(dir .. '/x.cdz', {})", "ValueError", "nothing to save");
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_B'}");
    expect_error(h, "dc.load(dir .. '/all.cdz')", "AuthError", "wrong key");
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_true(h, "dc.load(dir .. '/all.cdz').syn:info().digest == syn:info().digest");
    expect_error(h, "dc.resume(dir .. '/all.cdz')", "ValueError", "no distillation run");
    capture_free(&c, &h);
}

typedef struct cancel_when_saved {
    cz_cancel *token;
    char path[128];
} cancel_when_saved;

/* Interrupts the running cell once the first autosave is on disk. */
static void *cancel_after_save(void *arg)
{
    cancel_when_saved *w = arg;
    for (int i = 0; i < 20000 && access(w->path, F_OK) != 0; i++)
        usleep(1000);
    usleep(20 * 1000);
    cz_cancel_request(w->token);
    return NULL;
}

/* Interrupts the cell running `code` once `file` (in dir) appears. */
static void run_until_autosaved(cellhost *h, const char *file, const char *code)
{
    cancel_when_saved w = {cellhost_cancel(h), ""};
    snprintf(w.path, sizeof w.path, "%s/%s", dir, file);
    pthread_t t;
    pthread_create(&t, NULL, cancel_after_save, &w);
    cellhost_result r = capture_run(h, code);
    pthread_join(t, NULL);
    cr_assert_not(r.ok, "the run ended before the interrupt");
    cr_assert_str_eq(r.ename, "KeyboardInterrupt");
    cellhost_result_clear(&r);
    cz_cancel_reset(cellhost_cancel(h));
}

#define RUN_OPTS "method = 'mtt', experts = ex, ipc = 3, iterations = 400, syn_steps = 5, " \
                 "expert_epochs = 2, seed = 4"

Test(checkpoint, a_prior_round_trips_with_its_dataset)
{
    capture c;
    cellhost *h = pima_host(&c);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/breastmnist.npz");
    snprintf(code, sizeof code, "img = dc.load_npz('%s')", path);
    expect_ok(h, code);
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_ok(h, "p = dc.prior(img, {latent = 4, base = 8, hidden = 16, epochs = 2, seed = 5})");
    expect_ok(h, "dc.save(dir .. '/prior.cdz', {img = img, p = p})");
    expect_ok(h, "t = dc.load(dir .. '/prior.cdz')");
    expect_true(h, "t.p:info().kind == 'prior' and t.p:info().digest == p:info().digest");
    expect_true(h, "t.p:info().rmse == p:info().rmse and #t.p:info().loss_history == 2");
    /* the loaded prior keeps the loaded images: interpolating from real ones works and
     * draws what the original draws */
    expect_true(h, "t.p:interpolate{class = 0, steps = 4}.png == p:interpolate{class = 0, "
                   "steps = 4}.png");
    /* alone in a file it loads too, and random interpolation needs no dataset */
    expect_ok(h, "dc.save(dir .. '/alone.cdz', {p = p})");
    expect_ok(h, "a = dc.load(dir .. '/alone.cdz').p");
    expect_true(h, "a:info().digest == p:info().digest");
    expect_true(h, "a:interpolate{from = 'random', steps = 3}.png:sub(2, 4) == 'PNG'");
    expect_error(h, "a:interpolate{steps = 3, from = 'real'}", "StateError", "no dataset");
    capture_free(&c, &h);
}

Test(checkpoint, an_interrupted_distillation_resumes_to_the_uninterrupted_digest)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {width = 16}})");
    run_until_autosaved(h, "run.cdz", "syn = dc.distill(data, {" RUN_OPTS ", checkpoint = dir .. "
                                      "'/run.cdz', every = 5})");
    expect_true(h, "dc.partial():info().iterations < 400");
    expect_true(h, "dc.load(dir .. '/run.cdz').run.every == 5");
    expect_ok(h, "back = dc.resume(dir .. '/run.cdz')");
    expect_ok(h, "ref = dc.distill(data, {" RUN_OPTS "})");
    expect_true(h, "back:info().iterations == 400");
    expect_true(h, "back:info().lr == ref:info().lr");
    expect_true(h, "back:info().digest == ref:info().digest");
    capture_free(&c, &h);
}

#define PRIOR_RUN_OPTS "method = 'prior', prior = p, experts = ex, ipc = 1, iterations = 300, " \
                       "syn_steps = 2, expert_epochs = 1, lr_w = 10, lr_g = 0.01, seed = 4"

/* A run through the prior (G learned too) autosaves a copy of the prior; an
 * interrupted one resumes from the file alone, after the prior, the experts
 * and the images are gone from the session, to the uninterrupted digest. */
Test(checkpoint, an_interrupted_prior_distillation_resumes_to_the_uninterrupted_digest)
{
    capture c;
    cellhost *h = pima_host(&c);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/breastmnist.npz");
    snprintf(code, sizeof code, "img = dc.load_npz('%s')", path);
    expect_ok(h, code);
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_ok(h, "p = dc.prior(img, {latent = 4, base = 8, hidden = 16, epochs = 1, seed = 5})");
    expect_ok(h, "ex = dc.experts(img, {count = 1, epochs = 2, model = {arch = 'convnet', "
                 "width = 4, depth = 2}})");
    run_until_autosaved(h, "prun.cdz", "syn = dc.distill(img, {" PRIOR_RUN_OPTS ", checkpoint = "
                                       "dir .. '/prun.cdz', every = 5})");
    expect_true(h, "dc.partial():info().iterations < 300");
    expect_true(h, "dc.partial():info().method == 'prior'");
    /* The file holds the run, saved at the interrupt with its period. */
    expect_ok(h, "t = dc.load(dir .. '/prun.cdz')");
    expect_true(h, "t.run.kind == 'run' and t.run.method == 'prior' and t.run.every == 5");
    expect_true(h, "t.run.iteration == dc.partial():info().iterations and t.run.planned == 300");
    expect_ok(h, "ref = dc.distill(img, {" PRIOR_RUN_OPTS "})");
    expect_ok(h, "ref_digest, ref_lr = ref:info().digest, ref:info().lr");
    /* Nothing of the session is needed: the file carries images, experts and prior. */
    expect_ok(h, "p, ex, img, ref, t = nil, nil, nil, nil, nil; collectgarbage()");
    expect_ok(h, "back = dc.resume(dir .. '/prun.cdz')");
    cr_expect(strstr(c.out, "prior run continues from iteration"), "%s", c.out);
    expect_true(h, "back:info().iterations == 300 and back:info().method == 'prior'");
    expect_true(h, "back:info().backend == 'cpu'");
    expect_true(h, "back:info().lr == ref_lr");
    expect_true(h, "back:info().digest == ref_digest");
    /* The last autosave is the end: resuming it again returns the same set. */
    expect_true(h, "dc.resume(dir .. '/prun.cdz'):info().digest == ref_digest");
    capture_free(&c, &h);
}

Test(checkpoint, an_autosave_that_failed_is_written_by_the_shutdown_hook)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "dc.key{env = 'CZ_TEST_KEY_A'}");
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {width = 16}})");
    expect_error(h, "dc.distill(data, {" RUN_OPTS ", checkpoint = dir .. '/later/run.cdz', "
                    "every = 5})",
                 "IOError", "later/run.cdz");
    char sub[128], file[160];
    snprintf(sub, sizeof sub, "%s/later", dir);
    snprintf(file, sizeof file, "%s/run.cdz", sub);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(shutdown_hooks_run(cellhost_shutdown_hooks(h), "SIGTERM"), 1);
    cr_assert_eq(access(file, F_OK), 0, "the shutdown hook wrote nothing");
    expect_ok(h, "back = dc.resume(dir .. '/later/run.cdz')");
    expect_ok(h, "ref = dc.distill(data, {" RUN_OPTS "})");
    expect_true(h, "back:info().digest == ref:info().digest");
    capture_free(&c, &h);
}
