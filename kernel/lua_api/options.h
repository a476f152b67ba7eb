/* Options tables shared by every binding (API.md): each option has a
 * default, values are type- and range-checked, and an unknown option name is
 * an error that lists the known ones with a did-you-mean, so a typo is never
 * silently ignored:
 *
 *   dc.experts: unknown option "epoch"; did you mean "epochs"?
 *   known options: batch, count, epochs, lr, model, momentum, seed
 *
 * Errors are raised as ValueError objects (errors.h). `fn` names the calling
 * function in every message. An absent or nil options argument is an empty
 * table. Use opts_check first, then the typed getters. */
#ifndef LUA_API_OPTIONS_H
#define LUA_API_OPTIONS_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

/* Raises when the value at idx is neither nil/none nor a table, when a key
 * is not a string, or when a key is not in known (NULL-terminated). */
void opts_check(lua_State *L, int idx, const char *fn, const char *const known[]);

/* Same check without raising: returns false and writes the message (as
 * above, without the "fn: " prefix) into msg. */
bool opts_validate(lua_State *L, int idx, const char *const known[], char *msg, size_t cap);

/* Typed getters: the default when the option is absent or nil; raise on a
 * wrong type or a value outside [min, max]. */
lua_Integer opts_integer(lua_State *L, int idx, const char *fn, const char *name, lua_Integer def,
                         lua_Integer min, lua_Integer max);
lua_Number opts_number(lua_State *L, int idx, const char *fn, const char *name, lua_Number def,
                       lua_Number min, lua_Number max);
bool opts_boolean(lua_State *L, int idx, const char *fn, const char *name, bool def);
/* Borrowed from the options table (valid while it is alive), or def. */
const char *opts_string(lua_State *L, int idx, const char *fn, const char *name, const char *def);
/* Index into choices (NULL-terminated) of the value; def when absent;
 * an unknown value lists the choices with a did-you-mean. */
int opts_choice(lua_State *L, int idx, const char *fn, const char *name,
                const char *const choices[], int def);
/* True when the option is present and not nil. */
bool opts_has(lua_State *L, int idx, const char *name);

/* Levenshtein distance (bytes), capped at 255. */
size_t opts_edit_distance(const char *a, const char *b);
/* The closest of known within a distance that makes a typo plausible
 * (at most 2, and less than half the word), or NULL. */
const char *opts_suggest(const char *word, const char *const known[]);

#endif
