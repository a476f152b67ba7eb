/* HTML and text renderings of a table; see table.h. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "../text.h"

static const char *cell_at(const table_model *t, size_t r, size_t c)
{
    const char *s = t->cells[r * t->n_cols + c];
    return s ? s : "";
}

static bool is_numeric(const table_model *t, size_t c)
{
    return t->numeric && t->numeric[c];
}

static size_t shown_rows(const table_model *t)
{
    size_t max = t->max_rows ? t->max_rows : TABLE_DEFAULT_MAX_ROWS;
    return t->n_rows < max ? t->n_rows : max;
}

static void render_html(const table_model *t, strbuf *b)
{
    size_t rows = shown_rows(t);
    sb_puts(b, "<table class=\"condensa-table\">");
    if (t->caption && *t->caption) {
        sb_puts(b, "<caption>");
        sb_append_html(b, t->caption, strlen(t->caption));
        sb_puts(b, "</caption>");
    }
    sb_puts(b, "<thead><tr>");
    for (size_t c = 0; c < t->n_cols; c++) {
        sb_puts(b, is_numeric(t, c) ? "<th style=\"text-align:right\">" : "<th style=\"text-align:left\">");
        sb_append_html(b, t->header[c], strlen(t->header[c]));
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr></thead><tbody>");
    for (size_t r = 0; r < rows; r++) {
        sb_puts(b, "<tr>");
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *s = cell_at(t, r, c);
            sb_puts(b, is_numeric(t, c) ? "<td style=\"text-align:right\">" : "<td style=\"text-align:left\">");
            sb_append_html(b, s, strlen(s));
            sb_puts(b, "</td>");
        }
        sb_puts(b, "</tr>");
    }
    sb_puts(b, "</tbody></table>");
    if (rows < t->n_rows)
        sb_printf(b, "<p><em>%zu of %zu rows shown</em></p>", rows, t->n_rows);
}

/* Display width in code points, capped for the text form. */
static size_t text_width(const char *s)
{
    size_t w = utf8_count(s, strlen(s));
    return w > TABLE_TEXT_CELL_WIDTH ? TABLE_TEXT_CELL_WIDTH : w;
}

static void pad(strbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_append(b, " ", 1);
}

static void text_cell(strbuf *b, const char *s, size_t width, bool right)
{
    size_t len = strlen(s), w = utf8_count(s, len);
    size_t shown = w > TABLE_TEXT_CELL_WIDTH ? TABLE_TEXT_CELL_WIDTH - 1 : w;
    size_t bytes = utf8_offset(s, len, shown);
    size_t vis = shown + (w > TABLE_TEXT_CELL_WIDTH ? 1 : 0);
    if (right)
        pad(b, width - vis);
    sb_append(b, s, bytes);
    if (w > TABLE_TEXT_CELL_WIDTH)
        sb_puts(b, "\xE2\x80\xA6");   /* … */
    if (!right)
        pad(b, width - vis);
}

static void render_text(const table_model *t, strbuf *b)
{
    size_t rows = shown_rows(t);
    size_t *width = calloc(t->n_cols ? t->n_cols : 1, sizeof *width);
    if (!width) {
        b->oom = true;
        return;
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        width[c] = text_width(t->header[c]);
        for (size_t r = 0; r < rows; r++) {
            size_t w = text_width(cell_at(t, r, c));
            if (w > width[c])
                width[c] = w;
        }
    }
    if (t->caption && *t->caption)
        sb_printf(b, "%s\n", t->caption);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            sb_puts(b, "  ");
        text_cell(b, t->header[c], width[c], is_numeric(t, c));
    }
    sb_puts(b, "\n");
    for (size_t c = 0; c < t->n_cols; c++) {
        if (c)
            sb_puts(b, "  ");
        for (size_t i = 0; i < width[c]; i++)
            sb_append(b, "-", 1);
    }
    for (size_t r = 0; r < rows; r++) {
        sb_puts(b, "\n");
        for (size_t c = 0; c < t->n_cols; c++) {
            if (c)
                sb_puts(b, "  ");
            text_cell(b, cell_at(t, r, c), width[c], is_numeric(t, c));
        }
    }
    if (rows < t->n_rows)
        sb_printf(b, "\n(%zu of %zu rows shown)", rows, t->n_rows);
    free(width);
}

int table_render(const table_model *t, char **html, char **text)
{
    strbuf h = {0}, p = {0};
    render_html(t, &h);
    render_text(t, &p);
    char *hs = sb_take(&h), *ps = sb_take(&p);
    if (!hs || !ps) {
        free(hs);
        free(ps);
        return -1;
    }
    *html = hs;
    *text = ps;
    return 0;
}
