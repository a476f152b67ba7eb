/* Tables as HTML with a plain-text twin. The caller supplies cells as
 * strings; numeric columns are right-aligned in both forms. Long tables are
 * cut after max_rows with a note saying how many rows were left out, so a
 * 100 000-row table never floods the notebook. No Lua here. */
#ifndef KERNEL_TABLE_H
#define KERNEL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct table_model {
    size_t n_cols;
    size_t n_rows;
    const char *const *header;   /* n_cols names */
    const char *const *cells;    /* n_rows * n_cols, row-major; NULL cell = empty */
    const bool *numeric;         /* n_cols flags, or NULL: none numeric */
    const char *caption;         /* optional */
    size_t max_rows;             /* 0: TABLE_DEFAULT_MAX_ROWS */
} table_model;

#define TABLE_DEFAULT_MAX_ROWS 200
/* Plain-text cells longer than this are cut with "…" (HTML keeps them whole). */
#define TABLE_TEXT_CELL_WIDTH 40

/* Renders both forms (malloc'd, free with free()). Returns 0, or -1 on
 * out-of-memory (then neither is set). */
int table_render(const table_model *t, char **html, char **text);

#endif
