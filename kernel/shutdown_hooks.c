/* The shutdown hook list; see shutdown_hooks.h. */
#include "shutdown_hooks.h"

int shutdown_hooks_add(shutdown_hooks *list, shutdown_hook_fn fn, void *user)
{
    for (size_t i = 0; i < SHUTDOWN_HOOKS_MAX; i++)
        if (!list->hook[i].fn) {
            list->hook[i].fn = fn;
            list->hook[i].user = user;
            if (i >= list->n)
                list->n = i + 1;
            return (int)i;
        }
    return -1;
}

void shutdown_hooks_remove(shutdown_hooks *list, int handle)
{
    if (handle < 0 || (size_t)handle >= SHUTDOWN_HOOKS_MAX)
        return;
    list->hook[handle].fn = NULL;
    list->hook[handle].user = NULL;
}

size_t shutdown_hooks_run(shutdown_hooks *list, const char *reason)
{
    size_t ran = 0;
    for (size_t i = list->n; i-- > 0;) {
        shutdown_hook_fn fn = list->hook[i].fn;
        void *user = list->hook[i].user;
        list->hook[i].fn = NULL;   /* cleared first: a hook that exits does not run twice */
        if (fn) {
            fn(user, reason);
            ran++;
        }
    }
    list->n = 0;
    return ran;
}
