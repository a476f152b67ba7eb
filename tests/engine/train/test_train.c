/* Training in float64: one epoch equals PyTorch's SGD (momentum, weight decay)
 * written out by hand over the same minibatch order; an MLP learns the pima
 * records; the step schedule; option errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "test_paths.h"
#include "train/train.h"

static cz_model *mlp(int features, int hidden, int depth)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = features,
                       .classes = 2, .hidden = hidden, .depth = depth};
    cz_model *m;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    return m;
}

Test(train, epoch_is_pytorch_sgd_with_momentum_and_weight_decay)
{
    cz_model *m = mlp(3, 4, 1);
    size_t P = cz_model_param_count(m), n = 7, b = 3;
    cz_real *theta = calloc(P, sizeof *theta), *vel = calloc(P, sizeof *vel);
    cz_real *ref = calloc(P, sizeof *ref), *rvel = calloc(P, sizeof *rvel), *g = calloc(P, sizeof *g);
    cz_real x[21], xb[9];
    int32_t y[7], yb[3];
    cz_rng rng;
    cz_rng_seed(&rng, 4);
    cz_model_init(m, &rng, theta);
    memcpy(ref, theta, P * sizeof *ref);
    for (int i = 0; i < 21; i++)
        x[i] = cz_rng_normal(&rng);
    for (int i = 0; i < 7; i++)
        y[i] = i % 2;
    cz_sgd opt = {.lr = 0.1, .momentum = 0.9, .weight_decay = 5e-4, .batch = (int)b};
    cz_error err;
    for (int epoch = 0; epoch < 2; epoch++) {
        cz_rng r1, r2;
        cz_rng_seed(&r1, 10 + epoch);
        r2 = r1;
        double mean;
        cr_assert_eq(cz_train_epoch(m, theta, vel, x, y, n, &opt, &r1, &mean, &err), CZ_OK, "%s", err.msg);
        /* by hand: v = mom v + (g + wd p); p -= lr v, over chunks 3, 3, 1 */
        int64_t perm[7];
        cz_rng_permutation(&r2, perm, 7);
        double total = 0;
        int batches = 0;
        for (size_t s = 0; s < n; s += b) {
            size_t rows = n - s < b ? n - s : b;
            for (size_t i = 0; i < rows; i++) {
                memcpy(xb + 3 * i, x + 3 * perm[s + i], 3 * sizeof *xb);
                yb[i] = y[perm[s + i]];
            }
            cz_real loss;
            cr_assert_eq(cz_model_loss_grad(m, ref, xb, yb, rows, NULL, &loss, g, NULL, &err), CZ_OK);
            for (size_t i = 0; i < P; i++) {
                double gi = g[i] + 5e-4 * ref[i];
                rvel[i] = 0.9 * rvel[i] + gi;
                ref[i] -= 0.1 * rvel[i];
            }
            total += loss;
            batches++;
        }
        cr_expect_float_eq(mean, total / batches, 1e-14);
        cr_expect_eq(memcmp(&r1, &r2, sizeof r1), 0, "the epoch drew exactly one permutation");
    }
    for (size_t i = 0; i < P; i++) {
        cr_expect_float_eq(theta[i], ref[i], 1e-13, "theta[%zu]", i);
        cr_expect_float_eq(vel[i], rvel[i], 1e-13, "velocity[%zu]", i);
    }
    free(theta), free(vel), free(ref), free(rvel), free(g);
    cz_model_free(m);
}

/* pima.csv: 8 numeric columns and the label; empty cells get the column mean;
 * standardised. (The engine's loader is tested elsewhere: this keeps the test
 * independent of it.) */
static size_t load_pima(cz_real **xo, int32_t **yo)
{
    char path[1024], line[512];
    CZ_SHARED_PATH(path, "data/pima.csv");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    cz_real *x = calloc(800 * 8, sizeof *x);
    int32_t *y = calloc(800, sizeof *y);
    unsigned char *missing = calloc(800 * 8, 1);
    size_t n = 0;
    cr_assert_not_null(fgets(line, sizeof line, f));
    while (n < 800 && fgets(line, sizeof line, f)) {
        char *p = line;
        for (int c = 0; c < 9; c++) {
            char *end;
            double v = strtod(p, &end);
            if (c < 8) {
                x[n * 8 + c] = v;
                missing[n * 8 + c] = end == p;
            } else {
                y[n] = (int32_t)v;
            }
            p = strchr(end, ',');
            p = p ? p + 1 : end;
        }
        n++;
    }
    fclose(f);
    for (int c = 0; c < 8; c++) {
        double sum = 0, sq = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!missing[i * 8 + c]) {
                sum += x[i * 8 + c];
                k++;
            }
        double mean = sum / (double)k;
        for (size_t i = 0; i < n; i++) {
            if (missing[i * 8 + c])
                x[i * 8 + c] = mean;
            sq += (x[i * 8 + c] - mean) * (x[i * 8 + c] - mean);
        }
        double sd = sqrt(sq / (double)n);
        for (size_t i = 0; i < n; i++)
            x[i * 8 + c] = (x[i * 8 + c] - mean) / sd;
    }
    free(missing);
    *xo = x;
    *yo = y;
    return n;
}

Test(train, mlp_learns_pima)
{
    cz_real *x;
    int32_t *y;
    size_t n = load_pima(&x, &y);
    cr_assert_eq(n, 768);
    cz_model *m = mlp(8, 32, 2);
    size_t P = cz_model_param_count(m);
    cz_real *theta = calloc(P, sizeof *theta), *vel = calloc(P, sizeof *vel);
    cz_real *probs = calloc(n * 2, sizeof *probs);
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_model_init(m, &rng, theta);
    cz_error err;
    double first = 0, last = 0;
    int epochs = 30;
    for (int e = 0; e < epochs; e++) {
        cz_sgd opt = {.lr = cz_step_schedule(0.05, e, epochs), .momentum = 0.9, .weight_decay = 5e-4, .batch = 64};
        double loss;
        cr_assert_eq(cz_train_epoch(m, theta, vel, x, y, n, &opt, &rng, &loss, &err), CZ_OK, "%s", err.msg);
        if (e == 0)
            first = loss;
        last = loss;
    }
    cr_assert_eq(cz_model_predict(m, theta, x, n, probs, &err), CZ_OK);
    size_t correct = 0;
    for (size_t i = 0; i < n; i++)
        correct += (probs[2 * i + 1] > 0.5) == (y[i] == 1);
    double acc = (double)correct / (double)n;
    cr_expect_lt(last, 0.8 * first, "training loss fell from %.4f to %.4f", first, last);
    cr_expect_gt(acc, 0.77, "training accuracy %.3f (majority class is 0.651)", acc);
    free(x), free(y), free(theta), free(vel), free(probs);
    cz_model_free(m);
}

Test(train, step_schedule_and_option_errors)
{
    cr_expect_eq(cz_step_schedule(0.01, 0, 10), 0.01);
    cr_expect_eq(cz_step_schedule(0.01, 4, 10), 0.01);
    cr_expect_float_eq(cz_step_schedule(0.01, 5, 10), 0.001, 1e-15);
    cr_expect_float_eq(cz_step_schedule(0.01, 9, 10), 0.001, 1e-15);
    cz_model *m = mlp(3, 4, 1);
    size_t P = cz_model_param_count(m);
    cz_real *theta = calloc(P, sizeof *theta), x[6] = {0};
    int32_t y[2] = {0, 1};
    cz_rng rng;
    cz_rng_seed(&rng, 1);
    cz_error err;
    cz_sgd bad = {.lr = -1};
    cr_expect_eq(cz_train_epoch(m, theta, NULL, x, y, 2, &bad, &rng, NULL, &err), CZ_EINVAL);
    cr_expect(strstr(err.msg, "-1"), "%s", err.msg);
    cz_sgd mom = {.lr = 0.1, .momentum = 0.9};
    cr_expect_eq(cz_train_epoch(m, theta, NULL, x, y, 2, &mom, &rng, NULL, &err), CZ_EINVAL,
                 "momentum without a velocity buffer is refused");
    free(theta);
    cz_model_free(m);
}
