/* Options-table validation; see options.h. */
#include "options.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../text.h"
#include "errors.h"

size_t opts_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 255;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 255 ? 255 : row[lb];
}

const char *opts_suggest(const char *word, const char *const known[])
{
    const char *best = NULL;
    size_t best_d = 255, len = strlen(word);
    for (size_t i = 0; known[i]; i++) {
        size_t d = opts_edit_distance(word, known[i]);
        if (d < best_d) {
            best_d = d;
            best = known[i];
        }
    }
    if (best && best_d <= 2 && best_d * 2 < (len > strlen(best) ? len : strlen(best)))
        return best;
    return NULL;
}

/* known names, sorted, comma separated */
static void list_known(char *out, size_t cap, const char *const known[])
{
    const char *sorted[64];
    size_t n = 0;
    for (; known[n] && n < 64; n++)
        sorted[n] = known[n];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
            const char *t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", sorted[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (n == 0)
        snprintf(out, cap, "(none)");
}

bool opts_validate(lua_State *L, int idx, const char *const known[], char *msg, size_t cap)
{
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    if (t == LUA_TNONE || t == LUA_TNIL)
        return true;
    if (t != LUA_TTABLE) {
        snprintf(msg, cap, "options must be a table like {name = value}, got a %s", lua_typename(L, t));
        return false;
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            char key[64];
            if (lua_type(L, -1) == LUA_TNUMBER)
                snprintf(key, sizeof key, "%g", lua_tonumber(L, -1));
            else
                snprintf(key, sizeof key, "a %s", luaL_typename(L, -1));
            snprintf(msg, cap, "option names are strings; got %s (a positional value in the options table?)", key);
            lua_pop(L, 1);
            return false;
        }
        const char *name = lua_tostring(L, -1);
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(name, known[i]) == 0;
        if (!ok) {
            char list[512];
            list_known(list, sizeof list, known);
            const char *guess = opts_suggest(name, known);
            if (guess)
                snprintf(msg, cap, "unknown option \"%s\"; did you mean \"%s\"? known options: %s", name, guess, list);
            else
                snprintf(msg, cap, "unknown option \"%s\"; known options: %s", name, list);
            lua_pop(L, 1);
            return false;
        }
    }
    return true;
}

void opts_check(lua_State *L, int idx, const char *fn, const char *const known[])
{
    char msg[900];
    if (!opts_validate(L, idx, known, msg, sizeof msg))
        lua_api_error(L, "ValueError", "check the spelling against the known options", "%s: %s", fn, msg);
}

/* Pushes opts[name] (nil when opts is absent) and returns its type. */
static int push_option(lua_State *L, int idx, const char *name)
{
    if (!lua_istable(L, idx)) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, idx, name);
}

bool opts_has(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    int t = push_option(L, idx, name);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

lua_Integer opts_integer(lua_State *L, int idx, const char *fn, const char *name, lua_Integer def,
                         lua_Integer min, lua_Integer max)
{
    idx = lua_absindex(L, idx);
    int t = push_option(L, idx, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (t != LUA_TNUMBER || !isint)
        lua_api_error(L, "ValueError", NULL, "%s: option %s must be a whole number, got %s", fn, name,
                      t == LUA_TNUMBER ? lua_tostring(L, -1) : lua_typename(L, t));
    lua_pop(L, 1);
    if (v < min || v > max)
        lua_api_error(L, "ValueError", NULL, "%s: option %s = %lld is outside %lld..%lld", fn, name,
                      (long long)v, (long long)min, (long long)max);
    return v;
}

lua_Number opts_number(lua_State *L, int idx, const char *fn, const char *name, lua_Number def,
                       lua_Number min, lua_Number max)
{
    idx = lua_absindex(L, idx);
    int t = push_option(L, idx, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TNUMBER)
        lua_api_error(L, "ValueError", NULL, "%s: option %s must be a number, got a %s", fn, name,
                      lua_typename(L, t));
    lua_Number v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!(v >= min && v <= max))   /* NaN fails too */
        lua_api_error(L, "ValueError", NULL, "%s: option %s = %g is outside %g..%g", fn, name, v, min, max);
    return v;
}

bool opts_boolean(lua_State *L, int idx, const char *fn, const char *name, bool def)
{
    idx = lua_absindex(L, idx);
    int t = push_option(L, idx, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TBOOLEAN)
        lua_api_error(L, "ValueError", NULL, "%s: option %s must be true or false, got a %s", fn, name,
                      lua_typename(L, t));
    bool v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *opts_string(lua_State *L, int idx, const char *fn, const char *name, const char *def)
{
    idx = lua_absindex(L, idx);
    int t = push_option(L, idx, name);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return def;
    }
    if (t != LUA_TSTRING)
        lua_api_error(L, "ValueError", NULL, "%s: option %s must be a string, got a %s", fn, name,
                      lua_typename(L, t));
    /* the string stays referenced by the options table */
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

int opts_choice(lua_State *L, int idx, const char *fn, const char *name,
                const char *const choices[], int def)
{
    const char *v = opts_string(L, idx, fn, name, NULL);
    if (!v)
        return def;
    for (int i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0)
            return i;
    char list[512];
    list_known(list, sizeof list, choices);
    const char *guess = opts_suggest(v, choices);
    if (guess)
        lua_api_error(L, "ValueError", NULL, "%s: option %s = \"%s\" is not one of: %s; did you mean \"%s\"?",
                      fn, name, v, list, guess);
    lua_api_error(L, "ValueError", NULL, "%s: option %s = \"%s\" is not one of: %s", fn, name, v, list);
}
