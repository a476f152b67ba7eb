/* The Lua cell host; see cellhost.h. */
#include "cellhost.h"

#include <lauxlib.h>
#include <lualib.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interrupt.h"
#include "lua_api/bundle.h"
#include "lua_api/errors.h"
#include "lua_api/lua_io.h"
#include "lua_api/registry.h"
#include "lua_api/repr.h"
#include "sandbox.h"
#include "text.h"

/* Flush a stream early once this much is buffered. */
#define STREAM_CHUNK (64 * 1024)

struct cellhost {
    lua_State *L;
    cellhost_sink sink;
    cz_cancel *cancel;
    cz_cancel own_cancel;      /* used when the config gives none */
    cz_backend *backend;
    size_t output_cap;
    strbuf out[2];             /* pending stdout, stderr text */
    size_t written[2];         /* bytes accepted this cell */
    bool truncated[2];
    double pending_since;      /* when the oldest pending byte arrived; < 0: none */
    shutdown_hooks hooks;
};

static const char *const stream_names[2] = {"stdout", "stderr"};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

cellhost *cellhost_from_lua(lua_State *L)
{
    return *(cellhost **)lua_getextraspace(L);
}

lua_State *cellhost_lua(cellhost *h)
{
    return h->L;
}

cz_cancel *cellhost_cancel(cellhost *h)
{
    return h->cancel;
}

cz_backend *cellhost_backend(cellhost *h)
{
    return h->backend;
}

void cellhost_set_backend(cellhost *h, cz_backend *be)
{
    h->backend = be;
}

shutdown_hooks *cellhost_shutdown_hooks(cellhost *h)
{
    return &h->hooks;
}

/* ---- streams ---------------------------------------------------------- */

static void flush_stream(cellhost *h, int s)
{
    strbuf *b = &h->out[s];
    if (b->len == 0)
        return;
    if (h->sink.stream) {
        size_t n;
        char *clean = utf8_repair(b->data, b->len, &n);
        if (clean)
            h->sink.stream(h->sink.user, stream_names[s], clean, n);
        free(clean);
    }
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void cellhost_flush(cellhost *h)
{
    flush_stream(h, CELLHOST_STDOUT);
    flush_stream(h, CELLHOST_STDERR);
    h->pending_since = -1;
}

void cellhost_write(cellhost *h, int s, const char *text, size_t len)
{
    if (s != CELLHOST_STDOUT && s != CELLHOST_STDERR)
        return;
    if (h->truncated[s] || len == 0)
        return;
    bool cut = false;
    if (h->written[s] + len > h->output_cap) {
        len = h->output_cap - h->written[s];
        cut = true;
    }
    /* Keep stdout and stderr in the order they were written. */
    flush_stream(h, 1 - s);
    sb_append(&h->out[s], text, len);
    h->written[s] += len;
    double now = now_seconds();
    if (h->pending_since < 0)
        h->pending_since = now;
    if (cut) {
        h->truncated[s] = true;
        sb_printf(&h->out[s], "\n[output truncated: more than %zu bytes on %s in this cell]\n",
                  h->output_cap, stream_names[s]);
    }
    if (cut || h->out[s].len >= STREAM_CHUNK || h->out[s].oom ||
        now - h->pending_since >= CELLHOST_FLUSH_INTERVAL_S) {
        cellhost_flush(h);
        if (h->out[s].oom) {
            sb_free(&h->out[s]);
        }
    }
}

void cellhost_display(cellhost *h, json_t *data, json_t *metadata, const char *display_id, bool update)
{
    cellhost_flush(h);
    if (h->sink.display)
        h->sink.display(h->sink.user, data, metadata, display_id, update);
    else {
        json_decref(data);
        json_decref(metadata);
    }
}

void cellhost_clear_output(cellhost *h, bool wait)
{
    cellhost_flush(h);
    if (h->sink.clear)
        h->sink.clear(h->sink.user, wait);
}

char *cellhost_input(cellhost *h, const char *prompt, bool password, cz_error *err)
{
    cellhost_flush(h);
    if (!h->sink.input) {
        cz_error_set(err, CZ_EUNSUPPORTED, "run it in a notebook or console that can ask for input",
                     "no input channel: this kernel cannot ask for input here");
        return NULL;
    }
    return h->sink.input(h->sink.user, prompt ? prompt : "", password, err);
}

void cellhost_input_free(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

/* ---- errors ----------------------------------------------------------- */

/* Message handler: turns any error value into {ename, evalue, hint, traceback}. */
static int message_handler(lua_State *L)
{
    const char *name = "LuaError", *message = NULL, *hint = NULL;
    bool interrupted = interrupt_is_error(L, 1);
    if (interrupted) {
        name = "KeyboardInterrupt";
        message = "interrupted; the kernel and its variables are intact";
    } else if (lua_api_error_fields(L, 1, &name, &message, &hint)) {
        /* fields set */
    } else if (lua_type(L, 1) == LUA_TSTRING) {
        message = lua_tostring(L, 1);
    } else if (lua_isnil(L, 1)) {
        message = "error raised with a nil value";
    } else {
        message = luaL_tolstring(L, 1, NULL);
    }
    lua_createtable(L, 0, 4);
    int info = lua_gettop(L);
    lua_pushstring(L, name);
    lua_setfield(L, info, "ename");
    lua_pushstring(L, message ? message : "");
    lua_setfield(L, info, "evalue");
    if (hint) {
        lua_pushstring(L, hint);
        lua_setfield(L, info, "hint");
    }
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, info, "traceback");
    lua_pushvalue(L, info);
    return 1;
}

static bool contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0)
            return true;
    return false;
}

/* Appends one traceback line (repaired to UTF-8). */
static void add_line(json_t *lines, const char *text, size_t len)
{
    size_t n;
    char *clean = utf8_repair(text, len, &n);
    if (clean)
        json_array_append_new(lines, json_stringn(clean, n));
    free(clean);
}

static void set_error(cellhost_result *r, const char *ename, const char *evalue, const char *hint,
                      const char *traceback)
{
    r->ok = false;
    snprintf(r->ename, sizeof r->ename, "%s", ename);
    r->evalue = utf8_repair(evalue, strlen(evalue), NULL);
    r->traceback = json_array();
    if (!r->traceback)
        return;
    strbuf line = {0};
    sb_printf(&line, "\x1b[0;31m%s\x1b[0m: %s", ename, evalue);
    if (!line.oom)
        add_line(r->traceback, line.data, line.len);
    sb_free(&line);
    if (hint && *hint) {
        sb_printf(&line, "\x1b[0;32mhint\x1b[0m: %s", hint);
        if (!line.oom)
            add_line(r->traceback, line.data, line.len);
        sb_free(&line);
    }
    /* Traceback lines, without the host's own C frame at the bottom. */
    for (const char *p = traceback; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > 0 && !contains(p, len, "[C]: in ?"))
            add_line(r->traceback, p, len);
        p += len + (eol ? 1 : 0);
    }
}

/* Reads the table message_handler made (at idx) into r. */
static void error_from_info(lua_State *L, int idx, cellhost_result *r)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        const char *msg = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : "error in error handling";
        set_error(r, "LuaError", msg, NULL, NULL);
        return;
    }
    lua_getfield(L, idx, "ename");
    lua_getfield(L, idx, "evalue");
    lua_getfield(L, idx, "hint");
    lua_getfield(L, idx, "traceback");
    set_error(r, luaL_optstring(L, -4, "LuaError"), luaL_optstring(L, -3, ""),
              lua_tostring(L, -2), lua_tostring(L, -1));
    lua_pop(L, 4);
}

void cellhost_result_clear(cellhost_result *r)
{
    json_decref(r->data);
    json_decref(r->metadata);
    json_decref(r->traceback);
    free(r->evalue);
    memset(r, 0, sizeof *r);
}

/* ---- running ------------------------------------------------------------ */

typedef struct render_out {
    json_t *data, *metadata;
} render_out;

/* Protected: builds the bundle of the values above the light userdata at 1. */
static int render_values(lua_State *L)
{
    render_out *out = lua_touserdata(L, 1);
    int n = lua_gettop(L) - 1;
    if (n == 0 || (n == 1 && lua_isnil(L, 2)))
        return 0;
    /* io.write(...) and io.stderr:write(...) return their stream: not a result */
    if (n == 1 && lua_io_is_stream(L, 2))
        return 0;
    json_t *data = NULL, *meta = NULL;
    if (n == 1) {
        bundle_of_value(L, 2, &data, &meta);
    } else {
        /* several values: tab-separated, as the Lua REPL prints them */
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 2; i <= n + 1; i++) {
            if (i > 2)
                luaL_addchar(&b, '\t');
            repr_push(L, i);
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        /* no Lua call from here on: data cannot leak */
        char *clean = utf8_repair(s, len, &len);
        data = clean ? json_pack("{s:s%}", "text/plain", clean, len) : NULL;
        free(clean);
    }
    out->data = data;   /* assigned last: nothing above can leak it */
    out->metadata = meta;
    return 0;
}

/* Returns its arguments: a cell's value is computed as an argument of this
 * function ("return (...)(<code>)", with this passed as the chunk's vararg),
 * so a call in the value is not a tail call and keeps its traceback frame
 * ("in local 'inner'" rather than "(...tail calls...)"). */
static int identity(lua_State *L)
{
    return lua_gettop(L);
}

/* Loads "prefix return (...)(expr\n)". */
static int load_as_value(lua_State *L, const char *prefix, size_t plen, const char *expr, size_t elen,
                         const char *chunkname)
{
    strbuf b = {0};
    sb_append(&b, prefix, plen);
    sb_puts(&b, "return (...)(");
    sb_append(&b, expr, elen);
    sb_puts(&b, "\n)");   /* the newline ends a trailing -- comment */
    int st = b.oom ? LUA_ERRMEM : luaL_loadbufferx(L, b.data, b.len, chunkname, "t");
    sb_free(&b);
    if (st != LUA_OK && st != LUA_ERRMEM)
        lua_pop(L, 1);
    return st;
}

/* Compiles code into a function on the stack: the code as a value (as the
 * Lua REPL tries "return <line>"), then the code with its last line as the
 * value ("t = f()\nt" shows t), then the part after its last ';'
 * ("t = f(); t"), then the code as it is. */
static int compile_cell(lua_State *L, const char *code, size_t len, const char *chunkname)
{
    int st = load_as_value(L, "", 0, code, len, chunkname);
    if (st == LUA_OK || st == LUA_ERRMEM)
        return st;
    size_t end = len;
    while (end > 0 && (code[end - 1] == '\n' || code[end - 1] == ' ' || code[end - 1] == '\t' ||
                       code[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && code[start - 1] != '\n')
        start--;
    if (start > 0 && end > start) {
        st = load_as_value(L, code, start, code + start, end - start, chunkname);
        if (st == LUA_OK || st == LUA_ERRMEM)
            return st;
    }
    /* "t = f(); t": the part after the last ';' of the last line. A ';' inside
     * a string splits wrongly, fails to compile, and the plain code runs. */
    size_t semi = end;
    while (semi > start && code[semi - 1] != ';')
        semi--;
    if (semi > start && semi < end) {
        st = load_as_value(L, code, semi, code + semi, end - semi, chunkname);
        if (st == LUA_OK || st == LUA_ERRMEM)
            return st;
    }
    return luaL_loadbufferx(L, code, len, chunkname, "t");
}

static void run_chunk(cellhost *h, const char *code, size_t len, const char *chunkname,
                      bool expression_only, cellhost_result *r)
{
    lua_State *L = h->L;
    memset(r, 0, sizeof *r);
    int base = lua_gettop(L);
    lua_pushcfunction(L, message_handler);
    int msgh = lua_gettop(L);
    int st;
    if (expression_only) {
        st = load_as_value(L, "", 0, code, len, chunkname);
        if (st == LUA_ERRSYNTAX) {
            /* load_as_value dropped its message; the plain parse gives a readable one */
            if (luaL_loadbufferx(L, code, len, chunkname, "t") == LUA_OK) {
                lua_pop(L, 1);
                lua_pushfstring(L, "%s: a statement, not an expression", chunkname + 1);
            }
        }
    } else {
        st = compile_cell(L, code, len, chunkname);
    }
    if (st != LUA_OK) {
        const char *msg = st == LUA_ERRMEM ? "not enough memory to compile the cell" : lua_tostring(L, -1);
        set_error(r, st == LUA_ERRMEM ? "MemoryError" : "SyntaxError", msg ? msg : "", NULL, NULL);
        lua_settop(L, base);
        return;
    }
    interrupt_arm(L);
    lua_pushcfunction(L, identity);
    st = lua_pcall(L, 1, LUA_MULTRET, msgh);
    if (st == LUA_OK) {
        int nres = lua_gettop(L) - msgh;
        render_out out = {NULL, NULL};
        lua_pushcfunction(L, render_values);
        lua_pushlightuserdata(L, &out);
        for (int i = 1; i <= nres; i++)
            lua_pushvalue(L, msgh + i);
        st = lua_pcall(L, nres + 1, 0, msgh);
        if (st == LUA_OK) {
            r->ok = true;
            r->data = out.data;
            r->metadata = out.metadata;
        }
    }
    if (st == LUA_ERRMEM)
        set_error(r, "MemoryError", "not enough memory", "free some variables (x = nil) and retry", NULL);
    else if (st != LUA_OK)
        error_from_info(L, -1, r);
    interrupt_disarm(L);
    lua_settop(L, base);
}

void cellhost_run(cellhost *h, const char *code, size_t len, int execution_count, cellhost_result *r)
{
    char chunkname[64];
    snprintf(chunkname, sizeof chunkname, "=[cell %d]", execution_count);
    h->written[0] = h->written[1] = 0;
    h->truncated[0] = h->truncated[1] = false;
    run_chunk(h, code, len, chunkname, false, r);
    cellhost_flush(h);
    /* Collect the cell's garbage now, so engine memory held by dropped objects
     * comes back between cells, not at a random later moment. */
    lua_gc(h->L, LUA_GCCOLLECT);
}

void cellhost_eval(cellhost *h, const char *expr, cellhost_result *r)
{
    run_chunk(h, expr, strlen(expr), "=[user expression]", true, r);
}

/* ---- lifetime ----------------------------------------------------------- */

/* Protected: opens the libraries and modules (they allocate and may raise). */
static int open_everything(lua_State *L)
{
    bool sandbox = lua_toboolean(L, 1);
    luaL_openlibs(L);
    if (sandbox)
        sandbox_apply(L);
    lua_io_install(L);
    lua_api_open_all(L);
    interrupt_prepare(L);
    return 0;
}

cellhost *cellhost_new(const cellhost_config *cfg, const cellhost_sink *sink, cz_error *err)
{
    cellhost *h = calloc(1, sizeof *h);
    if (!h) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory creating the cell host");
        return NULL;
    }
    if (sink)
        h->sink = *sink;
    cz_cancel_init(&h->own_cancel);
    h->cancel = cfg && cfg->cancel ? cfg->cancel : &h->own_cancel;
    h->backend = cfg && cfg->backend ? cfg->backend : cz_backend_cpu();
    h->output_cap = cfg && cfg->output_cap ? cfg->output_cap : CELLHOST_DEFAULT_OUTPUT_CAP;
    h->pending_since = -1;
    h->L = luaL_newstate();
    if (!h->L) {
        free(h);
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory creating the Lua state");
        return NULL;
    }
    *(cellhost **)lua_getextraspace(h->L) = h;
    lua_pushcfunction(h->L, open_everything);
    lua_pushboolean(h->L, cfg ? cfg->sandbox : true);
    if (lua_pcall(h->L, 1, 0, 0) != LUA_OK) {
        cz_error_set(err, CZ_ENOMEM, NULL, "cannot set up the Lua state: %s", lua_tostring(h->L, -1));
        lua_close(h->L);
        free(h);
        return NULL;
    }
    return h;
}

void cellhost_free(cellhost **hp)
{
    if (!hp || !*hp)
        return;
    cellhost *h = *hp;
    lua_close(h->L);   /* runs __gc of every engine object */
    sb_free(&h->out[0]);
    sb_free(&h->out[1]);
    free(h);
    *hp = NULL;
}
