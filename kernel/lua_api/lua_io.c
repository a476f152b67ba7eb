/* Notebook-bound print and io; see lua_io.h. */
#include "lua_io.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "../cellhost.h"
#include "../interrupt.h"
#include "box.h"
#include "errors.h"
#include "options.h"

#define STREAM_MT "condensa.stream"

/* Registry keys for the process's own io.stdout and io.stdin files, to tell
 * whether the default output/input was redirected to a real file. */
static const char orig_stdout_key = 'o';
static const char orig_stdin_key = 'i';

static int l_print(lua_State *L)
{
    cellhost *h = cellhost_from_lua(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    cellhost_write(h, CELLHOST_STDOUT, s, len);
    return 0;
}

/* Writes args from..top (strings or numbers) to stream s. */
static void write_args(lua_State *L, int from, int s)
{
    cellhost *h = cellhost_from_lua(L);
    for (int i = from; i <= lua_gettop(L); i++) {
        size_t len;
        const char *text = luaL_checklstring(L, i, &len);
        cellhost_write(h, s, text, len);
    }
}

/* A stream object: io.stdout, io.stderr (and io.stdin for reading). */
typedef struct stream_obj {
    int which;   /* CELLHOST_STDOUT, CELLHOST_STDERR, or -1 for stdin */
} stream_obj;

static stream_obj *check_stream(lua_State *L)
{
    return luaL_checkudata(L, 1, STREAM_MT);
}

static int stream_write(lua_State *L)
{
    stream_obj *s = check_stream(L);
    if (s->which < 0)
        return luaL_error(L, "io.stdin is read-only");
    write_args(L, 2, s->which);
    lua_settop(L, 1);
    return 1;
}

static int stream_flush(lua_State *L)
{
    check_stream(L);
    cellhost_flush(cellhost_from_lua(L));
    lua_settop(L, 1);
    return 1;
}

static int stream_noop(lua_State *L)
{
    check_stream(L);
    lua_pushboolean(L, 1);
    return 1;
}

static int stream_close(lua_State *L)
{
    check_stream(L);
    lua_pushnil(L);
    lua_pushliteral(L, "cannot close the notebook's standard streams");
    return 2;
}

static int stream_tostring(lua_State *L)
{
    stream_obj *s = check_stream(L);
    lua_pushfstring(L, "file (notebook %s)", s->which == CELLHOST_STDOUT ? "stdout" :
                                             s->which == CELLHOST_STDERR ? "stderr" : "stdin");
    return 1;
}

/* Reads one line through the frontend; pushes it (without newline). */
static void read_line(lua_State *L, const char *prompt, bool password)
{
    cellhost *h = cellhost_from_lua(L);
    cz_error err;
    cz_error_clear(&err);
    char **slot = box_secret(L);   /* owns the line across the push below */
    *slot = cellhost_input(h, prompt, password, &err);
    if (!*slot) {
        if (err.code == CZ_EINTERRUPTED)
            interrupt_raise(L);
        lua_api_raise_status(L, "input", &err);
    }
    lua_pushstring(L, *slot);
    cellhost_input_free(*slot);   /* wiped now, not at the next collection */
    *slot = NULL;
    lua_remove(L, -2);
}

/* io.read formats over one line from the frontend: "l", "L", "n", "a", count. */
static int read_formats(lua_State *L, int first)
{
    int n = lua_gettop(L);
    if (n < first) {
        lua_pushliteral(L, "l");
        n = first;
    }
    int results = 0;
    for (int i = first; i <= n; i++) {
        if (lua_type(L, i) == LUA_TNUMBER) {
            lua_Integer count = luaL_checkinteger(L, i);
            read_line(L, "", false);
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            lua_pushlstring(L, s, (size_t)count < len ? (size_t)count : len);
            lua_remove(L, -2);
        } else {
            const char *fmt = luaL_checkstring(L, i);
            if (*fmt == '*')
                fmt++;
            read_line(L, "", false);
            if (*fmt == 'L') {
                lua_pushliteral(L, "\n");
                lua_concat(L, 2);
            } else if (*fmt == 'n') {
                /* integer or float, as the text says ("42" stays an integer) */
                const char *text = lua_tostring(L, -1);
                if (lua_stringtonumber(L, text) == 0)
                    lua_pushnil(L);
                lua_remove(L, -2);
            } else if (*fmt != 'l' && *fmt != 'a') {
                return luaL_argerror(L, i, "invalid format");
            }
        }
        results++;
    }
    return results;
}

static int stream_read(lua_State *L)
{
    stream_obj *s = check_stream(L);
    if (s->which >= 0)
        return luaL_error(L, "cannot read from the notebook's %s",
                          s->which == CELLHOST_STDOUT ? "stdout" : "stderr");
    return read_formats(L, 2);
}

/* True when the current default file (io.output() / io.input()) is the
 * process's own one, i.e. not redirected by the user. */
static bool default_is_original(lua_State *L, const char *getter, const void *key)
{
    lua_getglobal(L, "io");
    lua_getfield(L, -1, getter);
    lua_remove(L, -2);
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        return true;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

static int l_io_write(lua_State *L)
{
    if (default_is_original(L, "output", &orig_stdout_key)) {
        write_args(L, 1, CELLHOST_STDOUT);
        lua_getglobal(L, "io");
        lua_getfield(L, -1, "stdout");
        return 1;
    }
    /* redirected: io.output():write(...) */
    int n = lua_gettop(L);
    lua_getglobal(L, "io");
    lua_getfield(L, -1, "output");
    lua_call(L, 0, 1);
    lua_getfield(L, -1, "write");
    lua_insert(L, 1);
    lua_insert(L, 2);
    lua_settop(L, n + 2);
    lua_call(L, n + 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int l_io_read(lua_State *L)
{
    if (default_is_original(L, "input", &orig_stdin_key))
        return read_formats(L, 1);
    int n = lua_gettop(L);
    lua_getglobal(L, "io");
    lua_getfield(L, -1, "input");
    lua_call(L, 0, 1);
    lua_getfield(L, -1, "read");
    lua_insert(L, 1);
    lua_insert(L, 2);
    lua_settop(L, n + 2);
    lua_call(L, n + 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* io.output(f) / io.input(f) with the notebook's stream objects: they stand
 * for the process's own stdout/stdin files, which is what restoring means. */
static int l_io_select(lua_State *L)
{
    stream_obj *s = luaL_testudata(L, 1, STREAM_MT);
    if (s) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, s->which < 0 ? &orig_stdin_key : &orig_stdout_key);
        lua_replace(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_io_type(lua_State *L)
{
    if (luaL_testudata(L, 1, STREAM_MT)) {
        lua_pushliteral(L, "file");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int l_input(lua_State *L)
{
    const char *prompt = luaL_optstring(L, 1, "");
    static const char *const known[] = {"password", NULL};
    opts_check(L, 2, "input", known);
    bool password = opts_boolean(L, 2, "input", "password", false);
    read_line(L, prompt, password);
    return 1;
}

static void push_stream(lua_State *L, int which)
{
    stream_obj *s = lua_newuserdatauv(L, sizeof *s, 0);
    s->which = which;
    luaL_setmetatable(L, STREAM_MT);
}

void lua_io_install(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"write", stream_write}, {"flush", stream_flush}, {"close", stream_close},
        {"setvbuf", stream_noop}, {"read", stream_read}, {NULL, NULL},
    };
    luaL_newmetatable(L, STREAM_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, stream_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "file");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);

    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, l_input);
    lua_setglobal(L, "input");

    lua_getglobal(L, "io");
    lua_getfield(L, -1, "stdout");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &orig_stdout_key);
    lua_getfield(L, -1, "stdin");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &orig_stdin_key);
    lua_pushcfunction(L, l_io_write);
    lua_setfield(L, -2, "write");
    const char *wrapped[] = {"output", "input"};
    for (int i = 0; i < 2; i++) {
        lua_getfield(L, -1, wrapped[i]);
        lua_pushcclosure(L, l_io_select, 1);
        lua_setfield(L, -2, wrapped[i]);
    }
    lua_getfield(L, -1, "type");
    lua_pushcclosure(L, l_io_type, 1);
    lua_setfield(L, -2, "type");
    lua_pushcfunction(L, l_io_read);
    lua_setfield(L, -2, "read");
    push_stream(L, CELLHOST_STDOUT);
    lua_setfield(L, -2, "stdout");
    push_stream(L, CELLHOST_STDERR);
    lua_setfield(L, -2, "stderr");
    push_stream(L, -1);
    lua_setfield(L, -2, "stdin");
    lua_pop(L, 1);
}

int lua_io_is_stream(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, STREAM_MT) != NULL;
}
