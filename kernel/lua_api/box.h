/* C resources held across Lua calls that may raise (luaL_error and memory
 * errors longjmp) live in full userdata whose __gc frees them, so a raise
 * never leaks them (STYLE.md rule 23). A box is pushed on the stack; keep it
 * there while you use the resource; take the resource out to keep it. */
#ifndef LUA_API_BOX_H
#define LUA_API_BOX_H

#include <jansson.h>
#include <lua.h>

#include "../text.h"

/* Pushes a box owning an empty strbuf and returns the strbuf. */
strbuf *box_strbuf(lua_State *L);

/* Pushes a box owning one json_t reference (initially NULL) and returns the
 * slot: store a new reference in *slot; set *slot = NULL to take it out. */
json_t **box_json(lua_State *L);

/* Pushes a box owning a malloc'd block of size bytes (zeroed) and returns it. */
void *box_block(lua_State *L, size_t size);

/* Pushes a box owning a malloc'd NUL-terminated secret (initially NULL):
 * collected, it wipes the bytes before freeing them. */
char **box_secret(lua_State *L);

#endif
