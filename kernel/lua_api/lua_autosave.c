/* The autosave behind dc.distill{checkpoint = path, every = K}: dc.distill
 * (lua_distill.c) steps the run K iterations at a time and hands the state
 * here after each stretch and when it is interrupted (a SIGTERM interrupts
 * the running cell too, so the state at the stop is saved before the kernel
 * exits). The record is checkpoint/run.h's: the run state with copies of its
 * dataset and target source (and, for a run through a prior, of the prior),
 * so dc.resume(path) needs nothing else.
 *
 * A write that fails (a full disk, a folder that went away) raises, and the
 * record is kept in a pending slot that a shutdown hook writes once more
 * when the kernel stops, so a state that was computed is not dropped without
 * a last try. The pending slot holds ciphertext-to-be: it is wiped when
 * replaced or collected. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "../cellhost.h"
#include "../log.h"
#include "errors.h"
#include "lua_checkpoint.h"
#include "lua_run.h"
#include "objects.h"
#include "registry.h"

#define AUTOSAVE_KEY "condensa.autosave"
#define PENDING_KEY "condensa.autosave_pending"
#define PENDING_MT "condensa.autosave_pending"
#define DEFAULT_EVERY 50 /* dc.distill's default period */

typedef struct pending {
    char *path;
    uint8_t *data;
    size_t size;
    int64_t iteration, every;
    ckpt_key *key;         /* borrowed; user value 1 keeps its box alive */
    shutdown_hooks *hooks; /* the cell host's list */
    int handle;            /* the hook's handle, -1 when none */
} pending;

static void pending_clear(pending *p)
{
    if (p->data)
        memset(p->data, 0, p->size);
    free(p->data);
    free(p->path);
    p->data = NULL;
    p->path = NULL;
    p->size = 0;
    p->key = NULL;
}

static int pending_gc(lua_State *L)
{
    pending *p = luaL_checkudata(L, 1, PENDING_MT);
    if (p->hooks && p->handle >= 0)
        shutdown_hooks_remove(p->hooks, p->handle);
    p->handle = -1;
    pending_clear(p);
    return 0;
}

/* The shutdown hook: one more try at the write that failed. */
static void retry_at_shutdown(void *user, const char *reason)
{
    pending *p = user;
    p->handle = -1; /* the list forgets a hook once it ran */
    if (!p->data)
        return;
    cz_error err;
    cz_error_clear(&err);
    ckpt_autosave *as = ckpt_autosave_new(p->path, p->key, p->every, NULL, &err);
    ckpt_record rec = {CKPT_TYPE_RUN, CKPT_RUN_RECORD, p->data, p->size};
    cz_status st = as ? ckpt_autosave_write(as, p->iteration, &rec, 1, &err) : err.code;
    ckpt_autosave_free(&as);
    if (st == CZ_OK)
        log_info("%s: wrote the pending autosave of iteration %lld to %s", reason,
                 (long long)p->iteration, p->path);
    else
        log_error("%s: the pending autosave to %s failed again: %s", reason, p->path, err.msg);
    pending_clear(p);
}

/* The pending slot (created on first use; lives in the registry). */
static pending *pending_get(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
    pending *p = luaL_testudata(L, -1, PENDING_MT);
    lua_pop(L, 1);
    if (p)
        return p;
    p = lua_newuserdatauv(L, sizeof *p, 1);
    memset(p, 0, sizeof *p);
    p->handle = -1;
    if (luaL_newmetatable(L, PENDING_MT)) {
        lua_pushcfunction(L, pending_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
    return p;
}

/* Keeps the record that could not be written for the shutdown hook. */
static void keep_pending(lua_State *L, const char *path, const cz_bytes *b, int64_t iteration,
                         int64_t every, ckpt_key *key)
{
    pending *p = pending_get(L);
    pending_clear(p);
    p->path = strdup(path);
    p->data = malloc(b->len);
    if (!p->path || !p->data) {
        pending_clear(p);
        return;
    }
    memcpy(p->data, b->data, b->len);
    p->size = b->len;
    p->iteration = iteration;
    p->every = every;
    p->key = key;
    lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
    lua_checkpoint_push_key_box(L);
    lua_setiuservalue(L, -2, 1);
    lua_pop(L, 1);
    if (p->handle < 0) {
        p->hooks = cellhost_shutdown_hooks(cellhost_from_lua(L));
        p->handle = shutdown_hooks_add(p->hooks, retry_at_shutdown, p);
    }
}

static void drop_pending(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
    pending *p = luaL_testudata(L, -1, PENDING_MT);
    lua_pop(L, 1);
    if (p)
        pending_clear(p);
}

static int l_autosave(lua_State *L)
{
    const char *fn = "dc.distill";
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    ckpt_key *key = lua_checkpoint_key(L, fn);
    lua_getfield(L, 2, "dataset");
    const cz_dataset *d = lua_object_check(L, -1, &lua_dataset_kind, fn, 1);
    cz_match_source src = {0};
    lua_getfield(L, 2, "surrogate");
    if (!lua_isnil(L, -1))
        src.curves = lua_object_check(L, -1, &lua_surrogate_kind, fn, 2);
    lua_getfield(L, 2, "experts");
    if (!src.curves)
        src.experts = lua_object_check(L, -1, &lua_experts_kind, fn, 2);
    lua_getfield(L, 2, "prior");
    const cz_prior *prior = NULL;
    if (!lua_isnil(L, -1))
        prior = lua_object_check(L, -1, &lua_prior_kind, fn, 2);
    lua_getfield(L, 2, "run");
    size_t size = 0;
    const char *state = luaL_checklstring(L, -1, &size);
    lua_getfield(L, 2, "iteration");
    int64_t iteration = (int64_t)luaL_checkinteger(L, -1);
    lua_getfield(L, 2, "every");
    int64_t every = (int64_t)luaL_optinteger(L, -1, DEFAULT_EVERY);
    cz_error err;
    cz_error_clear(&err);
    cz_bytes b = {0};
    ckpt_autosave *as = NULL;
    cz_backend *be = lua_run_backend(L);
    cz_status st = ckpt_run_encode_parts(d, &src, prior, state, size, every, be, &b, &err);
    if (st == CZ_OK) {
        as = ckpt_autosave_new(path, key, every, NULL, &err);
        st = as ? CZ_OK : err.code;
    }
    if (st == CZ_OK) {
        ckpt_record rec = {CKPT_TYPE_RUN, CKPT_RUN_RECORD, b.data, b.len};
        st = ckpt_autosave_write(as, iteration, &rec, 1, &err);
        if (st != CZ_OK)
            keep_pending(L, path, &b, iteration, every, key);
        else
            drop_pending(L);
    }
    ckpt_autosave_free(&as);
    if (b.data)
        memset(b.data, 0, b.cap);
    cz_bytes_free(&b);
    if (st != CZ_OK)
        lua_api_raise_status(L, "dc.distill (autosave)", &err);
    return 0;
}

void lua_autosave_setup(lua_State *L)
{
    lua_pushcfunction(L, l_autosave);
    lua_setfield(L, LUA_REGISTRYINDEX, AUTOSAVE_KEY);
}
