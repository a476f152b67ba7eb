/* Display helpers for engine objects; see object_view.h. */
#include "object_view.h"

#include <lauxlib.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../display/table.h"
#include "box.h"
#include "errors.h"

view_grid view_grid_new(lua_State *L, size_t rows, size_t cols)
{
    view_grid g = {rows, cols, NULL};
    size_t n = rows * cols > 0 ? rows * cols : 1;
    g.cells = box_block(L, n * VIEW_CELL);
    return g;
}

void view_cell(view_grid *g, size_t r, size_t c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->cells + (r * g->cols + c) * VIEW_CELL, VIEW_CELL, fmt, ap);
    va_end(ap);
}

void view_table(strbuf *html, const view_grid *g, const char *const *header, const bool *numeric,
                const char *caption)
{
    const char **cells = malloc((g->rows * g->cols + 1) * sizeof *cells);
    if (!cells) {
        html->oom = true;
        return;
    }
    for (size_t i = 0; i < g->rows * g->cols; i++)
        cells[i] = g->cells + i * VIEW_CELL;
    table_model t = {g->cols, g->rows, header, cells, numeric, caption, 0};
    char *h = NULL, *text = NULL;
    if (table_render(&t, &h, &text) == 0)
        sb_puts(html, h);
    else
        html->oom = true;
    free(h);
    free(text);
    free(cells);
}

void view_img(strbuf *html, const uint8_t *png, size_t len, const char *alt)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (!b64) {
        html->oom = true;
        return;
    }
    sodium_bin2base64(b64, cap, png, len, sodium_base64_VARIANT_ORIGINAL);
    sb_puts(html, "<img alt=\"");
    sb_append_html(html, alt, strlen(alt));
    sb_printf(html, "\" src=\"data:image/png;base64,%s\"/>", b64);
    free(b64);
}

void view_chart(strbuf *html, const chart_series *s, size_t n, const chart_options *o)
{
    uint8_t *png = NULL;
    size_t len = 0;
    char why[256];
    if (o->title) {
        sb_puts(html, "<div><b>");
        sb_append_html(html, o->title, strlen(o->title));
        sb_puts(html, "</b>");
        for (size_t i = 0; i < n; i++) {
            rgb8 c = chart_color(i);
            sb_printf(html, " <span style=\"color:#%02x%02x%02x\">&#9632; ", c.r, c.g, c.b);
            sb_append_html(html, s[i].name, strlen(s[i].name));
            sb_puts(html, "</span>");
        }
        sb_puts(html, "</div>");
    }
    if (chart_render_png(&png, &len, s, n, o, why, sizeof why) != 0) {
        sb_puts(html, "<p><i>");
        sb_append_html(html, why, strlen(why));
        sb_puts(html, "</i></p>");
        return;
    }
    view_img(html, png, len, o->title ? o->title : "chart");
    free(png);
}

void view_bytes(char *out, size_t cap, double bytes)
{
    if (bytes < 1024)
        snprintf(out, cap, "%.0f B", bytes);
    else if (bytes < 1024.0 * 1024)
        snprintf(out, cap, "%.1f KiB", bytes / 1024);
    else if (bytes < 1024.0 * 1024 * 1024)
        snprintf(out, cap, "%.1f MiB", bytes / (1024.0 * 1024));
    else
        snprintf(out, cap, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
}

void view_push_html(lua_State *L, const strbuf *html)
{
    if (html->oom)
        lua_api_error(L, "MemoryError", NULL, "out of memory rendering a display");
    lua_newtable(L);
    lua_pushlstring(L, html->data ? html->data : "", html->len);
    lua_setfield(L, -2, "text/html");
}
