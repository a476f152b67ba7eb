/* Sequential container of the prior's layers (gen_net.h). */
#include "gen_net.h"

#include <string.h>

#include "../core/alloc.h"

cz_status gen_net_add(gen_net *net, gen_layer l, cz_error *err)
{
    if (net->count >= GEN_MAX_LAYERS)
        return cz_error_set(err, CZ_EINVAL, NULL, "a prior network holds at most %d layers",
                            GEN_MAX_LAYERS);
    if (net->count > 0)
        CZ_ASSERT(gen_in_size(&l) == gen_out_size(&net->layers[net->count - 1]));
    l.param_offset = net->params;
    net->params += l.param_count;
    net->layers[net->count++] = l;
    return CZ_OK;
}

size_t gen_net_in_size(const gen_net *net)
{
    return gen_in_size(&net->layers[0]);
}

size_t gen_net_out_size(const gen_net *net)
{
    return gen_out_size(&net->layers[net->count - 1]);
}

void gen_net_release(gen_net *net)
{
    for (int k = 0; k <= GEN_MAX_LAYERS; k++) {
        cz_free(net->acts[k]);
        net->acts[k] = NULL;
    }
    cz_free(net->grad_a);
    cz_free(net->grad_b);
    cz_free(net->scratch);
    net->grad_a = net->grad_b = net->scratch = NULL;
    net->rows = 0;
}

cz_status gen_net_reserve(gen_net *net, size_t rows, cz_error *err)
{
    if (rows <= net->rows)
        return CZ_OK;
    gen_net_release(net);
    size_t widest = 0, scratch = 1;
    for (int k = 0; k < net->count; k++) {
        const gen_layer *l = &net->layers[k];
        widest = gen_in_size(l) > widest ? gen_in_size(l) : widest;
        widest = gen_out_size(l) > widest ? gen_out_size(l) : widest;
        scratch = gen_scratch_size(l) > scratch ? gen_scratch_size(l) : scratch;
    }
    int ok = 1;
    for (int k = 0; k <= net->count; k++) {
        size_t n = k < net->count ? gen_in_size(&net->layers[k]) : gen_net_out_size(net);
        net->acts[k] = cz_calloc(rows * n, sizeof(cz_real));
        ok &= net->acts[k] != NULL;
    }
    net->grad_a = cz_calloc(rows * widest, sizeof(cz_real));
    net->grad_b = cz_calloc(rows * widest, sizeof(cz_real));
    net->scratch = cz_calloc(scratch, sizeof(cz_real));
    if (!ok || !net->grad_a || !net->grad_b || !net->scratch) {
        gen_net_release(net);
        return cz_error_set(err, CZ_ENOMEM, "use a smaller batch",
                            "out of memory for a prior network workspace of %zu rows", rows);
    }
    net->rows = rows;
    return CZ_OK;
}

void gen_net_init(const gen_net *net, cz_rng *rng, cz_real *theta)
{
    for (int k = 0; k < net->count; k++)
        gen_init(&net->layers[k], rng, theta);
}

const cz_real *gen_net_forward(gen_net *net, const cz_real *theta, size_t rows)
{
    CZ_ASSERT(rows <= net->rows);
    for (int k = 0; k < net->count; k++)
        gen_forward(net->be, &net->layers[k], rows, net->acts[k + 1], net->acts[k], theta,
                    net->scratch);
    return net->acts[net->count];
}

const cz_real *gen_net_vjp(gen_net *net, const cz_real *theta, size_t rows, const cz_real *dy,
                           cz_real *dtheta, int need_dx)
{
    CZ_ASSERT(rows <= net->rows);
    const cz_real *g = dy;
    cz_real *bufs[2] = {net->grad_a, net->grad_b};
    int which = 0;
    for (int k = net->count - 1; k >= 0; k--) {
        const gen_layer *l = &net->layers[k];
        cz_real *dx = (k > 0 || need_dx) ? bufs[which] : NULL;
        gen_vjp(net->be, l, rows, dx, dtheta, g, net->acts[k], net->acts[k + 1], theta,
                net->scratch);
        g = dx;
        which ^= 1;
    }
    return g;
}
