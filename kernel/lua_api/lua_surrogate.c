/* dc.bezier and the surrogate set object: one quadratic Bézier curve per
 * expert (BTM). The userdata keeps the experts' dataset alive (user value
 * 1): the display evaluates the real-data loss along the curves against the
 * straight lines on its training rows, and the storage against the full
 * trajectories. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cz.h"
#include "box.h"
#include "errors.h"
#include "lua_run.h"
#include "methods/bezier.h"
#include "methods/bezier_experts.h"
#include "object_view.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

#define PROFILE_POINTS 21
#define PROFILE_MAX_ROWS 512

static void surrogate_free(void *obj)
{
    cz_surrogate *s = obj;
    cz_surrogate_free(&s);
}

static cz_status surrogate_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_surrogate_digest(obj, out, err);
}

static void surrogate_info(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_surrogate *s = obj;
    lua_set_int(L, "count", (lua_Integer)s->count);
    lua_set_int(L, "params", (lua_Integer)s->params);
    lua_set_int(L, "bytes", (lua_Integer)cz_surrogate_bytes(s));
    lua_set_int(L, "trajectory_bytes", (lua_Integer)cz_surrogate_trajectory_bytes(s));
    lua_set_int(L, "expert_epochs", s->expert_epochs);
    lua_set_int(L, "epochs", s->fit.epochs);
    lua_set_num(L, "fit_loss", s->fit_loss);
}

static void surrogate_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_surrogate *s = obj;
    char a[32], b[32], loss[32];
    view_bytes(a, sizeof a, (double)cz_surrogate_bytes(s));
    view_bytes(b, sizeof b, (double)cz_surrogate_trajectory_bytes(s));
    snprintf(loss, sizeof loss, "%.4f", s->fit_loss);
    lua_pushfstring(L, "surrogate: %d Bezier curves of %d params, %s (full trajectories: %s), "
                       "mean loss along the curves %s",
                    (int)s->count, (int)s->params, a, b, loss);
}

/* The dataset the experts learnt on (user value 1 of the userdata at self), or NULL. */
static const cz_dataset *surrogate_dataset(lua_State *L, int self)
{
    lua_getiuservalue(L, self, 1);
    const cz_dataset *d = lua_object_test(L, -1, &lua_dataset_kind);
    lua_pop(L, 1);
    return d;
}

static void profile_chart(lua_State *L, strbuf *html, const cz_surrogate *s, const cz_dataset *d)
{
    cz_error err;
    cz_error_clear(&err);
    cz_model *m = NULL;
    if (cz_model_new(&s->spec, lua_run_backend(L), &m, &err) != CZ_OK) {
        sb_printf(html, "<p><i>loss profile unavailable: %s</i></p>", err.msg);
        return;
    }
    double *buf = box_block(L, 3 * PROFILE_POINTS * sizeof *buf);
    double *t = buf, *curve = buf + PROFILE_POINTS, *line = buf + 2 * PROFILE_POINTS;
    for (int i = 0; i < PROFILE_POINTS; i++)
        t[i] = (double)i / (PROFILE_POINTS - 1);
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    size_t rows = tr->rows < PROFILE_MAX_ROWS ? tr->rows : PROFILE_MAX_ROWS;
    cz_status st = cz_surrogate_profile(m, s, CZ_SURROGATE_ALL, tr->x, tr->y, rows, t,
                                        PROFILE_POINTS, curve, line, &err);
    cz_model_free(m);
    if (st != CZ_OK) {
        sb_printf(html, "<p><i>loss profile unavailable: %s</i></p>", err.msg);
        lua_pop(L, 1);
        return;
    }
    chart_series series[2] = {{"Bézier curve", t, curve, PROFILE_POINTS},
                              {"straight line", t, line, PROFILE_POINTS}};
    chart_options co = {0, 0, false, "Training loss along the path from the first to the last "
                        "expert parameters (mean over curves)", "t", "loss"};
    view_chart(html, series, 2, &co);
    sb_printf(html, "<p>At the midpoint t = 0.5: curve %.4f, straight line %.4f.</p>",
              curve[PROFILE_POINTS / 2], line[PROFILE_POINTS / 2]);
    lua_pop(L, 1);
}

static void surrogate_mime(lua_State *L, const void *obj, int self)
{
    const cz_surrogate *s = obj;
    strbuf *html = box_strbuf(L);
    char a[32], b[32];
    view_bytes(a, sizeof a, (double)cz_surrogate_bytes(s));
    view_bytes(b, sizeof b, (double)cz_surrogate_trajectory_bytes(s));
    view_grid g = view_grid_new(L, 5, 2);
    view_cell(&g, 0, 0, "curves");
    view_cell(&g, 0, 1, "%zu (one per expert)", s->count);
    view_cell(&g, 1, 0, "parameters per model");
    view_cell(&g, 1, 1, "%zu", s->params);
    view_cell(&g, 2, 0, "storage (3 vectors per curve)");
    view_cell(&g, 2, 1, "%s", a);
    view_cell(&g, 3, 0, "full trajectories");
    view_cell(&g, 3, 1, "%s (%d vectors per expert, %.1fx)", b, s->expert_epochs + 1,
              (double)cz_surrogate_trajectory_bytes(s) / (double)cz_surrogate_bytes(s));
    view_cell(&g, 4, 0, "fit");
    view_cell(&g, 4, 1, "%d epochs, lr %g; last loss %.4f", s->fit.epochs, s->fit.lr, s->fit_loss);
    static const char *const header[] = {"", "value"};
    view_table(html, &g, header, NULL, "Bézier surrogates");
    const cz_dataset *d = surrogate_dataset(L, self);
    if (d)
        profile_chart(L, html, s, d);
    view_push_html(L, html);
}

const lua_object_kind lua_surrogate_kind = {
    "surrogate", "condensa.surrogate", "a surrogate set", surrogate_free, surrogate_digest,
    surrogate_info, surrogate_text, surrogate_mime, NULL,
};

static int l_bezier(lua_State *L)
{
    const char *fn = "dc.bezier";
    const cz_experts *e = lua_object_check(L, 1, &lua_experts_kind, fn, 1);
    static const char *const known[] = {"epochs", "lr", "momentum", "batch", "samples", "tol",
                                        "seed", NULL};
    opts_check(L, 2, fn, known);
    lua_getiuservalue(L, 1, 1);
    int data_idx = lua_gettop(L);
    const cz_dataset *d = lua_object_test(L, data_idx, &lua_dataset_kind);
    if (!d)
        lua_api_error(L, "StateError", "train the experts with dc.experts(dataset, ...)",
                      "%s: these experts carry no dataset to fit the curves on", fn);
    cz_bezier_opts o = cz_bezier_opts_default();
    o.epochs = (int)opts_integer(L, 2, fn, "epochs", o.epochs, 1, 1000000);
    o.lr = opts_number(L, 2, fn, "lr", o.lr, 1e-12, 1e6);
    o.momentum = opts_number(L, 2, fn, "momentum", o.momentum, 0, 0.999999);
    o.batch = (int)opts_integer(L, 2, fn, "batch", o.batch, 0, 1 << 30);
    o.samples = (int)opts_integer(L, 2, fn, "samples", o.samples, 1, 1 << 20);
    o.tol = opts_number(L, 2, fn, "tol", o.tol, 0, 1e6);
    o.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    lua_run *run = lua_run_begin(L, fn, (int64_t)e->count * o.epochs);
    o.progress = lua_run_progress();
    o.progress_user = lua_run_user(run);
    o.cancel = lua_run_cancel(L);
    void **slot = lua_object_new(L, &lua_surrogate_kind, 1);
    lua_pushvalue(L, data_idx);
    lua_setiuservalue(L, -2, 1);
    cz_error err;
    cz_error_clear(&err);
    cz_status st = cz_bezier_fit_experts(e, d, &o, lua_run_backend(L), (cz_surrogate **)slot, &err);
    lua_run_end(run);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"bezier", l_bezier, "dc.bezier(experts [, opts]) -> surrogate",
     "Fits one quadratic Bézier curve per expert between its first and last parameters: the "
     "control point minimises the real training loss along the curve. BTM distils against "
     "points on these curves, which take 3 parameter vectors per expert instead of epochs + 1. "
     "Shows the loss along the curve against the straight line, and the storage. Options: "
     "epochs (50), lr (0.01), momentum (0.9), batch (256), samples (1), tol (1e-5), seed (0)."},
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_surrogate_kind);
}

const lua_api_group lua_surrogate_group = {
    "dc", "Surrogates: Bézier curves fitted to expert trajectories (BTM).", funcs, setup,
};
