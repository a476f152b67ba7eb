/* CSV text -> table of numbers: a header row of names, then numeric cells,
 * empty cells as missing (NaN). RFC 4180 quoting (as R's write.csv writes
 * header names), LF or CRLF line ends, a UTF-8 byte-order mark and blank lines
 * skipped. Every error names the source, line and column and says how to fix
 * it. It does not know about labels, splits or scaling (csv_load.c does). */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/alloc.h"
#include "data_internal.h"

/* Far beyond any clinical table; keeps a hostile header from asking for
 * gigabytes of column bookkeeping. */
#define MAX_COLS 100000

typedef struct parser {
    const char *s;
    size_t len, pos;
    size_t line;        /* physical line of pos, 1-based */
    const char *source;
    char *buf;          /* the current field, unquoted and NUL-terminated */
    size_t flen, cap;
    bool quoted;
    cz_error *err;
} parser;

static bool buf_push(parser *p, char c)
{
    if (p->flen + 1 >= p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        char *b = cz_realloc(p->buf, p->cap, cap);
        if (!b)
            return false;
        p->buf = b;
        p->cap = cap;
    }
    p->buf[p->flen++] = c;
    p->buf[p->flen] = '\0';
    return true;
}

static cz_status oom(parser *p)
{
    return cz_error_set(p->err, CZ_ENOMEM, "free memory or use a smaller file",
                        "out of memory parsing %s at line %zu", cz_path_tail(p->source), p->line);
}

/* A short printable excerpt of a field for messages. */
static void excerpt(const char *s, size_t n, char out[32])
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < 24; i++)
        out[k++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (n > 24) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* Reads one field at p->pos into p->buf. *end: the record ended after it
 * (line end or end of text). */
static cz_status read_field(parser *p, bool *end)
{
    p->flen = 0;
    p->quoted = false;
    p->buf[0] = '\0';
    if (p->pos < p->len && p->s[p->pos] == '"') {
        size_t open_line = p->line;
        p->quoted = true;
        p->pos++;
        for (;;) {
            if (p->pos >= p->len)
                return cz_error_set(p->err, CZ_EFORMAT,
                                    "close the quote with \"; a quote inside a quoted field is "
                                    "written twice (\"\")",
                                    "%s line %zu: a quoted field is never closed",
                                    cz_path_tail(p->source), open_line);
            char c = p->s[p->pos++];
            if (c == '"') {
                if (p->pos < p->len && p->s[p->pos] == '"') {
                    p->pos++;
                } else {
                    break;
                }
            } else if (c == '\n') {
                p->line++;
            }
            if (!buf_push(p, c))
                return oom(p);
        }
        while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
            p->pos++;
        if (p->pos < p->len && p->s[p->pos] != ',' && p->s[p->pos] != '\n' &&
            p->s[p->pos] != '\r')
            return cz_error_set(p->err, CZ_EFORMAT,
                                "put a comma after the closing quote, or write a quote inside "
                                "a quoted field twice (\"\")",
                                "%s line %zu: unexpected character '%c' after a closing quote",
                                cz_path_tail(p->source), p->line,
                                isprint((unsigned char)p->s[p->pos]) ? p->s[p->pos] : '?');
    } else {
        while (p->pos < p->len) {
            char c = p->s[p->pos];
            if (c == ',' || c == '\n' || c == '\r')
                break;
            if (!buf_push(p, c))
                return oom(p);
            p->pos++;
        }
    }
    *end = true;
    if (p->pos >= p->len)
        return CZ_OK;
    char c = p->s[p->pos++];
    if (c == ',') {
        *end = false;
    } else {
        if (c == '\r' && p->pos < p->len && p->s[p->pos] == '\n')
            p->pos++;
        p->line++;
    }
    return CZ_OK;
}

/* A record that is nothing but a line end (or the end of the text). */
static bool at_blank_line(const parser *p)
{
    if (p->pos >= p->len)
        return true;
    char c = p->s[p->pos];
    return c == '\n' || c == '\r';
}

static void skip_line_end(parser *p)
{
    if (p->pos < p->len && p->s[p->pos] == '\r')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '\n')
        p->pos++;
    p->line++;
}

static bool is_missing_marker(const char *s)
{
    static const char *const markers[] = {"NA", "N/A", "NaN", "nan", "NAN", "na", "null",
                                          "NULL", "None", "?", ".", "-", "missing"};
    for (size_t i = 0; i < sizeof markers / sizeof *markers; i++)
        if (strcmp(s, markers[i]) == 0)
            return true;
    return false;
}

/* Strict decimal syntax: [+-] digits [. digits] [(e|E) [+-] digits], at least
 * one digit before the exponent. strtod alone would also take "inf", "nan"
 * and hexadecimal. */
static bool is_decimal(const char *s)
{
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            i++;
            digits++;
        }
    }
    if (!digits)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        if (!isdigit((unsigned char)s[i]))
            return false;
        while (isdigit((unsigned char)s[i]))
            i++;
    }
    return s[i] == '\0';
}

/* The current field as a number; NaN when empty. */
static cz_status field_number(parser *p, size_t line, size_t col, const char *col_name,
                              double *out)
{
    char *s = p->buf;
    size_t n = p->flen;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (*s == ' ' || *s == '\t') {
        s++;
        n--;
    }
    if (n == 0) {
        *out = NAN;
        return CZ_OK;
    }
    char shown[32];
    excerpt(s, n, shown);
    bool clean = strlen(s) == n; /* no NUL byte inside */
    if (clean && is_decimal(s)) {
        char *end = NULL;
        double v = strtod(s, &end);
        if (end == s + n && isfinite(v)) {
            *out = v;
            return CZ_OK;
        }
        return cz_error_set(p->err, CZ_EFORMAT, "cells must be finite numbers within double range",
                            "%s line %zu, column %zu (\"%.40s\"): \"%s\" is out of range",
                            cz_path_tail(p->source), line, col, col_name, shown);
    }
    if (clean && is_missing_marker(s))
        return cz_error_set(p->err, CZ_EFORMAT,
                            "write a missing value as an empty cell (R: write.csv(x, na = \"\"); "
                            "pandas: to_csv(na_rep=\"\"))",
                            "%s line %zu, column %zu (\"%.40s\"): \"%s\" is not a number",
                            cz_path_tail(p->source), line, col, col_name, shown);
    return cz_error_set(p->err, CZ_EFORMAT,
                        "cells must be numbers (e.g. 1.5, -2, 3e-4) with '.' as the decimal "
                        "point; code categories as integers or one column per level; leave "
                        "missing cells empty",
                        "%s line %zu, column %zu (\"%.40s\"): \"%s\" is not a number",
                        cz_path_tail(p->source), line, col, col_name, shown);
}

static cz_status read_header(parser *p, cz_csv_table *t)
{
    size_t cap = 0, header_line = p->line;
    bool end = false;
    while (!end) {
        cz_status st = read_field(p, &end);
        if (st)
            return st;
        if (t->cols == MAX_COLS)
            return cz_error_set(p->err, CZ_EFORMAT, "is this really a CSV with a header row?",
                                "%s line %zu: more than %d columns", cz_path_tail(p->source),
                                p->line, MAX_COLS);
        if (t->cols == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **names = cz_realloc(t->names, cap * sizeof(char *), ncap * sizeof(char *));
            if (!names)
                return oom(p);
            t->names = names;
            cap = ncap;
        }
        char *name = p->buf;
        size_t n = p->flen;
        while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
            name[--n] = '\0';
        while (*name == ' ' || *name == '\t')
            name++;
        t->names[t->cols] = cz_strdup(name);
        if (!t->names[t->cols])
            return oom(p);
        t->cols++;
    }
    if (t->cols == 1 && strpbrk(t->names[0], ";\t"))
        return cz_error_set(p->err, CZ_EFORMAT,
                            "save the file comma-separated (R: write.csv; pandas: to_csv), with "
                            "'.' as the decimal point",
                            "%s line %zu (header) is one column \"%.40s\": the file seems to "
                            "use %s between columns",
                            cz_path_tail(p->source), header_line, t->names[0],
                            strchr(t->names[0], ';') ? "';'" : "tabs");
    for (size_t c = 0; c < t->cols; c++) {
        if (t->names[c][0] == '\0')
            return cz_error_set(p->err, CZ_EFORMAT,
                                "give every column a name; if it holds R's row names, write "
                                "the file with write.csv(x, row.names = FALSE)",
                                "%s line %zu (header), column %zu has no name",
                                cz_path_tail(p->source), header_line, c + 1);
        for (size_t k = 0; k < c; k++)
            if (strcmp(t->names[k], t->names[c]) == 0)
                return cz_error_set(p->err, CZ_EFORMAT, "rename one of the two columns",
                                    "%s line %zu (header): column name \"%.40s\" appears twice "
                                    "(columns %zu and %zu)",
                                    cz_path_tail(p->source), header_line, t->names[c], k + 1,
                                    c + 1);
    }
    return CZ_OK;
}

static cz_status grow_rows(parser *p, cz_csv_table *t, size_t *cap)
{
    if (t->rows < *cap)
        return CZ_OK;
    size_t ncap = *cap ? *cap * 2 : 256;
    if (ncap > SIZE_MAX / sizeof(double) / t->cols)
        return oom(p);
    double *cells = cz_realloc(t->cells, *cap * t->cols * sizeof(double),
                               ncap * t->cols * sizeof(double));
    if (!cells)
        return oom(p);
    t->cells = cells;
    size_t *line = cz_realloc(t->line, *cap * sizeof(size_t), ncap * sizeof(size_t));
    if (!line)
        return oom(p);
    t->line = line;
    *cap = ncap;
    return CZ_OK;
}

static cz_status read_rows(parser *p, cz_csv_table *t)
{
    size_t cap = 0;
    while (p->pos < p->len) {
        if (at_blank_line(p)) {
            skip_line_end(p);
            continue;
        }
        cz_status st = grow_rows(p, t, &cap);
        if (st)
            return st;
        size_t line = p->line, col = 0;
        double *row = t->cells + t->rows * t->cols;
        bool end = false;
        while (!end) {
            if ((st = read_field(p, &end)))
                return st;
            if (col >= t->cols)
                return cz_error_set(p->err, CZ_EFORMAT,
                                    "every row needs one cell per header column; check for an "
                                    "unquoted comma inside a value or a stray separator",
                                    "%s line %zu has more cells than the %zu header columns",
                                    cz_path_tail(p->source), line, t->cols);
            if ((st = field_number(p, line, col + 1, t->names[col], &row[col])))
                return st;
            col++;
        }
        if (col != t->cols)
            return cz_error_set(p->err, CZ_EFORMAT,
                                "every row needs one cell per header column; leave a missing "
                                "value as an empty cell between commas",
                                "%s line %zu has %zu cells, the header has %zu columns",
                                cz_path_tail(p->source), line, col, t->cols);
        t->line[t->rows++] = line;
    }
    return CZ_OK;
}

cz_status cz_csv_parse(const char *text, size_t len, const char *source, cz_csv_table *t,
                       cz_error *err)
{
    memset(t, 0, sizeof *t);
    parser p = {.s = text, .len = len, .line = 1, .source = source, .err = err};
    cz_status st;
    p.cap = 64;
    if (!(p.buf = cz_alloc(p.cap)))
        return oom(&p);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    while (p.pos < p.len && at_blank_line(&p))
        skip_line_end(&p);
    if (p.pos >= p.len) {
        st = cz_error_set(err, CZ_EFORMAT,
                          "the file needs a header row of column names and one row per subject",
                          "%s is empty", cz_path_tail(source));
        goto fail;
    }
    if ((st = read_header(&p, t)))
        goto fail;
    if ((st = read_rows(&p, t)))
        goto fail;
    if (t->rows == 0) {
        st = cz_error_set(err, CZ_EFORMAT, "add one row per subject below the header",
                          "%s has a header but no data rows", cz_path_tail(source));
        goto fail;
    }
    cz_free(p.buf);
    return CZ_OK;
fail:
    cz_free(p.buf);
    cz_csv_table_free(t);
    return st;
}

void cz_csv_table_free(cz_csv_table *t)
{
    if (!t)
        return;
    if (t->names)
        for (size_t c = 0; c < t->cols; c++)
            cz_free(t->names[c]);
    cz_free(t->names);
    cz_free(t->cells);
    cz_free(t->line);
    memset(t, 0, sizeof *t);
}
