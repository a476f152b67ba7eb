/* Readable text of a Lua value, for text/plain and for print-like output:
 * numbers as Lua prints them, strings raw at the top level and quoted
 * inside tables, tables as {1, 2, name = "x"} with keys sorted, nested to a
 * few levels and cut after a number of items, cycles marked, __tostring and
 * __name respected, functions with where they were defined.
 * May call __tostring metamethods, so it may raise: call it in protected
 * mode. Uses only GC-owned memory (box.h). */
#ifndef LUA_API_REPR_H
#define LUA_API_REPR_H

#include <lua.h>

#include "../text.h"

#define REPR_MAX_DEPTH 3
#define REPR_MAX_ITEMS 100
#define REPR_MAX_BYTES (64 * 1024)

/* Appends the rendering of the value at idx to out. */
void repr_append(lua_State *L, int idx, strbuf *out);

/* Pushes the rendering as a Lua string. */
void repr_push(lua_State *L, int idx);

#endif
