/* dc.prior and the prior object driven through a cell host, on the bundled
 * BreastMNIST images with a tiny VAE (latent 4, base 8, 2 epochs): :info()
 * keys and a digest that a retrain with the same seed reproduces, the rich
 * display (text/plain, text/html, image/png samples), :interpolate, tabular
 * data refused, option errors that say what is wrong, and an interrupt that
 * stops training. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "test_paths.h"

#define TINY "{latent = 4, base = 8, hidden = 16, epochs = 2, batch = 64, seed = 1}"

TestSuite(prior, .timeout = 120);

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
    cr_expect_str_eq(r.ename ? r.ename : "", ename, "%s: %s", code, r.evalue ? r.evalue : "");
    cr_expect(r.evalue && strstr(r.evalue, fragment), "%s: \"%s\" lacks \"%s\"", code,
              r.evalue ? r.evalue : "", fragment);
    cellhost_result_clear(&r);
}

/* A host with `img` = BreastMNIST loaded. */
static cellhost *image_host(capture *c)
{
    cellhost *h = capture_host(c, true);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/breastmnist.npz");
    snprintf(code, sizeof code, "img = dc.load_npz(\"%s\")", path);
    expect_ok(h, code);
    return h;
}

Test(prior, trains_and_reports_its_info)
{
    capture c;
    cellhost *h = image_host(&c);
    size_t before = json_array_size(c.displays);
    expect_ok(h, "p = dc.prior(img, " TINY ")");
    cr_expect_gt(json_array_size(c.displays), before, "a progress bar was shown");
    expect_ok(h, "i = p:info()");
    expect_true(h, "i.kind == 'prior'");
    expect_true(h, "#i.digest == 64 and i.digest:match('^[0-9a-f]+$') ~= nil");
    expect_true(h, "i.latent == 4 and i.base == 8 and i.hidden == 16 and i.epochs == 2");
    expect_true(h, "i.conditional == true and i.classes == 2");
    expect_true(h, "i.shape[1] == 1 and i.shape[2] == 28 and i.shape[3] == 28");
    expect_true(h, "#i.loss_history == 2 and #i.rmse_history == 2");
    expect_true(h, "i.loss == i.loss_history[2] and i.rmse == i.rmse_history[2]");
    expect_true(h, "i.rmse > 0 and i.rmse < 1 and i.loss == i.loss");
    expect_true(h, "i.params > 0 and i.generator:find('1x28x28', 1, true) ~= nil");
    /* the digest is the content's: stable, and reproduced by the same training */
    expect_true(h, "p:info().digest == i.digest");
    expect_ok(h, "q = dc.prior(img, " TINY ")");
    expect_true(h, "q:info().digest == i.digest");
    expect_ok(h, "r = dc.prior(img, {latent = 4, base = 8, hidden = 16, epochs = 2, seed = 2})");
    expect_true(h, "r:info().digest ~= i.digest");
    capture_free(&c, &h);
}

Test(prior, shows_samples_as_png)
{
    capture c;
    cellhost *h = image_host(&c);
    expect_ok(h, "p = dc.prior(img, " TINY ")");
    cellhost_result r = capture_run(h, "p");
    cr_assert(r.ok);
    const char *png = json_string_value(json_object_get(r.data, "image/png"));
    const char *html = json_string_value(json_object_get(r.data, "text/html"));
    const char *text = json_string_value(json_object_get(r.data, "text/plain"));
    cr_assert_not_null(png, "the samples are an image/png");
    cr_expect(strncmp(png, "iVBORw0KGgo", 11) == 0, "base64 of a PNG signature: %.16s", png);
    cr_assert_not_null(html);
    cr_expect(strstr(html, "Samples") && strstr(html, "data:image/png;base64,"), "%s", html);
    cr_expect(strstr(html, "Reconstruction RMSE per epoch") != NULL);
    cr_assert_not_null(text);
    cr_expect(strstr(text, "prior: conditional VAE, latent 4") && strstr(text, "2 epochs"), "%s",
              text);
    /* the display is deterministic: the same samples every time (png is
     * r's, so r stays alive until the comparison) */
    cellhost_result r2 = capture_run(h, "p");
    cr_assert(r2.ok);
    cr_expect_str_eq(json_string_value(json_object_get(r2.data, "image/png")), png);
    cellhost_result_clear(&r2);
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}

Test(prior, interpolates_between_two_codes)
{
    capture c;
    cellhost *h = image_host(&c);
    expect_ok(h, "p = dc.prior(img, " TINY ")");
    expect_ok(h, "s = p:interpolate{class = 1, steps = 5, seed = 3}");
    expect_true(h, "s.steps == 5 and s.from == 'real' and s.class == 1");
    expect_true(h, "s.first ~= s.last and s.png:sub(2, 4) == 'PNG'");
    expect_true(h, "tostring(s):find('between the codes of training images', 1, true) ~= nil");
    cellhost_result r = capture_run(h, "s");
    cr_assert(r.ok);
    cr_expect_not_null(json_object_get(r.data, "image/png"));
    cr_expect_not_null(json_object_get(r.data, "text/plain"));
    cellhost_result_clear(&r);
    expect_ok(h, "u = p:interpolate{from = 'random', steps = 3}");
    expect_true(h, "u.from == 'random' and u.first == nil and u.class == 0");
    /* the same seed gives the same picture; another seed another */
    expect_true(h, "p:interpolate{class = 1, steps = 5, seed = 3}.png == s.png");
    expect_true(h, "p:interpolate{class = 1, steps = 5, seed = 4}.png ~= s.png");
    expect_error(h, "p:interpolate{class = 2}", "ValueError", "class");
    expect_error(h, "p:interpolate{steps = 1}", "ValueError", "steps");
    expect_error(h, "p:interpolate{step = 4}", "ValueError", "did you mean \"steps\"");
    expect_error(h, "p:interpolate{from = 'fake'}", "ValueError", "real");
    expect_error(h, "p:interpolate{class = 'benign'}", "ValueError", "no class is named");
    capture_free(&c, &h);
}

Test(prior, tabular_data_and_bad_options_are_refused)
{
    capture c;
    cellhost *h = image_host(&c);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/pima.csv");
    snprintf(code, sizeof code, "tab = dc.load_csv(\"%s\")", path);
    expect_ok(h, code);
    expect_error(h, "dc.prior(tab)", "ValueError", "dataset \"pima\" is tabular (8 features)");
    cellhost_result r = capture_run(h, "dc.prior(tab)");
    char *tb = json_dumps(r.traceback, 0);
    cr_expect(tb && strstr(tb, "load images with dc.load_npz"), "the hint: %s", tb ? tb : "");
    free(tb);
    cellhost_result_clear(&r);
    expect_error(h, "dc.prior(42)", "ValueError", "argument 1 must be a dataset, got a number");
    expect_error(h, "dc.prior(img, {epoch = 2})", "ValueError",
                 "dc.prior: unknown option \"epoch\"; did you mean \"epochs\"?");
    expect_error(h, "dc.prior(img, {latnet = 2})", "ValueError", "known options: base, batch");
    expect_error(h, "dc.prior(img, {latent = 0})", "ValueError", "latent");
    expect_error(h, "dc.prior(img, {base = 2})", "ValueError", "base");
    expect_error(h, "dc.prior(img, {lr = -1})", "ValueError", "lr");
    expect_error(h, "dc.prior(img, {sigma = 0})", "ValueError", "sigma");
    expect_error(h, "dc.prior(img, {epochs = 'ten'})", "ValueError", "epochs");
    expect_error(h, "dc.prior(img, {conditional = 'yes'})", "ValueError", "conditional");
    /* the session is unharmed */
    expect_true(h, "img:info().classes == 2 and tab:info().rows.train == 538");
    capture_free(&c, &h);
}

typedef struct delayed_cancel {
    cz_cancel *token;
    unsigned ms;
} delayed_cancel;

static void *cancel_later(void *arg)
{
    delayed_cancel *d = arg;
    usleep(d->ms * 1000);
    cz_cancel_request(d->token);
    return NULL;
}

Test(prior, an_interrupt_stops_training)
{
    capture c;
    cellhost *h = image_host(&c);
    delayed_cancel d = {cellhost_cancel(h), 300};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &d);
    cellhost_result r = capture_run(h, "p = dc.prior(img, {latent = 4, base = 8, hidden = 16, "
                                       "epochs = 100000})");
    pthread_join(t, NULL);
    cr_expect_not(r.ok);
    cr_expect_str_eq(r.ename ? r.ename : "", "KeyboardInterrupt");
    cellhost_result_clear(&r);
    cz_cancel_reset(cellhost_cancel(h));
    expect_true(h, "p == nil");
    expect_ok(h, "p = dc.prior(img, {latent = 4, base = 8, hidden = 16, epochs = 1})");
    expect_true(h, "p:info().epochs == 1");
    capture_free(&c, &h);
}

Test(prior, distills_through_the_prior)
{
    capture c;
    cellhost *h = image_host(&c);
    expect_ok(h, "p = dc.prior(img, " TINY ")");
    expect_ok(h, "ex = dc.experts(img, {count = 1, epochs = 2, model = {arch = 'convnet', "
                 "width = 4, depth = 2}})");
    expect_ok(h, "syn = dc.distill(img, {method = 'prior', prior = p, experts = ex, ipc = 2, "
                 "iterations = 3, syn_steps = 2, expert_epochs = 1, lr_w = 10})");
    expect_ok(h, "s = syn:info()");
    expect_true(h, "s.kind == 'synthetic' and s.method == 'prior' and s.ipc == 2");
    expect_true(h, "s.rows == 4 and s.classes == 2 and s.features == 28 * 28");
    expect_true(h, "s.iterations == 3 and #s.loss_history == 3 and s.lr > 0");
    cellhost_result r = capture_run(h, "syn");
    cr_assert(r.ok);
    const char *html = json_string_value(json_object_get(r.data, "text/html"));
    cr_expect(html && strstr(html, "Synthetic images"), "the set shows as an image grid");
    cellhost_result_clear(&r);
    /* deterministic: the same call gives the same set; learning G too changes it */
    expect_true(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, ipc = 2, "
                   "iterations = 3, syn_steps = 2, expert_epochs = 1, lr_w = 10}):info().digest "
                   "== s.digest");
    expect_true(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, ipc = 2, "
                   "iterations = 3, syn_steps = 2, expert_epochs = 1, lr_w = 10, lr_g = 0.01})"
                   ":info().digest ~= s.digest");
    /* the evaluation takes it like any synthetic set */
    expect_ok(h, "res = dc.evaluate(syn, img, {models = 1, epochs = 2, arch = {arch = 'convnet', "
                 "width = 4, depth = 2}})");
    expect_true(h, "res:info().auroc == res:info().auroc");
    capture_free(&c, &h);
}

Test(prior, distill_prior_options_are_checked)
{
    capture c;
    cellhost *h = image_host(&c);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/pima.csv");
    snprintf(code, sizeof code, "tab = dc.load_csv(\"%s\")", path);
    expect_ok(h, code);
    expect_ok(h, "p = dc.prior(img, " TINY ")");
    expect_ok(h, "ex = dc.experts(img, {count = 1, epochs = 2, model = {arch = 'convnet', "
                 "width = 4, depth = 2}})");
    expect_error(h, "dc.distill(img, {method = 'prior', experts = ex})", "ValueError",
                 "needs prior = a generative prior");
    expect_error(h, "dc.distill(img, {method = 'prior', prior = ex, experts = ex})", "ValueError",
                 "must be a generative prior, got an expert set");
    expect_error(h, "dc.distill(img, {method = 'prior', prior = p})", "ValueError",
                 "needs experts = an expert set (or surrogate");
    expect_error(h, "dc.distill(tab, {method = 'prior', prior = p, experts = ex})", "ValueError",
                 "is tabular");
    expect_error(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, lr_img = 10})",
                 "ValueError", "option \"lr_img\" does not apply to method \"prior\"");
    expect_error(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, lr_w = -1})",
                 "ValueError", "lr_w");
    expect_error(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, lr_wz = 1})",
                 "ValueError", "did you mean \"lr_w\"");
    expect_error(h, "dc.distill(img, {method = 'mtt', experts = ex, lr_w = 1})", "ValueError",
                 "option \"lr_w\" does not apply to method \"mtt\" (it is used by: prior)");
    /* autosaving prior runs (tests/kernel/test_checkpoint.c) takes the same options */
    expect_error(h, "dc.distill(img, {method = 'prior', prior = p, experts = ex, every = 3})",
                 "ValueError", "no checkpoint path is given");
    /* an unconditional prior drives the run as well */
    expect_ok(h, "p1 = dc.prior(img, {latent = 4, base = 8, hidden = 16, epochs = 1, "
                 "conditional = false})");
    expect_ok(h, "syn = dc.distill(img, {method = 'prior', prior = p1, experts = ex, ipc = 1, "
                 "iterations = 1, syn_steps = 1, expert_epochs = 1})");
    expect_true(h, "syn:info().rows == 2");
    capture_free(&c, &h);
}
