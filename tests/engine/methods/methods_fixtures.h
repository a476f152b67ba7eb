/* Datasets for the methods' tests: the real pima/wdbc files with their
 * cz-split-v1 split files, and small hand-made CSVs written to a temporary
 * folder with an explicit split, for tests that need to know every row. */
#ifndef CZ_METHODS_FIXTURES_H
#define CZ_METHODS_FIXTURES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "data/dataset.h"
#include "methods/experts.h"
#include "methods/mtt.h"
#include "test_paths.h"

/* Loads ../shared/data/NAME.csv with its split file; fails the test otherwise. */
static inline cz_dataset *fixture_load(const char *name)
{
    char csv[512], split[512], rel[128];
    snprintf(rel, sizeof rel, "data/%s.csv", name);
    CZ_SHARED_PATH(csv, rel);
    snprintf(rel, sizeof rel, "data/splits/%s.split", name);
    CZ_SHARED_PATH(split, rel);
    cz_csv_opts o = cz_csv_opts_default();
    o.split_file = split;
    cz_dataset *d = NULL;
    cz_error err;
    cz_status st = cz_dataset_load_csv(csv, &o, &d, &err);
    cr_assert_eq(st, CZ_OK, "loading %s: %s (%s)", csv, err.msg, err.hint);
    return d;
}

/* Writes a CSV of n rows (f features, then the label) and a split file
 * (0 train, 1 val, 2 test per row) to a fresh temporary folder, and loads it
 * without standardisation. */
static inline cz_dataset *fixture_handmade(const double *x, const int *y, const int *part, int n,
                                           int f)
{
    /* mkdtemp's template: the prefix, then six 'X' it replaces. */
    char dir[32] = "/tmp/cz_methods_";
    memset(dir + strlen(dir), 'X', 6);
    cr_assert_not_null(mkdtemp(dir));
    char csv[128], split[128];
    snprintf(csv, sizeof csv, "%s/hand.csv", dir);
    snprintf(split, sizeof split, "%s/hand.split", dir);
    FILE *fc = fopen(csv, "w"), *fs = fopen(split, "w");
    cr_assert(fc && fs);
    for (int j = 0; j < f; j++)
        fprintf(fc, "f%d,", j);
    fprintf(fc, "label\n");
    fprintf(fs, "split\n");
    static const char *names[3] = {"train", "val", "test"};
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < f; j++)
            fprintf(fc, "%.17g,", x[i * f + j]);
        fprintf(fc, "%d\n", y[i]);
        fprintf(fs, "%s\n", names[part[i]]);
    }
    fclose(fc);
    fclose(fs);
    cz_csv_opts o = cz_csv_opts_default();
    o.split_file = split;
    o.standardize = false;
    cz_dataset *d = NULL;
    cz_error err;
    cz_status st = cz_dataset_load_csv(csv, &o, &d, &err);
    cr_assert_eq(st, CZ_OK, "loading the hand-made CSV: %s (%s)", err.msg, err.hint);
    unlink(csv);
    unlink(split);
    rmdir(dir);
    return d;
}

/* COUNT experts of EPOCHS epochs on D with the default options, on the CPU. */
static inline cz_experts *fixture_experts(const cz_dataset *d, int count, int epochs)
{
    cz_experts_opts o = cz_experts_opts_default(d);
    o.count = count;
    o.epochs = epochs;
    cz_experts *e = NULL;
    cz_error err;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_OK, "%s", err.msg);
    return e;
}

/* An MTT run on the CPU; fails the test with the engine's message otherwise. */
static inline cz_mtt *fixture_mtt_new(const cz_dataset *d, const cz_experts *e,
                                      const cz_mtt_config *c)
{
    cz_mtt *r = NULL;
    cz_error err;
    cr_assert_eq(cz_mtt_new(d, e, c, cz_backend_cpu(), &r, &err), CZ_OK, "%s (%s)", err.msg,
                 err.hint);
    return r;
}

#endif
