/* Shared between dc.distill (lua_distill.c) and the synthetic set object
 * (lua_synthetic.c). */
#ifndef LUA_API_LUA_DISTILL_H
#define LUA_API_LUA_DISTILL_H

#include <lua.h>

/* Registry key of the synthetic set an interrupted dc.distill left (dc.partial). */
#define LUA_DISTILL_PARTIAL_KEY "condensa.partial"

/* Pushes a new synthetic userdata and returns its slot (NULL until filled).
 * data: stack index of the dataset it was made from (kept alive for the
 * display's original units), or 0 for none. */
void **lua_synthetic_new(lua_State *L, int data);

#endif
