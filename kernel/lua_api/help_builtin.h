/* One-line help for Lua's standard library and the notebook's own globals
 * (print, input), used by inspect and `?name` when a name is not a
 * registered binding. */
#ifndef LUA_API_HELP_BUILTIN_H
#define LUA_API_HELP_BUILTIN_H

typedef struct help_entry {
    const char *name;        /* "string.format" */
    const char *signature;
    const char *help;
} help_entry;

/* The entry for a qualified name, or NULL. */
const help_entry *help_builtin_find(const char *name);

#endif
