/* The cell sandbox (DESIGN.md): removes what lets a cell run other
 * programs, load native code or kill the kernel: os.execute, io.popen,
 * os.exit, package.loadlib and the C module searchers; load, loadfile and
 * dofile accept source text only (precompiled bytecode can crash the VM).
 * Files stay readable and writable: this guards against accidents, it is
 * not a security boundary. CONDENSA_SANDBOX=off turns it off (main.c). */
#ifndef KERNEL_SANDBOX_H
#define KERNEL_SANDBOX_H

#include <lua.h>

/* Applies the sandbox to the opened standard libraries. May raise (memory). */
void sandbox_apply(lua_State *L);

#endif
