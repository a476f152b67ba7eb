/* Display bundles of Lua values. A value (table or userdata) whose
 * metatable has __mime shows itself richly: __mime(value) returns a table
 * {["text/html"] = "...", ["image/png"] = <PNG bytes>, ...} and optionally a
 * second table of per-type metadata. Text types are strings, binary types
 * raw bytes (base64-encoded here), JSON types Lua tables. text/plain is
 * added from the value's rendering (repr.h) when __mime leaves it out.
 * Other values get text/plain only. May call metamethods, so it may raise:
 * call it in protected mode. */
#ifndef LUA_API_BUNDLE_H
#define LUA_API_BUNDLE_H

#include <jansson.h>
#include <lua.h>

/* Builds the bundle of the value at idx into *data and *metadata (new
 * references; *metadata may be NULL). Raises a ValueError naming the bad
 * entry for a malformed __mime result. */
void bundle_of_value(lua_State *L, int idx, json_t **data, json_t **metadata);

/* Converts the Lua value at idx to JSON (new reference): nil -> null,
 * sequences -> arrays, other tables -> objects (keys as strings), non-finite
 * numbers -> null. Raises on functions, cycles or depth > 32. */
json_t *lua_to_json(lua_State *L, int idx);

/* Pushes the Lua value of a JSON value (objects -> tables, null -> nil). */
void json_push_lua(lua_State *L, const json_t *v);

#endif
