/* The prior's generator: builds the decoder stack (generator.h), assembles
 * [z, onehot(y)] inputs, and maps tanh outputs onto the data's range. */
#include "generator.h"

#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "gen_net.h"
#include "prior_internal.h"

struct cz_generator {
    cz_generator_spec spec;
    gen_net net;
    size_t image;
};

cz_generator_spec cz_generator_spec_default(int channels, int height, int width, int classes)
{
    cz_generator_spec s = {.latent = 32, .classes = classes, .channels = channels,
                           .height = height, .width = width, .base = 64,
                           .out_scale = 1.0, .out_shift = 0.0};
    return s;
}

static cz_status check_spec(const cz_generator_spec *s, cz_error *err)
{
    if (s->channels < 1 || s->height < 4 || s->width < 4 || s->height % 4 || s->width % 4)
        return cz_error_set(err, CZ_ESHAPE,
                            "the generator doubles H/4 x W/4 twice: use an image side that is a "
                            "multiple of 4 (28x28 MedMNIST fits)",
                            "generator output %dx%dx%d: height and width must be multiples of 4",
                            s->channels, s->height, s->width);
    if (s->latent < 1 || s->classes < 0 || s->base < 4 || s->latent > 4096 || s->base > 4096)
        return cz_error_set(err, CZ_EINVAL, "latent in [1, 4096], base in [4, 4096], classes >= 0",
                            "generator latent %d, base %d, classes %d out of range", s->latent,
                            s->base, s->classes);
    if (!(s->out_scale > 0))
        return cz_error_set(err, CZ_EINVAL, "out_scale > 0",
                            "generator out_scale %g must be positive", s->out_scale);
    return CZ_OK;
}

static cz_status build(cz_generator *g, cz_error *err)
{
    const cz_generator_spec *s = &g->spec;
    int h4 = s->height / 4, w4 = s->width / 4, b = s->base;
    gen_net *n = &g->net;
    cz_status st = gen_net_add(n, gen_linear(s->latent + s->classes, b * h4 * w4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_act(GEN_RELU, b, h4, w4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_up2(b, h4, w4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_conv3(b, 2 * h4, 2 * w4, b / 2), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_act(GEN_RELU, b / 2, 2 * h4, 2 * w4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_up2(b / 2, 2 * h4, 2 * w4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_conv3(b / 2, s->height, s->width, b / 4), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_act(GEN_RELU, b / 4, s->height, s->width), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_conv3(b / 4, s->height, s->width, s->channels), err);
    if (st == CZ_OK) st = gen_net_add(n, gen_act(GEN_TANH, s->channels, s->height, s->width), err);
    return st;
}

cz_status cz_generator_new(const cz_generator_spec *spec, cz_backend *be, cz_generator **out,
                           cz_error *err)
{
    *out = NULL;
    cz_status st = check_spec(spec, err);
    if (st != CZ_OK)
        return st;
    if (!be || !cz_backend_is_host(be))
        return cz_error_set(err, CZ_EUNSUPPORTED, "run the prior on the CPU backend",
                            "the generator runs on host memory; backend \"%s\" is not supported",
                            be ? cz_backend_name(be) : "(none)");
    cz_generator *g = cz_calloc(1, sizeof *g);
    if (!g)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for the generator");
    g->spec = *spec;
    g->net.be = be;
    g->image = (size_t)spec->channels * spec->height * spec->width;
    st = build(g, err);
    if (st != CZ_OK) {
        cz_generator_free(&g);
        return st;
    }
    *out = g;
    return CZ_OK;
}

void cz_generator_free(cz_generator **g)
{
    if (!g || !*g)
        return;
    gen_net_release(&(*g)->net);
    cz_free(*g);
    *g = NULL;
}

const cz_generator_spec *cz_generator_spec_of(const cz_generator *g)
{
    return &g->spec;
}

size_t cz_generator_param_count(const cz_generator *g)
{
    return g->net.params;
}

size_t cz_generator_image_size(const cz_generator *g)
{
    return g->image;
}

const char *cz_generator_describe(const cz_generator *g, char *buf, size_t size)
{
    const cz_generator_spec *s = &g->spec;
    int h4 = s->height / 4, w4 = s->width / 4, b = s->base;
    snprintf(buf, size, "generator %d+%d -> %dx%dx%d -> %dx%dx%d -> %dx%dx%d -> %dx%dx%d, %zu params",
             s->latent, s->classes, b, h4, w4, b / 2, 2 * h4, 2 * w4, b / 4, s->height, s->width,
             s->channels, s->height, s->width, g->net.params);
    return buf;
}

void cz_generator_init(const cz_generator *g, cz_rng *rng, cz_real *theta)
{
    gen_net_init(&g->net, rng, theta);
}

/* Fills acts[0] with [z, onehot(y)] rows. */
static cz_status load_input(cz_generator *g, const cz_real *z, const int32_t *y, size_t n,
                            cz_error *err)
{
    const cz_generator_spec *s = &g->spec;
    cz_status st = gen_net_reserve(&g->net, n, err);
    if (st != CZ_OK)
        return st;
    size_t width = (size_t)s->latent + (size_t)s->classes;
    cz_real *in = g->net.acts[0];
    for (size_t i = 0; i < n; i++) {
        cz_real *row = in + i * width;
        memcpy(row, z + i * s->latent, sizeof(cz_real) * s->latent);
        memset(row + s->latent, 0, sizeof(cz_real) * s->classes);
        if (s->classes == 0)
            continue;
        if (!y || y[i] < 0 || y[i] >= s->classes)
            return cz_error_set(err, CZ_EINVAL, "labels must be in [0, classes)",
                                "generator label %d of row %zu outside [0, %d)",
                                y ? y[i] : -1, i, s->classes);
        row[s->latent + y[i]] = 1;
    }
    return CZ_OK;
}

cz_status cz_generator_forward(cz_generator *g, const cz_real *theta, const cz_real *z,
                               const int32_t *y, size_t n, cz_real *x, cz_error *err)
{
    if (n == 0)
        return CZ_OK;
    cz_status st = load_input(g, z, y, n, err);
    if (st != CZ_OK)
        return st;
    const cz_real *t = gen_net_forward(&g->net, theta, n);
    double a = g->spec.out_scale, b = g->spec.out_shift;
    for (size_t i = 0; i < n * g->image; i++)
        x[i] = (cz_real)(a * t[i] + b);
    return CZ_OK;
}

cz_status cz_generator_vjp(cz_generator *g, const cz_real *theta, const cz_real *z,
                           const int32_t *y, size_t n, const cz_real *dx, cz_real *dz,
                           cz_real *dtheta, cz_error *err)
{
    if (n == 0)
        return CZ_OK;
    cz_status st = load_input(g, z, y, n, err);
    if (st != CZ_OK)
        return st;
    gen_net_forward(&g->net, theta, n);
    generator_backward(g, theta, n, dx, dz, dtheta);
    return CZ_OK;
}

void generator_backward(cz_generator *g, const cz_real *theta, size_t n, const cz_real *dx,
                        cz_real *dz, cz_real *dtheta)
{
    /* dL/dt = out_scale * dL/dx, in the buffer gen_net_vjp lets dy use. */
    cz_real *dt = g->net.grad_b;
    double a = g->spec.out_scale;
    for (size_t i = 0; i < n * g->image; i++)
        dt[i] = (cz_real)(a * dx[i]);
    const cz_real *din = gen_net_vjp(&g->net, theta, n, dt, dtheta, dz != NULL);
    if (dz) {
        size_t width = (size_t)g->spec.latent + (size_t)g->spec.classes;
        for (size_t i = 0; i < n; i++)
            memcpy(dz + i * g->spec.latent, din + i * width, sizeof(cz_real) * g->spec.latent);
    }
}
