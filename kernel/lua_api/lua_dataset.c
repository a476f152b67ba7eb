/* dc.load_csv and dc.load_npz, and the dataset object: :info() with rows per
 * split, features or image shape, classes, training prevalence and missing
 * rate; shown as tables of those. The engine loads and preprocesses; this
 * file maps options and renders. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cz.h"
#include "errors.h"
#include "box.h"
#include "object_view.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

static const char *const split_names[CZ_SPLIT_COUNT] = {"train", "val", "test"};

static void dataset_free(void *obj)
{
    cz_dataset_free(obj);
}

static cz_status dataset_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_dataset_digest(obj, out, err);
}

static double prevalence(const cz_dataset *d, cz_split s, int c)
{
    size_t n = d->split[s].rows;
    return n ? (double)cz_dataset_class_count(d, s, c) / (double)n : 0.0;
}

static void dataset_info(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_dataset *d = obj;
    lua_set_str(L, "name", d->name);
    lua_createtable(L, 0, CZ_SPLIT_COUNT);
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        lua_set_int(L, split_names[s], (lua_Integer)d->split[s].rows);
    lua_setfield(L, -2, "rows");
    lua_set_int(L, "features", (lua_Integer)d->features);
    if (d->is_image) {
        lua_createtable(L, 3, 0);
        int dims[3] = {d->channels, d->height, d->width};
        for (int i = 0; i < 3; i++) {
            lua_pushinteger(L, dims[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "shape");
    }
    lua_set_int(L, "classes", d->classes);
    lua_createtable(L, d->classes, 0);
    for (int c = 0; c < d->classes; c++) {
        lua_pushnumber(L, prevalence(d, CZ_TRAIN, c));
        lua_rawseti(L, -2, c + 1);
    }
    lua_setfield(L, -2, "prevalence");
    lua_createtable(L, d->classes, 0);
    for (int c = 0; c < d->classes; c++) {
        lua_pushinteger(L, (lua_Integer)cz_dataset_class_count(d, CZ_TRAIN, c));
        lua_rawseti(L, -2, c + 1);
    }
    lua_setfield(L, -2, "counts");
    lua_createtable(L, d->classes, 0);
    for (int c = 0; c < d->classes; c++) {
        lua_pushstring(L, d->class_names ? d->class_names[c] : "");
        lua_rawseti(L, -2, c + 1);
    }
    lua_setfield(L, -2, "class_names");
    lua_set_num(L, "missing_rate", d->missing_rate);
    lua_set_str(L, "type", d->is_image ? "images" : "tabular");
}

static void shape_text(char *out, size_t cap, const cz_dataset *d)
{
    if (d->is_image)
        snprintf(out, cap, "images %dx%dx%d", d->channels, d->height, d->width);
    else
        snprintf(out, cap, "%zu features", d->features);
}

static void dataset_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_dataset *d = obj;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char shape[64];
    shape_text(shape, sizeof shape, d);
    size_t total = 0;
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        total += d->split[s].rows;
    char line[256];
    snprintf(line, sizeof line, "dataset %s: %zu rows (train %zu, val %zu, test %zu), %s, %d classes (",
             d->name, total, d->split[CZ_TRAIN].rows, d->split[CZ_VAL].rows,
             d->split[CZ_TEST].rows, shape, d->classes);
    luaL_addstring(&b, line);
    for (int c = 0; c < d->classes && c < 16; c++) {
        snprintf(line, sizeof line, "%s%s: %.1f%%", c ? ", " : "",
                 d->class_names ? d->class_names[c] : "?", 100 * prevalence(d, CZ_TRAIN, c));
        luaL_addstring(&b, line);
    }
    snprintf(line, sizeof line, "%s), missing %.1f%%", d->classes > 16 ? ", ..." : "",
             100 * d->missing_rate);
    luaL_addstring(&b, line);
    luaL_pushresult(&b);
}

/* Splits x classes: rows and per-class counts with prevalence. */
static void splits_table(lua_State *L, strbuf *html, const cz_dataset *d)
{
    int shown = d->classes < 12 ? d->classes : 12;
    size_t cols = 2 + (size_t)shown;
    view_grid g = view_grid_new(L, CZ_SPLIT_COUNT, cols);
    view_grid names = view_grid_new(L, 1, cols);
    const char *header[14];
    bool numeric[14];
    view_cell(&names, 0, 0, "split");
    view_cell(&names, 0, 1, "rows");
    for (int c = 0; c < shown; c++)
        view_cell(&names, 0, 2 + (size_t)c, "class %s", d->class_names ? d->class_names[c] : "?");
    for (size_t j = 0; j < cols; j++) {
        header[j] = names.cells + j * VIEW_CELL;
        numeric[j] = j > 0;
    }
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        view_cell(&g, (size_t)s, 0, "%s", split_names[s]);
        view_cell(&g, (size_t)s, 1, "%zu", d->split[s].rows);
        for (int c = 0; c < shown; c++)
            view_cell(&g, (size_t)s, 2 + (size_t)c, "%zu (%.1f%%)",
                      cz_dataset_class_count(d, (cz_split)s, c), 100 * prevalence(d, (cz_split)s, c));
    }
    view_table(html, &g, header, numeric, "Rows per split and class (prevalence)");
    lua_pop(L, 2);
}

/* Features with the training split's centre and scale (file units). */
static void features_table(lua_State *L, strbuf *html, const cz_dataset *d)
{
    size_t n = d->features < 200 ? d->features : 200;
    view_grid g = view_grid_new(L, n, 3);
    for (size_t j = 0; j < n; j++) {
        view_cell(&g, j, 0, "%s", d->feature_names ? d->feature_names[j] : "");
        view_cell(&g, j, 1, "%.4g", d->center ? d->center[j] : 0.0);
        view_cell(&g, j, 2, "%.4g", d->scale ? d->scale[j] : 1.0);
    }
    static const char *const header[] = {"feature", "centre (train)", "scale (train)"};
    static const bool numeric[] = {false, true, true};
    view_table(html, &g, header, numeric, "Features: standardisation fitted on the training split");
    lua_pop(L, 1);
}

static void dataset_mime(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_dataset *d = obj;
    strbuf *html = box_strbuf(L);
    char shape[64];
    shape_text(shape, sizeof shape, d);
    sb_puts(html, "<div class=\"condensa-dataset\"><p><b>dataset ");
    sb_append_html(html, d->name, strlen(d->name));
    sb_printf(html, "</b>: %s, %d classes, missing cells %.1f%% (imputed with the training "
                    "median)</p>", shape, d->classes, 100 * d->missing_rate);
    splits_table(L, html, d);
    if (!d->is_image)
        features_table(L, html, d);
    sb_puts(html, "</div>");
    view_push_html(L, html);
    lua_remove(L, -2);
}

const lua_object_kind lua_dataset_kind = {
    "dataset", "condensa.dataset", "a dataset", dataset_free, dataset_digest,
    dataset_info, dataset_text, dataset_mime, NULL,
};

/* split = {0.7, 0.15, 0.15} or {train = 0.7, val = 0.15, test = 0.15}. */
static void read_split(lua_State *L, int opts, const char *fn, double frac[3])
{
    if (!lua_istable(L, opts) || lua_getfield(L, opts, "split") == LUA_TNIL) {
        if (lua_istable(L, opts))
            lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    if (!lua_istable(L, t))
        lua_api_error(L, "ValueError", "e.g. split = {0.7, 0.15, 0.15}",
                      "%s: option \"split\" must be a table of three fractions, got a %s", fn,
                      luaL_typename(L, t));
    for (int i = 0; i < 3; i++) {
        if (lua_rawgeti(L, t, i + 1) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_getfield(L, t, split_names[i]);
        }
        int ok = 0;
        double v = lua_tonumberx(L, -1, &ok);
        if (!ok || !(v >= 0 && v <= 1))
            lua_api_error(L, "ValueError", "e.g. split = {0.7, 0.15, 0.15} (train, val, test)",
                          "%s: split fraction %d (%s) must be a number in [0, 1]", fn, i + 1,
                          split_names[i]);
        frac[i] = v;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int l_load_csv(lua_State *L)
{
    const char *fn = "dc.load_csv";
    const char *path = luaL_checkstring(L, 1);
    static const char *const known[] = {"label", "split", "seed", "impute", "standardize",
                                        "split_file", NULL};
    opts_check(L, 2, fn, known);
    cz_csv_opts o = cz_csv_opts_default();
    o.label = opts_string(L, 2, fn, "label", o.label);
    o.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    static const char *const impute[] = {"median", NULL};
    (void)opts_choice(L, 2, fn, "impute", impute, 0);
    o.standardize = opts_boolean(L, 2, fn, "standardize", o.standardize);
    o.split_file = opts_string(L, 2, fn, "split_file", NULL);
    read_split(L, 2, fn, o.frac);
    void **slot = lua_object_new(L, &lua_dataset_kind, 0);
    cz_error err;
    cz_error_clear(&err);
    if (cz_dataset_load_csv(path, &o, (cz_dataset **)slot, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static int l_load_npz(lua_State *L)
{
    const char *fn = "dc.load_npz";
    const char *path = luaL_checkstring(L, 1);
    static const char *const known[] = {NULL};
    opts_check(L, 2, fn, known);
    void **slot = lua_object_new(L, &lua_dataset_kind, 0);
    cz_error err;
    cz_error_clear(&err);
    if (cz_dataset_load_npz(path, (cz_dataset **)slot, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"load_csv", l_load_csv, "dc.load_csv(path [, opts]) -> dataset",
     "Loads a clinical CSV (header row, numeric columns, empty cells are missing) and splits it "
     "stratified into train/val/test. Missing cells are imputed with the training median and "
     "features standardised with the training mean and std (fitted on train only). Options: "
     "label (\"label\": the outcome column), split ({0.7, 0.15, 0.15}), seed (0), impute "
     "(\"median\"), standardize (true), split_file (a cz-split-v1 file instead of computing "
     "the split)."},
    {"load_npz", l_load_npz, "dc.load_npz(path) -> dataset",
     "Loads a MedMNIST-style .npz (train/val/test images and labels, its own split); pixels "
     "scaled to [0, 1] then normalised per channel with the training mean and std."},
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_dataset_kind);
}

const lua_api_group lua_dataset_group = {
    "dc", "Data: clinical CSV and MedMNIST .npz datasets.", funcs, setup,
};
