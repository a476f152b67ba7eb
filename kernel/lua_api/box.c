/* GC-owned boxes for C resources; see box.h. */
#include "box.h"

#include <lauxlib.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int strbuf_gc(lua_State *L)
{
    sb_free(lua_touserdata(L, 1));
    return 0;
}

static int json_gc(lua_State *L)
{
    json_t **slot = lua_touserdata(L, 1);
    json_decref(*slot);
    *slot = NULL;
    return 0;
}

static int block_gc(lua_State *L)
{
    void **slot = lua_touserdata(L, 1);
    free(*slot);
    *slot = NULL;
    return 0;
}

static void set_gc(lua_State *L, const char *name, lua_CFunction gc)
{
    if (luaL_newmetatable(L, name)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
}

strbuf *box_strbuf(lua_State *L)
{
    strbuf *b = lua_newuserdatauv(L, sizeof *b, 0);
    *b = (strbuf){0};
    set_gc(L, "condensa.box.strbuf", strbuf_gc);
    return b;
}

json_t **box_json(lua_State *L)
{
    json_t **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    set_gc(L, "condensa.box.json", json_gc);
    return slot;
}

void *box_block(lua_State *L, size_t size)
{
    void **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    set_gc(L, "condensa.box.block", block_gc);
    *slot = calloc(1, size ? size : 1);
    if (!*slot)
        luaL_error(L, "out of memory (%zu bytes)", size);
    return *slot;
}

static int secret_gc(lua_State *L)
{
    char **slot = lua_touserdata(L, 1);
    if (*slot) {
        sodium_memzero(*slot, strlen(*slot));
        free(*slot);
    }
    *slot = NULL;
    return 0;
}

char **box_secret(lua_State *L)
{
    char **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    set_gc(L, "condensa.box.secret", secret_gc);
    return slot;
}
