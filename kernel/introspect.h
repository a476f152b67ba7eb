/* Code intelligence over the live Lua state, for complete_request,
 * inspect_request, is_complete_request and `?name` cells: completion of
 * global names, table fields (dc.*, string.*) and methods (obj:m), help
 * text from the binding registry, the standard library's entries, or the
 * value itself. Looks values up with raw access only, so completing never
 * runs user code (no __index functions). Offsets here are bytes; the kernel
 * converts Jupyter's code-point cursors. No sockets. */
#ifndef KERNEL_INTROSPECT_H
#define KERNEL_INTROSPECT_H

#include <jansson.h>
#include <lua.h>
#include <stddef.h>

/* Completes the name before cursor: appends full replacement texts to
 * matches (a JSON array, sorted, unique) and sets [*start, *end) to the byte
 * range they replace. Returns the number of matches. */
size_t introspect_complete(lua_State *L, const char *code, size_t len, size_t cursor, size_t *start,
                           size_t *end, json_t *matches);

/* "complete", "incomplete" or "invalid" (Lua's own parser decides: an
 * error at <eof> means more input would help). */
const char *introspect_is_complete(lua_State *L, const char *code, size_t len);

/* Help text for the name at cursor (malloc'd), or NULL when there is none. */
char *introspect_inspect(lua_State *L, const char *code, size_t len, size_t cursor);

/* Help text for a name such as "dc.version" (malloc'd), or NULL. */
char *introspect_help(lua_State *L, const char *name);

#endif
