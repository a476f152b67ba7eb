/* dc.experts and the expert set object: `count` networks trained on the real
 * training split with SGD, parameters recorded every epoch (the expert
 * trajectories). The userdata keeps its dataset alive (user value 1):
 * dc.bezier fits its curves on that dataset's training rows. Shown as a
 * table (count, epochs, parameters, storage, validation AUROC per expert)
 * and the mean training-loss curve. */
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

static void experts_free(void *obj)
{
    cz_experts *e = obj;
    cz_experts_free(&e);
}

static cz_status experts_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_experts_digest(obj, out, err);
}

/* Mean and population std of the finite validation AUROCs; *n counts them. */
static void auroc_stats(const cz_experts *e, double *mean, double *sd, int *n)
{
    double s = 0, s2 = 0;
    *n = 0;
    for (int k = 0; k < e->count; k++)
        if (isfinite(e->val_auroc[k])) {
            s += e->val_auroc[k];
            s2 += e->val_auroc[k] * e->val_auroc[k];
            (*n)++;
        }
    *mean = *n ? s / *n : NAN;
    double v = *n ? s2 / *n - *mean * *mean : NAN;
    *sd = *n ? sqrt(v > 0 ? v : 0) : NAN;
}

static void experts_info(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_experts *e = obj;
    lua_set_int(L, "count", e->count);
    lua_set_int(L, "epochs", e->epochs);
    lua_set_int(L, "params", (lua_Integer)e->params);
    lua_set_int(L, "bytes", (lua_Integer)cz_experts_bytes(e));
    lua_set_num(L, "lr", e->lr);
    lua_set_num(L, "momentum", e->momentum);
    lua_set_int(L, "batch", e->batch);
    lua_set_int(L, "seed", (lua_Integer)e->seed);
    lua_model_push(L, &e->spec);
    lua_setfield(L, -2, "model");
    lua_createtable(L, e->count, 0);
    for (int k = 0; k < e->count; k++) {
        lua_pushnumber(L, e->val_auroc[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "val_auroc");
    double mean, sd;
    int n;
    auroc_stats(e, &mean, &sd, &n);
    lua_set_num(L, "val_auroc_mean", mean);
}

static void experts_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_experts *e = obj;
    double mean, sd;
    int n;
    auroc_stats(e, &mean, &sd, &n);
    char size[32];
    view_bytes(size, sizeof size, (double)cz_experts_bytes(e));
    lua_pushfstring(L, "experts: %d %s x %d epochs, %d params each, %s; validation AUROC ",
                    e->count, cz_arch_name(e->spec.arch), e->epochs, (int)e->params, size);
    char auc[64];
    snprintf(auc, sizeof auc, "%.3f +- %.3f", mean, sd);
    lua_pushstring(L, auc);
    lua_concat(L, 2);
}

static void experts_mime(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_experts *e = obj;
    strbuf *html = box_strbuf(L);
    double mean, sd;
    int n;
    auroc_stats(e, &mean, &sd, &n);
    char size[32];
    view_bytes(size, sizeof size, (double)cz_experts_bytes(e));
    view_grid g = view_grid_new(L, 7, 2);
    view_cell(&g, 0, 0, "experts");
    view_cell(&g, 0, 1, "%d", e->count);
    view_cell(&g, 1, 0, "model");
    view_cell(&g, 1, 1, "%s, width %d, depth %d", cz_arch_name(e->spec.arch), e->spec.hidden,
              e->spec.depth);
    view_cell(&g, 2, 0, "epochs");
    view_cell(&g, 2, 1, "%d", e->epochs);
    view_cell(&g, 3, 0, "parameters per model");
    view_cell(&g, 3, 1, "%zu", e->params);
    view_cell(&g, 4, 0, "trajectory storage");
    view_cell(&g, 4, 1, "%s", size);
    view_cell(&g, 5, 0, "SGD");
    view_cell(&g, 5, 1, "lr %g, momentum %g, batch %d", e->lr, e->momentum, e->batch);
    view_cell(&g, 6, 0, "validation AUROC");
    view_cell(&g, 6, 1, "%.3f ± %.3f", mean, sd);
    static const char *const header[] = {"", "value"};
    view_table(html, &g, header, NULL, "Expert trajectories");
    view_grid per = view_grid_new(L, (size_t)e->count, 3);
    for (int k = 0; k < e->count; k++) {
        view_cell(&per, (size_t)k, 0, "%d", k + 1);
        view_cell(&per, (size_t)k, 1, "%.4f", e->train_loss[(size_t)k * e->epochs + e->epochs - 1]);
        view_cell(&per, (size_t)k, 2, "%.3f", e->val_auroc[k]);
    }
    static const char *const pheader[] = {"expert", "final training loss", "validation AUROC"};
    static const bool pnum[] = {true, true, true};
    view_table(html, &per, pheader, pnum, "Per expert");
    double *curve = box_block(L, (size_t)e->epochs * sizeof *curve);
    for (int ep = 0; ep < e->epochs; ep++) {
        double s = 0;
        for (int k = 0; k < e->count; k++)
            s += e->train_loss[(size_t)k * e->epochs + ep];
        curve[ep] = s / e->count;
    }
    chart_series series = {"mean training loss", NULL, curve, (size_t)e->epochs};
    chart_options co = {0, 0, false, "Training loss per epoch (mean over experts)", "epoch", "loss"};
    view_chart(html, &series, 1, &co);
    view_push_html(L, html);
}

const lua_object_kind lua_experts_kind = {
    "experts", "condensa.experts", "an expert set", experts_free, experts_digest,
    experts_info, experts_text, experts_mime, NULL,
};

static int l_experts(lua_State *L)
{
    const char *fn = "dc.experts";
    const cz_dataset *d = lua_object_check(L, 1, &lua_dataset_kind, fn, 1);
    static const char *const known[] = {"model", "width", "depth", "count", "epochs", "lr",
                                        "batch", "momentum", "seed", NULL};
    opts_check(L, 2, fn, known);
    cz_experts_opts o = cz_experts_opts_default(d);
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "model");
        lua_model_spec(L, -1, fn, "model", d, &o.spec);
        lua_pop(L, 1);
    }
    o.spec.hidden = (int)opts_integer(L, 2, fn, "width", o.spec.hidden, 1, 1 << 16);
    o.spec.depth = (int)opts_integer(L, 2, fn, "depth", o.spec.depth, 1, 64);
    o.count = (int)opts_integer(L, 2, fn, "count", o.count, 1, 100000);
    o.epochs = (int)opts_integer(L, 2, fn, "epochs", o.epochs, 1, 100000);
    o.lr = opts_number(L, 2, fn, "lr", o.lr, 1e-12, 1e6);
    o.batch = (int)opts_integer(L, 2, fn, "batch", o.batch, 1, 1 << 30);
    o.momentum = opts_number(L, 2, fn, "momentum", o.momentum, 0, 0.999999);
    o.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    lua_run *run = lua_run_begin(L, fn, (int64_t)o.count * o.epochs);
    o.progress = lua_run_progress();
    o.progress_user = lua_run_user(run);
    o.cancel = lua_run_cancel(L);
    void **slot = lua_object_new(L, &lua_experts_kind, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    cz_error err;
    cz_error_clear(&err);
    cz_status st = cz_experts_train(d, &o, lua_run_backend(L), (cz_experts **)slot, &err);
    lua_run_end(run);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"experts", l_experts, "dc.experts(dataset [, opts]) -> experts",
     "Trains `count` expert networks from fresh initialisations on the dataset's training split "
     "with SGD and records their parameters after every epoch (the expert trajectories that "
     "MTT matches). Shows a live progress bar; an interrupt stops it at the next epoch "
     "(nothing is kept). Options: model ({arch = \"mlp\", width = 128, depth = 2}; a ConvNet-3 "
     "for images), count (8), epochs (30), lr (0.01), batch (256), momentum (0), seed (0); "
     "width and depth may also be given directly."},
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_experts_kind);
}

const lua_api_group lua_experts_group = {
    "dc", "Experts: training trajectories on the real data.", funcs, setup,
};
