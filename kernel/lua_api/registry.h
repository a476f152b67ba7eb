/* The registry of Lua modules. Each binding file (lua_<module>.c) defines
 * one lua_api_group: the global table its functions go into ("dc",
 * "display"), the functions with their signature and help text, and an
 * optional setup for its userdata types. registry.c lists the groups; adding
 * a binding is one new file, one line there and one in kernel/meson.build.
 * Several groups may fill the same table (dc.load_csv in lua_data.c,
 * dc.experts in lua_experts.c, ...). Help texts feed inspect (Shift-Tab),
 * `?name` and completion. */
#ifndef LUA_API_REGISTRY_H
#define LUA_API_REGISTRY_H

#include <lua.h>
#include <stddef.h>

typedef struct lua_api_func {
    const char *name;        /* key in the module table; NULL ends a list */
    lua_CFunction fn;
    const char *signature;   /* "dc.version() -> string" */
    const char *help;        /* what it does, its options and defaults */
} lua_api_func;

typedef struct lua_api_group {
    const char *module;           /* global table: "dc", "display" */
    const char *summary;          /* one line about the group, for the module's help */
    const lua_api_func *funcs;
    void (*setup)(lua_State *L);  /* optional; runs after the functions are set */
} lua_api_group;

/* Creates the module tables and fills them from every group. May raise (memory). */
void lua_api_open_all(lua_State *L);

/* The entry for "module.name" (e.g. "dc.version"), or NULL. */
const lua_api_func *lua_api_find(const char *qualified);

/* Help text for a module name ("dc"): its groups' summaries and functions,
 * written into out (malloc'd). NULL when the module is unknown. */
char *lua_api_module_help(const char *module);

/* The groups, NULL-terminated (for docs and tests). */
const lua_api_group *const *lua_api_groups(void);

#endif
