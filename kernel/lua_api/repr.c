/* Value rendering; see repr.h. */
#include "repr.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"

static void render(lua_State *L, int idx, strbuf *b, int depth, int seen);

static bool is_identifier(const char *s, size_t len)
{
    static const char *const keywords[] = {
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
        "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while", NULL,
    };
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    for (size_t i = 0; keywords[i]; i++)
        if (strcmp(s, keywords[i]) == 0)
            return false;
    return true;
}

static void quoted(strbuf *b, const char *s, size_t len)
{
    sb_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f)
            continue;
        sb_append(b, s + run, i - run);
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_append(b, esc, 2);
        } else if (c == '\n') {
            sb_puts(b, "\\n");
        } else if (c == '\t') {
            sb_puts(b, "\\t");
        } else {
            sb_printf(b, "\\%d", c);
        }
        run = i + 1;
    }
    sb_append(b, s + run, len - run);
    sb_append(b, "\"", 1);
}

static void via_tostring(lua_State *L, int idx, strbuf *b)
{
    size_t len;
    const char *s = luaL_tolstring(L, idx, &len);
    sb_append(b, s, len);
    lua_pop(L, 1);
}

static void render_function(lua_State *L, int idx, strbuf *b)
{
    lua_Debug ar;
    lua_pushvalue(L, idx);
    if (lua_getinfo(L, ">S", &ar) && ar.what && strcmp(ar.what, "C") != 0)
        sb_printf(b, "function <%s:%d>", ar.short_src, ar.linedefined);
    else
        sb_puts(b, "function: builtin");
}

/* Orders key renderings by text ("[1]" sorts before names). */
static int key_order(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    return strcmp(a, b);
}

static bool in_sequence(lua_State *L, int idx, lua_Integer n)
{
    return lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 1 && lua_tointeger(L, idx) <= n;
}

/* Pushes the rendering of the key at idx: name, ["quoted"] or [value]. */
static void push_key_rendering(lua_State *L, int idx, int seen)
{
    strbuf *kb = box_strbuf(L);
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (is_identifier(s, len)) {
            sb_append(kb, s, len);
        } else {
            sb_puts(kb, "[");
            quoted(kb, s, len);
            sb_puts(kb, "]");
        }
    } else {
        sb_puts(kb, "[");
        render(L, idx, kb, REPR_MAX_DEPTH, seen);
        sb_puts(kb, "]");
    }
    lua_pushlstring(L, kb->data ? kb->data : "", kb->len);
    lua_remove(L, -2);
}

static void render_table(lua_State *L, int idx, strbuf *b, int depth, int seen)
{
    lua_pushvalue(L, idx);
    if (lua_rawget(L, seen) != LUA_TNIL) {
        lua_pop(L, 1);
        sb_puts(b, "<cycle>");
        return;
    }
    lua_pop(L, 1);
    if (depth >= REPR_MAX_DEPTH) {
        sb_puts(b, "{...}");
        return;
    }
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);

    sb_puts(b, "{");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    int shown = 0;
    for (lua_Integer i = 1; i <= n && shown < REPR_MAX_ITEMS; i++, shown++) {
        if (i > 1)
            sb_puts(b, ", ");
        lua_rawgeti(L, idx, i);
        render(L, lua_gettop(L), b, depth + 1, seen);
        lua_pop(L, 1);
    }
    /* The other keys, sorted by their rendering. Renderings are Lua strings
     * anchored in a table (anchor[i] = rendering, anchor[rendering] = key);
     * the sort works on pointers to them in a GC-owned block. */
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!in_sequence(L, -1, n))
            count++;
    }
    if (count > 0) {
        size_t limit = count < 1000 ? count : 1000;   /* do not sort huge maps */
        const char **keys = box_block(L, limit * sizeof *keys);
        int keys_box = lua_gettop(L);
        lua_createtable(L, (int)limit, (int)limit);
        int anchor = lua_gettop(L);
        size_t k = 0;
        lua_pushnil(L);
        while (k < limit && lua_next(L, idx)) {
            lua_pop(L, 1);   /* key on top */
            if (in_sequence(L, -1, n))
                continue;
            push_key_rendering(L, lua_gettop(L), seen);
            keys[k] = lua_tostring(L, -1);
            lua_pushvalue(L, -1);
            lua_rawseti(L, anchor, (lua_Integer)k + 1);
            lua_pushvalue(L, -2);
            lua_rawset(L, anchor);   /* anchor[rendering] = key */
            k++;
        }
        lua_settop(L, anchor);   /* drops the key lua_next left if we stopped early */
        qsort(keys, k, sizeof *keys, key_order);
        for (size_t i = 0; i < k && shown < REPR_MAX_ITEMS; i++, shown++) {
            if (shown > 0)
                sb_puts(b, ", ");
            sb_puts(b, keys[i]);
            sb_puts(b, " = ");
            lua_getfield(L, anchor, keys[i]);
            lua_rawget(L, idx);
            render(L, lua_gettop(L), b, depth + 1, seen);
            lua_pop(L, 1);
        }
        lua_settop(L, keys_box - 1);
    }
    if ((size_t)n + count > (size_t)shown)
        sb_printf(b, ", ... (%zu more)", (size_t)n + count - (size_t)shown);
    sb_puts(b, "}");
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, seen);
}

static void render(lua_State *L, int idx, strbuf *b, int depth, int seen)
{
    if (b->len > REPR_MAX_BYTES)
        return;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (depth == 0)
            sb_append(b, s, len);
        else
            quoted(b, s, len);
        break;
    }
    case LUA_TTABLE:
        if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL ||
            luaL_getmetafield(L, idx, "__name") != LUA_TNIL) {
            lua_pop(L, 1);
            via_tostring(L, idx, b);
        } else {
            render_table(L, idx, b, depth, seen);
        }
        break;
    case LUA_TFUNCTION:
        render_function(L, idx, b);
        break;
    default:
        via_tostring(L, idx, b);
        break;
    }
    if (b->len > REPR_MAX_BYTES)
        sb_puts(b, " ... (cut)");
}

void repr_append(lua_State *L, int idx, strbuf *out)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);   /* tables being rendered, for cycles */
    render(L, idx, out, 0, lua_gettop(L));
    lua_pop(L, 1);
}

void repr_push(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    strbuf *b = box_strbuf(L);
    repr_append(L, idx, b);
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    lua_remove(L, -2);
}
