/* The notebook's console: print, io.write and io.stdout/io.stderr write to
 * the cell's output streams instead of the kernel process's stdout; io.read
 * and input() ask the user through the frontend (stdin channel). Redirected
 * default files (io.output("f.txt")) keep working as files. */
#ifndef LUA_API_LUA_IO_H
#define LUA_API_LUA_IO_H

#include <lua.h>

/* Replaces print, io.write, io.read, io.stdout, io.stderr, io.stdin and adds
 * the global input(prompt [, {password = true}]). May raise (memory). */
void lua_io_install(lua_State *L);

/* True when the value at idx is one of the notebook's stream objects. */
int lua_io_is_stream(lua_State *L, int idx);

#endif
