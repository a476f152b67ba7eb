/* A small real image task for the distillation tests: BreastMNIST (shipped
 * in notebooks/data/) cut to `per_class` training images per class and 20
 * validation and test images, tiny ConvNet experts on it. Keeps the tests at
 * seconds while every image is real. */
#ifndef CZ_TEST_IMAGE_FIXTURE_H
#define CZ_TEST_IMAGE_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "backend/backend.h"
#include "core/alloc.h"
#include "data/dataset.h"
#include "methods/experts.h"
#include "test_paths.h"

/* Moves the first `per_class` rows of each class of split s to the front
 * (classes in order) and drops the rest, in place. */
static inline void image_fixture_cut(cz_dataset *d, cz_split s, size_t per_class)
{
    cz_split_data *sp = &d->split[s];
    size_t f = d->features, kept = 0;
    cz_real *x = cz_alloc(per_class * (size_t)d->classes * f * sizeof *x);
    int32_t *y = cz_alloc(per_class * (size_t)d->classes * sizeof *y);
    cr_assert(x && y);
    for (int c = 0; c < d->classes; c++) {
        size_t n = 0;
        for (size_t i = 0; i < sp->rows && n < per_class; i++)
            if (sp->y[i] == c) {
                memcpy(x + kept * f, sp->x + i * f, f * sizeof *x);
                y[kept++] = c;
                n++;
            }
        cr_assert_eq(n, per_class, "class %d has fewer than %zu rows", c, per_class);
    }
    memcpy(sp->x, x, kept * f * sizeof *x);
    memcpy(sp->y, y, kept * sizeof *y);
    sp->rows = kept;
    cz_free(x);
    cz_free(y);
}

static inline cz_dataset *image_fixture_load(size_t per_class)
{
    char path[4096];
    CZ_SOURCE_PATH(path, "notebooks/data/breastmnist.npz");
    cz_dataset *d = NULL;
    cz_error err;
    cr_assert_eq(cz_dataset_load_npz(path, &d, &err), CZ_OK, "%s", err.msg);
    image_fixture_cut(d, CZ_TRAIN, per_class);
    image_fixture_cut(d, CZ_VAL, 10);
    image_fixture_cut(d, CZ_TEST, 10);
    return d;
}

/* A ConvNet-2 of width 4 with instance norm: small enough for seconds. */
static inline cz_model_spec image_fixture_spec(const cz_dataset *d)
{
    return (cz_model_spec){.arch = CZ_ARCH_CONVNET, .channels = d->channels,
                           .height = d->height, .width = d->width, .classes = d->classes,
                           .hidden = 4, .depth = 2, .instance_norm = 1};
}

static inline cz_experts *image_fixture_experts(const cz_dataset *d, cz_dsa_use dsa)
{
    cz_experts_opts o = cz_experts_opts_default(d);
    o.spec = image_fixture_spec(d);
    o.count = 2;
    o.epochs = 4;
    o.batch = 16;
    o.seed = 5;
    o.dsa = dsa;
    cz_experts *e = NULL;
    cz_error err;
    cr_assert_eq(cz_experts_train(d, &o, cz_backend_cpu(), &e, &err), CZ_OK, "%s", err.msg);
    return e;
}

#endif
