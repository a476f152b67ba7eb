/* Building blocks of the engine objects' rich displays (objects.h): an HTML
 * table from a grid of formatted cells, a PNG embedded in HTML, a line
 * chart as PNG. All memory that outlives a Lua call is GC-owned (box.h), so
 * a raise in the middle of a rendering leaks nothing. */
#ifndef LUA_API_OBJECT_VIEW_H
#define LUA_API_OBJECT_VIEW_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../display/chart.h"
#include "../text.h"

#define VIEW_CELL 48

/* A rows x cols grid of cells of VIEW_CELL bytes, GC-owned (pushes a box). */
typedef struct view_grid {
    size_t rows, cols;
    char *cells;
} view_grid;

view_grid view_grid_new(lua_State *L, size_t rows, size_t cols);
/* printf into cell (r, c), truncated to VIEW_CELL - 1 bytes. */
void view_cell(view_grid *g, size_t r, size_t c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends the grid as an HTML table (header: cols names; numeric: per
 * column, may be NULL) with an optional caption to html. */
void view_table(strbuf *html, const view_grid *g, const char *const *header, const bool *numeric,
                const char *caption);

/* Appends <img src="data:image/png;base64,..."> of the PNG bytes. */
void view_img(strbuf *html, const uint8_t *png, size_t len, const char *alt);

/* Renders a chart and appends it as an <img> with its title above; on
 * failure (nothing finite to draw) appends a note instead. */
void view_chart(strbuf *html, const chart_series *s, size_t n, const chart_options *o);

/* "1.23 MB" style sizes. */
void view_bytes(char *out, size_t cap, double bytes);

/* Pushes a __mime table {["text/html"] = html}. */
void view_push_html(lua_State *L, const strbuf *html);

#endif
