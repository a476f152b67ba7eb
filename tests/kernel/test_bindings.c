/* The dc engine bindings driven through a cell host, on notebooks/data/pima.csv
 * with tiny settings: loading, :info() keys and values (rows as MANIFEST.md
 * says: 538/115/115), experts -> bezier -> distill -> evaluate end to end,
 * option errors, bad input, rich displays, interrupts. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "test_paths.h"

/* A host with `data` = pima loaded (the path comes from CZ_SOURCE_DIR). */
static cellhost *pima_host(capture *c)
{
    cellhost *h = capture_host(c, true);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/pima.csv");
    snprintf(code, sizeof code, "data = dc.load_csv(%s%s%s)", "\"", path, "\"");
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

/* A Lua expression that must be true. */
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

Test(bindings, dataset_info_matches_the_manifest)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "i = data:info()");
    expect_true(h, "i.kind == 'dataset'");
    expect_true(h, "#i.digest == 64 and i.digest:match('^[0-9a-f]+$') ~= nil");
    expect_true(h, "i.rows.train == 538 and i.rows.val == 115 and i.rows.test == 115");
    expect_true(h, "i.features == 8 and i.classes == 2");
    expect_true(h, "math.abs(i.prevalence[2] - 188 / 538) < 1e-12");
    expect_true(h, "math.abs(i.prevalence[1] + i.prevalence[2] - 1) < 1e-12");
    expect_true(h, "i.missing_rate > 0.05 and i.missing_rate < 0.2");
    expect_true(h, "data:info().digest == i.digest");
    capture_free(&c, &h);
}

Test(bindings, dataset_shows_html_tables)
{
    capture c;
    cellhost *h = pima_host(&c);
    cellhost_result r = capture_run(h, "data");
    cr_assert(r.ok);
    const char *html = json_string_value(json_object_get(r.data, "text/html"));
    const char *text = json_string_value(json_object_get(r.data, "text/plain"));
    cr_assert_not_null(html);
    cr_assert_not_null(text);
    cr_expect(strstr(html, "<table") && strstr(html, "538") && strstr(html, "glucose"), "%s", html);
    cr_expect(strstr(text, "train 538, val 115, test 115"), "%s", text);
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}

Test(bindings, unknown_options_list_the_known_ones)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_error(h, "dc.experts(data, {epoch = 2})", "ValueError",
                 "dc.experts: unknown option \"epoch\"; did you mean \"epochs\"?");
    expect_error(h, "dc.experts(data, {epoch = 2})", "ValueError",
                 "known options: batch, count, depth, epochs, lr, model, momentum, seed, width");
    expect_error(h, "dc.load_csv('x.csv', {lable = 'y'})", "ValueError", "did you mean \"label\"");
    expect_error(h, "dc.distill(data, {method = 'random', ipcc = 2})", "ValueError",
                 "did you mean \"ipc\"");
    expect_error(h, "dc.distill(data, {method = 'mtt', rho = 0.1})", "ValueError",
                 "option \"rho\" does not apply to method \"mtt\" (it is used by: satm)");
    expect_error(h, "dc.distill(data, {method = 'mtx'})", "ValueError", "\"mtt\"");
    expect_error(h, "dc.evaluate(data, data, {model = 3})", "ValueError", "unknown option \"model\"");
    expect_error(h, "dc.experts(data, {model = {arch = 'mlp', widht = 3}})", "ValueError",
                 "did you mean \"width\"");
    capture_free(&c, &h);
}

Test(bindings, bad_input_is_a_clear_error_and_the_state_survives)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_error(h, "dc.load_csv('/nonexistent/none.csv')", "IOError", "/nonexistent/none.csv");
    expect_error(h, "dc.experts(42)", "ValueError", "argument 1 must be a dataset, got a number");
    expect_error(h, "dc.experts(data, {count = 'eight'})", "ValueError", "count");
    expect_error(h, "dc.distill(data, {method = 'mtt'})", "ValueError", "needs experts");
    expect_error(h, "dc.distill(data, {method = 'random', ipc = 100000})", "ValueError", "ipc");
    expect_error(h, "dc.distill(data, {method = 'prior'})", "ValueError", "needs prior");
    expect_error(h, "dc.evaluate(data)", "ValueError", "argument 2 must be a dataset");
    expect_true(h, "data:info().rows.train == 538");
    capture_free(&c, &h);
}

Test(bindings, experts_distill_evaluate_end_to_end)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {arch = 'mlp', width = 16}})");
    expect_true(h, "ex:info().kind == 'experts' and ex:info().count == 2 and ex:info().epochs == 6");
    expect_true(h, "ex:info().params == 8 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2");
    expect_true(h, "ex:info().bytes >= 2 * 7 * ex:info().params * 4");
    expect_error(h, "dc.evaluate(ex, data)", "ValueError",
                 "dc.evaluate: argument 1 must be a synthetic set, got an expert set");
    expect_ok(h, "syn = dc.distill(data, {method = 'mtt', experts = ex, ipc = 5, iterations = 8, "
                 "syn_steps = 4, expert_epochs = 2, max_start_epoch = 3})");
    expect_ok(h, "s = syn:info()");
    expect_true(h, "s.kind == 'synthetic' and s.method == 'mtt' and s.ipc == 5");
    expect_true(h, "s.iterations == 8 and s.lr > 0 and s.backend == 'cpu'");
    expect_true(h, "s.loss == s.loss and #s.digest == 64");
    expect_ok(h, "res = dc.evaluate(syn, data, {models = 2, epochs = 20})");
    expect_ok(h, "r = res:info()");
    expect_true(h, "r.kind == 'result' and r.auroc > 0.5 and r.auroc <= 1");
    expect_true(h, "r.auroc_std >= 0 and r.auprc > 0 and r.balanced_accuracy > 0 and r.accuracy > 0");
    expect_true(h, "r.by_arch.mlp.auroc == r.auroc and r.by_arch.mlp.accuracy_std == r.accuracy_std");
    expect_ok(h, "up = dc.evaluate(data, data, {models = 1, epochs = 10}):info()");
    expect_true(h, "up.trained_on == 'real' and up.auroc > 0.7");
    /* every object shows text/html; progress bars were shown while they ran */
    const char *objects[] = {"ex", "syn", "res"};
    for (int i = 0; i < 3; i++) {
        cellhost_result r = capture_run(h, objects[i]);
        cr_assert(r.ok);
        cr_expect_not_null(json_object_get(r.data, "text/html"), "%s has no text/html", objects[i]);
        cr_expect_not_null(json_object_get(r.data, "text/plain"), "%s has no text/plain", objects[i]);
        cellhost_result_clear(&r);
    }
    cr_expect_gt(json_array_size(c.displays), 3, "progress bars were displayed");
    capture_free(&c, &h);
}

Test(bindings, bezier_then_btm_and_satm)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {width = 16}})");
    expect_ok(h, "curves = dc.bezier(ex, {epochs = 3})");
    expect_ok(h, "ci = curves:info()");
    expect_true(h, "ci.kind == 'surrogate' and ci.count == 2 and ci.params == ex:info().params");
    expect_true(h, "ci.bytes == 2 * 3 * ci.params * 4 and ci.trajectory_bytes == 2 * 7 * ci.params * 4");
    cellhost_result r = capture_run(h, "curves");
    cr_assert(r.ok);
    const char *html = json_string_value(json_object_get(r.data, "text/html"));
    cr_assert_not_null(html);
    cr_expect(strstr(html, "data:image/png;base64,") != NULL, "the loss profile chart is shown");
    cr_expect(strstr(html, "straight line") != NULL);
    cellhost_result_clear(&r);
    expect_error(h, "dc.distill(data, {method = 'btm', experts = ex})", "ValueError", "surrogate");
    expect_ok(h, "b = dc.distill(data, {method = 'btm', surrogate = curves, ipc = 3, iterations = 4, "
                 "syn_steps = 3, expert_epochs = 2})");
    expect_true(h, "b:info().method == 'btm' and b:info().iterations == 4");
    expect_ok(h, "s = dc.distill(data, {method = 'satm', experts = ex, ipc = 3, iterations = 3, "
                 "syn_steps = 3, expert_epochs = 2, rho = 0.05, sam = 'approx'})");
    expect_true(h, "s:info().method == 'satm' and s:info().iterations == 3");
    expect_error(h, "dc.distill(data, {method = 'mtt', experts = ex, checkpoint = 'x.cdz'})",
                 "StateError", "no checkpoint key");
    capture_free(&c, &h);
}

Test(bindings, baselines)
{
    capture c;
    cellhost *h = pima_host(&c);
    const char *cells[] = {
        "x = dc.distill(data, {method = 'random', ipc = 4, seed = 3})",
        "x = dc.distill(data, {method = 'herding', ipc = 4})",
        "x = dc.distill(data, {method = 'dm', ipc = 4, iterations = 3, model = {width = 8}})",
        "x = dc.distill(data, {method = 'dd', ipc = 4, iterations = 2, syn_steps = 2})",
    };
    const char *names[] = {"random", "herding", "dm", "dd"};
    for (int i = 0; i < 4; i++) {
        expect_ok(h, cells[i]);
        char expr[128];
        snprintf(expr, sizeof expr, "x:info().method == '%s' and x:info().rows == 8", names[i]);
        expect_true(h, expr);
        cellhost_result r = capture_run(h, "x");
        cr_assert(r.ok);
        const char *html = json_string_value(json_object_get(r.data, "text/html"));
        cr_expect(html && strstr(html, "original units") && strstr(html, "glucose"), "%s", names[i]);
        cellhost_result_clear(&r);
    }
    /* selections hold real rows: in original units glucose is a plausible value */
    expect_ok(h, "x = dc.distill(data, {method = 'random', ipc = 2})");
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

Test(bindings, interrupted_distill_keeps_its_partial_set)
{
    capture c;
    cellhost *h = pima_host(&c);
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {width = 16}})");
    expect_true(h, "dc.partial() == nil");
    delayed_cancel d = {cellhost_cancel(h), 400};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &d);
    cellhost_result r = capture_run(h, "syn = dc.distill(data, {method = 'mtt', experts = ex, "
                                       "ipc = 5, iterations = 1000000, syn_steps = 4, "
                                       "expert_epochs = 2})");
    pthread_join(t, NULL);
    cr_expect_not(r.ok);
    cr_expect_str_eq(r.ename, "KeyboardInterrupt");
    cellhost_result_clear(&r);
    cz_cancel_reset(cellhost_cancel(h));
    cr_expect(strstr(c.err, "dc.distill: interrupted after iteration") != NULL, "%s", c.err);
    cr_expect(strstr(c.err, "dc.partial()") != NULL, "%s", c.err);
    expect_true(h, "syn == nil");
    expect_ok(h, "p = dc.partial()");
    expect_true(h, "p:info().kind == 'synthetic' and p:info().iterations > 0");
    expect_true(h, "p:info().iterations < 1000000 and #p:info().loss_history == p:info().iterations");
    expect_ok(h, "res = dc.evaluate(p, data, {models = 1, epochs = 5})");
    capture_free(&c, &h);
}

Test(bindings, images_from_npz)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char path[1024], code[1200];
    CZ_SOURCE_PATH(path, "notebooks/data/breastmnist.npz");
    snprintf(code, sizeof code, "img = dc.load_npz(\"%s\")", path);
    expect_ok(h, code);
    expect_true(h, "img:info().shape[1] == 1 and img:info().shape[2] == 28 and img:info().shape[3] == 28");
    expect_true(h, "img:info().rows.train > 0 and img:info().classes == 2");
    expect_ok(h, "x = dc.distill(img, {method = 'random', ipc = 3})");
    cellhost_result r = capture_run(h, "x");
    cr_assert(r.ok);
    const char *html = json_string_value(json_object_get(r.data, "text/html"));
    cr_expect(html && strstr(html, "Synthetic images") && strstr(html, "data:image/png;base64,"));
    cellhost_result_clear(&r);
    expect_error(h, "dc.distill(img, {method = 'random', ipc = 3, dsa = true})", "ValueError",
                 "does not apply");
    capture_free(&c, &h);
}

/* The autosave hook the checkpoint bindings install: records (path, iteration, run bytes). */
static int record_autosave(lua_State *L)
{
    lua_getglobal(L, "saves");
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "path");
    lua_getfield(L, 2, "iteration");
    lua_setfield(L, -2, "iteration");
    lua_getfield(L, 2, "run");
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, -1));
    lua_setfield(L, -3, "bytes");
    lua_pop(L, 1);
    lua_getfield(L, 2, "experts");
    lua_setfield(L, -2, "experts");
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

Test(bindings, checkpoint_calls_the_autosave_hook_every_k_iterations)
{
    capture c;
    cellhost *h = pima_host(&c);
    lua_State *L = cellhost_lua(h);
    lua_pushcfunction(L, record_autosave);
    lua_setfield(L, LUA_REGISTRYINDEX, "condensa.autosave");
    expect_ok(h, "saves = {}");
    expect_ok(h, "ex = dc.experts(data, {count = 2, epochs = 6, model = {width = 8}})");
    expect_ok(h, "syn = dc.distill(data, {method = 'mtt', experts = ex, ipc = 3, iterations = 7, "
                 "syn_steps = 2, expert_epochs = 2, checkpoint = 'run.cdz', every = 3})");
    expect_true(h, "#saves == 3");
    expect_true(h, "saves[1].iteration == 3 and saves[2].iteration == 6 and saves[3].iteration == 7");
    expect_true(h, "saves[1].path == 'run.cdz' and saves[1].bytes > 100 and saves[1].experts == ex");
    expect_true(h, "syn:info().iterations == 7");
    expect_error(h, "dc.distill(data, {method = 'mtt', experts = ex, every = 3})", "ValueError",
                 "no checkpoint path");
    capture_free(&c, &h);
}
