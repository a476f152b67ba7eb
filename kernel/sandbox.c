/* The sandbox; see sandbox.h. */
#include "sandbox.h"

#include <lauxlib.h>

static void remove_field(lua_State *L, const char *table, const char *field)
{
    if (lua_getglobal(L, table) == LUA_TTABLE) {
        lua_pushnil(L);
        lua_setfield(L, -2, field);
    }
    lua_pop(L, 1);
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t". */
static int load_text_only(lua_State *L)
{
    lua_settop(L, 4);
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L);
}

/* loadfile(filename [, mode [, env]]) with mode forced to "t". */
static int loadfile_text_only(lua_State *L)
{
    const char *name = luaL_optstring(L, 1, NULL);
    int env = !lua_isnone(L, 3) ? 3 : 0;
    if (luaL_loadfilex(L, name, "t") == LUA_OK) {
        if (env) {
            lua_pushvalue(L, env);
            if (!lua_setupvalue(L, -2, 1))
                lua_pop(L, 1);
        }
        return 1;
    }
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int dofile_text_only(lua_State *L)
{
    const char *name = luaL_optstring(L, 1, NULL);
    lua_settop(L, 1);
    if (luaL_loadfilex(L, name, "t") != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, LUA_MULTRET);
    return lua_gettop(L) - 1;
}

static int exit_refused(lua_State *L)
{
    return luaL_error(L, "os.exit is disabled in the notebook: it would kill the kernel; "
                         "use the notebook's restart or shut down instead");
}

void sandbox_apply(lua_State *L)
{
    remove_field(L, "os", "execute");
    remove_field(L, "io", "popen");
    remove_field(L, "package", "loadlib");
    if (lua_getglobal(L, "os") == LUA_TTABLE) {
        lua_pushcfunction(L, exit_refused);
        lua_setfield(L, -2, "exit");
    }
    lua_pop(L, 1);
    /* package.searchers: keep the preload and Lua-file searchers (1, 2),
     * drop the C and all-in-one loaders (3, 4). */
    if (lua_getglobal(L, "package") == LUA_TTABLE) {
        lua_pushliteral(L, "");
        lua_setfield(L, -2, "cpath");
        if (lua_getfield(L, -1, "searchers") == LUA_TTABLE) {
            lua_pushnil(L);
            lua_rawseti(L, -2, 4);
            lua_pushnil(L);
            lua_rawseti(L, -2, 3);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_getglobal(L, "load");
    lua_pushcclosure(L, load_text_only, 1);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, loadfile_text_only);
    lua_setglobal(L, "loadfile");
    lua_pushcfunction(L, dofile_text_only);
    lua_setglobal(L, "dofile");
}
