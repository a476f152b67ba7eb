/* cz_model_embed / cz_model_embed_vjp (engine/nn/embed.c), float64: the
 * embedding is the classifier's input, and its input VJP matches central
 * differences, for the MLP and the ConvNet. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "gradcheck.h"
#include "nn/model.h"

typedef struct probe {
    cz_model *m;
    const cz_real *theta, *v; /* v: cotangent of the features */
    size_t n;
    cz_real *feats;
} probe;

/* s(x) = <v, e(x)> */
static double s_of(const cz_real *x, void *user)
{
    probe *p = user;
    cz_error err;
    cr_assert_eq(cz_model_embed(p->m, p->theta, x, p->n, p->feats, &err), CZ_OK, "%s", err.msg);
    double s = 0;
    for (size_t i = 0; i < p->n * cz_model_embed_size(p->m); i++)
        s += p->v[i] * p->feats[i];
    return s;
}

static void check_model(const cz_model_spec *spec, size_t want_size)
{
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(spec, cz_backend_cpu(), &m, &err), CZ_OK, "%s", err.msg);
    size_t E = cz_model_embed_size(m), in = cz_model_input_size(m), P = cz_model_param_count(m);
    cr_assert_eq(E, want_size);
    enum { N = 3 };
    cz_real *theta = cz_alloc(P * sizeof *theta), *x = cz_alloc(N * in * sizeof *x);
    cz_real *v = cz_alloc(N * E * sizeof *v), *feats = cz_alloc(N * E * sizeof *feats);
    cz_real *gx = cz_alloc(N * in * sizeof *gx), *logits = cz_alloc(N * 2 * sizeof *logits);
    cz_rng rng;
    cz_rng_seed(&rng, 11);
    cz_model_init(m, &rng, theta);
    gc_fill(x, N * in, 3, -1, 1);
    gc_fill(v, N * E, 4, -1, 1);

    /* The classifier (last: weight classes x E, then bias) applied to the
     * embedding gives the model's logits. */
    cr_assert_eq(cz_model_embed(m, theta, x, N, feats, &err), CZ_OK);
    cr_assert_eq(cz_model_forward(m, theta, x, N, logits, &err), CZ_OK);
    const cz_real *w = theta + P - (2 * E + 2), *b = theta + P - 2;
    for (int i = 0; i < N; i++)
        for (int c = 0; c < 2; c++) {
            double z = b[c];
            for (size_t j = 0; j < E; j++)
                z += w[c * E + j] * feats[i * E + j];
            cr_assert_float_eq(logits[i * 2 + c], z, 1e-12, "row %d class %d", i, c);
        }

    cr_assert_eq(cz_model_embed_vjp(m, theta, x, N, v, gx, &err), CZ_OK, "%s", err.msg);
    probe p = {m, theta, v, N, feats};
    gc_report r = gc_check_grad(s_of, &p, x, N * in, gx, 1e-6);
    cr_assert_lt(r.err, 1e-6, "embed VJP: error %g at %zu (%g vs %g)", r.err, r.worst, r.analytic,
                 r.numeric);
    cz_free(theta);
    cz_free(x);
    cz_free(v);
    cz_free(feats);
    cz_free(gx);
    cz_free(logits);
    cz_model_free(m);
}

Test(embed, mlp_features_and_vjp)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 5,
                       .classes = 2, .hidden = 6, .depth = 2};
    check_model(&s, 6);
}

Test(embed, convnet_features_and_vjp)
{
    cz_model_spec s = {.arch = CZ_ARCH_CONVNET, .channels = 1, .height = 8, .width = 8,
                       .classes = 2, .hidden = 3, .depth = 2, .instance_norm = 1};
    check_model(&s, 3 * 2 * 2);
}

Test(embed, empty_batch_is_refused)
{
    cz_model_spec s = {.arch = CZ_ARCH_MLP, .channels = 1, .height = 1, .width = 5,
                       .classes = 2, .hidden = 6, .depth = 1};
    cz_model *m = NULL;
    cz_error err;
    cr_assert_eq(cz_model_new(&s, cz_backend_cpu(), &m, &err), CZ_OK);
    cz_real theta[64] = {0}, x[5] = {0}, f[6];
    cr_assert_eq(cz_model_embed(m, theta, x, 0, f, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "n = 0"), "%s", err.msg);
    cz_model_free(m);
}
