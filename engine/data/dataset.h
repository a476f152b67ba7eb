/* Datasets: float rows (or images, C x H x W, flattened row-major) with int
 * labels, in three splits. Loaders for CSV (tabular clinical files) and
 * MedMNIST-style .npz (images). Preprocessing (median imputation,
 * standardisation) is fitted on the training split only.
 *
 * A dataset owns all its buffers (host memory); the struct is open so the
 * methods read it directly, but only this module writes it. */
#ifndef CZ_DATASET_H
#define CZ_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/bytes.h"
#include "../core/real.h"
#include "../core/status.h"

typedef enum cz_split { CZ_TRAIN = 0, CZ_VAL, CZ_TEST, CZ_SPLIT_COUNT } cz_split;

typedef struct cz_split_data {
    size_t rows;
    cz_real *x;  /* rows x features */
    int32_t *y;  /* rows, in [0, classes) */
} cz_split_data;

typedef struct cz_dataset {
    bool is_image;
    size_t features;             /* values per row = channels * height * width */
    int channels, height, width; /* tabular: 1, 1, features */
    int classes;
    char **feature_names;        /* features names (tabular), NULL for images */
    char **class_names;          /* classes names ("0", "1" unless known) */
    double missing_rate;         /* share of missing feature cells before imputation */
    char name[64];               /* file stem, e.g. "pima" */
    cz_split_data split[CZ_SPLIT_COUNT];
} cz_dataset;

typedef struct cz_csv_opts {
    const char *label;       /* label column name (default "label") */
    double frac[3];          /* train/val/test fractions (default 0.7/0.15/0.15) */
    uint64_t seed;           /* split seed (default 0) */
    const char *split_file;  /* a ../shared/data/splits/NAME.split file, or NULL: cz-split-v1 */
    bool standardize;        /* default true */
} cz_csv_opts;

/* Defaults as in API.md. */
cz_csv_opts cz_csv_opts_default(void);

/* Loads a CSV. Errors name the file, line and column and say how to fix it
 * (a non-numeric cell, a missing label column, a single-class file, a ragged
 * row, labels that are not 0..k-1). */
cz_status cz_dataset_load_csv(const char *path, const cz_csv_opts *opts, cz_dataset **out,
                              cz_error *err) CZ_WUR;

/* Loads a MedMNIST .npz (zip of .npy: {train,val,test}_{images,labels}; stored
 * or deflated); uint8 images scaled to [0,1] then normalised per channel with
 * the training split's mean and std. */
cz_status cz_dataset_load_npz(const char *path, cz_dataset **out, cz_error *err) CZ_WUR;

void cz_dataset_free(cz_dataset *d);

/* The "cz-split-v1" protocol (../shared/data/MANIFEST.md): stratified by
 * label, SplitMix64 + Fisher-Yates per class. Writes 0/1/2 (train/val/test)
 * per row. */
cz_status cz_split_v1(const int32_t *labels, size_t rows, int classes, const double frac[3],
                      uint64_t seed, uint8_t *assign, cz_error *err) CZ_WUR;

/* Count of rows of class c in a split. */
size_t cz_dataset_class_count(const cz_dataset *d, cz_split s, int c);
/* Indices of the rows of class c in split s (idx holds class_count values). */
size_t cz_dataset_class_rows(const cz_dataset *d, cz_split s, int c, size_t *idx);

/* Canonical encoding (core/bytes.h), for checkpoints and digests. */
cz_status cz_dataset_serialize(const cz_dataset *d, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_dataset_deserialize(cz_reader *r, cz_dataset **out, cz_error *err) CZ_WUR;
/* SHA-256 of the canonical encoding. */
cz_status cz_dataset_digest(const cz_dataset *d, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
