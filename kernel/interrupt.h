/* Interrupts and termination.
 *
 * SIGINT (interrupt_mode "signal") and interrupt_request (interrupt_mode
 * "message", handled on the control thread, which forwards it to the main
 * thread as SIGINT) take the same path: the handler sets the engine cancel
 * token, which long engine loops poll, and installs a Lua debug hook on the
 * running cell's state (lua_sethook is documented as safe to call from a
 * signal handler; lua.c does the same), which raises KeyboardInterrupt at
 * the next Lua instruction. The kernel and its state survive: the cell ends
 * with an error and the next one runs normally.
 *
 * SIGTERM sets a flag, cancels the running cell the same way, and wakes the
 * main loop through a pipe; the main loop then runs the shutdown hooks
 * (autosave) and exits. No work happens inside the handlers.
 *
 * The handlers need process-wide state (a signal handler has no argument):
 * that state lives here, file-static, and nowhere else. */
#ifndef KERNEL_INTERRUPT_H
#define KERNEL_INTERRUPT_H

#include <lua.h>
#include <stdbool.h>

#include "core/cancel.h"

/* Installs the SIGINT and SIGTERM handlers for token (borrowed, must outlive
 * the process's use of it) and records the calling thread as the main
 * thread. wake_fd (or -1) is written one byte on every signal, so a poll
 * loop wakes up. */
void interrupt_install(cz_cancel *token, int wake_fd);

/* Restores the default handlers. */
void interrupt_uninstall(void);

/* Prepares a Lua state: stores the KeyboardInterrupt error object in its
 * registry. Call once per state before arming. */
void interrupt_prepare(lua_State *L);

/* A cell starts on L: clears the cancel token and any stale hook, and makes
 * L the state an interrupt stops. */
void interrupt_arm(lua_State *L);

/* The cell ended: forgets L and removes the hook. */
void interrupt_disarm(lua_State *L);

/* From any thread: interrupt the running cell as SIGINT would. */
void interrupt_request(void);

/* True once SIGTERM arrived. */
bool interrupt_term_requested(void);

/* Raises the KeyboardInterrupt error object on L (never returns). Bindings
 * call it when the engine returns CZ_EINTERRUPTED. */
int interrupt_raise(lua_State *L) __attribute__((noreturn));

/* True when the value at idx is the KeyboardInterrupt error object. */
bool interrupt_is_error(lua_State *L, int idx);

#endif
