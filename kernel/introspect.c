/* Completion, help and completeness; see introspect.h. */
#include "introspect.h"

#include <ctype.h>
#include <lauxlib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lua_api/help_builtin.h"
#include "lua_api/registry.h"
#include "lua_api/repr.h"
#include "text.h"

#define MAX_MATCHES 500

static const char *const keywords[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
    "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while", NULL,
};

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Pushes field key of the value at idx by raw lookups, following __index
 * tables (methods, string functions on strings) a few levels; nil if none. */
static int push_field(lua_State *L, int idx, const char *key, size_t klen)
{
    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    for (int depth = 0; depth < 5; depth++) {
        if (lua_istable(L, -1)) {
            lua_pushlstring(L, key, klen);
            int t = lua_rawget(L, -2);
            if (t != LUA_TNIL) {
                lua_remove(L, -2);
                return t;
            }
            lua_pop(L, 1);
        }
        if (!lua_getmetatable(L, -1))
            break;
        lua_pushliteral(L, "__index");
        if (lua_rawget(L, -2) != LUA_TTABLE) {
            lua_pop(L, 2);
            break;
        }
        lua_remove(L, -2);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    return LUA_TNIL;
}

/* Pushes the value of a path like "dc", "string.format" or "obj:method". */
static void push_path(lua_State *L, const char *path, size_t len)
{
    lua_pushglobaltable(L);
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && path[j] != '.' && path[j] != ':')
            j++;
        int t = push_field(L, -1, path + i, j - i);
        lua_remove(L, -2);
        if (t == LUA_TNIL || j >= len)
            return;
        i = j + 1;
    }
}

/* Adds the string keys of the table at idx starting with partial. */
static void add_keys(lua_State *L, int idx, const char *prefix, size_t plen, const char *partial,
                     size_t partial_len, bool functions_only, strbuf *scratch, json_t *seen)
{
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TSTRING && json_object_size(seen) < MAX_MATCHES) {
            size_t klen;
            const char *k = lua_tolstring(L, -2, &klen);
            bool ok = klen >= partial_len && memcmp(k, partial, partial_len) == 0 && klen > 0 &&
                      (isalpha((unsigned char)k[0]) || k[0] == '_');
            for (size_t i = 0; ok && i < klen; i++)
                ok = name_char(k[i]);
            if (ok && functions_only)
                ok = lua_isfunction(L, -1);
            if (ok) {
                scratch->len = 0;
                sb_append(scratch, prefix, plen);
                sb_append(scratch, k, klen);
                if (!scratch->oom)
                    json_object_set_new(seen, scratch->data, json_true());
            }
        }
        lua_pop(L, 1);
    }
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t complete_impl(lua_State *L, const char *code, size_t len, size_t cursor, size_t *start,
                            size_t *end, json_t *matches)
{
    if (cursor > len)
        cursor = len;
    size_t s = cursor;
    while (s > 0 && (name_char(code[s - 1]) || code[s - 1] == '.' || code[s - 1] == ':'))
        s--;
    *start = *end = cursor;
    if (s < cursor && isdigit((unsigned char)code[s]))
        return 0;   /* a number, not a name */
    const char *token = code + s;
    size_t tlen = cursor - s;
    size_t sep = tlen;
    while (sep > 0 && token[sep - 1] != '.' && token[sep - 1] != ':')
        sep--;
    const char *partial = token + sep;
    size_t partial_len = tlen - sep;
    json_t *seen = json_object();
    strbuf scratch = {0};
    if (!seen)
        return 0;
    int top = lua_gettop(L);
    if (sep == 0) {
        lua_pushglobaltable(L);
        add_keys(L, lua_gettop(L), "", 0, partial, partial_len, false, &scratch, seen);
        for (size_t i = 0; keywords[i]; i++)
            if (strncmp(keywords[i], partial, partial_len) == 0)
                json_object_set_new(seen, keywords[i], json_true());
    } else {
        bool method = token[sep - 1] == ':';
        push_path(L, token, sep - 1);
        int obj = lua_gettop(L);
        if (lua_istable(L, obj) && !method)
            add_keys(L, obj, token, sep, partial, partial_len, false, &scratch, seen);
        /* methods and inherited fields: the __index table chain */
        lua_pushvalue(L, obj);
        for (int depth = 0; depth < 5 && lua_getmetatable(L, -1); depth++) {
            lua_pushliteral(L, "__index");
            if (lua_rawget(L, -2) != LUA_TTABLE) {
                lua_pop(L, 2);
                break;
            }
            add_keys(L, lua_gettop(L), token, sep, partial, partial_len, method, &scratch, seen);
            lua_remove(L, -2);
            lua_remove(L, -2);
        }
    }
    lua_settop(L, top);
    sb_free(&scratch);
    size_t n = json_object_size(seen);
    const char **names = n ? malloc(n * sizeof *names) : NULL;
    if (names) {
        size_t k = 0;
        const char *key;
        json_t *v;
        json_object_foreach(seen, key, v) names[k++] = key;
        qsort(names, n, sizeof *names, compare_strings);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(matches, json_string(names[i]));
    }
    free(names);
    json_decref(seen);
    *start = s;
    *end = cursor;
    return names ? n : 0;
}

const char *introspect_is_complete(lua_State *L, const char *code, size_t len)
{
    strbuf b = {0};
    sb_puts(&b, "return ");
    sb_append(&b, code, len);
    int st = b.oom ? LUA_ERRMEM : luaL_loadbufferx(L, b.data, b.len, "=cell", "t");
    sb_free(&b);
    lua_pop(L, 1);
    if (st == LUA_OK)
        return "complete";
    st = luaL_loadbufferx(L, code, len, "=cell", "t");
    const char *verdict = "complete";
    if (st == LUA_ERRSYNTAX) {
        /* lua.c's trick: an error at the end of input means "keep typing" */
        size_t mlen;
        const char *msg = lua_tolstring(L, -1, &mlen);
        verdict = msg && mlen >= 5 && strcmp(msg + mlen - 5, "<eof>") == 0 ? "incomplete" : "invalid";
    } else if (st != LUA_OK) {
        verdict = "invalid";
    }
    lua_pop(L, 1);
    return verdict;
}

/* Protected: pushes a description of the value at arg 2 named by arg 1. */
static int describe(lua_State *L)
{
    const char *name = lua_tostring(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: %s\n", name, luaL_typename(L, 2));
    luaL_addvalue(&b);
    if (lua_isfunction(L, 2)) {
        lua_Debug ar;
        lua_pushvalue(L, 2);
        lua_getinfo(L, ">Su", &ar);
        if (strcmp(ar.what, "C") == 0)
            lua_pushliteral(L, "a built-in function");
        else
            lua_pushfstring(L, "defined at %s:%d, %d parameter%s%s", ar.short_src, ar.linedefined,
                            ar.nparams, ar.nparams == 1 ? "" : "s", ar.isvararg ? " and ..." : "");
        luaL_addvalue(&b);
    } else {
        repr_push(L, 2);
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (n > 4000) {
            lua_pushlstring(L, s, 4000);
            lua_pushliteral(L, " ... (cut)");
            lua_concat(L, 2);
            lua_remove(L, -2);
        }
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

static char *help_impl(lua_State *L, const char *name)
{
    strbuf b = {0};
    const lua_api_func *f = lua_api_find(name);
    const help_entry *e = f ? NULL : help_builtin_find(name);
    char *module = f || e ? NULL : lua_api_module_help(name);
    if (f)
        sb_printf(&b, "%s\n\n%s", f->signature, f->help);
    else if (e)
        sb_printf(&b, "%s\n\n%s", e->signature, e->help);
    else if (module)
        sb_puts(&b, module);
    free(module);
    if (b.len > 0)
        return sb_take(&b);
    /* a value in the session */
    int top = lua_gettop(L);
    push_path(L, name, strlen(name));
    if (!lua_isnil(L, -1)) {
        lua_pushcfunction(L, describe);
        lua_pushstring(L, name);
        lua_pushvalue(L, -3);
        if (lua_pcall(L, 2, 1, 0) == LUA_OK) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            sb_append(&b, s, n);
        }
    }
    lua_settop(L, top);
    if (b.len == 0) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}

char *introspect_inspect(lua_State *L, const char *code, size_t len, size_t cursor)
{
    if (cursor > len)
        cursor = len;
    size_t s = cursor, e = cursor;
    /* "dc.version(|" inspects dc.version */
    while (s > 0 && (code[s - 1] == '(' || code[s - 1] == ' ') && s == e) {
        s--;
        e--;
    }
    while (s > 0 && (name_char(code[s - 1]) || code[s - 1] == '.' || code[s - 1] == ':'))
        s--;
    while (e < len && name_char(code[e]))
        e++;
    if (e == s)
        return NULL;
    char *name = malloc(e - s + 1);
    if (!name)
        return NULL;
    memcpy(name, code + s, e - s);
    name[e - s] = '\0';
    for (char *p = name; *p; p++)
        if (*p == ':')
            *p = '.';   /* obj:method is looked up as obj.method */
    char *help = introspect_help(L, name);
    free(name);
    return help;
}

/* The lookups push values and may raise on out-of-memory; outside a
 * protected call that would abort the kernel. These trampolines run them
 * protected. */
typedef struct complete_call {
    const char *code;
    size_t len, cursor, *start, *end, n;
    json_t *matches;
} complete_call;

static int complete_protected(lua_State *L)
{
    complete_call *c = lua_touserdata(L, 1);
    c->n = complete_impl(L, c->code, c->len, c->cursor, c->start, c->end, c->matches);
    return 0;
}

size_t introspect_complete(lua_State *L, const char *code, size_t len, size_t cursor, size_t *start,
                           size_t *end, json_t *matches)
{
    complete_call c = {code, len, cursor, start, end, 0, matches};
    *start = *end = cursor > len ? len : cursor;
    lua_pushcfunction(L, complete_protected);
    lua_pushlightuserdata(L, &c);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        return 0;
    }
    return c.n;
}

typedef struct help_call {
    const char *name;
    char *text;
} help_call;

static int help_protected(lua_State *L)
{
    help_call *c = lua_touserdata(L, 1);
    c->text = help_impl(L, c->name);
    return 0;
}

char *introspect_help(lua_State *L, const char *name)
{
    help_call c = {name, NULL};
    lua_pushcfunction(L, help_protected);
    lua_pushlightuserdata(L, &c);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        return NULL;
    }
    return c.text;
}
