/* Model descriptions in options (API.md "Models"): a table
 * {arch = "mlp", width = 128, depth = 2, instance_norm = true} or just the
 * architecture's name ("convnet"). Missing fields take the dataset's default
 * model (cz_default_spec) when the architecture is the same, else that
 * architecture's usual depth (MLP 2, ConvNet 3). Input shape and classes
 * always come from the dataset. Errors are ValueErrors naming the option. */
#ifndef LUA_API_LUA_MODEL_H
#define LUA_API_LUA_MODEL_H

#include <lua.h>

#include "data/dataset.h"
#include "nn/model.h"

/* Reads the description at idx into *out and checks it against d. what names
 * it in messages ("model", "arch[2]"). A nil value gives the default. */
void lua_model_spec(lua_State *L, int idx, const char *fn, const char *what, const cz_dataset *d,
                    cz_model_spec *out);

/* One description or a list of them at idx (nil: the default, one entry).
 * Returns the count (at most cap). */
int lua_model_specs(lua_State *L, int idx, const char *fn, const char *what, const cz_dataset *d,
                    cz_model_spec *out, int cap);

/* Pushes the plain table form {arch, width, depth[, instance_norm]}. */
void lua_model_push(lua_State *L, const cz_model_spec *s);

#endif
