/* The CSV loader on the shipped clinical files (../shared/data): row counts
 * and positives per split as MANIFEST.md lists them, the computed split equal
 * to the shipped split files, imputation and standardisation fitted on the
 * training rows only. Broken files are in test_csv_errors.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "data/dataset.h"
#include "test_paths.h"

typedef struct manifest_row {
    const char *name;
    size_t rows[3], pos[3];
    size_t features;
} manifest_row;

/* MANIFEST.md's split table and summary (features). */
static const manifest_row MANIFEST[] = {
    {"wdbc", {397, 86, 86}, {148, 32, 32}, 30},
    {"pima", {538, 115, 115}, {188, 40, 40}, 8},
    {"alzheimers", {233, 50, 50}, {63, 14, 14}, 129},
    {"nwtco", {2818, 605, 605}, {399, 86, 86}, 6},
    {"flchain", {5375, 1152, 1152}, {655, 140, 140}, 7},
    {"biopsy", {489, 105, 105}, {169, 36, 36}, 9},
    {"ctg", {1488, 319, 319}, {124, 26, 26}, 21},
    {"icu_mortality", {1400, 300, 300}, {294, 63, 63}, 17},
    {"mgus2", {843, 180, 180}, {59, 12, 12}, 5},
    {"nafld", {7475, 1602, 1602}, {511, 110, 110}, 15},
    {"pneumon", {1693, 363, 363}, {51, 11, 11}, 17},
    {"trace", {1314, 282, 282}, {275, 59, 59}, 6},
    {"stroke", {364, 77, 77}, {68, 14, 14}, 13},
};

static cz_dataset *load(const char *name, const char *split_file, bool standardize)
{
    char path[1024], rel[128], split_path[1024];
    snprintf(rel, sizeof rel, "data/%s.csv", name);
    CZ_SHARED_PATH(path, rel);
    cz_csv_opts o = cz_csv_opts_default();
    o.standardize = standardize;
    if (split_file) {
        snprintf(rel, sizeof rel, "data/splits/%s.split", split_file);
        o.split_file = CZ_SHARED_PATH(split_path, rel);
    }
    cz_dataset *d = NULL;
    cz_error err;
    cz_status st = cz_dataset_load_csv(path, &o, &d, &err);
    cr_assert_eq(st, CZ_OK, "%s: %s (%s)", name, err.msg, err.hint);
    return d;
}

static bool same_split(const cz_dataset *a, const cz_dataset *b, int s)
{
    const cz_split_data *x = &a->split[s], *y = &b->split[s];
    return x->rows == y->rows && !memcmp(x->y, y->y, x->rows * sizeof(int32_t)) &&
           !memcmp(x->x, y->x, x->rows * a->features * sizeof(cz_real));
}

Test(csv_load, every_shared_csv_matches_the_manifest_and_its_split_file)
{
    for (size_t f = 0; f < sizeof MANIFEST / sizeof *MANIFEST; f++) {
        const manifest_row *m = &MANIFEST[f];
        cz_dataset *d = load(m->name, NULL, true);
        cr_assert_str_eq(d->name, m->name);
        cr_assert_eq(d->features, m->features, "%s: %zu features", m->name, d->features);
        cr_assert_eq(d->classes, 2, "%s", m->name);
        cr_assert(!d->is_image);
        cr_assert_eq(d->channels, 1);
        cr_assert_eq((size_t)d->width, d->features);
        for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
            cr_assert_eq(d->split[s].rows, m->rows[s], "%s split %d: %zu rows", m->name, s,
                         d->split[s].rows);
            cr_assert_eq(cz_dataset_class_count(d, (cz_split)s, 1), m->pos[s],
                         "%s split %d positives", m->name, s);
        }
        cz_dataset *shipped = load(m->name, m->name, true);
        for (int s = 0; s < CZ_SPLIT_COUNT; s++)
            cr_assert(same_split(d, shipped, s), "%s split %d differs from the .split file",
                      m->name, s);
        cz_dataset_free(d);
        cz_dataset_free(shipped);
    }
}

Test(csv_load, pima_names_missing_rate_and_train_standardisation)
{
    cz_dataset *d = load("pima", NULL, true);
    cr_assert_str_eq(d->feature_names[0], "pregnant", "quoted header names are unquoted");
    cr_assert_str_eq(d->feature_names[7], "age");
    cr_assert_str_eq(d->class_names[1], "1");
    /* MANIFEST.md: insulin 374, triceps 227, pressure 35, mass 11, glucose 5. */
    cr_assert_float_eq(d->missing_rate, 652.0 / (768.0 * 8.0), 1e-12);
    const cz_split_data *tr = &d->split[CZ_TRAIN];
    for (size_t j = 0; j < d->features; j++) {
        double sum = 0, ss = 0;
        for (size_t i = 0; i < tr->rows; i++)
            sum += tr->x[i * d->features + j];
        double mean = sum / (double)tr->rows;
        for (size_t i = 0; i < tr->rows; i++) {
            double v = tr->x[i * d->features + j] - mean;
            ss += v * v;
        }
        cr_assert(fabs(mean) < 1e-5, "feature %zu train mean %g", j, mean);
        cr_assert(fabs(sqrt(ss / (double)tr->rows) - 1) < 1e-4, "feature %zu train sd", j);
        cr_assert(d->scale[j] > 0);
    }
    /* Validation rows are scaled with the training fit, not their own. */
    const cz_split_data *va = &d->split[CZ_VAL];
    double vsum = 0;
    for (size_t i = 0; i < va->rows; i++)
        vsum += va->x[i * d->features + 1];
    cr_assert(fabs(vsum / (double)va->rows) > 1e-4, "val glucose mean is not refitted to 0");
    cz_dataset_free(d);
}

Test(csv_load, wdbc_crlf_unquoted_header_and_raw_values_without_standardisation)
{
    cz_dataset *d = load("wdbc", "wdbc", false);
    cr_assert_str_eq(d->feature_names[0], "mean_radius");
    cr_assert_eq(d->missing_rate, 0.0);
    /* No standardisation: center 0, scale 1, values as in the file. The first
     * row of wdbc.csv (mean_radius 17.99) is a training row in wdbc.split. */
    cr_assert_eq(d->center[0], 0.0);
    cr_assert_eq(d->scale[0], 1.0);
    cr_assert_float_eq(d->split[CZ_TRAIN].x[0], 17.99f, 1e-5);
    cz_dataset_free(d);
}

/* A file and split file of our own to check imputation values exactly. */
static char tmpdir[64];

static const char *write_tmp(const char *name, const char *text)
{
    static char path[128];
    if (!tmpdir[0]) {
        /* A folder of this process's own (Criterion runs each test in its own process). */
        snprintf(tmpdir, sizeof tmpdir, "/tmp/cz_csv_load_%ld", (long)getpid());
        cr_assert_eq(mkdir(tmpdir, 0700), 0, "mkdir %s", tmpdir);
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void remove_tmp(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
}

static const char SMALL_CSV[] =
    "\"a\",\"const\",\"label\"\r\n"
    "1,7,0\r\n2,7,1\r\n3,7,0\r\n,7,1\r\n5,7,0\r\n100,7,1\r\n,7,0\r\n-4,7,1\r\n";
static const char SMALL_SPLIT[] = "split\ntrain\ntrain\ntrain\ntrain\ntrain\ntrain\nval\ntest\n";

Test(csv_load, median_imputation_uses_training_rows_only)
{
    char split_path[128];
    snprintf(split_path, sizeof split_path, "%s", write_tmp("small.split", SMALL_SPLIT));
    cz_csv_opts o = cz_csv_opts_default();
    o.split_file = split_path;
    o.standardize = false;
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(SMALL_CSV, strlen(SMALL_CSV), "dir/small.csv", &o, &d,
                                          &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_str_eq(d->name, "small");
    cr_assert_eq(d->split[CZ_TRAIN].rows, 6);
    /* Train values of a: 1 2 3 _ 5 100 -> median 3 (the test row's -4 is not used). */
    cr_assert_eq(d->split[CZ_TRAIN].x[3 * 2], 3.0f);
    cr_assert_eq(d->split[CZ_VAL].x[0], 3.0f, "the val row's missing a gets the train median");
    cr_assert_eq(d->split[CZ_TEST].x[0], -4.0f);
    cr_assert_float_eq(d->missing_rate, 2.0 / 16.0, 1e-12);
    cz_dataset_free(d);

    o.standardize = true;
    cr_assert_eq(cz_dataset_load_csv_text(SMALL_CSV, strlen(SMALL_CSV), "small.csv", &o, &d,
                                          &err),
                 CZ_OK, "%s", err.msg);
    /* a after imputation on train: 1 2 3 3 5 100, mean 19. */
    cr_assert_float_eq(d->center[0], 19.0, 1e-12);
    double sd = sqrt((18.0 * 18 + 17 * 17 + 16 * 16 + 16 * 16 + 14 * 14 + 81 * 81) / 6.0);
    cr_assert_float_eq(d->scale[0], sd, 1e-12);
    cr_assert_float_eq(d->split[CZ_TEST].x[0], (float)((-4 - 19) / sd), 1e-6);
    /* The constant column is centred, not divided by zero. */
    cr_assert_eq(d->scale[1], 1.0);
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        for (size_t i = 0; i < d->split[s].rows; i++)
            cr_assert_eq(d->split[s].x[i * 2 + 1], 0.0f);
    cz_dataset_free(d);
    remove_tmp("small.split");
    rmdir(tmpdir);
}

Test(csv_load, three_classes_and_class_weights)
{
    char text[4096] = "x,label\n";
    for (int i = 0; i < 60; i++) {
        char row[32];
        snprintf(row, sizeof row, "%d,%d\n", i, i < 30 ? 0 : (i < 50 ? 1 : 2));
        strcat(text, row);
    }
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(text, strlen(text), "three.csv", NULL, &d, &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_eq(d->classes, 3);
    cr_assert_str_eq(d->class_names[2], "2");
    /* 30/20/10 rows: val and test get round(0.15 n) = 5, 3, 2 per class. */
    cr_assert_eq(cz_dataset_class_count(d, CZ_VAL, 0), 5);
    cr_assert_eq(cz_dataset_class_count(d, CZ_VAL, 1), 3);
    cr_assert_eq(cz_dataset_class_count(d, CZ_TEST, 2), 2);
    cr_assert_eq(d->split[CZ_TRAIN].rows, 20 + 14 + 6);
    size_t idx[64];
    size_t n = cz_dataset_class_rows(d, CZ_TRAIN, 2, idx);
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(d->split[CZ_TRAIN].y[idx[i]], 2);
    double w[3];
    cz_dataset_class_weights(d, CZ_TRAIN, w);
    cr_assert_float_eq(w[0], 40.0 / (3 * 20), 1e-12);
    cr_assert_float_eq(w[2], 40.0 / (3 * 6), 1e-12);
    cz_dataset_free(d);
}

Test(csv_load, label_column_by_name_anywhere_and_integral_float_labels)
{
    const char *text = "outcome,x,y\n1.0,1,2\n0,2,3\n1,3,4\n0,4,5\n1,5,6\n0,6,7\n1,7,8\n0,8,9\n";
    cz_csv_opts o = cz_csv_opts_default();
    o.label = "outcome";
    o.frac[0] = 0.5;
    o.frac[1] = 0.25;
    o.frac[2] = 0.25;
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(text, strlen(text), "o.csv", &o, &d, &err), CZ_OK,
                 "%s", err.msg);
    cr_assert_eq(d->features, 2);
    cr_assert_str_eq(d->feature_names[0], "x");
    cr_assert_str_eq(d->feature_names[1], "y");
    cr_assert_eq(d->split[CZ_TRAIN].rows, 4);
    cz_dataset_free(d);
}
