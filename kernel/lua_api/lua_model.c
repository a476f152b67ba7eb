/* Model tables; see lua_model.h. */
#include "lua_model.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "methods/common.h"
#include "options.h"

static void set_arch(lua_State *L, const char *fn, const char *what, const char *name,
                     const cz_dataset *d, cz_model_spec *s)
{
    cz_error err;
    cz_error_clear(&err);
    cz_arch a;
    if (cz_arch_parse(name, &a, &err) != CZ_OK) {
        char where[96];
        snprintf(where, sizeof where, "%s (%s)", fn, what);
        lua_api_raise_status(L, where, &err);
    }
    if (a != s->arch) {
        s->arch = a;
        s->depth = a == CZ_ARCH_MLP ? 2 : 3;
        s->instance_norm = a == CZ_ARCH_MLP ? 0 : 1;
    }
    (void)d;
}

void lua_model_spec(lua_State *L, int idx, const char *fn, const char *what, const cz_dataset *d,
                    cz_model_spec *out)
{
    idx = lua_absindex(L, idx);
    cz_model_spec s = cz_default_spec(d);
    if (lua_type(L, idx) == LUA_TSTRING) {
        set_arch(L, fn, what, lua_tostring(L, idx), d, &s);
    } else if (lua_istable(L, idx)) {
        static const char *const known[] = {"arch", "width", "depth", "instance_norm", NULL};
        char where[96];
        snprintf(where, sizeof where, "%s (%s)", fn, what);
        opts_check(L, idx, where, known);
        const char *arch = opts_string(L, idx, where, "arch", NULL);
        if (arch)
            set_arch(L, fn, what, arch, d, &s);
        s.hidden = (int)opts_integer(L, idx, where, "width", s.hidden, 1, 1 << 16);
        s.depth = (int)opts_integer(L, idx, where, "depth", s.depth, 1, 64);
        s.instance_norm = opts_boolean(L, idx, where, "instance_norm", s.instance_norm != 0);
    } else if (!lua_isnoneornil(L, idx)) {
        lua_api_error(L, "ValueError", "e.g. {arch = \"mlp\", width = 128, depth = 2} or \"mlp\"",
                      "%s: option \"%s\" must be a model table or an architecture name, got a %s",
                      fn, what, luaL_typename(L, idx));
    }
    cz_error err;
    cz_error_clear(&err);
    if (cz_spec_check_dataset(&s, d, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    *out = s;
}

int lua_model_specs(lua_State *L, int idx, const char *fn, const char *what, const cz_dataset *d,
                    cz_model_spec *out, int cap)
{
    idx = lua_absindex(L, idx);
    /* A list is a table with [1]; a model table has named fields. */
    if (!lua_istable(L, idx) || lua_rawlen(L, idx) == 0) {
        lua_model_spec(L, idx, fn, what, d, &out[0]);
        return 1;
    }
    int n = (int)lua_rawlen(L, idx);
    if (n > cap)
        lua_api_error(L, "ValueError", NULL, "%s: at most %d architectures in \"%s\", got %d", fn,
                      cap, what, n);
    for (int i = 0; i < n; i++) {
        char item[64];
        snprintf(item, sizeof item, "%s[%d]", what, i + 1);
        lua_rawgeti(L, idx, i + 1);
        lua_model_spec(L, -1, fn, item, d, &out[i]);
        lua_pop(L, 1);
    }
    return n;
}

void lua_model_push(lua_State *L, const cz_model_spec *s)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, cz_arch_name(s->arch));
    lua_setfield(L, -2, "arch");
    lua_pushinteger(L, s->hidden);
    lua_setfield(L, -2, "width");
    lua_pushinteger(L, s->depth);
    lua_setfield(L, -2, "depth");
    if (s->arch != CZ_ARCH_MLP) {
        lua_pushboolean(L, s->instance_norm);
        lua_setfield(L, -2, "instance_norm");
    }
}
