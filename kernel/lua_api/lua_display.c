/* The display module: rich output from cells. display(value) shows any
 * value's bundle; display.html/markdown/table/png/chart build bundles from
 * plain Lua data; display.progress gives a bar updated in place;
 * display.clear clears the cell's output. Every function takes an options
 * table validated by options.h; `id` names the output so a later call with
 * {id = ..., update = true} (or display.update) replaces it in place. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cellhost.h"
#include "../display/chart.h"
#include "../display/mime.h"
#include "../display/pngenc.h"
#include "../display/progress.h"
#include "../display/table.h"
#include "box.h"
#include "bundle.h"
#include "errors.h"
#include "options.h"
#include "registry.h"
#include "repr.h"

#define PROGRESS_MT "condensa.progress"
#define MAX_COLUMNS 64

/* Sends a bundle per the id/update options at opts (data, meta stolen;
 * no Lua call may come between building them and this). */
static void publish(lua_State *L, json_t *data, json_t *meta, const char *id, bool update)
{
    cellhost_display(cellhost_from_lua(L), data, meta, id, update && id);
}

static void read_target(lua_State *L, int opts, const char *fn, const char **id, bool *update)
{
    *id = opts_string(L, opts, fn, "id", NULL);
    *update = opts_boolean(L, opts, fn, "update", false);
    if (*update && !*id)
        lua_api_error(L, "ValueError", "pass the id of the output to replace: {id = \"curve\", update = true}",
                      "%s: update = true needs an id", fn);
}

/* ---- display(value), display.update ---------------------------------------- */

static int show(lua_State *L, int value, int opts, const char *fn)
{
    static const char *const known[] = {"id", "update", NULL};
    opts_check(L, opts, fn, known);
    const char *id;
    bool update;
    read_target(L, opts, fn, &id, &update);
    json_t *data, *meta;
    bundle_of_value(L, value, &data, &meta);
    publish(L, data, meta, id, update);
    return 0;
}

static int l_show(lua_State *L)
{
    luaL_checkany(L, 1);
    return show(L, 1, 2, "display");
}

static int l_call(lua_State *L)   /* display(value, opts): arg 1 is the module table */
{
    luaL_checkany(L, 2);
    return show(L, 2, 3, "display");
}

static int l_update(lua_State *L)
{
    const char *id = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    json_t *data, *meta;
    bundle_of_value(L, 2, &data, &meta);
    publish(L, data, meta, id, true);
    return 0;
}

/* ---- html, markdown, clear ------------------------------------------------- */

static int text_kind(lua_State *L, const char *fn, const char *mime)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    static const char *const known[] = {"id", "update", NULL};
    opts_check(L, 2, fn, known);
    const char *id;
    bool update;
    read_target(L, 2, fn, &id, &update);
    json_t *data = json_object();
    if (!data || mime_bundle_set_text(data, mime, text, len) ||
        mime_bundle_set_text(data, "text/plain", text, len)) {
        json_decref(data);
        return luaL_error(L, "out of memory");
    }
    publish(L, data, NULL, id, update);
    return 0;
}

static int l_html(lua_State *L)
{
    return text_kind(L, "display.html", "text/html");
}

static int l_markdown(lua_State *L)
{
    return text_kind(L, "display.markdown", "text/markdown");
}

static int l_clear(lua_State *L)
{
    static const char *const known[] = {"wait", NULL};
    opts_check(L, 1, "display.clear", known);
    cellhost_clear_output(cellhost_from_lua(L), opts_boolean(L, 1, "display.clear", "wait", false));
    return 0;
}

/* ---- table ------------------------------------------------------------------ */

/* Pushes the text of one cell value and returns whether it was a number. */
static bool push_cell_text(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        lua_pushliteral(L, "");
        return false;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, idx));
        else {
            char buf[32];
            snprintf(buf, sizeof buf, "%.6g", lua_tonumber(L, idx));
            lua_pushstring(L, buf);
        }
        return true;
    case LUA_TSTRING:
        lua_pushvalue(L, idx);
        return false;
    default:
        repr_push(L, idx);
        return false;
    }
}

/* Column names: opts.columns, else the sorted keys of record rows, else
 * 1..n (or the first row with header = true). Pushes them as a Lua array and
 * returns their count; *records says whether rows are keyed by name. */
static size_t table_columns(lua_State *L, int rows, int opts, bool *records, bool header)
{
    const char *fn = "display.table";
    lua_newtable(L);
    int names = lua_gettop(L);
    size_t n = 0;
    lua_rawgeti(L, rows, 1);
    bool first_is_record = lua_istable(L, -1) && lua_rawlen(L, -1) == 0;
    lua_pop(L, 1);
    if (opts_has(L, opts, "columns")) {
        lua_getfield(L, opts, "columns");
        if (!lua_istable(L, -1))
            lua_api_error(L, "ValueError", "for example {columns = {\"name\", \"auroc\"}}",
                          "%s: columns must be a list of names", fn);
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) != LUA_TSTRING)
                lua_api_error(L, "ValueError", NULL, "%s: columns[%lld] is not a string", fn, (long long)i);
            lua_rawseti(L, names, (lua_Integer)++n);
        }
        lua_pop(L, 1);
        *records = first_is_record;
    } else if (first_is_record) {
        /* union of the string keys of every row, sorted */
        lua_newtable(L);
        int seen = lua_gettop(L);
        for (lua_Integer r = 1; r <= (lua_Integer)lua_rawlen(L, rows); r++) {
            if (lua_rawgeti(L, rows, r) == LUA_TTABLE) {
                lua_pushnil(L);
                while (lua_next(L, -2)) {
                    lua_pop(L, 1);
                    if (lua_type(L, -1) == LUA_TSTRING) {
                        lua_pushvalue(L, -1);
                        if (lua_rawget(L, seen) == LUA_TNIL && n < MAX_COLUMNS) {
                            lua_pushvalue(L, -2);
                            lua_pushboolean(L, 1);
                            lua_rawset(L, seen);
                            lua_pushvalue(L, -2);
                            lua_rawseti(L, names, (lua_Integer)++n);
                        }
                        lua_pop(L, 1);
                    }
                }
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        /* sort the names (insertion sort over the Lua array: few columns) */
        for (size_t i = 2; i <= n; i++)
            for (size_t j = i; j > 1; j--) {
                lua_rawgeti(L, names, (lua_Integer)j - 1);
                lua_rawgeti(L, names, (lua_Integer)j);
                bool swap = strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) > 0;
                if (swap) {
                    lua_rawseti(L, names, (lua_Integer)j - 1);
                    lua_rawseti(L, names, (lua_Integer)j);
                } else {
                    lua_pop(L, 2);
                    break;
                }
            }
        *records = true;
    } else {
        lua_rawgeti(L, rows, 1);
        size_t width = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
        for (size_t c = 1; c <= width && c <= MAX_COLUMNS; c++) {
            if (header) {
                lua_rawgeti(L, -1, (lua_Integer)c);
                push_cell_text(L, lua_gettop(L));
                lua_remove(L, -2);
            } else {
                lua_pushfstring(L, "%d", (int)c);
            }
            lua_rawseti(L, names, (lua_Integer)++n);
        }
        lua_pop(L, 1);
        *records = false;
    }
    return n;
}

static int l_table(lua_State *L)
{
    const char *fn = "display.table";
    static const char *const known[] = {"columns", "header", "caption", "max_rows", "id", "update", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check(L, 2, fn, known);
    const char *id;
    bool update;
    read_target(L, 2, fn, &id, &update);
    bool header = opts_boolean(L, 2, fn, "header", false);
    const char *caption = opts_string(L, 2, fn, "caption", NULL);
    size_t max_rows = (size_t)opts_integer(L, 2, fn, "max_rows", TABLE_DEFAULT_MAX_ROWS, 1, 100000);
    bool records;
    size_t n_cols = table_columns(L, 1, 2, &records, header);
    int names = lua_gettop(L);
    if (n_cols == 0)
        lua_api_error(L, "ValueError", "pass a list of rows: {{name = \"a\", x = 1}, ...} or {{\"a\", 1}, ...}",
                      "%s: no columns found (an empty table?)", fn);
    size_t first = header && !records ? 2 : 1;
    size_t total = lua_rawlen(L, 1) >= first ? lua_rawlen(L, 1) - first + 1 : 0;
    size_t shown = total < max_rows ? total : max_rows;

    const char **head = box_block(L, n_cols * sizeof *head);
    const char **cells = box_block(L, (shown ? shown : 1) * n_cols * sizeof *cells);
    bool *numeric = box_block(L, n_cols * sizeof *numeric);
    bool *any = box_block(L, n_cols * sizeof *any);
    lua_createtable(L, (int)(shown * n_cols), 0);   /* anchors the cell strings */
    int anchor = lua_gettop(L);
    for (size_t c = 0; c < n_cols; c++) {
        lua_rawgeti(L, names, (lua_Integer)c + 1);
        head[c] = lua_tostring(L, -1);
        lua_pop(L, 1);   /* still referenced by names */
        numeric[c] = true;
    }
    lua_Integer slot = 0;
    for (size_t r = 0; r < shown; r++) {
        lua_Integer row_index = (lua_Integer)(first + r);
        if (lua_rawgeti(L, 1, row_index) != LUA_TTABLE)
            lua_api_error(L, "ValueError", "each row is a table", "%s: row %lld is a %s, not a table", fn,
                          (long long)row_index, luaL_typename(L, -1));
        for (size_t c = 0; c < n_cols; c++) {
            if (records) {
                lua_rawgeti(L, names, (lua_Integer)c + 1);
                lua_rawget(L, -2);
            } else {
                lua_rawgeti(L, -1, (lua_Integer)c + 1);
            }
            bool isnil = lua_isnil(L, -1);
            bool isnum = push_cell_text(L, lua_gettop(L));
            if (!isnil) {
                any[c] = true;
                numeric[c] = numeric[c] && isnum;
            }
            cells[r * n_cols + c] = lua_tostring(L, -1);
            lua_rawseti(L, anchor, ++slot);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    for (size_t c = 0; c < n_cols; c++)
        numeric[c] = numeric[c] && any[c];
    table_model t = {n_cols, total, head, cells, numeric, caption, max_rows};
    char *html, *text;
    if (table_render(&t, &html, &text))
        return luaL_error(L, "out of memory rendering a table");
    json_t *data = mime_bundle_html(html, text);
    free(html);
    free(text);
    if (!data)
        return luaL_error(L, "out of memory rendering a table");
    publish(L, data, NULL, id, update);
    return 0;
}

/* ---- png -------------------------------------------------------------------- */

/* Reads a matrix of numbers in [0, 1] (or {r, g, b} triples) into pixels. */
static uint8_t *matrix_pixels(lua_State *L, const char *fn, int *w, int *h, int *channels, bool normalize)
{
    *h = (int)lua_rawlen(L, 1);
    if (*h == 0 || lua_rawgeti(L, 1, 1) != LUA_TTABLE)
        lua_api_error(L, "ValueError", "pass PNG bytes, or rows of grey values in [0, 1]",
                      "%s: expected a matrix (a list of rows)", fn);
    *w = (int)lua_rawlen(L, -1);
    lua_rawgeti(L, -1, 1);
    *channels = lua_istable(L, -1) ? 3 : 1;
    lua_pop(L, 2);
    if (*w <= 0 || *w > PNG_MAX_SIDE || *h > PNG_MAX_SIDE)
        lua_api_error(L, "ValueError", NULL, "%s: a %dx%d image is outside 1..%d per side", fn, *w, *h, PNG_MAX_SIDE);
    size_t count = (size_t)*w * (size_t)*h * (size_t)*channels;
    double *vals = box_block(L, count * sizeof *vals);
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < *h; y++) {
        if (lua_rawgeti(L, 1, y + 1) != LUA_TTABLE || (int)lua_rawlen(L, -1) != *w)
            lua_api_error(L, "ValueError", "every row needs the same number of values",
                          "%s: row %d is not a list of %d values", fn, y + 1, *w);
        for (int x = 0; x < *w; x++) {
            lua_rawgeti(L, -1, x + 1);
            for (int k = 0; k < *channels; k++) {
                if (*channels == 3)
                    lua_rawgeti(L, -1 - k, k + 1);
                int isnum = 0;
                double v = lua_tonumberx(L, -1, &isnum);
                if (!isnum)
                    lua_api_error(L, "ValueError", NULL, "%s: pixel (%d, %d) is not a number%s", fn, y + 1,
                                  x + 1, *channels == 3 ? " triple" : "");
                vals[((size_t)y * (size_t)*w + (size_t)x) * (size_t)*channels + (size_t)k] = v;
                if (isfinite(v)) {
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                }
                if (*channels == 3)
                    lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    uint8_t *px = box_block(L, count);
    double span = hi > lo ? hi - lo : 1;
    for (size_t i = 0; i < count; i++) {
        double v = normalize ? (vals[i] - lo) / span : vals[i];
        v = isfinite(v) ? (v < 0 ? 0 : v > 1 ? 1 : v) : 0;
        px[i] = (uint8_t)lround(v * 255);
    }
    return px;
}

static int l_png(lua_State *L)
{
    const char *fn = "display.png";
    static const char *const known[] = {"scale", "normalize", "id", "update", NULL};
    opts_check(L, 2, fn, known);
    const char *id;
    bool update;
    read_target(L, 2, fn, &id, &update);
    bool normalize = opts_boolean(L, 2, fn, "normalize", false);
    if (lua_type(L, 1) == LUA_TSTRING) {
        size_t len;
        const char *bytes = lua_tolstring(L, 1, &len);
        if (!mime_is_png(bytes, len))
            lua_api_error(L, "ValueError", "pass the raw bytes of a PNG file, or a matrix of values",
                          "%s: the string is not PNG data (%zu bytes)", fn, len);
        json_t *data = mime_bundle_png(bytes, len, "<image/png>", 0, 0, NULL);
        if (!data)
            return luaL_error(L, "out of memory");
        publish(L, data, NULL, id, update);
        return 0;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    int w, h, channels;
    uint8_t *px = matrix_pixels(L, fn, &w, &h, &channels, normalize);
    int side = w > h ? w : h;
    int def_scale = side >= 256 ? 1 : 256 / side;
    int scale = (int)opts_integer(L, 2, fn, "scale", def_scale > 16 ? 16 : def_scale, 1, 64);
    if ((long)w * scale > PNG_MAX_SIDE || (long)h * scale > PNG_MAX_SIDE)
        lua_api_error(L, "ValueError", "use a smaller scale", "%s: %dx%d scaled by %d is too large", fn, w, h, scale);
    int sw = w * scale, sh = h * scale;
    uint8_t *big = box_block(L, (size_t)sw * (size_t)sh * (size_t)channels);
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++)
            memcpy(big + ((size_t)y * (size_t)sw + (size_t)x) * (size_t)channels,
                   px + ((size_t)(y / scale) * (size_t)w + (size_t)(x / scale)) * (size_t)channels,
                   (size_t)channels);
    uint8_t *png;
    size_t len;
    char err[256];
    if (png_encode(&png, &len, big, sw, sh, channels, err, sizeof err))
        lua_api_error(L, "ValueError", NULL, "%s: %s", fn, err);
    char plain[64];
    snprintf(plain, sizeof plain, "<image %dx%d>", w, h);
    json_t *meta;
    json_t *data = mime_bundle_png(png, len, plain, sw, sh, &meta);
    free(png);
    if (!data)
        return luaL_error(L, "out of memory");
    publish(L, data, meta, id, update);
    return 0;
}

/* ---- chart ------------------------------------------------------------------ */

/* Reads a list of numbers at idx into a GC-owned array; returns its length. */
static size_t read_numbers(lua_State *L, int idx, const char *fn, const char *what, const double **out)
{
    if (!lua_istable(L, idx))
        lua_api_error(L, "ValueError", "a series is a list of numbers", "%s: %s is a %s, not a list", fn,
                      what, luaL_typename(L, idx));
    size_t n = lua_rawlen(L, idx);
    double *v = box_block(L, (n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        int isnum = 0;
        v[i] = lua_tonumberx(L, -1, &isnum);
        if (!isnum && !lua_isnil(L, -1))
            lua_api_error(L, "ValueError", NULL, "%s: %s[%zu] is a %s, not a number", fn, what, i + 1,
                          luaL_typename(L, -1));
        if (!isnum)
            v[i] = NAN;
        lua_pop(L, 1);
    }
    *out = v;
    return n;   /* the box stays on the stack, owned by the caller's frame */
}

static int l_chart(lua_State *L)
{
    const char *fn = "display.chart";
    static const char *const known[] = {"title", "xlabel", "ylabel", "logy", "width", "height",
                                        "id", "update", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    opts_check(L, 2, fn, known);
    const char *id;
    bool update;
    read_target(L, 2, fn, &id, &update);
    chart_options o = {
        (int)opts_integer(L, 2, fn, "width", 640, 160, 4096),
        (int)opts_integer(L, 2, fn, "height", 360, 120, 4096),
        opts_boolean(L, 2, fn, "logy", false),
        opts_string(L, 2, fn, "title", NULL),
        opts_string(L, 2, fn, "xlabel", NULL),
        opts_string(L, 2, fn, "ylabel", NULL),
    };
    chart_series *s = box_block(L, CHART_MAX_SERIES * sizeof *s);
    size_t n = 0;
    lua_rawgeti(L, 1, 1);
    int first = lua_type(L, -1);
    lua_pop(L, 1);
    if (first == LUA_TNUMBER) {
        s[0].name = "series";
        s[0].n = read_numbers(L, 1, fn, "the series", &s[0].y);
        n = 1;
    } else if (first == LUA_TTABLE) {
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, 1); i++) {
            if (n == CHART_MAX_SERIES)
                lua_api_error(L, "ValueError", NULL, "%s: at most %d series", fn, CHART_MAX_SERIES);
            luaL_checkstack(L, 8, "too many series");
            lua_rawgeti(L, 1, i);
            int item = lua_gettop(L);
            if (!lua_istable(L, item))
                lua_api_error(L, "ValueError", "each series is {name = ..., y = {...}} or a list of numbers",
                              "%s: series %lld is a %s", fn, (long long)i, luaL_typename(L, item));
            lua_getfield(L, item, "name");
            s[n].name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "series";
            lua_pop(L, 1);   /* the name stays referenced by the item, which stays on the stack */
            if (lua_getfield(L, item, "y") == LUA_TNIL) {
                lua_pop(L, 1);
                lua_pushvalue(L, item);   /* a plain list of numbers */
            }
            s[n].n = read_numbers(L, lua_gettop(L), fn, "y", &s[n].y);
            lua_getfield(L, item, "x");
            if (!lua_isnil(L, -1)) {
                size_t nx = read_numbers(L, lua_gettop(L), fn, "x", &s[n].x);
                if (nx != s[n].n)
                    lua_api_error(L, "ValueError", "give x and y the same length",
                                  "%s: series %lld has %zu x values and %zu y values", fn, (long long)i, nx, s[n].n);
            }
            n++;
        }
    } else {
        /* {name = {values}, ...}, drawn in name order */
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING && n < CHART_MAX_SERIES)
                n++;
        }
        if (n == 0)
            lua_api_error(L, "ValueError", "pass {loss = {...}} or a list of numbers", "%s: no series given", fn);
        const char **names = box_block(L, n * sizeof *names);
        size_t k = 0;
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING && k < n)
                names[k++] = lua_tostring(L, -1);   /* keys stay referenced by the table */
        }
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        luaL_checkstack(L, (int)(2 * n) + 4, "too many series");
        for (size_t i = 0; i < n; i++) {
            s[i].name = names[i];
            lua_getfield(L, 1, names[i]);
            s[i].n = read_numbers(L, lua_gettop(L), fn, names[i], &s[i].y);
        }
    }
    char err[256];
    json_t *meta;
    json_t *data = chart_bundle(s, n, &o, &meta, err, sizeof err);
    if (!data)
        lua_api_error(L, "ValueError", NULL, "%s: %s", fn, err);
    publish(L, data, meta, id, update);
    return 0;
}

/* ---- progress --------------------------------------------------------------- */

typedef struct progress_ud {
    progress_bar *bar;
} progress_ud;

static void progress_emit(void *user, json_t *data, const char *display_id, bool update)
{
    cellhost_display(user, data, NULL, display_id, update);
}

static int progress_gc(lua_State *L)
{
    progress_ud *p = luaL_checkudata(L, 1, PROGRESS_MT);
    progress_free(&p->bar);
    return 0;
}

/* Detail text from a string or a table {loss = 0.1, acc = 0.9}: "acc 0.9, loss 0.1". */
static void push_detail(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx)) {
        lua_pushliteral(L, "");
        return;
    }
    if (!lua_istable(L, idx)) {
        luaL_tolstring(L, idx, NULL);
        return;
    }
    idx = lua_absindex(L, idx);
    lua_newtable(L);   /* sorted keys */
    int keys = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, keys, ++n);
        }
    }
    for (lua_Integer i = 2; i <= n; i++)
        for (lua_Integer j = i; j > 1; j--) {
            lua_rawgeti(L, keys, j - 1);
            lua_rawgeti(L, keys, j);
            if (strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) <= 0) {
                lua_pop(L, 2);
                break;
            }
            lua_rawseti(L, keys, j - 1);
            lua_rawseti(L, keys, j);
        }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        const char *k = lua_tostring(L, -1);
        lua_pop(L, 1);   /* the key stays referenced by keys */
        if (i > 1)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, k);
        luaL_addchar(&b, ' ');
        lua_getfield(L, idx, k);
        if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1)) {
            char num[32];
            snprintf(num, sizeof num, "%.4g", lua_tonumber(L, -1));
            lua_pop(L, 1);
            luaL_addstring(&b, num);
        } else {
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(&b);
        }
    }
    luaL_pushresult(&b);
    lua_remove(L, keys);
}

static int progress_update_l(lua_State *L)
{
    progress_ud *p = luaL_checkudata(L, 1, PROGRESS_MT);
    lua_Integer step = luaL_checkinteger(L, 2);
    push_detail(L, 3);
    progress_update(p->bar, step, lua_tostring(L, -1));
    lua_settop(L, 1);
    return 1;
}

static int progress_done_l(lua_State *L)
{
    progress_ud *p = luaL_checkudata(L, 1, PROGRESS_MT);
    progress_finish(p->bar);
    return 0;
}

static int progress_id_l(lua_State *L)
{
    progress_ud *p = luaL_checkudata(L, 1, PROGRESS_MT);
    lua_pushstring(L, progress_display_id(p->bar));
    return 1;
}

static int l_progress(lua_State *L)
{
    const char *fn = "display.progress";
    lua_Integer total = luaL_optinteger(L, 1, 0);
    static const char *const known[] = {"label", NULL};
    opts_check(L, 2, fn, known);
    const char *label = opts_string(L, 2, fn, "label", NULL);
    progress_ud *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->bar = NULL;
    luaL_setmetatable(L, PROGRESS_MT);
    p->bar = progress_new(label, total, progress_emit, cellhost_from_lua(L));
    if (!p->bar)
        return luaL_error(L, "out of memory");
    return 1;
}

static void setup(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update", progress_update_l}, {"done", progress_done_l}, {"id", progress_id_l}, {NULL, NULL},
    };
    luaL_newmetatable(L, PROGRESS_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, progress_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "progress");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
    /* display(value) calls display.show */
    lua_getglobal(L, "display");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, l_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

static const lua_api_func funcs[] = {
    {"show", l_show, "display(value [, {id, update}]) / display.show(value [, opts])",
     "Shows any value as cell output: its __mime bundle for rich objects, else its text. "
     "id names the output; {id = ..., update = true} replaces an earlier output in place."},
    {"update", l_update, "display.update(id, value)",
     "Replaces the output shown earlier with {id = id} by value's bundle (update_display_data)."},
    {"html", l_html, "display.html(html [, {id, update}])", "Shows an HTML fragment."},
    {"markdown", l_markdown, "display.markdown(text [, {id, update}])", "Shows Markdown text."},
    {"table", l_table, "display.table(rows [, {columns, header, caption, max_rows, id, update}])",
     "Shows rows as an HTML table with a plain-text twin. rows is a list of records "
     "({name = \"a\", auroc = 0.9}) or of lists ({\"a\", 0.9}); columns picks and orders record "
     "fields (default: all, sorted); header = true takes the first list row as the header; "
     "numeric columns are right-aligned; at most max_rows (200) rows are shown."},
    {"png", l_png, "display.png(data [, {scale, normalize, id, update}])",
     "Shows an image: data is the bytes of a PNG file, or a matrix (list of rows) of grey values "
     "in [0, 1] or of {r, g, b} triples; normalize = true maps min..max to black..white; scale "
     "enlarges pixels (default: about 256 pixels wide)."},
    {"chart", l_chart,
     "display.chart(series [, {title, xlabel, ylabel, logy, width, height, id, update}])",
     "Draws a line chart to PNG. series is a list of numbers, a table {name = {numbers}}, or a "
     "list of {name =, y = {...}, x = {...}}; nil/NaN values leave gaps; logy = true for a log "
     "scale (loss curves). Redraw in place with {id = \"c\"} then {id = \"c\", update = true}."},
    {"progress", l_progress, "display.progress(total [, {label}]) -> bar",
     "A live progress bar: bar:update(step [, detail]) redraws it in place at most 10 times a "
     "second (detail: a string or a table such as {loss = 0.1}); bar:done() draws the final "
     "state; bar:id() is its display id."},
    {"clear", l_clear, "display.clear([{wait}])",
     "Clears the cell's output; wait = true clears when the next output arrives (no flicker)."},
    {NULL, NULL, NULL, NULL},
};

const lua_api_group lua_display_group = {
    "display",
    "Rich output: values, HTML, tables, images, charts, progress bars.",
    funcs,
    setup,
};
