/* DSA: the backward is the exact adjoint of the forward's linear part (per
 * family, composed, both draw modes), seeds replay, and pictures move as the
 * drawn parameters say. float64 build. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "augment/dsa.h"
#include "augment/dsa_ops.h"
#include "core/alloc.h"
#include "core/rng.h"

static void fill_normal(cz_real *x, size_t n, uint64_t seed)
{
    cz_rng r;
    cz_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = cz_rng_normal(&r);
}

static double dot(const cz_real *a, const cz_real *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static cz_dsa *make(cz_dsa_opts o)
{
    cz_dsa *d = NULL;
    cz_error err;
    cz_status st = cz_dsa_new(&o, &d, &err);
    cr_assert_eq(st, CZ_OK, "cz_dsa_new: %s", err.msg);
    return d;
}

/* |<L x, g> - <x, L^T g>| relative to the terms' size, with L x = A(x) - A(0). */
static double adjoint_gap(cz_dsa *d, uint64_t seed, size_t n, uint64_t data_seed)
{
    size_t len = n * cz_dsa_image_size(d);
    cz_real *x = cz_calloc(len, sizeof *x), *g = cz_calloc(len, sizeof *g);
    cz_real *ax = cz_calloc(len, sizeof *ax), *a0 = cz_calloc(len, sizeof *a0);
    cz_real *zero = cz_calloc(len, sizeof *zero), *atg = cz_calloc(len, sizeof *atg);
    fill_normal(x, len, data_seed);
    fill_normal(g, len, data_seed + 1000);
    cz_error err;
    cr_assert_eq(cz_dsa_forward(d, seed, x, n, ax, &err), CZ_OK);
    cr_assert_eq(cz_dsa_forward(d, seed, zero, n, a0, &err), CZ_OK);
    cr_assert_eq(cz_dsa_backward(d, seed, g, n, atg, &err), CZ_OK);
    for (size_t i = 0; i < len; i++)
        ax[i] -= a0[i];
    double lhs = dot(ax, g, len), rhs = dot(x, atg, len);
    double scale = sqrt(dot(ax, ax, len) * dot(g, g, len)) + 1.0;
    cz_free(x), cz_free(g), cz_free(ax), cz_free(a0), cz_free(zero), cz_free(atg);
    return fabs(lhs - rhs) / scale;
}

Test(dsa, backward_is_the_exact_adjoint_of_each_family)
{
    const int shapes[2][3] = {{1, 28, 28}, {3, 12, 10}};
    for (int s = 0; s < 2; s++)
        for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
            for (int shared = 0; shared < 2; shared++) {
                cz_dsa_opts o = cz_dsa_opts_default(shapes[s][0], shapes[s][1], shapes[s][2]);
                o.families = 1u << f;
                o.shared = shared;
                cz_dsa *d = make(o);
                for (uint64_t seed = 0; seed < 12; seed++) {
                    double gap = adjoint_gap(d, seed, 3, seed * 7 + (uint64_t)f);
                    cr_assert_lt(gap, 1e-12, "%s shape %d shared %d seed %llu: gap %.3e",
                                 cz_dsa_family_name((cz_dsa_family)f), s, shared,
                                 (unsigned long long)seed, gap);
                }
                cz_dsa_free(&d);
                cr_assert_null(d, "free must null the pointer");
            }
}

Test(dsa, backward_is_the_exact_adjoint_when_composed)
{
    /* Mode ALL chains all six families; mode ONE over many seeds hits each. */
    for (int mode = 0; mode < 2; mode++) {
        cz_dsa_opts o = cz_dsa_opts_default(2, 16, 14);
        o.mode = mode ? CZ_DSA_MODE_ALL : CZ_DSA_MODE_ONE;
        cz_dsa *d = make(o);
        for (uint64_t seed = 100; seed < 130; seed++) {
            double gap = adjoint_gap(d, seed, 4, seed);
            cr_assert_lt(gap, 1e-12, "mode %d seed %llu: gap %.3e", mode, (unsigned long long)seed,
                         gap);
        }
        cz_dsa_free(&d);
    }
}

Test(dsa, adjoint_check_catches_a_wrong_transpose)
{
    /* Canary: the forward used as its own "adjoint" is wrong for a rotation,
     * and the measure above must say so. */
    dsa_shape s = {.c = 1, .h = 9, .w = 9, .cut_h = 4, .cut_w = 4};
    double a[4] = {cos(0.3), -sin(0.3), sin(0.3), cos(0.3)};
    cz_real x[81], g[81], ax[81], fg[81];
    fill_normal(x, 81, 1);
    fill_normal(g, 81, 2);
    dsa_affine_fwd(&s, a, x, ax);
    dsa_affine_fwd(&s, a, g, fg);
    cr_assert_gt(fabs(dot(ax, g, 81) - dot(x, fg, 81)), 1e-3);
    dsa_affine_adj(&s, a, g, fg);
    cr_assert_lt(fabs(dot(ax, g, 81) - dot(x, fg, 81)), 1e-12);
}

Test(dsa, the_same_seed_replays_bit_for_bit_and_other_seeds_differ)
{
    cz_dsa *d = make(cz_dsa_opts_default(1, 28, 28));
    size_t n = 5, len = n * 784;
    cz_real *x = cz_calloc(len, sizeof *x), *y1 = cz_calloc(len, sizeof *y1);
    cz_real *y2 = cz_calloc(len, sizeof *y2);
    fill_normal(x, len, 3);
    cz_error err;
    int differ = 0;
    for (uint64_t seed = 0; seed < 40; seed++) {
        cr_assert_eq(cz_dsa_forward(d, seed, x, n, y1, &err), CZ_OK);
        cr_assert_eq(cz_dsa_forward(d, seed, x, n, y2, &err), CZ_OK);
        cr_assert_eq(memcmp(y1, y2, len * sizeof *y1), 0, "seed %llu does not replay",
                     (unsigned long long)seed);
        cr_assert_eq(cz_dsa_backward(d, seed, x, n, y1, &err), CZ_OK);
        cr_assert_eq(cz_dsa_backward(d, seed, x, n, y2, &err), CZ_OK);
        cr_assert_eq(memcmp(y1, y2, len * sizeof *y1), 0);
        cr_assert_eq(cz_dsa_forward(d, seed + 1000, x, n, y2, &err), CZ_OK);
        cr_assert_eq(cz_dsa_forward(d, seed, x, n, y1, &err), CZ_OK);
        differ += memcmp(y1, y2, len * sizeof *y1) != 0;
    }
    cr_assert_geq(differ, 38, "only %d of 40 seed pairs gave different batches", differ);
    cz_free(x), cz_free(y1), cz_free(y2);
    cz_dsa_free(&d);
}

Test(dsa, an_images_draw_does_not_depend_on_the_batch_size_and_in_place_works)
{
    cz_dsa *d = make(cz_dsa_opts_default(1, 28, 28));
    size_t len = 5 * 784;
    cz_real *x = cz_calloc(len, sizeof *x), *y5 = cz_calloc(len, sizeof *y5);
    cz_real *y2 = cz_calloc(len, sizeof *y2);
    fill_normal(x, len, 4);
    cz_error err;
    for (uint64_t seed = 0; seed < 10; seed++) {
        cr_assert_eq(cz_dsa_forward(d, seed, x, 5, y5, &err), CZ_OK);
        cr_assert_eq(cz_dsa_forward(d, seed, x, 2, y2, &err), CZ_OK);
        cr_assert_eq(memcmp(y5, y2, 2 * 784 * sizeof *y2), 0);
        memcpy(y2, x, len * sizeof *x);
        cr_assert_eq(cz_dsa_forward(d, seed, y2, 5, y2, &err), CZ_OK);
        cr_assert_eq(memcmp(y5, y2, len * sizeof *y2), 0, "in place differs");
    }
    cz_free(x), cz_free(y5), cz_free(y2);
    cz_dsa_free(&d);
}

Test(dsa, one_family_per_batch_chosen_uniformly)
{
    cz_dsa *d = make(cz_dsa_opts_default(1, 28, 28));
    int counts[CZ_DSA_FAMILY_COUNT] = {0};
    for (uint64_t seed = 0; seed < 6000; seed++)
        counts[cz_dsa_family_of(d, seed)]++;
    for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
        cr_assert(counts[f] > 850 && counts[f] < 1150, "%s chosen %d of 6000 times",
                  cz_dsa_family_name((cz_dsa_family)f), counts[f]);
    cz_dsa_free(&d);
    /* A subset strategy only ever picks its own families. */
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    cz_error err;
    cr_assert_eq(cz_dsa_parse_strategy("flip_rotate", &o.families, &err), CZ_OK);
    d = make(o);
    for (uint64_t seed = 0; seed < 200; seed++) {
        cz_dsa_family f = cz_dsa_family_of(d, seed);
        cr_assert(f == CZ_DSA_FLIP || f == CZ_DSA_ROTATE);
    }
    cz_dsa_free(&d);
}

Test(dsa, shared_mode_gives_every_image_the_same_transform)
{
    size_t n = 4, len = n * 784;
    cz_real *x = cz_calloc(len, sizeof *x), *y = cz_calloc(len, sizeof *y);
    fill_normal(x, 784, 5);
    for (size_t i = 1; i < n; i++)
        memcpy(x + i * 784, x, 784 * sizeof *x);
    cz_error err;
    int differing = 0;
    for (int shared = 0; shared < 2; shared++) {
        cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
        o.shared = shared;
        cz_dsa *d = make(o);
        for (uint64_t seed = 0; seed < 30; seed++) {
            cr_assert_eq(cz_dsa_forward(d, seed, x, n, y, &err), CZ_OK);
            int same = 1;
            for (size_t i = 1; i < n; i++)
                same &= memcmp(y, y + i * 784, 784 * sizeof *y) == 0;
            if (shared)
                cr_assert(same, "shared seed %llu gave different images", (unsigned long long)seed);
            else
                differing += !same;
        }
        cz_dsa_free(&d);
    }
    cr_assert_gt(differing, 20, "per-image draws were identical in %d of 30 batches",
                 30 - differing);
    cz_free(x), cz_free(y);
}

Test(dsa, flip_twice_is_the_identity_and_mirrors_columns)
{
    cz_dsa_opts o = cz_dsa_opts_default(2, 6, 5);
    o.families = 1u << CZ_DSA_FLIP;
    o.flip_prob = 1.0;
    cz_dsa *d = make(o);
    cz_real x[60], y[60], z[60];
    fill_normal(x, 60, 6);
    cz_error err;
    cr_assert_eq(cz_dsa_forward(d, 9, x, 1, y, &err), CZ_OK);
    cr_assert_eq(cz_dsa_forward(d, 9, y, 1, z, &err), CZ_OK);
    cr_assert_eq(memcmp(x, z, sizeof x), 0);
    cr_assert_eq(y[1 * 30 + 2 * 5 + 0], x[1 * 30 + 2 * 5 + 4]);
    cr_assert_eq(y[0 * 30 + 3 * 5 + 1], x[0 * 30 + 3 * 5 + 3]);
    cz_dsa_free(&d);
}

Test(dsa, crop_moves_a_pixel_by_the_drawn_shift_and_fills_zeros)
{
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    o.families = 1u << CZ_DSA_CROP;
    cz_dsa *d = make(o);
    cz_real x[784] = {0}, y[784];
    x[13 * 28 + 12] = 1;
    cz_error err;
    int moved = 0;
    for (uint64_t seed = 0; seed < 30; seed++) {
        cz_dsa_draw p = cz_dsa_draw_of(d, seed, 0);
        cr_assert(p.shift_y >= -4 && p.shift_y <= 4 && p.shift_x >= -4 && p.shift_x <= 4,
                  "shift (%d, %d) outside +-4 for 28x28", p.shift_y, p.shift_x);
        cr_assert_eq(cz_dsa_forward(d, seed, x, 1, y, &err), CZ_OK);
        cr_assert_eq(y[(13 - p.shift_y) * 28 + (12 - p.shift_x)], 1);
        cr_assert_eq(dot(y, y, 784), 1.0);
        moved += p.shift_y != 0 || p.shift_x != 0;
    }
    cr_assert_gt(moved, 20);
    /* Content shifted out of the frame leaves zeros behind. */
    for (int i = 0; i < 784; i++)
        x[i] = 1;
    cz_dsa_draw p = cz_dsa_draw_of(d, 3, 0);
    cr_assert_eq(cz_dsa_forward(d, 3, x, 1, y, &err), CZ_OK);
    int zeros = 0;
    for (int i = 0; i < 784; i++)
        zeros += y[i] == 0;
    int keep = (28 - abs(p.shift_y)) * (28 - abs(p.shift_x));
    cr_assert_eq(zeros, 784 - keep);
    cz_dsa_free(&d);
}

Test(dsa, cutout_zeroes_the_clamped_square)
{
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    o.families = 1u << CZ_DSA_CUTOUT;
    cz_dsa *d = make(o);
    cz_real x[784], y[784];
    for (int i = 0; i < 784; i++)
        x[i] = 2;
    cz_error err;
    int interior = 0;
    for (uint64_t seed = 0; seed < 60; seed++) {
        cz_dsa_draw p = cz_dsa_draw_of(d, seed, 0);
        cr_assert(p.cut_y >= 0 && p.cut_y <= 28 && p.cut_x >= 0 && p.cut_x <= 28);
        cr_assert_eq(cz_dsa_forward(d, seed, x, 1, y, &err), CZ_OK);
        int zeros = 0;
        for (int i = 0; i < 784; i++)
            zeros += y[i] == 0;
        int rows = (p.cut_y + 6 < 27 ? p.cut_y + 6 : 27) - (p.cut_y - 7 > 0 ? p.cut_y - 7 : 0) + 1;
        int cols = (p.cut_x + 6 < 27 ? p.cut_x + 6 : 27) - (p.cut_x - 7 > 0 ? p.cut_x - 7 : 0) + 1;
        cr_assert_eq(zeros, rows * cols, "seed %llu: %d zeros, expected %d x %d",
                     (unsigned long long)seed, zeros, rows, cols);
        cr_assert_eq(y[p.cut_y < 28 ? p.cut_y * 28 + (p.cut_x < 28 ? p.cut_x : 27) : 27 * 28], 0);
        if (p.cut_y >= 7 && p.cut_y <= 21 && p.cut_x >= 7 && p.cut_x <= 21) {
            interior++;
            cr_assert_eq(zeros, 14 * 14);
        }
    }
    cr_assert_gt(interior, 5);
    cz_dsa_free(&d);
}

Test(dsa, unit_scale_and_zero_angle_are_the_identity)
{
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    o.scale = 1.0;
    o.rotate_deg = 0.0;
    cz_real x[784], y[784];
    fill_normal(x, 784, 7);
    cz_error err;
    for (int f = CZ_DSA_SCALE; f <= CZ_DSA_ROTATE; f++) {
        o.families = 1u << f;
        cz_dsa *d = make(o);
        cr_assert_eq(cz_dsa_forward(d, 11, x, 1, y, &err), CZ_OK);
        for (int i = 0; i < 784; i++)
            cr_assert_float_eq(y[i], x[i], 1e-12, "%s pixel %d", cz_dsa_family_name(f), i);
        cz_dsa_free(&d);
    }
}

Test(dsa, quarter_turn_permutes_pixels_and_scale_zooms_about_the_centre)
{
    dsa_shape s = {.c = 1, .h = 7, .w = 7, .cut_h = 4, .cut_w = 4};
    double quarter[4] = {0, -1, 1, 0};
    cz_real x[49], y[49];
    fill_normal(x, 49, 8);
    dsa_affine_fwd(&s, quarter, x, y);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++)
            cr_assert_float_eq(y[i * 7 + j], x[j * 7 + (6 - i)], 1e-12, "(%d, %d)", i, j);
    /* Scale 0.5 samples the central half: output corner (0, 0) reads pixel
     * (1.5, 1.5), the mean of its four neighbours; the centre stays put. */
    double half[4] = {0.5, 0, 0, 0.5};
    dsa_affine_fwd(&s, half, x, y);
    cr_assert_float_eq(y[0], 0.25 * (x[8] + x[9] + x[15] + x[16]), 1e-12);
    cr_assert_float_eq(y[24], x[24], 1e-12);
    /* Scale 2 samples outside the frame: zero padding. */
    double twice[4] = {2, 0, 0, 2};
    dsa_affine_fwd(&s, twice, x, y);
    cr_assert_eq(y[0], 0);
    cr_assert_float_eq(y[24], x[24], 1e-12);
}

Test(dsa, color_shifts_the_mean_by_the_brightness_and_scales_contrast)
{
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    o.families = 1u << CZ_DSA_COLOR;
    cz_dsa *d = make(o);
    cz_real x[784], y[784];
    fill_normal(x, 784, 9);
    double mx = 0, vx = 0;
    for (int i = 0; i < 784; i++)
        mx += x[i] / 784;
    for (int i = 0; i < 784; i++)
        vx += (x[i] - mx) * (x[i] - mx);
    cz_error err;
    for (uint64_t seed = 0; seed < 10; seed++) {
        cz_dsa_draw p = cz_dsa_draw_of(d, seed, 0);
        cr_assert(p.bright >= -0.5 && p.bright < 0.5 && p.contrast >= 0.5 && p.contrast < 1.5);
        cr_assert_eq(cz_dsa_forward(d, seed, x, 1, y, &err), CZ_OK);
        double my = 0, vy = 0;
        for (int i = 0; i < 784; i++)
            my += y[i] / 784;
        for (int i = 0; i < 784; i++)
            vy += (y[i] - my) * (y[i] - my);
        /* One channel: saturation is the identity (its channel mean is the pixel). */
        cr_assert_float_eq(my, mx + p.bright, 1e-12);
        cr_assert_float_eq(sqrt(vy / vx), p.contrast, 1e-12);
    }
    cz_dsa_free(&d);
}

Test(dsa, augment_hook_calls_the_same_transform)
{
    cz_dsa *d = make(cz_dsa_opts_default(1, 28, 28));
    cz_augment a = cz_dsa_augment(d);
    cr_assert_eq(a.user, d);
    cz_real x[2 * 784], y1[2 * 784], y2[2 * 784];
    fill_normal(x, 2 * 784, 10);
    cz_error err;
    cr_assert_eq(a.forward(a.user, 77, x, 2, y1, &err), CZ_OK);
    cr_assert_eq(cz_dsa_forward(d, 77, x, 2, y2, &err), CZ_OK);
    cr_assert_eq(memcmp(y1, y2, sizeof y1), 0);
    cr_assert_eq(a.backward(a.user, 77, x, 2, y1, &err), CZ_OK);
    cr_assert_eq(cz_dsa_backward(d, 77, x, 2, y2, &err), CZ_OK);
    cr_assert_eq(memcmp(y1, y2, sizeof y1), 0);
    cz_dsa_free(&d);
}

Test(dsa, strategies_parse_and_bad_input_is_refused_clearly)
{
    unsigned m = 0;
    cz_error err;
    cr_assert_eq(cz_dsa_parse_strategy("color_crop_cutout_flip_scale_rotate", &m, &err), CZ_OK);
    cr_assert_eq(m, (1u << CZ_DSA_FAMILY_COUNT) - 1);
    cr_assert_eq(cz_dsa_parse_strategy("rotate_color", &m, &err), CZ_OK);
    cr_assert_eq(m, (1u << CZ_DSA_ROTATE) | (1u << CZ_DSA_COLOR));
    cr_assert_eq(cz_dsa_parse_strategy("color_zoom", &m, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "\"zoom\"") != NULL, "%s", err.msg);
    cr_assert(strstr(err.hint, "cutout") != NULL, "%s", err.hint);
    cr_assert_eq(cz_dsa_parse_strategy("flip_flip", &m, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "repeated") != NULL);
    cr_assert_eq(cz_dsa_parse_strategy("flip_", &m, &err), CZ_EINVAL);
    cr_assert_eq(cz_dsa_parse_strategy("", &m, &err), CZ_EINVAL);

    cz_dsa *d = NULL;
    cz_dsa_opts o = cz_dsa_opts_default(1, 0, 28);
    cr_assert_eq(cz_dsa_new(&o, &d, &err), CZ_ESHAPE);
    cr_assert(strstr(err.msg, "1x0x28") != NULL, "%s", err.msg);
    cr_assert_null(d);
    o = cz_dsa_opts_default(1, 28, 28);
    o.flip_prob = 1.5;
    cr_assert_eq(cz_dsa_new(&o, &d, &err), CZ_EINVAL);
    o = cz_dsa_opts_default(1, 28, 28);
    o.families = 1u << 9;
    cr_assert_eq(cz_dsa_new(&o, &d, &err), CZ_EINVAL);

    d = make(cz_dsa_opts_default(1, 28, 28));
    cz_real y[784];
    cr_assert_eq(cz_dsa_forward(d, 0, NULL, 1, y, &err), CZ_EINVAL);
    cr_assert_eq(cz_dsa_forward(d, 0, NULL, 0, NULL, &err), CZ_OK, "an empty batch is fine");
    cz_dsa_free(&d);
}

Test(dsa, out_of_memory_is_reported)
{
    cz_dsa_opts o = cz_dsa_opts_default(1, 28, 28);
    for (long k = 0; k < 3; k++) {
        cz_dsa *d = NULL;
        cz_error err;
        cz_alloc_fail_after(k);
        cz_status st = cz_dsa_new(&o, &d, &err);
        cz_alloc_fail_after(-1);
        cr_assert_eq(st, CZ_ENOMEM, "failing allocation %ld", k);
        cr_assert_null(d);
    }
}
