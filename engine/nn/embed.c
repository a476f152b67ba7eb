/* Embeddings for distribution matching (model.h): the forward pass through
 * every layer but the last (the classifier), and the input VJP of that
 * truncated network with the parameters frozen. Uses its own buffers, sized
 * per call, so it never disturbs the model's workspace (DM embeds a real and
 * a synthetic batch of different sizes with the same network). */
#include "../core/alloc.h"
#include "model_internal.h"

/* Per-call buffers: the activations and caches of the embedding layers. */
typedef struct embed_ws {
    cz_real *base;
    cz_real *act[CZ_MAX_LAYERS + 1]; /* act[0] = x (borrowed) */
    cz_real *cache[CZ_MAX_LAYERS];
    cz_real *scratch, *d[2];
} embed_ws;

static int embed_layers(const cz_model *m, const cz_layer **layers)
{
    int count;
    *layers = cz_model_layers(m, &count);
    return count - 1; /* the classifier is not part of the embedding */
}

size_t cz_model_embed_size(const cz_model *m)
{
    const cz_layer *l;
    int k = embed_layers(m, &l);
    return (size_t)cz_layer_in_size(&l[k]);
}

static cz_status ws_alloc(cz_model *m, size_t n, int backward, embed_ws *w, cz_error *err)
{
    const cz_layer *l;
    int k = embed_layers(m, &l);
    size_t total = 0, scratch = 0, widest = (size_t)cz_layer_in_size(&l[0]);
    for (int i = 0; i < k; i++) {
        total += n * (size_t)cz_layer_out_size(&l[i]) + n * (size_t)l[i].cache_per_row;
        scratch = (size_t)l[i].scratch_elems > scratch ? (size_t)l[i].scratch_elems : scratch;
        widest = (size_t)cz_layer_out_size(&l[i]) > widest ? (size_t)cz_layer_out_size(&l[i]) : widest;
    }
    total += scratch + (backward ? 2 * n * widest : 0);
    cz_backend *be = cz_model_backend(m);
    w->base = be->ops->alloc(be, (total ? total : 1) * sizeof(cz_real));
    if (!w->base)
        return cz_error_set(err, CZ_ENOMEM, "embed fewer rows at a time",
                            "no memory to embed %zu rows (%.1f MiB)", n,
                            (double)(total * sizeof(cz_real)) / (1 << 20));
    cz_real *p = w->base;
    for (int i = 0; i < k; i++) {
        w->act[i + 1] = p;
        p += n * (size_t)cz_layer_out_size(&l[i]);
        w->cache[i] = p;
        p += n * (size_t)l[i].cache_per_row;
    }
    w->scratch = p;
    p += scratch;
    w->d[0] = backward ? p : NULL;
    w->d[1] = backward ? p + n * widest : NULL;
    return CZ_OK;
}

static void ws_free(cz_model *m, embed_ws *w)
{
    cz_backend *be = cz_model_backend(m);
    if (w->base)
        be->ops->free(be, w->base);
}

static cz_layer_ctx ctx(cz_model *m, const embed_ws *w, int i, size_t n)
{
    cz_layer_ctx c = {cz_model_backend(m), (int64_t)n, w->cache[i], NULL, w->scratch};
    return c;
}

static void forward(cz_model *m, const cz_real *theta, const cz_real *x, size_t n, embed_ws *w)
{
    const cz_layer *l;
    int k = embed_layers(m, &l);
    w->act[0] = (cz_real *)x; /* read only: layers write act[i + 1] */
    for (int i = 0; i < k; i++) {
        cz_layer_ctx c = ctx(m, w, i, n);
        l[i].ops->forward(&l[i], &c, w->act[i + 1], w->act[i], theta + l[i].param_offset);
    }
}

static cz_status check(const cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                       cz_error *err)
{
    if (!theta || !x)
        return cz_error_set(err, CZ_EINVAL, "pass parameters and inputs", "theta or x is NULL");
    if (n == 0)
        return cz_error_set(err, CZ_EINVAL, "pass at least one example", "empty batch (n = 0)");
    const cz_layer *l;
    if (embed_layers(m, &l) < 1)
        return cz_error_set(err, CZ_EUNSUPPORTED, "use a model with hidden layers",
                            "this model has no layer before its classifier to embed with");
    return CZ_OK;
}

cz_status cz_model_embed(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                         cz_real *feats, cz_error *err)
{
    cz_status st = check(m, theta, x, n, err);
    embed_ws w = {0};
    if (st == CZ_OK)
        st = ws_alloc(m, n, 0, &w, err);
    if (st != CZ_OK)
        return st;
    forward(m, theta, x, n, &w);
    const cz_layer *l;
    int k = embed_layers(m, &l);
    cz_backend *be = cz_model_backend(m);
    be->ops->copy(be, feats, w.act[k], n * cz_model_embed_size(m) * sizeof(cz_real));
    ws_free(m, &w);
    return CZ_OK;
}

cz_status cz_model_embed_vjp(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                             const cz_real *grad_feats, cz_real *grad_x, cz_error *err)
{
    cz_status st = check(m, theta, x, n, err);
    embed_ws w = {0};
    if (st == CZ_OK)
        st = ws_alloc(m, n, 1, &w, err);
    if (st != CZ_OK)
        return st;
    forward(m, theta, x, n, &w);
    const cz_layer *l;
    int k = embed_layers(m, &l);
    const cz_real *dy = grad_feats;
    for (int i = k - 1; i >= 0; i--) {
        cz_layer_ctx c = ctx(m, &w, i, n);
        cz_real *dx = i == 0 ? grad_x : w.d[i % 2];
        l[i].ops->vjp(&l[i], &c, dx, NULL, dy, w.act[i], w.act[i + 1], theta + l[i].param_offset);
        dy = dx;
    }
    ws_free(m, &w);
    return CZ_OK;
}
