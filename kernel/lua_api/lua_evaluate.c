/* dc.evaluate and the result object: K fresh models per architecture
 * trained on a synthetic set (or on the full real training split, the upper
 * bound) and scored on the real test split. :info() has the first
 * architecture's metrics (mean and std) and `by_arch` per architecture; the
 * display is a table of mean ± std per architecture. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cz.h"
#include "box.h"
#include "errors.h"
#include "lua_model.h"
#include "lua_run.h"
#include "object_view.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

static void result_free(void *obj)
{
    cz_eval_result *r = obj;
    cz_eval_result_free(&r);
}

static cz_status result_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_eval_result_digest(obj, out, err);
}

/* The metric fields (mean and std) of one architecture on the table at -1. */
static void set_metrics(lua_State *L, const cz_eval_arch *a)
{
    lua_set_num(L, "auroc", a->mean.auroc);
    lua_set_num(L, "auroc_std", a->std.auroc);
    lua_set_num(L, "auprc", a->mean.auprc);
    lua_set_num(L, "auprc_std", a->std.auprc);
    lua_set_num(L, "balanced_accuracy", a->mean.balanced_accuracy);
    lua_set_num(L, "balanced_accuracy_std", a->std.balanced_accuracy);
    lua_set_num(L, "accuracy", a->mean.accuracy);
    lua_set_num(L, "accuracy_std", a->std.accuracy);
    lua_set_int(L, "models", a->models);
    lua_set_int(L, "diverged", a->diverged);
}

static void result_info(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_eval_result *r = obj;
    lua_set_str(L, "trained_on", r->trained_on);
    lua_set_int(L, "train_rows", (lua_Integer)r->train_rows);
    lua_set_num(L, "lr", r->lr);
    lua_set_int(L, "epochs", r->epochs);
    lua_set_int(L, "seed", (lua_Integer)r->seed);
    if (r->arch_count > 0) {
        set_metrics(L, &r->by_arch[0]);
        lua_set_str(L, "arch", r->by_arch[0].name);
    }
    lua_createtable(L, 0, r->arch_count);
    for (int a = 0; a < r->arch_count; a++) {
        lua_createtable(L, 0, 10);
        set_metrics(L, &r->by_arch[a]);
        lua_setfield(L, -2, r->by_arch[a].name);
    }
    lua_setfield(L, -2, "by_arch");
}

static void result_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_eval_result *r = obj;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char line[320];
    snprintf(line, sizeof line, "result: trained on %s (%zu rows), tested on the real test split",
             r->trained_on, r->train_rows);
    luaL_addstring(&b, line);
    for (int a = 0; a < r->arch_count; a++) {
        const cz_eval_arch *x = &r->by_arch[a];
        snprintf(line, sizeof line,
                 "\n  %s (%d models): AUROC %.3f +- %.3f, AUPRC %.3f +- %.3f, balanced accuracy "
                 "%.3f +- %.3f, accuracy %.3f +- %.3f",
                 x->name, x->models, x->mean.auroc, x->std.auroc, x->mean.auprc, x->std.auprc,
                 x->mean.balanced_accuracy, x->std.balanced_accuracy, x->mean.accuracy,
                 x->std.accuracy);
        luaL_addstring(&b, line);
    }
    luaL_pushresult(&b);
}

static void result_mime(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_eval_result *r = obj;
    strbuf *html = box_strbuf(L);
    view_grid g = view_grid_new(L, (size_t)r->arch_count, 6);
    for (int a = 0; a < r->arch_count; a++) {
        const cz_eval_arch *x = &r->by_arch[a];
        size_t i = (size_t)a;
        view_cell(&g, i, 0, "%s", x->name);
        view_cell(&g, i, 1, "%d%s", x->models, x->diverged ? " (some diverged)" : "");
        view_cell(&g, i, 2, "%.3f ± %.3f", x->mean.auroc, x->std.auroc);
        view_cell(&g, i, 3, "%.3f ± %.3f", x->mean.auprc, x->std.auprc);
        view_cell(&g, i, 4, "%.3f ± %.3f", x->mean.balanced_accuracy, x->std.balanced_accuracy);
        view_cell(&g, i, 5, "%.3f ± %.3f", x->mean.accuracy, x->std.accuracy);
    }
    static const char *const header[] = {"architecture", "models", "AUROC", "AUPRC",
                                         "balanced accuracy", "accuracy"};
    static const bool numeric[] = {false, true, true, true, true, true};
    char caption[200];
    snprintf(caption, sizeof caption,
             "Trained on %s (%zu rows, %d epochs, lr %.4g); tested on the real test split "
             "(mean ± std over models)", r->trained_on, r->train_rows, r->epochs, r->lr);
    view_table(html, &g, header, numeric, caption);
    view_push_html(L, html);
}

const lua_object_kind lua_result_kind = {
    "result", "condensa.result", "a result", result_free, result_digest,
    result_info, result_text, result_mime, NULL,
};

static int l_evaluate(lua_State *L)
{
    const char *fn = "dc.evaluate";
    const cz_synthetic *syn = lua_object_test(L, 1, &lua_synthetic_kind);
    const cz_dataset *train_real = syn ? NULL : lua_object_test(L, 1, &lua_dataset_kind);
    if (!syn && !train_real)
        lua_object_check(L, 1, &lua_synthetic_kind, fn, 1); /* raises, naming what was given */
    const cz_dataset *d = lua_object_check(L, 2, &lua_dataset_kind, fn, 2);
    if (train_real && train_real != d)
        lua_api_error(L, "ValueError", "pass the same dataset twice: dc.evaluate(data, data)",
                      "%s: training on the real split of one dataset and testing on another "
                      "is not the upper bound", fn);
    static const char *const known[] = {"models", "arch", "epochs", "lr", "momentum",
                                        "weight_decay", "batch", "seed", "split", NULL};
    opts_check(L, 3, fn, known);
    lua_settop(L, 3);
    cz_eval_opts o = cz_eval_opts_default();
    o.models = (int)opts_integer(L, 3, fn, "models", o.models, 1, 10000);
    o.epochs = (int)opts_integer(L, 3, fn, "epochs", o.epochs, 0, 1000000);
    o.lr = opts_number(L, 3, fn, "lr", o.lr, 0, 1e6);
    o.momentum = opts_number(L, 3, fn, "momentum", o.momentum, 0, 0.999999);
    o.weight_decay = opts_number(L, 3, fn, "weight_decay", o.weight_decay, 0, 1e6);
    o.batch = (int)opts_integer(L, 3, fn, "batch", o.batch, 1, 1 << 30);
    o.seed = (uint64_t)opts_integer(L, 3, fn, "seed", 0, 0, INT64_MAX);
    static const char *const splits[] = {"test", "val", NULL};
    o.score_split = opts_choice(L, 3, fn, "split", splits, 0) == 0 ? CZ_TEST : CZ_VAL;
    cz_model_spec specs[CZ_EVAL_MAX_ARCHS];
    if (lua_istable(L, 3))
        lua_getfield(L, 3, "arch");
    else
        lua_pushnil(L);
    o.arch_count = lua_model_specs(L, -1, fn, "arch", d, specs, CZ_EVAL_MAX_ARCHS);
    o.archs = specs;
    lua_pop(L, 1);
    lua_run *run = lua_run_begin(L, fn, (int64_t)o.models * o.arch_count);
    o.progress = lua_run_progress();
    o.progress_user = lua_run_user(run);
    o.cancel = lua_run_cancel(L);
    void **slot = lua_object_new(L, &lua_result_kind, 0);
    cz_error err;
    cz_error_clear(&err);
    cz_status st = syn ? cz_evaluate_synthetic(syn, d, &o, lua_run_backend(L),
                                               (cz_eval_result **)slot, &err)
                       : cz_evaluate_real(d, &o, lua_run_backend(L), (cz_eval_result **)slot, &err);
    lua_run_end(run);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"evaluate", l_evaluate, "dc.evaluate(synthetic_or_dataset, dataset [, opts]) -> result",
     "Trains `models` fresh networks per architecture on the synthetic set (or, given the "
     "dataset twice, on its full real training split: the upper bound) and reports AUROC, "
     "AUPRC, balanced accuracy and accuracy on the real test split, mean and std. Options: "
     "models (5), arch (a model table or a list of them; default the dataset's model), epochs "
     "(auto: 300 on a synthetic set, 100 on the real split), lr (auto: the set's learned "
     "rate; 0.01 on the real split), momentum (0.9), weight_decay (5e-4), batch (256), seed "
     "(0), split (\"test\"; \"val\" to choose settings)."},
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_result_kind);
}

const lua_api_group lua_evaluate_group = {
    "dc", "Evaluation: train fresh models on a set, test on the real test split.", funcs, setup,
};
