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
    /* The preprocessing fitted on the training split, per feature: a value in
     * file units (pixels in [0, 1] for images) is x * scale + center.
     * Tabular without standardisation: center 0, scale 1. */
    double *center, *scale;
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

/* The same from CSV text in memory; `source` names it in errors and gives the
 * dataset's name (its file stem). opts->split_file, when set, is read from disk. */
cz_status cz_dataset_load_csv_text(const char *text, size_t len, const char *source,
                                   const cz_csv_opts *opts, cz_dataset **out,
                                   cz_error *err) CZ_WUR;

/* Loads a MedMNIST .npz (zip of .npy: {train,val,test}_{images,labels}; stored
 * or deflated); uint8 images scaled to [0,1] then normalised per channel with
 * the training split's mean and std. */
cz_status cz_dataset_load_npz(const char *path, cz_dataset **out, cz_error *err) CZ_WUR;

/* The same from the bytes of an .npz in memory (`source` as above). */
cz_status cz_dataset_load_npz_mem(const uint8_t *data, size_t len, const char *source,
                                  cz_dataset **out, cz_error *err) CZ_WUR;

void cz_dataset_free(cz_dataset *d);

/* The "cz-split-v1" protocol (../shared/data/MANIFEST.md): stratified by
 * label, SplitMix64 + Fisher-Yates per class. Writes 0/1/2 (train/val/test)
 * per row. Per class of n rows, val and test get round_half_up(frac * n)
 * rows (frac in millionths, so 0.15 gives (15 n + 50) / 100 exactly as
 * make_splits.py); train the rest. CZ_EINVAL when the fractions do not sum to
 * 1, a label is outside [0, classes), or a class with rows is too small to
 * give train, and each split with a nonzero fraction, at least one row. */
cz_status cz_split_v1(const int32_t *labels, size_t rows, int classes, const double frac[3],
                      uint64_t seed, uint8_t *assign, cz_error *err) CZ_WUR;

/* Count of rows of class c in a split. */
size_t cz_dataset_class_count(const cz_dataset *d, cz_split s, int c);
/* Indices of the rows of class c in split s (idx holds class_count values). */
size_t cz_dataset_class_rows(const cz_dataset *d, cz_split s, int c, size_t *idx);

/* Balanced class weights of split s for imbalanced data, as sklearn's
 * class_weight="balanced": w[c] = rows / (classes * rows of class c), and 0
 * for a class absent from the split. w holds d->classes values. */
void cz_dataset_class_weights(const cz_dataset *d, cz_split s, double *w);

/* Canonical encoding (core/bytes.h), for checkpoints and digests. */
cz_status cz_dataset_serialize(const cz_dataset *d, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_dataset_deserialize(cz_reader *r, cz_dataset **out, cz_error *err) CZ_WUR;
/* SHA-256 of the canonical encoding without the name: the same content
 * loaded from a renamed file has the same digest. */
cz_status cz_dataset_digest(const cz_dataset *d, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
