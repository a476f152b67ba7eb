/* The synthetic set object (what dc.distill returns). Its :info() has the
 * method, ipc, iterations, learned rate, last loss and backend. Shown as the
 * rows per class in the dataset's original units (tabular: x * scale +
 * center, undoing the standardisation) or a PNG grid of images (one row per
 * class), the loss curve, and the learned rate. The userdata keeps its
 * dataset alive (user value 1) for those units. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "../display/pngenc.h"
#include "box.h"
#include "errors.h"
#include "lua_distill.h"
#include "object_view.h"
#include "objects.h"
#include "registry.h"

#define GRID_PAD 2

static void synthetic_free(void *obj)
{
    cz_synthetic *s = obj;
    cz_synthetic_free(&s);
}

static cz_status synthetic_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_synthetic_digest(obj, out, err);
}

static void synthetic_info(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_synthetic *s = obj;
    lua_set_str(L, "method", s->method);
    lua_set_int(L, "ipc", s->ipc);
    lua_set_int(L, "iterations", s->iterations);
    lua_set_num(L, "lr", s->lr);
    lua_set_num(L, "loss", s->loss);
    lua_set_str(L, "backend", s->backend);
    lua_set_int(L, "rows", (lua_Integer)s->rows);
    lua_set_int(L, "classes", s->classes);
    lua_set_int(L, "features", (lua_Integer)s->features);
    lua_createtable(L, (int)s->history_len, 0);
    for (int64_t i = 0; i < s->history_len; i++) {
        lua_pushnumber(L, s->loss_history[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "loss_history");
}

static void synthetic_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_synthetic *s = obj;
    char nums[96];
    snprintf(nums, sizeof nums, "lr %.4g, last loss %.4g", s->lr, s->loss);
    lua_pushfstring(L, "synthetic (%s): %d rows (%d per class x %d classes) of %d values, "
                       "%d iterations on %s, %s",
                    s->method, (int)s->rows, s->ipc, s->classes, (int)s->features,
                    (int)s->iterations, s->backend, nums);
}

/* The dataset of the userdata at self, when it fits the set's rows. */
static const cz_dataset *synthetic_dataset(lua_State *L, int self, const cz_synthetic *s)
{
    if (lua_getiuservalue(L, self, 1) == LUA_TNONE) {
        lua_pop(L, 1);
        return NULL;
    }
    const cz_dataset *d = lua_object_test(L, -1, &lua_dataset_kind);
    lua_pop(L, 1);
    return d && d->features == s->features ? d : NULL;
}

static double original_units(const cz_dataset *d, size_t j, double v)
{
    return d && d->center && d->scale ? v * d->scale[j] + d->center[j] : v;
}

static void rows_table(lua_State *L, strbuf *html, const cz_synthetic *s, const cz_dataset *d)
{
    size_t cols = 1 + s->features;
    view_grid names = view_grid_new(L, 1, cols);
    view_grid g = view_grid_new(L, s->rows, cols);
    const char **header = box_block(L, cols * sizeof *header);
    bool *numeric = box_block(L, cols * sizeof *numeric);
    view_cell(&names, 0, 0, "class");
    for (size_t j = 0; j < s->features; j++)
        view_cell(&names, 0, 1 + j, "%s", d && d->feature_names ? d->feature_names[j] : "x");
    for (size_t j = 0; j < cols; j++) {
        header[j] = names.cells + j * VIEW_CELL;
        numeric[j] = j > 0;
    }
    for (size_t r = 0; r < s->rows; r++) {
        int c = s->y[r];
        view_cell(&g, r, 0, "%s", d && d->class_names ? d->class_names[c] : "?");
        for (size_t j = 0; j < s->features; j++)
            view_cell(&g, r, 1 + j, "%.4g", original_units(d, j, s->x[r * s->features + j]));
    }
    view_table(html, &g, header, numeric,
               d ? "Synthetic rows per class, in the data's original units"
                 : "Synthetic rows per class (standardised units)");
    lua_pop(L, 4);
}

/* One row of images per class, ipc columns; pixels in [0, 1] after undoing
 * the normalisation, clamped. */
static void image_grid(lua_State *L, strbuf *html, const cz_synthetic *s, const cz_dataset *d)
{
    int ch = s->channels == 3 ? 3 : 1;
    int h = s->height, w = s->width;
    int zoom = w < 64 ? 2 : 1;
    int cw = w * zoom + GRID_PAD, chh = h * zoom + GRID_PAD;
    int width = s->ipc * cw + GRID_PAD, height = s->classes * chh + GRID_PAD;
    if (width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) {
        sb_puts(html, "<p><i>too many images for one grid</i></p>");
        return;
    }
    uint8_t *px = box_block(L, (size_t)width * (size_t)height * (size_t)ch);
    memset(px, 255, (size_t)width * (size_t)height * (size_t)ch);
    size_t plane = (size_t)h * (size_t)w;
    for (size_t r = 0; r < s->rows; r++) {
        int row = s->y[r], col = (int)(r % (size_t)s->ipc);
        for (int yy = 0; yy < h * zoom; yy++)
            for (int xx = 0; xx < w * zoom; xx++)
                for (int k = 0; k < ch; k++) {
                    size_t j = (size_t)k * plane + (size_t)(yy / zoom) * (size_t)w + (size_t)(xx / zoom);
                    double v = original_units(d, j, s->x[r * s->features + j]);
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    size_t at = ((size_t)(GRID_PAD + row * chh + yy) * (size_t)width +
                                 (size_t)(GRID_PAD + col * cw + xx)) * (size_t)ch + (size_t)k;
                    px[at] = (uint8_t)lround(v * 255);
                }
    }
    uint8_t *png = NULL;
    size_t len = 0;
    char why[128];
    if (png_encode(&png, &len, px, width, height, ch, why, sizeof why) == 0) {
        sb_puts(html, "<p><b>Synthetic images</b> (one row per class)</p>");
        view_img(html, png, len, "synthetic images");
        free(png);
    } else {
        sb_printf(html, "<p><i>image grid unavailable: %s</i></p>", why);
    }
    lua_pop(L, 1);
}

static void synthetic_mime(lua_State *L, const void *obj, int self)
{
    const cz_synthetic *s = obj;
    const cz_dataset *d = synthetic_dataset(L, self, s);
    strbuf *html = box_strbuf(L);
    sb_printf(html, "<p><b>synthetic set</b> (%s): %zu rows, %d per class x %d classes; "
                    "%lld iterations on %s; learned rate %.4g; last loss %.4g</p>",
              s->method, s->rows, s->ipc, s->classes, (long long)s->iterations, s->backend,
              s->lr, s->loss);
    if (s->height > 1 && s->width > 1)
        image_grid(L, html, s, d);
    else
        rows_table(L, html, s, d);
    if (s->history_len > 0) {
        chart_series series = {"loss", NULL, s->loss_history, (size_t)s->history_len};
        chart_options co = {0, 0, true, "Objective per iteration", "iteration", "loss"};
        view_chart(html, &series, 1, &co);
    }
    view_push_html(L, html);
}

const lua_object_kind lua_synthetic_kind = {
    "synthetic", "condensa.synthetic", "a synthetic set", synthetic_free, synthetic_digest,
    synthetic_info, synthetic_text, synthetic_mime, NULL,
};

void **lua_synthetic_new(lua_State *L, int data)
{
    data = data ? lua_absindex(L, data) : 0;
    void **slot = lua_object_new(L, &lua_synthetic_kind, 1);
    if (data) {
        lua_pushvalue(L, data);
        lua_setiuservalue(L, -2, 1);
    }
    return slot;
}

static const lua_api_func funcs[] = {
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_synthetic_kind);
}

const lua_api_group lua_synthetic_group = {
    "dc", "Synthetic sets (made by dc.distill).", funcs, setup,
};
