/* dc.distill: one entry for every condensation method. Trajectory matching
 * ("mtt", "btm", "satm") runs the engine's resumable MTT run, "prior" the
 * same run through a generative prior (X = G(z)); "dm", "dd",
 * "random" and "herding" call their engine functions. An option that the
 * chosen method does not use is an error naming the methods that use it, so
 * nothing is silently ignored.
 *
 * Interrupts: the engine polls the kernel's cancel token between
 * iterations. A trajectory-matching run stops at the last whole iteration;
 * its synthetic set as it stood is kept and `dc.partial()` returns it (a
 * note on stderr says so), then the cell ends with KeyboardInterrupt. DM and
 * DD keep nothing.
 *
 * Autosave (checkpoint = path, every = K; mtt, btm, satm and prior): the run
 * is stepped K iterations at a time and, after each chunk and on interrupt,
 * handed to the function the checkpoint bindings store in the registry under
 * "condensa.autosave":
 *   autosave(path, {dataset =, experts = | surrogate =, prior = (prior runs),
 *                   method =, iteration =, every =,
 *                   run = <the run's canonical bytes>})
 * Without such a function, `checkpoint` is an UnsupportedError. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cz.h"
#include "../cellhost.h"
#include "../interrupt.h"
#include "errors.h"
#include "lua_distill.h"
#include "lua_model.h"
#include "lua_run.h"
#include "methods/btm.h"
#include "prior/prior_mtt.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

#define RUNBOX_MT "condensa.mtt_run"
#define AUTOSAVE_KEY "condensa.autosave"

enum {
    M_MTT = 1, M_BTM = 2, M_SATM = 4, M_DM = 8, M_DD = 16, M_RANDOM = 32, M_HERDING = 64,
    M_PRIOR = 128,
    M_MATCH = M_MTT | M_BTM | M_SATM,
    M_MATCHP = M_MATCH | M_PRIOR, /* trajectory matching, in pixels or through the prior */
    M_ALL = 255,
};

static const char *const method_names[] = {"mtt", "btm", "satm", "dm", "dd", "random",
                                           "herding", "prior", NULL};

typedef struct option_use {
    const char *name;
    unsigned methods;
} option_use;

static const option_use uses[] = {
    {"method", M_ALL}, {"ipc", M_ALL}, {"seed", M_ALL},
    {"iterations", M_MATCHP | M_DM | M_DD},
    {"experts", M_MTT | M_SATM | M_PRIOR}, {"surrogate", M_BTM | M_SATM | M_PRIOR},
    {"syn_steps", M_MATCHP | M_DD}, {"expert_epochs", M_MATCHP}, {"max_start_epoch", M_MATCHP},
    {"batch_syn", M_MATCHP}, {"lr_img", M_MATCH | M_DM | M_DD}, {"lr_lr", M_MATCHP | M_DD},
    {"lr_init", M_MATCHP | M_DD}, {"momentum", M_MATCHP | M_DM}, {"truncate", M_MATCHP},
    {"class_weights", M_MATCHP}, {"rho", M_SATM}, {"sam", M_SATM}, {"sam_steps", M_SATM},
    {"sam_lr_at_x", M_SATM}, {"dsa", M_MATCHP}, {"checkpoint", M_MATCHP}, {"every", M_MATCHP},
    {"batch_real", M_DM | M_DD}, {"model", M_DM | M_DD}, {"lr", M_DM | M_RANDOM | M_HERDING},
    {"prior", M_PRIOR}, {"lr_w", M_PRIOR}, {"lr_g", M_PRIOR},
};
#define N_USES (sizeof uses / sizeof uses[0])

static const char *fn = "dc.distill";

/* Raises when an option present in opts (index 2) is not used by method m. */
static void check_uses(lua_State *L, int method)
{
    unsigned bit = 1u << method;
    if (method == 1 && opts_has(L, 2, "experts"))
        lua_api_error(L, "ValueError", "fit curves with curves = dc.bezier(experts), then pass "
                      "surrogate = curves", "%s: method \"btm\" distils against Bézier curves: "
                      "pass surrogate = dc.bezier(experts) instead of experts", fn);
    for (size_t i = 0; i < N_USES; i++) {
        if ((uses[i].methods & bit) || !opts_has(L, 2, uses[i].name))
            continue;
        char list[128] = "";
        for (int k = 0; method_names[k]; k++)
            if (uses[i].methods & (1u << k)) {
                size_t at = strlen(list);
                snprintf(list + at, sizeof list - at, "%s%s", at ? ", " : "", method_names[k]);
            }
        lua_api_error(L, "ValueError", "remove the option, or pick a method that uses it",
                      "%s: option \"%s\" does not apply to method \"%s\" (it is used by: %s)", fn,
                      uses[i].name, method_names[method], list);
    }
}

/* ---- the run in a GC-owned box -------------------------------------------- */

/* A trajectory-matching run: in pixels (mtt) or through a prior (prior);
 * exactly one is set once the run is made. */
typedef struct runbox {
    cz_mtt *mtt;
    cz_prior_mtt *prior;
} runbox;

static int runbox_gc(lua_State *L)
{
    runbox *b = luaL_checkudata(L, 1, RUNBOX_MT);
    cz_mtt_free(&b->mtt);
    cz_prior_mtt_free(&b->prior);
    return 0;
}

static runbox *runbox_new(lua_State *L)
{
    runbox *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->mtt = NULL;
    b->prior = NULL;
    if (luaL_newmetatable(L, RUNBOX_MT)) {
        lua_pushcfunction(L, runbox_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

static void run_info(const runbox *b, cz_mtt_info *out)
{
    if (b->prior) {
        cz_prior_mtt_info info;
        cz_prior_mtt_info_get(b->prior, &info);
        *out = info.mtt;
    } else {
        cz_mtt_info_get(b->mtt, out);
    }
}

/* Pushes a synthetic userdata made from the run's state; it keeps the dataset
 * (at index data) alive for its display. */
static void push_run_synthetic(lua_State *L, const runbox *b, int data)
{
    void **slot = lua_synthetic_new(L, data);
    cz_error err;
    cz_error_clear(&err);
    cz_status st = b->prior ? cz_prior_mtt_synthetic(b->prior, (cz_synthetic **)slot, &err)
                            : cz_mtt_synthetic(b->mtt, (cz_synthetic **)slot, &err);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
}

/* Pushes opts[name], or nil when there are no options. */
static int opt_field(lua_State *L, const char *name)
{
    if (!lua_istable(L, 2)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, 2, name);
}

static void require_autosave(lua_State *L, const char *path)
{
    int t = lua_getfield(L, LUA_REGISTRYINDEX, AUTOSAVE_KEY);
    lua_pop(L, 1);
    if (t != LUA_TFUNCTION)
        lua_api_error(L, "UnsupportedError", "leave out checkpoint, or load the checkpoint bindings",
                      "%s: checkpoint = \"%s\" needs the checkpoint bindings (dc.key, dc.save), "
                      "which this kernel does not have", fn, path);
}

/* Where a run autosaves: the checkpoint path (NULL: it does not) and its
 * period. */
typedef struct autosave_at {
    const char *path;
    int64_t every;
    int source; /* stack index of the experts or surrogate */
    int prior;  /* stack index of the prior (prior runs), else 0 */
} autosave_at;

static autosave_at read_checkpoint(lua_State *L)
{
    autosave_at at = {0};
    at.path = opts_string(L, 2, fn, "checkpoint", NULL);
    at.every = opts_integer(L, 2, fn, "every", 50, 1, INT64_MAX / 2);
    if (!at.path && opts_has(L, 2, "every"))
        lua_api_error(L, "ValueError", "add checkpoint = \"runs/name.cdz\"",
                      "%s: every = %lld sets the autosave period, but no checkpoint path is given",
                      fn, (long long)at.every);
    return at;
}

/* Calls the registered autosave with the run's state (see the file comment). */
static void autosave(lua_State *L, const autosave_at *at, const runbox *b, int data)
{
    require_autosave(L, at->path);
    lua_getfield(L, LUA_REGISTRYINDEX, AUTOSAVE_KEY);
    lua_pushstring(L, at->path);
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, data);
    lua_setfield(L, -2, "dataset");
    lua_pushvalue(L, at->source);
    lua_setfield(L, -2, lua_object_test(L, at->source, &lua_surrogate_kind) ? "surrogate"
                                                                          : "experts");
    if (b->prior) {
        lua_pushvalue(L, at->prior);
        lua_setfield(L, -2, "prior");
    }
    lua_set_str(L, "method", b->prior ? "prior" : cz_mtt_method(b->mtt));
    cz_mtt_info info;
    run_info(b, &info);
    lua_set_int(L, "iteration", info.iteration);
    lua_set_int(L, "every", at->every);
    cz_bytes bytes = {0};
    cz_error err;
    cz_error_clear(&err);
    cz_status st = b->prior ? cz_prior_mtt_serialize(b->prior, &bytes, &err)
                            : cz_mtt_serialize(b->mtt, &bytes, &err);
    if (st == CZ_OK)
        lua_pushlstring(L, (const char *)bytes.data, bytes.len);
    if (bytes.data)
        memset(bytes.data, 0, bytes.cap); /* as private as the data it came from */
    cz_bytes_free(&bytes);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    lua_setfield(L, -2, "run");
    lua_call(L, 2, 0);
}

/* Keeps the synthetic set on the top of the stack (popped) for dc.partial
 * and says so on stderr. */
static void keep_partial_set(lua_State *L, const cz_mtt_info *info)
{
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_DISTILL_PARTIAL_KEY);
    char note[256];
    snprintf(note, sizeof note,
             "dc.distill: interrupted after iteration %lld of %lld; the synthetic set as it "
             "stood is kept: syn = dc.partial()\n",
             (long long)info->iteration, (long long)info->planned);
    cellhost *h = cellhost_from_lua(L);
    cellhost_write(h, CELLHOST_STDERR, note, strlen(note));
    cellhost_flush(h);
}

/* Steps the run in box b to its planned end (autosaving every at->every
 * iterations when at->path is set) and pushes the synthetic set. An
 * interrupt keeps the set for dc.partial, saves, and raises. */
static int run_to_end(lua_State *L, runbox *b, const autosave_at *at, int64_t iterations)
{
    if (at->path)
        require_autosave(L, at->path);
    lua_run *run = lua_run_begin(L, fn, iterations);
    const cz_cancel *cancel = lua_run_cancel(L);
    cz_error err;
    cz_error_clear(&err);
    cz_mtt_info info;
    run_info(b, &info);
    while (info.iteration < info.planned) {
        int64_t n = -1;
        if (at->path) {
            n = at->every - info.iteration % at->every;
            if (n > info.planned - info.iteration)
                n = info.planned - info.iteration;
        }
        cz_status st = b->prior ? cz_prior_mtt_step(b->prior, n, cancel, lua_run_progress(),
                                                    lua_run_user(run), &err)
                                : cz_mtt_step(b->mtt, n, cancel, lua_run_progress(),
                                              lua_run_user(run), &err);
        run_info(b, &info);
        if (st == CZ_EINTERRUPTED) {
            lua_run_end(run);
            push_run_synthetic(L, b, 1);
            keep_partial_set(L, &info);
            if (at->path)
                autosave(L, at, b, 1);
            interrupt_raise(L);
        }
        if (st != CZ_OK) {
            lua_run_end(run);
            lua_api_raise_status(L, fn, &err);
        }
        if (at->path)
            autosave(L, at, b, 1);
    }
    lua_run_end(run);
    push_run_synthetic(L, b, 1);
    return 1;
}

/* Reads the trajectory-matching options into c. */
static void read_match_config(lua_State *L, cz_mtt_config *c, int method)
{
    c->ipc = (int)opts_integer(L, 2, fn, "ipc", c->ipc, 1, 1 << 20);
    c->iterations = opts_integer(L, 2, fn, "iterations", c->iterations, 0, INT64_MAX / 2);
    c->syn_steps = (int)opts_integer(L, 2, fn, "syn_steps", c->syn_steps, 1, 100000);
    c->expert_epochs = (int)opts_integer(L, 2, fn, "expert_epochs", c->expert_epochs, 1, 100000);
    c->max_start_epoch = (int)opts_integer(L, 2, fn, "max_start_epoch", c->max_start_epoch, 0,
                                           100000);
    c->batch_syn = (int)opts_integer(L, 2, fn, "batch_syn", c->batch_syn, 0, 1 << 30);
    c->lr_img = opts_number(L, 2, fn, "lr_img", c->lr_img, 0, 1e9);
    c->lr_lr = opts_number(L, 2, fn, "lr_lr", c->lr_lr, 0, 1e9);
    c->lr_init = opts_number(L, 2, fn, "lr_init", c->lr_init, 0, 1e9);
    c->momentum = opts_number(L, 2, fn, "momentum", c->momentum, 0, 0.999999);
    c->truncate = (int)opts_integer(L, 2, fn, "truncate", c->truncate, 0, 100000);
    c->class_weights = opts_boolean(L, 2, fn, "class_weights", c->class_weights);
    c->seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    if (method == 2) {
        static const char *const modes[] = {"exact", "approx", NULL};
        c->sam = 1 + opts_choice(L, 2, fn, "sam", modes, c->sam - 1);
        c->rho = opts_number(L, 2, fn, "rho", c->rho, 0, 1e9);
        c->sam_steps = (int)opts_integer(L, 2, fn, "sam_steps", c->sam_steps, 1, 100000);
        c->sam_lr_at_x = opts_boolean(L, 2, fn, "sam_lr_at_x", c->sam_lr_at_x != 0);
    }
}

/* dsa: absent = the engine's choice (on for images on the CPU backend, off
 * for tabular data), true/false forces it. */
static void read_dsa(lua_State *L, const cz_dataset *d, cz_mtt_config *c)
{
    if (!opts_has(L, 2, "dsa"))
        return;
    bool on = opts_boolean(L, 2, fn, "dsa", false);
    if (on && !d->is_image)
        lua_api_error(L, "ValueError", "leave dsa out for tabular data",
                      "%s: dsa augments images; dataset \"%s\" is tabular", fn, d->name);
    c->dsa = on ? CZ_DSA_ON : CZ_DSA_OFF;
}

/* The run's target source: index of the experts or surrogate argument. */
static int match_source(lua_State *L, int method, cz_match_source *src)
{
    memset(src, 0, sizeof *src);
    opt_field(L, "surrogate");
    if (!lua_isnil(L, -1)) {
        src->curves = lua_object_check(L, -1, &lua_surrogate_kind, "dc.distill (surrogate)", 2);
        return lua_gettop(L);
    }
    lua_pop(L, 1);
    opt_field(L, "experts");
    if (!lua_isnil(L, -1)) {
        src->experts = lua_object_check(L, -1, &lua_experts_kind, "dc.distill (experts)", 2);
        return lua_gettop(L);
    }
    if (method == 1)
        lua_api_error(L, "ValueError", "fit curves with curves = dc.bezier(experts), then pass "
                      "surrogate = curves", "%s: method \"btm\" needs surrogate = a Bézier "
                      "surrogate set", fn);
    lua_api_error(L, "ValueError", "train them with ex = dc.experts(dataset), then pass experts = ex",
                  "%s: method \"%s\" needs experts = an expert set%s", fn, method_names[method],
                  method == 7 ? " (or surrogate = Bézier curves)" : "");
}

static int distill_match(lua_State *L, const cz_dataset *d, int method)
{
    cz_mtt_config c = method == 1 ? cz_btm_config_default()
                    : method == 2 ? cz_satm_config_default() : cz_mtt_config_default();
    read_match_config(L, &c, method);
    read_dsa(L, d, &c);
    autosave_at at = read_checkpoint(L);
    cz_match_source src;
    at.source = match_source(L, method, &src);
    runbox *box = runbox_new(L);
    cz_error err;
    cz_error_clear(&err);
    if (cz_mtt_new_from(d, &src, &c, lua_run_backend(L), &box->mtt, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return run_to_end(L, box, &at, c.iterations);
}

/* ---- method "prior": MTT through the generative prior -------------------- */

/* GLaD: the synthetic images are G(z) of a trained prior; MTT's (or, with
 * surrogate = curves, BTM's) hypergradient steps the codes z (lr_w) and,
 * with lr_g > 0, G's weights (engine/prior/prior_mtt.h). With checkpoint =,
 * the autosave carries a copy of the prior, so dc.resume needs only the
 * file. */
static int distill_prior(lua_State *L, const cz_dataset *d)
{
    opt_field(L, "prior");
    if (lua_isnil(L, -1))
        lua_api_error(L, "ValueError", "train one with p = dc.prior(dataset), then pass prior = p",
                      "%s: method \"prior\" needs prior = a generative prior", fn);
    cz_prior *prior = lua_object_check(L, -1, &lua_prior_kind, "dc.distill (prior)", 2);
    int prior_at = lua_gettop(L);
    if (!d->is_image)
        lua_api_error(L, "ValueError", "load images with dc.load_npz(path)",
                      "%s: method \"prior\" makes images, and dataset \"%s\" is tabular", fn,
                      d->name);
    cz_mtt_config c = cz_prior_mtt_config_default();
    if (opts_has(L, 2, "surrogate"))
        c.truncate = cz_btm_config_default().truncate; /* BTM's choice, as method "btm" */
    read_match_config(L, &c, 7);
    read_dsa(L, d, &c);
    cz_latent_opts lo = cz_prior_mtt_latent_default();
    lo.lr_w = opts_number(L, 2, fn, "lr_w", lo.lr_w, 0, 1e9);
    lo.lr_g = opts_number(L, 2, fn, "lr_g", lo.lr_g, 0, 1e9);
    lo.momentum = c.momentum; /* "momentum" is that of both outer optimisers, as in MTT */
    autosave_at at = read_checkpoint(L);
    at.prior = prior_at;
    cz_match_source src;
    at.source = match_source(L, 7, &src);
    runbox *box = runbox_new(L);
    cz_error err;
    cz_error_clear(&err);
    /* G runs in host memory only (generator.h), so the run that renders
     * through it is a CPU run whatever the session's backend; the set's
     * `backend` says so. */
    if (cz_prior_mtt_new(d, &src, prior, &c, &lo, cz_backend_cpu(), &box->prior, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return run_to_end(L, box, &at, c.iterations);
}

static int distill_dm_dd(lua_State *L, const cz_dataset *d, int method)
{
    cz_model_spec spec;
    opt_field(L, "model");
    lua_model_spec(L, -1, fn, "model", d, &spec);
    lua_pop(L, 1);
    lua_run *run = lua_run_begin(L, fn, 0);
    const cz_cancel *cancel = lua_run_cancel(L);
    void **slot = lua_synthetic_new(L, 1);
    cz_error err;
    cz_error_clear(&err);
    cz_status st;
    if (method == 3) {
        cz_dm_config c = cz_dm_config_default();
        c.ipc = (int)opts_integer(L, 2, fn, "ipc", c.ipc, 1, 1 << 20);
        c.iterations = opts_integer(L, 2, fn, "iterations", c.iterations, 0, INT64_MAX / 2);
        c.batch_real = (int)opts_integer(L, 2, fn, "batch_real", c.batch_real, 1, 1 << 30);
        c.lr_img = opts_number(L, 2, fn, "lr_img", c.lr_img, 0, 1e9);
        c.momentum = opts_number(L, 2, fn, "momentum", c.momentum, 0, 0.999999);
        c.lr_eval = opts_number(L, 2, fn, "lr", c.lr_eval, 1e-12, 1e6);
        c.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
        st = cz_dm_run(d, &c, &spec, lua_run_backend(L), cancel, lua_run_progress(),
                       lua_run_user(run), (cz_synthetic **)slot, &err);
    } else {
        cz_dd_config c = cz_dd_config_default();
        c.ipc = (int)opts_integer(L, 2, fn, "ipc", c.ipc, 1, 1 << 20);
        c.iterations = opts_integer(L, 2, fn, "iterations", c.iterations, 0, INT64_MAX / 2);
        c.steps = (int)opts_integer(L, 2, fn, "syn_steps", c.steps, 1, 100000);
        c.batch_real = (int)opts_integer(L, 2, fn, "batch_real", c.batch_real, 1, 1 << 30);
        c.lr_img = opts_number(L, 2, fn, "lr_img", c.lr_img, 0, 1e9);
        c.lr_lr = opts_number(L, 2, fn, "lr_lr", c.lr_lr, 0, 1e9);
        c.lr_init = opts_number(L, 2, fn, "lr_init", c.lr_init, 1e-12, 1e9);
        c.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
        st = cz_dd_run(d, &c, &spec, lua_run_backend(L), cancel, lua_run_progress(),
                       lua_run_user(run), (cz_synthetic **)slot, &err);
    }
    lua_run_end(run);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static int distill_select(lua_State *L, const cz_dataset *d, int method)
{
    int ipc = (int)opts_integer(L, 2, fn, "ipc", 10, 1, 1 << 20);
    double lr = opts_number(L, 2, fn, "lr", 0.01, 1e-12, 1e6);
    uint64_t seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    void **slot = lua_synthetic_new(L, 1);
    cz_error err;
    cz_error_clear(&err);
    cz_status st = method == 5 ? cz_select_random(d, ipc, seed, lr, (cz_synthetic **)slot, &err)
                               : cz_select_herding(d, ipc, lr, (cz_synthetic **)slot, NULL, &err);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static int l_distill(lua_State *L)
{
    const cz_dataset *d = lua_object_check(L, 1, &lua_dataset_kind, fn, 1);
    const char *known[N_USES + 1];
    for (size_t i = 0; i < N_USES; i++)
        known[i] = uses[i].name;
    known[N_USES] = NULL;
    opts_check(L, 2, fn, known);
    lua_settop(L, 2);
    int method = opts_choice(L, 2, fn, "method", method_names, 0);
    check_uses(L, method);
    switch (method) {
    case 0: case 1: case 2:
        return distill_match(L, d, method);
    case 3: case 4:
        return distill_dm_dd(L, d, method);
    case 5: case 6:
        return distill_select(L, d, method);
    default:
        return distill_prior(L, d);
    }
}

static int l_partial(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_DISTILL_PARTIAL_KEY);
    return 1;
}

static const lua_api_func funcs[] = {
    {"distill", l_distill, "dc.distill(dataset, opts) -> synthetic",
     "Distils a small synthetic set from the dataset's training split. method: \"mtt\" "
     "(trajectory matching; needs experts), \"btm\" (against Bézier curves; needs surrogate), "
     "\"satm\" (sharpness-aware MTT; experts or surrogate), \"dm\", \"dd\", \"random\", "
     "\"herding\", \"prior\" (MTT through a generative prior: prior = dc.prior(dataset), "
     "experts or surrogate; the images are G(z) and the codes z move with lr_w (100), G's "
     "weights with lr_g (0 = fixed); defaults ipc 10, syn_steps 20, expert_epochs 2, "
     "max_start_epoch 1, lr_lr 1e-5). Options: ipc (10 rows per class), "
     "iterations (300), syn_steps (10), "
     "expert_epochs (4), max_start_epoch (auto), batch_syn (all), lr_img (1), lr_lr (1e-6), "
     "lr_init (auto), momentum (0.5), truncate (0; btm 1), class_weights (true), rho (satm "
     "0.1), sam (\"exact\"/\"approx\"), sam_steps, sam_lr_at_x, batch_real and model (dm, dd), "
     "lr (the rate random/herding/dm sets carry), dsa (default: on for images on the CPU "
     "backend; true/false forces it), checkpoint and every (autosave of mtt, btm, satm and prior "
     "runs; dc.resume continues them), seed (0). "
     "Shows a live progress bar with the matching loss. An interrupt stops at the next "
     "iteration; for mtt/btm/satm/prior the set as it stood is kept: dc.partial() returns it."},
    {"partial", l_partial, "dc.partial() -> synthetic or nil",
     "The synthetic set of the last interrupted dc.distill (mtt, btm, satm or prior), at its last "
     "whole iteration; nil when none was interrupted."},
    {NULL, NULL, NULL, NULL},
};

const lua_api_group lua_distill_group = {
    "dc", "Distillation: MTT, BTM, SATM, DM, DD and selection baselines.", funcs, NULL,
};
