/* dc.key, dc.save, dc.load, dc.resume: checkpoints from Lua (API.md
 * "Checkpoints", docs/checkpoints.md). The session key lives in one
 * GC-owned box in the registry; the passphrase goes from the frontend's
 * password prompt straight into the checkpoint layer's locked memory and is
 * never echoed, logged, returned or kept in a Lua string. Engine objects
 * cross as the kinds of objects.h; the records are checkpoint/objects.h's.
 * The autosave that dc.distill calls is lua_autosave.c. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "../cellhost.h"
#include "../interrupt.h"
#include "box.h"
#include "errors.h"
#include "lua_checkpoint.h"
#include "lua_distill.h"
#include "lua_run.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

#define KEY_MT "condensa.ckpt_key"
#define KEY_REG "condensa.ckpt_session_key"
#define LIST_MT "condensa.ckpt_objects"
#define RESUME_MT "condensa.ckpt_resume"

#define NO_KEY_HINT                                                                    \
    "set the session key first: dc.key{} asks for a passphrase, dc.key{env = \"NAME\"} " \
    "reads an environment variable, dc.key{file = \"path\"} a 0600 key file"

/* ---- the session key ------------------------------------------------------ */

typedef struct key_box {
    ckpt_key *key;
} key_box;

static int key_gc(lua_State *L)
{
    key_box *b = luaL_checkudata(L, 1, KEY_MT);
    ckpt_key_free(&b->key);
    return 0;
}

static key_box *key_box_new(lua_State *L)
{
    key_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->key = NULL;
    if (luaL_newmetatable(L, KEY_MT)) {
        lua_pushcfunction(L, key_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return b;
}

ckpt_key *lua_checkpoint_key(lua_State *L, const char *fn)
{
    lua_getfield(L, LUA_REGISTRYINDEX, KEY_REG);
    key_box *b = luaL_testudata(L, -1, KEY_MT);
    lua_pop(L, 1); /* the registry keeps the box alive */
    if (!b || !b->key)
        lua_api_error(L, "StateError", NO_KEY_HINT, "%s: no checkpoint key is set", fn);
    return b->key;
}

void lua_checkpoint_push_key_box(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, KEY_REG);
}

/* Asks through the frontend's password prompt, straight into locked memory. */
static cz_status ask_passphrase(void *user, char *buf, size_t cap, size_t *len, cz_error *err)
{
    cellhost *h = user;
    char *line = cellhost_input(h, "Checkpoint passphrase: ", true, err);
    if (!line)
        return err->code ? err->code : CZ_EINTERRUPTED;
    size_t n = strlen(line);
    cz_status st = CZ_OK;
    if (n == 0)
        st = cz_error_set(err, CZ_EINVAL, "type a passphrase, or use dc.key{env = \"NAME\"}",
                          "the passphrase is empty");
    else if (n > cap)
        st = cz_error_set(err, CZ_EINVAL, "use a shorter passphrase",
                          "the passphrase is longer than %zu bytes", cap);
    else
        memcpy(buf, line, n);
    *len = st == CZ_OK ? n : 0;
    cellhost_input_free(line);
    return st;
}

static int l_key(lua_State *L)
{
    const char *fn = "dc.key";
    static const char *const known[] = {"env", "file", NULL};
    opts_check(L, 1, fn, known);
    const char *env = opts_string(L, 1, fn, "env", NULL);
    const char *file = opts_string(L, 1, fn, "file", NULL);
    if (env && file)
        lua_api_error(L, "ValueError", "pass one of env = \"NAME\" or file = \"path\"",
                      "%s: both env and file are given", fn);
    key_box *b = key_box_new(L);
    cz_error err;
    cz_error_clear(&err);
    if (env)
        b->key = ckpt_key_from_env(env, NULL, &err);
    else if (file)
        b->key = ckpt_key_from_file(file, NULL, &err);
    else
        b->key = ckpt_key_from_prompt(ask_passphrase, cellhost_from_lua(L), NULL, &err);
    if (!b->key) {
        if (err.code == CZ_EINTERRUPTED)
            interrupt_raise(L);
        lua_api_raise_status(L, fn, &err);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, KEY_REG); /* the previous key is collected */
    lua_pushfstring(L, "checkpoint key set (%s)", ckpt_key_source(b->key));
    return 1;
}

/* ---- dc.save -------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A kind's record type: its own name, except the prior, whose record is
 * the engine's "generator" (checkpoint/ckpt_objects.h). */
static ckpt_type record_type(const lua_object_kind *k)
{
    return k == &lua_prior_kind ? CKPT_TYPE_GENERATOR : ckpt_type_from_name(k->kind);
}

static int l_save(lua_State *L)
{
    const char *fn = "dc.save";
    const char *path = luaL_checkstring(L, 1);
    if (!lua_istable(L, 2))
        lua_api_error(L, "ValueError", "pass a table of objects: dc.save(path, {data = data})",
                      "%s: argument 2 is a %s, not a table of named objects", fn,
                      luaL_typename(L, 2));
    lua_settop(L, 2);
    ckpt_key *key = lua_checkpoint_key(L, fn);
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            lua_api_error(L, "ValueError", "name each object: {data = data, syn = syn}",
                          "%s: the table has a %s key; objects are saved under string names",
                          fn, luaL_typename(L, -2));
        n++;
    }
    if (n == 0)
        lua_api_error(L, "ValueError", "pass at least one object: dc.save(path, {data = data})",
                      "%s: nothing to save (the table is empty)", fn);
    const char **names = box_block(L, n * sizeof *names);
    ckpt_object *objs = box_block(L, n * sizeof *objs);
    size_t i = 0;
    for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1))
        names[i++] = lua_tostring(L, -2); /* borrowed: the table holds its keys */
    qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        lua_getfield(L, 2, names[i]);
        const lua_object_kind *k = lua_object_kind_of(L, -1);
        if (!k)
            lua_api_error(L, "ValueError",
                          "save datasets, experts, surrogates, priors, synthetic sets and results",
                          "%s: \"%s\" is a %s, not an engine object", fn, names[i],
                          luaL_typename(L, -1));
        objs[i].type = record_type(k);
        objs[i].as.any = lua_object_test(L, -1, k);
        lua_pop(L, 1);
    }
    cz_error err;
    cz_error_clear(&err);
    if (ckpt_objects_save(path, key, names, objs, n, NULL, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    lua_pushfstring(L, "saved %d object%s to %s", (int)n, n == 1 ? "" : "s", path);
    return 1;
}

/* ---- dc.load -------------------------------------------------------------- */

typedef struct list_box {
    ckpt_objects *list;
} list_box;

static int list_gc(lua_State *L)
{
    list_box *b = luaL_checkudata(L, 1, LIST_MT);
    ckpt_objects_free(&b->list);
    return 0;
}

static list_box *list_box_new(lua_State *L)
{
    list_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->list = NULL;
    if (luaL_newmetatable(L, LIST_MT)) {
        lua_pushcfunction(L, list_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

static const lua_object_kind *lua_kind_for(ckpt_type type)
{
    if (type == CKPT_TYPE_GENERATOR)
        return &lua_prior_kind;
    const char *name = ckpt_type_name(type);
    for (const lua_object_kind *const *k = lua_object_kinds(); *k; k++)
        if (strcmp((*k)->kind, name) == 0)
            return *k;
    return NULL;
}

/* Pushes a plain table describing a record Lua has no object for. */
static void push_record_summary(lua_State *L, const ckpt_object *o)
{
    lua_createtable(L, 0, 6);
    lua_set_str(L, "kind", ckpt_type_name(o->type));
    uint8_t digest[32];
    cz_error err;
    cz_error_clear(&err);
    if (ckpt_object_digest(o, digest, &err) == CZ_OK) {
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        lua_set_str(L, "digest", hex);
    }
    if (o->type == CKPT_TYPE_RUN) {
        cz_mtt_info info;
        ckpt_run_info(o->as.run, &info);
        lua_set_str(L, "method", ckpt_run_method(o->as.run));
        lua_set_int(L, "iteration", info.iteration);
        lua_set_int(L, "planned", info.planned);
        lua_set_int(L, "every", o->as.run->every);
        lua_set_str(L, "hint", "continue it with dc.resume(path)");
    }
}

static int prior_fits(const cz_prior *p, const cz_dataset *d)
{
    const cz_generator_spec *s = cz_generator_spec_of(cz_prior_generator(p));
    return d->is_image && d->channels == s->channels && d->height == s->height &&
           d->width == s->width && (s->classes == 0 || s->classes == d->classes);
}

/* The dataset a loaded object was made on: the file's only dataset, when
 * its training rows agree with the object's. */
static void link_dataset(lua_State *L, int data, const ckpt_object *o)
{
    if (!data)
        return;
    const cz_dataset *d = lua_object_test(L, data, &lua_dataset_kind);
    size_t train = d->split[CZ_TRAIN].rows;
    int fits = o->type == CKPT_TYPE_SYNTHETIC ? o->as.synthetic->features == d->features
             : o->type == CKPT_TYPE_EXPERTS ? o->as.experts->train_rows == train
             : o->type == CKPT_TYPE_SURROGATE ? o->as.surrogate->train_rows == train
             : o->type == CKPT_TYPE_GENERATOR ? prior_fits(o->as.generator, d) : 0;
    if (fits) {
        lua_pushvalue(L, data);
        lua_setiuservalue(L, -2, 1);
    }
}

static int l_load(lua_State *L)
{
    const char *fn = "dc.load";
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    ckpt_key *key = lua_checkpoint_key(L, fn);
    list_box *box = list_box_new(L); /* 2 */
    cz_error err;
    cz_error_clear(&err);
    box->list = ckpt_objects_load(path, key, lua_run_backend(L), &err);
    if (!box->list)
        lua_api_raise_status(L, fn, &err);
    size_t n = ckpt_objects_count(box->list);
    lua_createtable(L, 0, (int)n); /* 3: the result */
    /* Datasets first, so the objects made on one can keep it (user value 1). */
    int data = 0, datasets = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const ckpt_object *o = ckpt_objects_at(box->list, i);
            if (!o->as.any || (o->type == CKPT_TYPE_DATASET) != (pass == 0))
                continue; /* taken in the first pass, or not this pass's kind */
            const lua_object_kind *k = lua_kind_for(o->type);
            if (!k) {
                push_record_summary(L, o);
            } else {
                void **slot = o->type == CKPT_TYPE_SYNTHETIC ? lua_synthetic_new(L, 0)
                            : lua_object_new(L, k, o->type == CKPT_TYPE_DATASET ? 0 : 1);
                if (o->type != CKPT_TYPE_DATASET && datasets == 1)
                    link_dataset(L, data, o);
                *slot = ckpt_objects_take(box->list, i).as.any;
            }
            lua_setfield(L, 3, ckpt_objects_name(box->list, i));
            if (pass == 0 && ++datasets == 1) {
                lua_getfield(L, 3, ckpt_objects_name(box->list, i));
                data = lua_gettop(L);
            }
        }
    }
    lua_pushvalue(L, 3);
    return 1;
}

/* ---- dc.resume ------------------------------------------------------------ */

/* A loaded run whose dataset, source (and prior) are handed to Lua objects
 * one by one. */
typedef struct resume_box {
    ckpt_run *run;
    int borrowed; /* the companions belong to Lua objects now */
} resume_box;

static int resume_gc(lua_State *L)
{
    resume_box *b = luaL_checkudata(L, 1, RESUME_MT);
    if (b->run && b->borrowed) {
        b->run->dataset = NULL;
        b->run->prior = NULL;
        memset(&b->run->source, 0, sizeof b->run->source);
    }
    ckpt_run_free(&b->run);
    return 0;
}

static resume_box *resume_box_new(lua_State *L)
{
    resume_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->run = NULL;
    b->borrowed = 0;
    if (luaL_newmetatable(L, RESUME_MT)) {
        lua_pushcfunction(L, resume_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* Moves the run's dataset, source and prior (a prior run's) into Lua objects
 * (pushed: dataset, source, then the prior); the run keeps borrowing them and
 * frees only its state. */
static void hand_over_companions(lua_State *L, ckpt_run *run)
{
    void **slot = lua_object_new(L, &lua_dataset_kind, 0);
    *slot = (void *)run->dataset;
    run->dataset = NULL;
    int data = lua_gettop(L);
    int curves = run->source.curves != NULL;
    slot = lua_object_new(L, curves ? &lua_surrogate_kind : &lua_experts_kind, 1);
    *slot = curves ? (void *)run->source.curves : (void *)run->source.experts;
    run->source.curves = NULL;
    run->source.experts = NULL;
    lua_pushvalue(L, data);
    lua_setiuservalue(L, -2, 1);
    if (!run->prior)
        return;
    slot = lua_object_new(L, &lua_prior_kind, 1);
    *slot = run->prior; /* made for this dataset: the run checked its shape and classes */
    run->prior = NULL;
    lua_pushvalue(L, data);
    lua_setiuservalue(L, -2, 1);
}

static void note(lua_State *L, const char *text)
{
    cellhost *h = cellhost_from_lua(L);
    cellhost_write(h, CELLHOST_STDERR, text, strlen(text));
    cellhost_flush(h);
}

static void note_origin(lua_State *L, const char *path, const ckpt_run *run, int used_prev,
                        cz_backend *be)
{
    char text[512];
    cz_mtt_info info;
    ckpt_run_info(run, &info);
    snprintf(text, sizeof text, "dc.resume: %s run continues from iteration %lld of %lld\n",
             ckpt_run_method(run), (long long)info.iteration, (long long)info.planned);
    cellhost *h = cellhost_from_lua(L);
    cellhost_write(h, CELLHOST_STDOUT, text, strlen(text));
    if (used_prev) {
        snprintf(text, sizeof text,
                 "dc.resume: %s could not be read; continuing from the previous autosave, "
                 "%s.prev\n", path, path);
        note(L, text);
    }
    if (strcmp(run->backend, cz_backend_name(be)) != 0 || run->threads != cz_backend_threads(be)) {
        snprintf(text, sizeof text,
                 "dc.resume: the run was saved on %s with %d thread%s and continues on %s with %d; "
                 "the result may differ in the last bits from an uninterrupted run "
                 "(dc.backend, dc.threads)\n",
                 run->backend, run->threads, run->threads == 1 ? "" : "s", cz_backend_name(be),
                 cz_backend_threads(be));
        note(L, text);
    }
}

static int l_resume(lua_State *L)
{
    const char *fn = "dc.resume";
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    ckpt_key *key = lua_checkpoint_key(L, fn);
    cz_backend *be = lua_run_backend(L);
    resume_box *box = resume_box_new(L); /* 2 */
    cz_error err;
    cz_error_clear(&err);
    int used_prev = 0;
    box->run = ckpt_run_load(path, key, be, &used_prev, &err);
    if (!box->run)
        lua_api_raise_status(L, fn, &err);
    ckpt_run *run = box->run;
    /* From here the owned members are freed by the Lua objects, the state by the box. */
    hand_over_companions(L, run); /* 3 dataset, 4 source, 5 prior (prior runs) */
    box->borrowed = 1;
    run->dataset = lua_object_test(L, 3, &lua_dataset_kind);
    run->source.curves = lua_object_test(L, 4, &lua_surrogate_kind);
    run->source.experts = lua_object_test(L, 4, &lua_experts_kind);
    if (run->prior_run) {
        run->prior = lua_object_test(L, 5, &lua_prior_kind);
        be = cz_backend_cpu(); /* G lives in host memory: prior runs are CPU runs */
    }
    note_origin(L, path, run, used_prev, be);
    ckpt_autosave *as = ckpt_autosave_new(path, key, run->every, NULL, &err);
    if (!as)
        lua_api_raise_status(L, fn, &err);
    cz_mtt_info info;
    ckpt_run_info(run, &info);
    lua_run *bar = lua_run_begin(L, fn, info.planned);
    cz_status st = ckpt_run_distill(run, as, lua_run_cancel(L), lua_run_progress(),
                                    lua_run_user(bar), &err);
    ckpt_autosave_free(&as);
    lua_run_end(bar);
    void **slot = lua_synthetic_new(L, 3);
    cz_error serr;
    cz_error_clear(&serr);
    if (ckpt_run_synthetic(run, (cz_synthetic **)slot, &serr) != CZ_OK)
        lua_api_raise_status(L, fn, &serr);
    if (st == CZ_EINTERRUPTED) {
        lua_setfield(L, LUA_REGISTRYINDEX, LUA_DISTILL_PARTIAL_KEY);
        ckpt_run_info(run, &info);
        char text[512];
        snprintf(text, sizeof text,
                 "dc.resume: interrupted after iteration %lld of %lld, saved to %s; "
                 "dc.resume(\"%s\") continues, dc.partial() is the set as it stood\n",
                 (long long)info.iteration, (long long)info.planned, path, path);
        note(L, text);
        interrupt_raise(L);
    }
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"key", l_key, "dc.key([{env = \"NAME\" | file = \"path\"}]) -> string",
     "Sets the session's checkpoint key. With no option it asks for a passphrase through the "
     "notebook's password prompt (not echoed); env = \"NAME\" reads it from an environment "
     "variable; file = \"path\" from a key file that must be mode 0600. The passphrase is "
     "never echoed, logged or stored in the notebook; it stays in locked memory and is wiped "
     "when the key is replaced or the kernel stops. Keys are stretched with Argon2id."},
    {"save", l_save, "dc.save(path, {name = object, ...}) -> string",
     "Saves engine objects (datasets, experts, surrogates, priors, synthetic sets, results) under "
     "their names to one encrypted, authenticated file, atomically: path holds either the old "
     "file or the new one. Needs dc.key first."},
    {"load", l_load, "dc.load(path) -> {name = object, ...}",
     "Loads a file written by dc.save: the objects exactly as saved (their digests are equal). "
     "A wrong key, a damaged or a truncated file is refused with an error that says which."},
    {"resume", l_resume, "dc.resume(path) -> synthetic",
     "Continues a distillation (mtt, btm, satm or prior) started with dc.distill{checkpoint = "
     "path, every = K} from its last autosave (or path.prev when path is damaged) to its "
     "planned end, autosaving as before. The file carries the dataset, the experts or curves "
     "and, for a prior run, the prior, so nothing else is needed. The result equals that of an "
     "uninterrupted run, bit for bit, on the same backend and thread count (prior runs: the "
     "CPU)."},
    {NULL, NULL, NULL, NULL},
};

const lua_api_group lua_checkpoint_group = {
    "dc",
    "Checkpoints: session key, save, load, resume (encrypted files).",
    funcs,
    lua_autosave_setup,
};
