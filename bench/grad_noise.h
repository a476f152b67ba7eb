/* Gradient-noise figures of an MTT-family run, from the dL/dX its gradient
 * hook hands over each iteration (methods/mtt.h, cz_mtt_set_grad_hook): the
 * figures the BTM paper uses to motivate surrogates. Running sums in double;
 * the only vectors kept are the previous gradient and the sum of the unit
 * gradients. Iterations without a finite, nonzero gradient are counted and
 * left out; the consecutive cosine pairs each used gradient with the
 * previous used one. */
#ifndef BENCH_GRAD_NOISE_H
#define BENCH_GRAD_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "methods/mtt.h"

typedef struct grad_noise {
    size_t n;                 /* gradient length (rows x features) */
    double *prev, *unit_sum;  /* previous used g; sum of g / |g| */
    int64_t used, unusable, pairs;
    double norm_mean, norm_m2, cos_sum; /* Welford's running mean and sum of squares of |g| */
} grad_noise;

typedef struct grad_noise_figures {
    int64_t used, unusable;
    double norm_mean;      /* mean |g| */
    double norm_cv;        /* std(|g|) / mean |g| (population std) */
    double cos_mean;       /* mean cos(g_k, g_{k+1}) over consecutive used iterations */
    double unit_var;       /* 1 - |mean_k g_k / |g_k||^2: the variance of the direction, 0..1 */
} grad_noise_figures;

/* 0 on success, -1 when out of memory. */
int grad_noise_init(grad_noise *g, size_t n);
void grad_noise_free(grad_noise *g);
/* The hook to pass to cz_mtt_set_grad_hook with a grad_noise as user. */
void grad_noise_hook(const cz_mtt_grad *it, void *user);
grad_noise_figures grad_noise_get(const grad_noise *g);

#endif
