/* Value -> MIME bundle, and Lua <-> JSON; see bundle.h. */
#include "bundle.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "../display/mime.h"
#include "../text.h"
#include "box.h"
#include "errors.h"
#include "repr.h"

#define JSON_MAX_DEPTH 32

static json_t *to_json(lua_State *L, int idx, int depth);

static json_t *checked(lua_State *L, json_t *v)
{
    if (!v)
        luaL_error(L, "out of memory converting to JSON");
    return v;
}

static json_t *table_to_json(lua_State *L, int idx, int depth)
{
    json_t **box = box_json(L);   /* the container survives a raise below */
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    size_t total = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        total++;
    }
    if (n > 0 && (size_t)n == total) {
        *box = checked(L, json_array());
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            json_array_append_new(*box, to_json(L, lua_gettop(L), depth + 1));
            lua_pop(L, 1);
        }
    } else {
        *box = checked(L, json_object());
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pushvalue(L, -2);   /* a copy: tolstring on a number key would confuse lua_next */
            size_t klen, clen;
            const char *k = luaL_tolstring(L, -1, &klen);
            json_t *v = to_json(L, lua_gettop(L) - 2, depth + 1);
            /* no Lua call between here and the insert: v cannot leak */
            char *clean = utf8_repair(k, klen, &clen);
            if (!clean)
                json_decref(v);
            /* json_object_setn_new steals v even when it fails */
            if (!clean || json_object_setn_new(*box, clean, clen, v)) {
                free(clean);
                luaL_error(L, "out of memory converting to JSON");
            }
            free(clean);
            lua_pop(L, 3);   /* tostring, key copy, value */
        }
    }
    json_t *out = *box;
    *box = NULL;
    lua_pop(L, 1);
    return out;
}

static json_t *to_json(lua_State *L, int idx, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        lua_api_error(L, "ValueError", "flatten the data or remove the cycle",
                      "value nests deeper than %d levels (a cycle?)", JSON_MAX_DEPTH);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return checked(L, json_null());
    case LUA_TBOOLEAN:
        return checked(L, json_boolean(lua_toboolean(L, idx)));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return checked(L, json_integer((json_int_t)lua_tointeger(L, idx)));
        if (!isfinite(lua_tonumber(L, idx)))
            return checked(L, json_null());
        return checked(L, json_real(lua_tonumber(L, idx)));
    case LUA_TSTRING: {
        size_t len, clen;
        const char *s = lua_tolstring(L, idx, &len);
        char *clean = utf8_repair(s, len, &clen);
        json_t *v = clean ? json_stringn(clean, clen) : NULL;
        free(clean);
        return checked(L, v);
    }
    case LUA_TTABLE:
        return table_to_json(L, lua_absindex(L, idx), depth);
    default:
        lua_api_error(L, "ValueError", "use tables, strings, numbers and booleans",
                      "a %s cannot be converted to JSON", luaL_typename(L, idx));
    }
}

json_t *lua_to_json(lua_State *L, int idx)
{
    return to_json(L, lua_absindex(L, idx), 0);
}

void json_push_lua(lua_State *L, const json_t *v)
{
    luaL_checkstack(L, 4, "JSON nests too deeply");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *item;
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_foreach((json_t *)v, key, item) {
            json_push_lua(L, item);
            lua_setfield(L, -2, key);
        }
        break;
    }
    case JSON_ARRAY: {
        lua_createtable(L, (int)json_array_size(v), 0);
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_push_lua(L, json_array_get(v, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(v));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(v));
        break;
    default:
        lua_pushnil(L);
        break;
    }
}

/* data[mime] from the Lua value at vidx, per the kind of type. */
static void set_entry(lua_State *L, json_t *data, const char *mime, int vidx)
{
    if (!mime_type_valid(mime))
        lua_api_error(L, "ValueError", "write types like \"text/html\" or \"image/png\"",
                      "__mime: \"%s\" is not a MIME type", mime);
    int rc;
    if (mime_type_json(mime)) {
        rc = json_object_set_new(data, mime, lua_to_json(L, vidx));
    } else if (lua_type(L, vidx) != LUA_TSTRING) {
        lua_api_error(L, "ValueError", "return a string for text and binary types",
                      "__mime: the value for %s is a %s, not a string", mime, luaL_typename(L, vidx));
    } else {
        size_t len;
        const char *s = lua_tolstring(L, vidx, &len);
        if (mime_type_binary(mime)) {
            if (strcmp(mime, "image/png") == 0 && !mime_is_png(s, len))
                lua_api_error(L, "ValueError", "return the raw PNG bytes (they start with \\x89PNG)",
                              "__mime: the image/png value is not PNG data");
            rc = mime_bundle_set_base64(data, mime, s, len);
        } else {
            rc = mime_bundle_set_text(data, mime, s, len);
        }
    }
    if (rc)
        luaL_error(L, "out of memory building a display bundle");
}

void bundle_of_value(lua_State *L, int idx, json_t **data_out, json_t **meta_out)
{
    idx = lua_absindex(L, idx);
    *data_out = *meta_out = NULL;
    json_t **data = box_json(L);
    json_t **meta = box_json(L);
    *data = checked(L, json_object());
    if (luaL_getmetafield(L, idx, "__mime") != LUA_TNIL) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 2);
        if (!lua_istable(L, -2))
            lua_api_error(L, "ValueError", "return a table {[\"text/html\"] = ..., ...}",
                          "__mime returned a %s, not a table", luaL_typename(L, -2));
        int tbl = lua_absindex(L, -2);
        lua_pushnil(L);
        while (lua_next(L, tbl)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                lua_api_error(L, "ValueError", NULL, "__mime: keys must be MIME type strings");
            set_entry(L, *data, lua_tostring(L, -2), lua_gettop(L));
            lua_pop(L, 1);
        }
        if (lua_istable(L, -1))
            *meta = lua_to_json(L, -1);
        lua_pop(L, 2);
    }
    if (!json_object_get(*data, "text/plain")) {
        repr_push(L, idx);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (mime_bundle_set_text(*data, "text/plain", s, len))
            luaL_error(L, "out of memory building a display bundle");
        lua_pop(L, 1);
    }
    *data_out = *data;
    *meta_out = *meta;
    *data = *meta = NULL;
    lua_pop(L, 2);
}
