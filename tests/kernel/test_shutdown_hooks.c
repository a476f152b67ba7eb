/* Shutdown hooks run newest first, once, and can be removed. */
#include <criterion/criterion.h>
#include <string.h>

#include "shutdown_hooks.h"

static char order[16];

static void hook(void *user, const char *reason)
{
    cr_expect_str_eq(reason, "SIGTERM");
    strncat(order, user, sizeof order - strlen(order) - 1);
}

Test(shutdown_hooks, newest_first_once_and_removable)
{
    shutdown_hooks list = {0};
    order[0] = '\0';
    cr_assert_geq(shutdown_hooks_add(&list, hook, "a"), 0);
    int b = shutdown_hooks_add(&list, hook, "b");
    cr_assert_geq(shutdown_hooks_add(&list, hook, "c"), 0);
    shutdown_hooks_remove(&list, b);
    cr_expect_eq(shutdown_hooks_run(&list, "SIGTERM"), 2);
    cr_expect_str_eq(order, "ca");
    cr_expect_eq(shutdown_hooks_run(&list, "SIGTERM"), 0, "hooks run once");
}

Test(shutdown_hooks, full_list)
{
    shutdown_hooks list = {0};
    for (int i = 0; i < SHUTDOWN_HOOKS_MAX; i++)
        cr_assert_geq(shutdown_hooks_add(&list, hook, "x"), 0);
    cr_expect_eq(shutdown_hooks_add(&list, hook, "x"), -1);
}
