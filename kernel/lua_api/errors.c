/* Error objects; see errors.h. */
#include "errors.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>

#include "../interrupt.h"

static int error_tostring(lua_State *L)
{
    lua_getfield(L, 1, "name");
    lua_getfield(L, 1, "message");
    lua_pushfstring(L, "%s: %s", luaL_optstring(L, -2, "Error"), luaL_optstring(L, -1, ""));
    return 1;
}

void lua_api_push_error(lua_State *L, const char *name, const char *message, const char *hint)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, message);
    lua_setfield(L, -2, "message");
    if (hint && *hint) {
        lua_pushstring(L, hint);
        lua_setfield(L, -2, "hint");
    }
    if (luaL_newmetatable(L, LUA_API_ERROR_MT)) {
        lua_pushcfunction(L, error_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_setmetatable(L, -2);
}

int lua_api_error(lua_State *L, const char *name, const char *hint, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lua_api_push_error(L, name, msg, hint);
    lua_error(L);
    for (;;) {
    }
}

const char *lua_api_status_ename(cz_status s)
{
    switch (s) {
    case CZ_EINVAL: return "ValueError";
    case CZ_ESHAPE: return "ShapeError";
    case CZ_ENOMEM: return "MemoryError";
    case CZ_EIO: return "IOError";
    case CZ_EFORMAT: return "FormatError";
    case CZ_EINTERRUPTED: return "KeyboardInterrupt";
    case CZ_ENUMERIC: return "NumericError";
    case CZ_EBACKEND: return "BackendError";
    case CZ_EUNSUPPORTED: return "UnsupportedError";
    case CZ_ESTATE: return "StateError";
    case CZ_EAUTH: return "AuthError";
    default: return "EngineError";
    }
}

int lua_api_raise_status(lua_State *L, const char *fn, const cz_error *err)
{
    if (err->code == CZ_EINTERRUPTED)
        interrupt_raise(L);
    char msg[CZ_ERROR_TEXT + 64];
    snprintf(msg, sizeof msg, "%s: %s", fn, err->msg);
    lua_api_push_error(L, lua_api_status_ename(err->code), msg, err->hint);
    lua_error(L);
    for (;;) {
    }
}

bool lua_api_error_fields(lua_State *L, int idx, const char **name, const char **message,
                          const char **hint)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx) || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, LUA_API_ERROR_MT);
    bool ours = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!ours)
        return false;
    lua_getfield(L, idx, "name");
    *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "Error";
    lua_getfield(L, idx, "message");
    *message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    lua_getfield(L, idx, "hint");
    *hint = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    /* The strings stay referenced by the table at idx, so popping is safe. */
    lua_pop(L, 3);
    return true;
}
