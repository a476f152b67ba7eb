/* Completion, is_complete and inspect over the live state. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "capture.h"
#include "introspect.h"

static capture c;
static cellhost *h;

static void setup(void)
{
    h = capture_host(&c, true);
    cellhost_result r = capture_run(h, "myvar = {1, 2}\ns = 'abc'\nfunction twice(a) return 2 * a end");
    cellhost_result_clear(&r);
}

static void teardown(void)
{
    capture_free(&c, &h);
}

TestSuite(introspect, .init = setup, .fini = teardown);

static json_t *complete(const char *code, size_t *start)
{
    json_t *m = json_array();
    size_t end;
    introspect_complete(cellhost_lua(h), code, strlen(code), strlen(code), start, &end, m);
    cr_expect_eq(end, strlen(code));
    return m;
}

static bool has(json_t *m, const char *s)
{
    for (size_t i = 0; i < json_array_size(m); i++)
        if (strcmp(json_string_value(json_array_get(m, i)), s) == 0)
            return true;
    return false;
}

Test(introspect, completes_globals_fields_methods_and_keywords)
{
    size_t start;
    json_t *m = complete("pri", &start);
    cr_expect(has(m, "print"));
    cr_expect_eq(start, 0);
    json_decref(m);
    m = complete("x = string.up", &start);
    cr_expect(has(m, "string.upper"));
    cr_expect_eq(json_array_size(m), 1);
    cr_expect_eq(start, 4);
    json_decref(m);
    m = complete("dc.", &start);
    cr_expect(has(m, "dc.version") && has(m, "dc.backend") && has(m, "dc.threads"));
    json_decref(m);
    m = complete("display.t", &start);
    cr_expect(has(m, "display.table"));
    json_decref(m);
    m = complete("s:up", &start);
    cr_expect(has(m, "s:upper"), "string methods through the string metatable");
    json_decref(m);
    m = complete("whi", &start);
    cr_expect(has(m, "while"));
    json_decref(m);
    m = complete("myv", &start);
    cr_expect(has(m, "myvar"), "session variables");
    json_decref(m);
    m = complete("1.5", &start);
    cr_expect_eq(json_array_size(m), 0);
    json_decref(m);
    m = complete("nosuch.thing", &start);
    cr_expect_eq(json_array_size(m), 0);
    json_decref(m);
}

Test(introspect, is_complete)
{
    lua_State *L = cellhost_lua(h);
    const char *complete_[] = {"x = 1", "1 + 2", "function f(a)\n  return a\nend", ""};
    const char *incomplete[] = {"for i = 1, 3 do", "function f(a)", "x = [[open", "t = {"};
    const char *invalid[] = {"x = = 1", "end", "1 +* 2"};
    for (size_t i = 0; i < 4; i++)
        cr_expect_str_eq(introspect_is_complete(L, complete_[i], strlen(complete_[i])), "complete", "%s", complete_[i]);
    for (size_t i = 0; i < 4; i++)
        cr_expect_str_eq(introspect_is_complete(L, incomplete[i], strlen(incomplete[i])), "incomplete", "%s", incomplete[i]);
    for (size_t i = 0; i < 3; i++)
        cr_expect_str_eq(introspect_is_complete(L, invalid[i], strlen(invalid[i])), "invalid", "%s", invalid[i]);
    cr_expect_eq(lua_gettop(L), 0, "the stack is left clean");
}

static char *inspect(const char *code, size_t cursor)
{
    return introspect_inspect(cellhost_lua(h), code, strlen(code), cursor);
}

Test(introspect, inspect_help_and_values)
{
    char *t = inspect("dc.version", 3);
    cr_assert_not_null(t);
    cr_expect(strncmp(t, "dc.version() -> string", 22) == 0, "%s", t);
    free(t);
    t = inspect("x = dc.threads(", 15);
    cr_expect(t && strstr(t, "dc.threads([n])"), "inside the call's parentheses: %s", t ? t : "(null)");
    free(t);
    t = inspect("print", 5);
    cr_expect(t && strstr(t, "separated by tabs"), "%s", t ? t : "(null)");
    free(t);
    t = inspect("myvar", 2);
    cr_expect_str_eq(t, "myvar: table\n{1, 2}");
    free(t);
    t = inspect("twice", 5);
    cr_expect(t && strstr(t, "1 parameter"), "%s", t ? t : "(null)");
    free(t);
    t = introspect_help(cellhost_lua(h), "display");
    cr_expect(t && strstr(t, "display.table(rows"), "%s", t ? t : "(null)");
    free(t);
    cr_expect_null(inspect("nosuch", 3));
    cr_expect_null(inspect("   ", 1));
}
