/* Internal to engine/data: the pieces the CSV and npz loaders share (reading a
 * file, the parsed CSV table, the split file, preprocessing, building a
 * dataset). Not part of the public API (dataset.h); tests may use it. */
#ifndef CZ_DATA_INTERNAL_H
#define CZ_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "dataset.h"

/* Reads a whole file into an owned buffer (cz_free), NUL-terminated one byte
 * past len. `what` names the file's role in errors ("CSV", "split file"). */
cz_status cz_file_read(const char *path, const char *what, uint8_t **data, size_t *len,
                       cz_error *err) CZ_WUR;

/* A path short enough for an error message: the last ~60 characters. */
const char *cz_path_tail(const char *path);

/* The file stem of a path ("data/pima.csv" -> "pima") into out[cap]. */
void cz_path_stem(const char *path, char *out, size_t cap);

/* A parsed CSV: header names and numeric cells (NaN where empty). */
typedef struct cz_csv_table {
    size_t cols, rows;
    char **names;     /* cols owned strings */
    double *cells;    /* rows x cols; NaN = missing */
    size_t *line;     /* rows: the physical line (1-based) each row starts on */
} cz_csv_table;

/* Parses CSV text (header row, comma-separated, RFC 4180 quoting, LF or CRLF
 * lines, blank lines skipped). Errors name `source`, line and column. */
cz_status cz_csv_parse(const char *text, size_t len, const char *source, cz_csv_table *t,
                       cz_error *err) CZ_WUR;
void cz_csv_table_free(cz_csv_table *t);

/* Reads a cz-split-v1 split file (first line "split", then one word per row:
 * train, val or test) into assign (0/1/2 per row); its row count must be rows. */
cz_status cz_split_file_parse(const char *text, size_t len, const char *source, size_t rows,
                              uint8_t *assign, cz_error *err) CZ_WUR;

/* Median imputation and (when standardize) standardisation of x (rows x cols,
 * NaN = missing), fitted on the rows with assign == CZ_TRAIN, applied to all.
 * Writes center and scale (cols each): fitted value = (raw - center) / scale.
 * Constant columns get scale 1. */
cz_status cz_preprocess_fit_apply(double *x, size_t rows, size_t cols, const uint8_t *assign,
                                  bool standardize, double *center, double *scale,
                                  cz_error *err) CZ_WUR;

/* A zeroed dataset, or NULL when out of memory. */
cz_dataset *cz_dataset_new_empty(void);
/* Allocates x, y of every split (rows[s] x d->features), center and scale,
 * and class_names "0".."k-1" for d->classes. */
cz_status cz_dataset_alloc_buffers(cz_dataset *d, const size_t rows[CZ_SPLIT_COUNT],
                                   cz_error *err) CZ_WUR;

#endif
