/* Options validation shared by every binding: unknown names list the known
 * ones with a did-you-mean; types and ranges are checked; defaults apply. */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#include "lua_api/errors.h"
#include "lua_api/options.h"

static const char *const known[] = {"epochs", "count", "lr", "model", "seed", NULL};

static lua_State *L;

static void setup(void)
{
    L = luaL_newstate();
    luaL_openlibs(L);
}

static void teardown(void)
{
    lua_close(L);
}

TestSuite(options, .init = setup, .fini = teardown);

/* Evaluates a Lua table constructor onto the stack. */
static void push_table(const char *src)
{
    char code[256];
    snprintf(code, sizeof code, "return %s", src);
    cr_assert_eq(luaL_dostring(L, code), LUA_OK, "%s", lua_tostring(L, -1));
}

Test(options, edit_distance)
{
    cr_expect_eq(opts_edit_distance("epoch", "epochs"), 1);
    cr_expect_eq(opts_edit_distance("", "abc"), 3);
    cr_expect_eq(opts_edit_distance("kitten", "sitting"), 3);
    cr_expect_eq(opts_edit_distance("same", "same"), 0);
}

Test(options, suggestion_only_for_plausible_typos)
{
    cr_expect_str_eq(opts_suggest("epoch", known), "epochs");
    cr_expect_str_eq(opts_suggest("cuont", known), "count");
    cr_expect_str_eq(opts_suggest("modle", known), "model");
    cr_expect_null(opts_suggest("batch_size", known));
    cr_expect_null(opts_suggest("x", known), "one letter is no basis for a guess");
}

Test(options, unknown_name_is_reported_with_known_list)
{
    push_table("{epoch = 3}");
    char msg[512];
    cr_assert_not(opts_validate(L, -1, known, msg, sizeof msg));
    cr_expect_str_eq(msg, "unknown option \"epoch\"; did you mean \"epochs\"? "
                          "known options: count, epochs, lr, model, seed");
    lua_pop(L, 1);
    push_table("{zzz = 1}");
    cr_assert_not(opts_validate(L, -1, known, msg, sizeof msg));
    cr_expect_str_eq(msg, "unknown option \"zzz\"; known options: count, epochs, lr, model, seed");
}

Test(options, valid_absent_and_wrong_shapes)
{
    char msg[512];
    push_table("{epochs = 3, lr = 0.1}");
    cr_expect(opts_validate(L, -1, known, msg, sizeof msg));
    lua_pushnil(L);
    cr_expect(opts_validate(L, -1, known, msg, sizeof msg), "nil options are an empty table");
    cr_expect(opts_validate(L, 50, known, msg, sizeof msg), "absent options are an empty table");
    lua_pushinteger(L, 5);
    cr_expect_not(opts_validate(L, -1, known, msg, sizeof msg));
    cr_expect(strstr(msg, "got a number") != NULL, "%s", msg);
    push_table("{3}");
    cr_expect_not(opts_validate(L, -1, known, msg, sizeof msg));
    cr_expect(strstr(msg, "positional value") != NULL, "%s", msg);
}

/* Runs f protected; returns the error message ("" when it succeeded). */
static int call_getter(lua_State *Ls)
{
    int which = (int)lua_tointeger(Ls, 2);
    static const char *const models[] = {"mlp", "convnet", NULL};
    switch (which) {
    case 0: lua_pushinteger(Ls, opts_integer(Ls, 1, "dc.experts", "epochs", 30, 1, 1000)); break;
    case 1: lua_pushnumber(Ls, opts_number(Ls, 1, "dc.experts", "lr", 0.01, 0, 10)); break;
    case 2: lua_pushboolean(Ls, opts_boolean(Ls, 1, "dc.experts", "seed", false)); break;
    case 3: lua_pushstring(Ls, opts_string(Ls, 1, "dc.experts", "model", "mlp")); break;
    case 4: lua_pushinteger(Ls, opts_choice(Ls, 1, "dc.experts", "model", models, 0)); break;
    default: opts_check(Ls, 1, "dc.experts", known); lua_pushboolean(Ls, 1); break;
    }
    return 1;
}

static const char *run_getter(const char *table, int which, char *out, size_t cap)
{
    lua_pushcfunction(L, call_getter);
    push_table(table);
    lua_pushinteger(L, which);
    if (lua_pcall(L, 2, 1, 0) == LUA_OK) {
        snprintf(out, cap, "ok:%s", luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
        return out;
    }
    const char *name, *message, *hint;
    if (lua_api_error_fields(L, -1, &name, &message, &hint))
        snprintf(out, cap, "%s: %s", name, message);
    else
        snprintf(out, cap, "raw: %s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return out;
}

Test(options, typed_getters)
{
    char out[512];
    cr_expect_str_eq(run_getter("{}", 0, out, sizeof out), "ok:30", "default");
    cr_expect_str_eq(run_getter("{epochs = 5}", 0, out, sizeof out), "ok:5");
    cr_expect_str_eq(run_getter("{epochs = 2.5}", 0, out, sizeof out),
                     "ValueError: dc.experts: option epochs must be a whole number, got 2.5");
    cr_expect_str_eq(run_getter("{epochs = 0}", 0, out, sizeof out),
                     "ValueError: dc.experts: option epochs = 0 is outside 1..1000");
    cr_expect_str_eq(run_getter("{epochs = 'ten'}", 0, out, sizeof out),
                     "ValueError: dc.experts: option epochs must be a whole number, got string");
    cr_expect_str_eq(run_getter("{lr = -1}", 1, out, sizeof out),
                     "ValueError: dc.experts: option lr = -1 is outside 0..10");
    cr_expect_str_eq(run_getter("{seed = 1}", 2, out, sizeof out),
                     "ValueError: dc.experts: option seed must be true or false, got a number");
    cr_expect_str_eq(run_getter("{model = 'convnet'}", 3, out, sizeof out), "ok:convnet");
    cr_expect_str_eq(run_getter("{model = 'convnet'}", 4, out, sizeof out), "ok:1");
    cr_expect_str_eq(run_getter("{model = 'convnt'}", 4, out, sizeof out),
                     "ValueError: dc.experts: option model = \"convnt\" is not one of: convnet, mlp; "
                     "did you mean \"convnet\"?");
    cr_expect_str_eq(run_getter("{epcohs = 1}", 5, out, sizeof out),
                     "ValueError: dc.experts: unknown option \"epcohs\"; did you mean \"epochs\"? "
                     "known options: count, epochs, lr, model, seed");
}
