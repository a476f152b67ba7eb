/* Engine objects as Lua userdata (API.md): dataset, experts, surrogate,
 * synthetic, result and prior. Each kind is a table of functions; this file gives
 * every kind the same shape: a userdata holding one engine pointer that its
 * __gc frees (one owner), methods through __index (at least :info()), a
 * __tostring (the text/plain twin) and a __mime rich display.
 *
 * :info() always returns a fresh plain table with `kind` and `digest` (hex
 * SHA-256 of the object's canonical encoding, from the engine) plus the
 * kind's fixed keys. Userdata may keep other Lua values alive through user
 * values (an expert set keeps its dataset: dc.bezier fits on it).
 *
 * Other bindings (dc.save, dc.load) find the kinds here by name. */
#ifndef LUA_API_OBJECTS_H
#define LUA_API_OBJECTS_H

#include <lua.h>
#include <stdint.h>

#include "core/status.h"

typedef struct lua_object_kind {
    const char *kind;        /* "dataset": the `kind` in :info() */
    const char *metatable;   /* "condensa.dataset" */
    const char *noun;        /* "a dataset", for messages */
    void (*free)(void *obj);
    cz_status (*digest)(const void *obj, uint8_t out[32], cz_error *err);
    /* Adds the kind's fields to the table on the top of the stack; the
     * userdata is at index self. May raise (memory). */
    void (*info)(lua_State *L, const void *obj, int self);
    /* Pushes the one-paragraph text/plain rendering. */
    void (*text)(lua_State *L, const void *obj, int self);
    /* Pushes the __mime table (text/html and images); text/plain is added
     * from text. NULL: text/plain only. */
    void (*mime)(lua_State *L, const void *obj, int self);
    /* Further methods beside :info(), {NULL, NULL}-terminated, or NULL. */
    const struct luaL_Reg *methods;
} lua_object_kind;

extern const lua_object_kind lua_dataset_kind;
extern const lua_object_kind lua_experts_kind;
extern const lua_object_kind lua_surrogate_kind;
extern const lua_object_kind lua_synthetic_kind;
extern const lua_object_kind lua_result_kind;
extern const lua_object_kind lua_prior_kind;

/* NULL-terminated list of the kinds above. */
const lua_object_kind *const *lua_object_kinds(void);

/* Creates (once per state) the kind's metatable. */
void lua_object_register(lua_State *L, const lua_object_kind *k);

/* Pushes a new userdata of kind k with `nuv` user values and returns its
 * slot, initially NULL: store the engine object in it right after the call
 * that makes it, so __gc owns it from then on. Raises on out-of-memory. */
void **lua_object_new(lua_State *L, const lua_object_kind *k, int nuv);

/* The object at idx when it is a live object of kind k, else NULL. */
void *lua_object_test(lua_State *L, int idx, const lua_object_kind *k);

/* The same, raising a ValueError from fn ("dc.bezier") naming the expected
 * kind and what was given (argument number arg) otherwise. */
void *lua_object_check(lua_State *L, int idx, const lua_object_kind *k, const char *fn, int arg);

/* Which registered kind the value at idx is, or NULL. */
const lua_object_kind *lua_object_kind_of(lua_State *L, int idx);

/* Pushes the hex digest of obj, raising the engine error on failure. */
void lua_object_push_digest(lua_State *L, const lua_object_kind *k, const void *obj);

/* Small helpers for info tables: t[key] = value on the table at -1. */
void lua_set_int(lua_State *L, const char *key, lua_Integer v);
void lua_set_num(lua_State *L, const char *key, double v);
void lua_set_str(lua_State *L, const char *key, const char *v);

#endif
