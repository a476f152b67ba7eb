/* Long engine calls from Lua (dc.experts, dc.bezier, dc.distill,
 * dc.evaluate): a live progress bar fed by the engine's progress callback,
 * and the kernel's cancel token, which the engine polls at iteration
 * boundaries (an interrupt returns CZ_EINTERRUPTED there). The bar lives in
 * a GC-owned userdata, so a raise never leaks it. */
#ifndef LUA_API_LUA_RUN_H
#define LUA_API_LUA_RUN_H

#include <lua.h>

#include "backend/backend.h"
#include "core/cancel.h"
#include "core/progress.h"

typedef struct lua_run lua_run;

/* Pushes the run's userdata and shows the bar (label like "dc.experts").
 * total <= 0: taken from the engine's first report. */
lua_run *lua_run_begin(lua_State *L, const char *label, int64_t total);

/* The engine callback and its user pointer for this run. */
cz_progress_fn lua_run_progress(void);
void *lua_run_user(lua_run *r);

/* The kernel's cancel token (never NULL inside a cell host). */
const cz_cancel *lua_run_cancel(lua_State *L);

/* The compute backend the cell host runs on. */
cz_backend *lua_run_backend(lua_State *L);

/* Shows the final state of the bar. */
void lua_run_end(lua_run *r);

/* Steps reported so far (the last cz_progress step seen). */
int64_t lua_run_steps(const lua_run *r);

#endif
