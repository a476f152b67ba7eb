/* The common shape of engine objects in Lua; see objects.h. */
#include "objects.h"

#include <lauxlib.h>
#include <stdio.h>

#include "errors.h"

/* One engine pointer; NULL once freed (or before the engine call filled it). */
typedef struct lua_object {
    void *obj;
} lua_object;

static const lua_object_kind *upvalue_kind(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int object_gc(lua_State *L)
{
    const lua_object_kind *k = upvalue_kind(L);
    lua_object *o = luaL_testudata(L, 1, k->metatable);
    if (o && o->obj) {
        k->free(o->obj);
        o->obj = NULL;
    }
    return 0;
}

static int object_info(lua_State *L)
{
    const lua_object_kind *k = upvalue_kind(L);
    char fn[64];
    snprintf(fn, sizeof fn, "%s:info", k->kind);
    const void *obj = lua_object_check(L, 1, k, fn, 1);
    lua_newtable(L);
    lua_set_str(L, "kind", k->kind);
    lua_object_push_digest(L, k, obj);
    lua_setfield(L, -2, "digest");
    k->info(L, obj, 1);
    return 1;
}

static int object_tostring(lua_State *L)
{
    const lua_object_kind *k = upvalue_kind(L);
    lua_object *o = luaL_testudata(L, 1, k->metatable);
    if (!o || !o->obj) {
        lua_pushfstring(L, "%s (empty)", k->kind);
        return 1;
    }
    k->text(L, o->obj, 1);
    return 1;
}

static int object_mime(lua_State *L)
{
    const lua_object_kind *k = upvalue_kind(L);
    lua_object *o = luaL_testudata(L, 1, k->metatable);
    if (!o || !o->obj || !k->mime) {
        lua_newtable(L);
        return 1;
    }
    k->mime(L, o->obj, 1);
    object_tostring(L);
    lua_setfield(L, -2, "text/plain");
    return 1;
}

static void set_closure(lua_State *L, const lua_object_kind *k, lua_CFunction f, const char *name)
{
    lua_pushlightuserdata(L, (void *)k);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
}

void lua_object_register(lua_State *L, const lua_object_kind *k)
{
    if (!luaL_newmetatable(L, k->metatable)) {
        lua_pop(L, 1);
        return;
    }
    set_closure(L, k, object_gc, "__gc");
    set_closure(L, k, object_tostring, "__tostring");
    set_closure(L, k, object_mime, "__mime");
    lua_newtable(L);
    set_closure(L, k, object_info, "info");
    if (k->methods)
        luaL_setfuncs(L, k->methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void **lua_object_new(lua_State *L, const lua_object_kind *k, int nuv)
{
    lua_object *o = lua_newuserdatauv(L, sizeof *o, nuv);
    o->obj = NULL;
    luaL_setmetatable(L, k->metatable);
    return &o->obj;
}

void *lua_object_test(lua_State *L, int idx, const lua_object_kind *k)
{
    lua_object *o = luaL_testudata(L, idx, k->metatable);
    return o ? o->obj : NULL;
}

const lua_object_kind *lua_object_kind_of(lua_State *L, int idx)
{
    for (const lua_object_kind *const *k = lua_object_kinds(); *k; k++)
        if (luaL_testudata(L, idx, (*k)->metatable))
            return *k;
    return NULL;
}

void *lua_object_check(lua_State *L, int idx, const lua_object_kind *k, const char *fn, int arg)
{
    void *obj = lua_object_test(L, idx, k);
    if (obj)
        return obj;
    const lua_object_kind *other = lua_object_kind_of(L, idx);
    lua_api_error(L, "ValueError", NULL, "%s: argument %d must be %s, got %s%s", fn, arg, k->noun,
                  other ? other->noun : "a ", other ? "" : luaL_typename(L, idx));
}

void lua_object_push_digest(lua_State *L, const lua_object_kind *k, const void *obj)
{
    uint8_t d[32];
    cz_error err;
    cz_error_clear(&err);
    if (k->digest(obj, d, &err) != CZ_OK)
        lua_api_raise_status(L, "info", &err);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    lua_pushstring(L, hex);
}

void lua_set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

void lua_set_num(lua_State *L, const char *key, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

void lua_set_str(lua_State *L, const char *key, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, key);
}

static const lua_object_kind *const kinds[] = {
    &lua_dataset_kind, &lua_experts_kind, &lua_surrogate_kind, &lua_synthetic_kind,
    &lua_result_kind, &lua_prior_kind, NULL,
};

const lua_object_kind *const *lua_object_kinds(void)
{
    return kinds;
}
