/* Functions to run once when the kernel stops in an orderly way (SIGTERM,
 * shutdown_request): later code registers an autosave of a running
 * distillation here. They run on the main thread after the running cell
 * has unwound, newest first, each at most once. */
#ifndef KERNEL_SHUTDOWN_HOOKS_H
#define KERNEL_SHUTDOWN_HOOKS_H

#include <stddef.h>

typedef void (*shutdown_hook_fn)(void *user, const char *reason);

#define SHUTDOWN_HOOKS_MAX 16

typedef struct shutdown_hooks {
    struct {
        shutdown_hook_fn fn;
        void *user;
    } hook[SHUTDOWN_HOOKS_MAX];
    size_t n;
} shutdown_hooks;

/* Adds a hook; returns its handle (>= 0), or -1 when the list is full. */
int shutdown_hooks_add(shutdown_hooks *list, shutdown_hook_fn fn, void *user);

/* Removes the hook with that handle (a finished run unregisters itself). */
void shutdown_hooks_remove(shutdown_hooks *list, int handle);

/* Runs every hook, newest first, with reason ("SIGTERM", "shutdown_request"),
 * then empties the list. Returns how many ran. */
size_t shutdown_hooks_run(shutdown_hooks *list, const char *reason);

#endif
