/* Shared between the checkpoint bindings (lua_checkpoint.c: dc.key, dc.save,
 * dc.load, dc.resume) and the autosave dc.distill calls (lua_autosave.c). */
#ifndef LUA_API_LUA_CHECKPOINT_H
#define LUA_API_LUA_CHECKPOINT_H

#include <lua.h>

#include "key.h"

/* The session key (borrowed from its box in the registry), or raises a
 * StateError from fn that says how to set one (dc.key{}). */
ckpt_key *lua_checkpoint_key(lua_State *L, const char *fn);

/* Pushes the box that owns the session key (nil when none), so a holder of
 * the key can keep it alive. */
void lua_checkpoint_push_key_box(lua_State *L);

/* Registers the autosave function dc.distill calls (registry
 * "condensa.autosave"): autosave(path, {dataset =, experts = | surrogate =,
 * iteration =, run = <the run's canonical bytes> [, every =]}) writes the run
 * record atomically to path, keeping path.prev. A write that fails raises
 * and is kept, to be tried once more by a shutdown hook when the kernel
 * stops (SIGTERM, shutdown_request). */
void lua_autosave_setup(lua_State *L);

#endif
