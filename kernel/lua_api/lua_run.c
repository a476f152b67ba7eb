/* Progress and cancellation of long engine calls; see lua_run.h. */
#include "lua_run.h"

#include <lauxlib.h>

#include "../cellhost.h"
#include "../display/progress.h"
#include "errors.h"

#define RUN_MT "condensa.run"

struct lua_run {
    progress_bar *bar;
    int64_t steps;
};

static void run_emit(void *user, json_t *data, const char *display_id, bool update)
{
    cellhost_display(user, data, NULL, display_id, update);
}

static int run_gc(lua_State *L)
{
    lua_run *r = luaL_checkudata(L, 1, RUN_MT);
    progress_free(&r->bar);
    return 0;
}

static int run_callback(const cz_progress *p, void *user)
{
    lua_run *r = user;
    r->steps = p->step;
    return progress_engine_callback(p, r->bar);
}

lua_run *lua_run_begin(lua_State *L, const char *label, int64_t total)
{
    lua_run *r = lua_newuserdatauv(L, sizeof *r, 0);
    r->bar = NULL;
    r->steps = 0;
    if (luaL_newmetatable(L, RUN_MT)) {
        lua_pushcfunction(L, run_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    r->bar = progress_new(label, total, run_emit, cellhost_from_lua(L));
    if (!r->bar)
        lua_api_error(L, "MemoryError", NULL, "%s: out of memory for the progress bar", label);
    return r;
}

cz_progress_fn lua_run_progress(void)
{
    return run_callback;
}

void *lua_run_user(lua_run *r)
{
    return r;
}

const cz_cancel *lua_run_cancel(lua_State *L)
{
    return cellhost_cancel(cellhost_from_lua(L));
}

cz_backend *lua_run_backend(lua_State *L)
{
    return cellhost_backend(cellhost_from_lua(L));
}

void lua_run_end(lua_run *r)
{
    progress_finish(r->bar);
}

int64_t lua_run_steps(const lua_run *r)
{
    return r->steps;
}
