/* The dc module's core: version, backend and threads. Engine bindings add
 * their functions to dc from their own files (registry.h). */
#include <lauxlib.h>
#include <string.h>

#include "cz.h"
#include "cz_config.h"
#include "../cellhost.h"
#include "errors.h"
#include "registry.h"

static int l_version(lua_State *L)
{
    lua_pushliteral(L, CZ_VERSION);
    return 1;
}

static int backend_tostring(lua_State *L)
{
    lua_getfield(L, 1, "description");
    return 1;
}

/* Pushes {name, description, threads} for be, shown as its description. */
static void push_backend_info(lua_State *L, cz_backend *be)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, cz_backend_name(be));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, cz_backend_describe(be));
    lua_setfield(L, -2, "description");
    lua_pushinteger(L, cz_backend_threads(be));
    lua_setfield(L, -2, "threads");
    if (luaL_newmetatable(L, "condensa.backend_info")) {
        lua_pushcfunction(L, backend_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_setmetatable(L, -2);
}

static int l_backend(lua_State *L)
{
    cellhost *h = cellhost_from_lua(L);
    if (!lua_isnoneornil(L, 1)) {
        const char *name = luaL_checkstring(L, 1);
        cz_error err;
        cz_error_clear(&err);
        cz_backend *be = cz_backend_select(name, &err);
        if (!be)
            lua_api_raise_status(L, "dc.backend", &err);
        cellhost_set_backend(h, be);
    }
    push_backend_info(L, cellhost_backend(h));
    return 1;
}

static int l_threads(lua_State *L)
{
    cz_backend *be = cellhost_backend(cellhost_from_lua(L));
    if (!lua_isnoneornil(L, 1)) {
        int isint = 0;
        lua_Integer n = lua_tointegerx(L, 1, &isint);
        if (!isint || n < 1 || n > 1024)
            lua_api_error(L, "ValueError", "pass a whole number such as dc.threads(4)",
                          "dc.threads: %s is not a thread count from 1 to 1024", luaL_tolstring(L, 1, NULL));
        cz_backend_set_threads(be, (int)n);
    }
    lua_pushinteger(L, cz_backend_threads(be));
    return 1;
}

static const lua_api_func funcs[] = {
    {"version", l_version, "dc.version() -> string",
     "The Condensa version, e.g. \"" CZ_VERSION "\"."},
    {"backend", l_backend, "dc.backend([name]) -> {name, description, threads}",
     "The compute backend engine calls run on. With a name (\"cpu\", \"cuda\" or \"auto\") it "
     "switches first; an unavailable backend is an error that says why. The kernel starts on "
     "$CONDENSA_BACKEND (default \"auto\": CUDA when built and a GPU answers, else CPU). Results "
     "are reproducible bit for bit for a given backend and thread count."},
    {"threads", l_threads, "dc.threads([n]) -> integer",
     "The number of CPU threads BLAS and the CPU kernels use; with n, sets it first (1..1024). "
     "The kernel starts on $CONDENSA_THREADS when set."},
    {NULL, NULL, NULL, NULL},
};

const lua_api_group lua_dc_group = {
    "dc",
    "Engine: version, compute backend, threads.",
    funcs,
    NULL,
};
