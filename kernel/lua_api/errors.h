/* Error objects raised by bindings: a table {name, message, hint} with a
 * metatable whose __tostring gives "name: message". The kernel turns one
 * into an error message with ename = name and the hint on its own line.
 * Plain string errors (error("boom")) stay plain strings. */
#ifndef LUA_API_ERRORS_H
#define LUA_API_ERRORS_H

#include <lua.h>
#include <stdbool.h>

#include "core/status.h"

#define LUA_API_ERROR_MT "condensa.error"

/* Pushes a new error object. hint may be NULL. */
void lua_api_push_error(lua_State *L, const char *name, const char *message, const char *hint);

/* Pushes an error object with a formatted message and raises it. */
int lua_api_error(lua_State *L, const char *name, const char *hint, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* Raises the engine error err from function fn ("dc.load_csv"): the
 * message is "fn: msg", the hint err->hint, the name from the status
 * (CZ_EINVAL -> "ValueError", ...). CZ_EINTERRUPTED raises the interrupt
 * (KeyboardInterrupt) instead. */
int lua_api_raise_status(lua_State *L, const char *fn, const cz_error *err) __attribute__((noreturn));

/* The ename used for a status ("ValueError", "IOError", ...). */
const char *lua_api_status_ename(cz_status s);

/* True when the value at idx is an error object; then name, message and
 * hint (NULL when absent) are borrowed from it (valid while it lives). */
bool lua_api_error_fields(lua_State *L, int idx, const char **name, const char **message,
                          const char **hint);

#endif
