/* Gradient-noise figures from the MTT run's gradient hook; see grad_noise.h. */
#include "grad_noise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int grad_noise_init(grad_noise *g, size_t n)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    g->prev = calloc(n, sizeof *g->prev);
    g->unit_sum = calloc(n, sizeof *g->unit_sum);
    if (!g->prev || !g->unit_sum) {
        grad_noise_free(g);
        return -1;
    }
    return 0;
}

void grad_noise_free(grad_noise *g)
{
    free(g->prev);
    free(g->unit_sum);
    g->prev = g->unit_sum = NULL;
}

void grad_noise_hook(const cz_mtt_grad *it, void *user)
{
    grad_noise *g = user;
    double norm = it->norm;
    if (!it->grad_x || !(norm > 0) || !isfinite(norm) || it->rows * it->features != g->n) {
        g->unusable++;
        return;
    }
    /* cos with the previous used gradient (whose norm is 1 after scaling). */
    double dot = 0;
    for (size_t i = 0; i < g->n; i++) {
        double u = (double)it->grad_x[i] / norm;
        dot += u * g->prev[i];
        g->prev[i] = u;
        g->unit_sum[i] += u;
    }
    if (g->used > 0) {
        g->cos_sum += dot;
        g->pairs++;
    }
    g->used++;
    double delta = norm - g->norm_mean;
    g->norm_mean += delta / (double)g->used;
    g->norm_m2 += delta * (norm - g->norm_mean);
}

grad_noise_figures grad_noise_get(const grad_noise *g)
{
    grad_noise_figures f = {.used = g->used, .unusable = g->unusable, .norm_mean = NAN,
                            .norm_cv = NAN, .cos_mean = NAN, .unit_var = NAN};
    if (g->used == 0)
        return f;
    double k = (double)g->used;
    f.norm_mean = g->norm_mean;
    f.norm_cv = sqrt(g->norm_m2 / k) / f.norm_mean;
    if (g->pairs > 0)
        f.cos_mean = g->cos_sum / (double)g->pairs;
    double m2 = 0;
    for (size_t i = 0; i < g->n; i++)
        m2 += (g->unit_sum[i] / k) * (g->unit_sum[i] / k);
    f.unit_var = 1 - m2;
    return f;
}
