/* History queries: tail, range and search with glob, unique and n, as
 * jupyter_kernel_test checks them. */
#include <criterion/criterion.h>
#include <string.h>

#include "history.h"

static history h;

static void setup(void)
{
    memset(&h, 0, sizeof h);
    history_add(&h, 1, "x = 1", NULL);
    history_add(&h, 2, "1 + 2 + 3", "6");
    history_add(&h, 3, "1 + 2 + 3", "6");
    history_add(&h, 4, "print(x)", NULL);
    history_add(&h, 5, "1 + 2", "3");
}

static void teardown(void)
{
    history_release(&h);
}

TestSuite(history, .init = setup, .fini = teardown);

static const char *input_at(json_t *a, size_t i)
{
    return json_string_value(json_array_get(json_array_get(a, i), 2));
}

Test(history, tail_in_order)
{
    history_query q = {.access = "tail", .n = 2};
    json_t *a = history_select(&h, &q);
    cr_assert_eq(json_array_size(a), 2);
    cr_expect_str_eq(input_at(a, 0), "print(x)");
    cr_expect_str_eq(input_at(a, 1), "1 + 2");
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(a, 0), 0)), HISTORY_SESSION);
    json_decref(a);
    q.output = true;
    a = history_select(&h, &q);
    json_t *pair = json_array_get(json_array_get(a, 1), 2);
    cr_expect_str_eq(json_string_value(json_array_get(pair, 1)), "3");
    cr_expect(json_is_null(json_array_get(json_array_get(json_array_get(a, 0), 2), 1)));
    json_decref(a);
}

Test(history, range)
{
    history_query q = {.access = "range", .session = HISTORY_SESSION, .start = 2, .stop = 3};
    json_t *a = history_select(&h, &q);
    cr_assert_eq(json_array_size(a), 1);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(a, 0), 1)), 2);
    json_decref(a);
    q.session = 7;
    a = history_select(&h, &q);
    cr_expect_eq(json_array_size(a), 0, "another session has no entries here");
    json_decref(a);
}

Test(history, search_glob_unique_and_n)
{
    history_query q = {.access = "search", .pattern = "1 + 2*"};
    json_t *a = history_select(&h, &q);
    cr_expect_eq(json_array_size(a), 3);
    json_decref(a);
    q.unique = true;
    a = history_select(&h, &q);
    cr_assert_eq(json_array_size(a), 2);
    cr_expect_eq(json_integer_value(json_array_get(json_array_get(a, 0), 1)), 3, "the latest copy is kept");
    json_decref(a);
    q.unique = false;
    q.n = 1;
    a = history_select(&h, &q);
    cr_assert_eq(json_array_size(a), 1);
    cr_expect_str_eq(input_at(a, 0), "1 + 2");
    json_decref(a);
}
