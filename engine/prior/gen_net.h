/* A sequential stack of gen_layers with one flat parameter vector and a
 * workspace that keeps every activation of the last forward pass, for the
 * VJP that follows (internal to engine/prior: the generator and the VAE's
 * encoder are both one of these). Not thread-safe. */
#ifndef CZ_GEN_NET_H
#define CZ_GEN_NET_H

#include <stddef.h>

#include "../core/status.h"
#include "gen_layers.h"

#define GEN_MAX_LAYERS 16

typedef struct gen_net {
    cz_backend *be;
    gen_layer layers[GEN_MAX_LAYERS];
    int count;
    size_t params;
    /* workspace for `rows` examples: acts[k] is layer k's input (acts[count]
     * the output); grad_a/grad_b ping-pong the backward; scratch for conv. */
    size_t rows;
    cz_real *acts[GEN_MAX_LAYERS + 1];
    cz_real *grad_a, *grad_b, *scratch;
} gen_net;

/* Appends a layer (fixing its parameter offset); CZ_EINVAL past GEN_MAX_LAYERS. */
cz_status gen_net_add(gen_net *net, gen_layer l, cz_error *err) CZ_WUR;
size_t gen_net_in_size(const gen_net *net);
size_t gen_net_out_size(const gen_net *net);
/* Grows the workspace to at least `rows` examples (never shrinks). */
cz_status gen_net_reserve(gen_net *net, size_t rows, cz_error *err) CZ_WUR;
void gen_net_release(gen_net *net);
void gen_net_init(const gen_net *net, cz_rng *rng, cz_real *theta);

/* Runs the stack on acts[0] (the caller fills it with rows x in values);
 * returns the output, acts[count]. Call gen_net_reserve first. */
const cz_real *gen_net_forward(gen_net *net, const cz_real *theta, size_t rows);
/* Backward from dy (rows x out) after gen_net_forward on the same rows (dy
 * may be net->grad_b, which the first layer's VJP only reads):
 * dtheta += (may be NULL); returns dL/d acts[0] (rows x in, a workspace
 * buffer), or NULL when need_dx is 0. */
const cz_real *gen_net_vjp(gen_net *net, const cz_real *theta, size_t rows, const cz_real *dy,
                           cz_real *dtheta, int need_dx);

#endif
