/* Models: a layer list over one flat parameter vector, with a workspace that
 * grows to the largest batch seen and is then reused (no allocation per
 * step). Forward, loss gradient and the exact Hessian-vector product by a
 * tangent pass followed by the tangent of the backward pass (docs/math.md).
 * Initialisation and description live here too; architectures in arch.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "arch_eval.h"
#include "model_internal.h"

struct cz_model {
    cz_model_spec spec;
    cz_backend *be;
    cz_layer layers[CZ_MAX_LAYERS];
    int n_layers;
    size_t params;
    /* two workspaces, each grown to the largest batch it served: the base
     * (activations, caches, gradients) for `cap` rows, the tangent buffers
     * for `tcap` rows; training on large batches then does not inflate the
     * tangent part that only the unrolled loop needs */
    size_t cap, tcap;
    cz_real *ws, *tws;
    size_t ws_bytes, tws_bytes;
    cz_real *act[CZ_MAX_LAYERS + 1], *tact[CZ_MAX_LAYERS + 1];
    cz_real *cache[CZ_MAX_LAYERS], *tcache[CZ_MAX_LAYERS];
    cz_real *dbuf[2], *tdbuf[2];
    cz_real *probs, *scratch;
};

static int64_t max_row_size(const cz_model *m)
{
    int64_t mx = m->spec.classes;
    for (int k = 0; k < m->n_layers; k++) {
        int64_t a = cz_layer_in_size(&m->layers[k]), b = cz_layer_out_size(&m->layers[k]);
        mx = a > mx ? a : mx;
        mx = b > mx ? b : mx;
    }
    return mx;
}

#define TAKE(base, used, ptr, n)                                                           \
    do {                                                                                   \
        size_t n_ = (size_t)(n);                                                           \
        if (base)                                                                          \
            (ptr) = (base) + (used);                                                       \
        (used) += (n_ + 15) & ~(size_t)15; /* 64-byte aligned for float32 and float64 */  \
    } while (0)

/* Carves the base workspace for `rows` rows; with base == NULL only counts. */
static size_t carve_base(cz_model *m, cz_real *base, size_t rows)
{
    size_t used = 0;
    for (int k = 0; k < m->n_layers; k++) {
        const cz_layer *l = &m->layers[k];
        if (l->in_place) {
            if (base)
                m->act[k + 1] = m->act[k];
        } else {
            TAKE(base, used, m->act[k + 1], rows * (size_t)cz_layer_out_size(l));
        }
        if (l->cache_per_row)
            TAKE(base, used, m->cache[k], rows * (size_t)l->cache_per_row);
    }
    size_t delta = rows * (size_t)max_row_size(m);
    TAKE(base, used, m->dbuf[0], delta);
    TAKE(base, used, m->dbuf[1], delta);
    TAKE(base, used, m->probs, rows * (size_t)m->spec.classes);
    int64_t scratch = 0;
    for (int k = 0; k < m->n_layers; k++)
        scratch = m->layers[k].scratch_elems > scratch ? m->layers[k].scratch_elems : scratch;
    TAKE(base, used, m->scratch, scratch);
    return used;
}

/* The tangent buffers (activation tangents, their caches, cotangent tangents). */
static size_t carve_tangent(cz_model *m, cz_real *base, size_t rows)
{
    size_t used = 0;
    for (int k = 0; k < m->n_layers; k++) {
        const cz_layer *l = &m->layers[k];
        if (l->in_place) {
            if (base)
                m->tact[k + 1] = m->tact[k];
        } else {
            TAKE(base, used, m->tact[k + 1], rows * (size_t)cz_layer_out_size(l));
        }
        if (l->tcache_per_row)
            TAKE(base, used, m->tcache[k], rows * (size_t)l->tcache_per_row);
    }
    size_t delta = rows * (size_t)max_row_size(m);
    TAKE(base, used, m->tdbuf[0], delta);
    TAKE(base, used, m->tdbuf[1], delta);
    return used;
}
#undef TAKE

/* Grows one workspace (*ws of *bytes, for *cap rows) to `rows` rows. */
static cz_status grow(cz_model *m, cz_real **ws, size_t *bytes, size_t *cap, size_t rows,
                      size_t (*carve)(cz_model *, cz_real *, size_t), const char *what,
                      cz_error *err)
{
    if (rows <= *cap)
        return CZ_OK;
    size_t elems = carve(m, NULL, rows);
    cz_real *fresh = m->be->ops->alloc(m->be, elems * sizeof(cz_real));
    if (!fresh)
        return cz_error_set(err, CZ_ENOMEM, "use a smaller batch or a smaller model",
                            "out of memory for the model's %s workspace (%zu rows, %.1f MiB)", what,
                            rows, (double)(elems * sizeof(cz_real)) / (1 << 20));
    if (*ws)
        m->be->ops->free(m->be, *ws);
    *ws = fresh;
    *bytes = elems * sizeof(cz_real);
    *cap = rows;
    carve(m, fresh, rows);
    return CZ_OK;
}

cz_status cz_model_reserve(cz_model *m, size_t rows, int tangent, cz_error *err)
{
    cz_status st = grow(m, &m->ws, &m->ws_bytes, &m->cap, rows, carve_base, "activation", err);
    if (st == CZ_OK && tangent)
        st = grow(m, &m->tws, &m->tws_bytes, &m->tcap, rows, carve_tangent, "tangent", err);
    return st;
}

size_t cz_model_workspace_bytes(const cz_model *m)
{
    return m->ws_bytes + m->tws_bytes;
}

const cz_layer *cz_model_layers(const cz_model *m, int *count)
{
    *count = m->n_layers;
    return m->layers;
}

cz_status cz_model_new(const cz_model_spec *spec, cz_backend *be, cz_model **out, cz_error *err)
{
    *out = NULL;
    if (!spec || !be)
        return cz_error_set(err, CZ_EINVAL, "pass a model spec and a backend",
                            "cz_model_new: spec or backend is NULL");
    cz_model *m = cz_calloc(1, sizeof *m);
    if (!m)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for a model");
    m->spec = *spec;
    m->be = be;
    cz_status st = cz_arch_build(spec, be, m->layers, &m->n_layers, &m->params, err);
    if (st != CZ_OK) {
        cz_free(m);
        return st;
    }
    CZ_ASSERT(m->n_layers > 0 && !m->layers[0].in_place);
    *out = m;
    return CZ_OK;
}

void cz_model_free(cz_model *m)
{
    if (!m)
        return;
    if (m->ws)
        m->be->ops->free(m->be, m->ws);
    if (m->tws)
        m->be->ops->free(m->be, m->tws);
    cz_free(m);
}

const cz_model_spec *cz_model_spec_of(const cz_model *m) { return &m->spec; }
cz_backend *cz_model_backend(const cz_model *m) { return m->be; }
size_t cz_model_param_count(const cz_model *m) { return m->params; }

size_t cz_model_input_size(const cz_model *m)
{
    return (size_t)m->spec.channels * (size_t)m->spec.height * (size_t)m->spec.width;
}

/* 299522 -> "299,522" */
static void thousands(char *out, size_t size, size_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v);
    size_t j = 0;
    for (int i = 0; i < n && j + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = digits[i];
    }
    out[j] = '\0';
}

const char *cz_model_describe(const cz_model *m, char *buf, size_t size)
{
    const cz_model_spec *s = &m->spec;
    char count[40];
    thousands(count, sizeof count, m->params);
    if (s->arch == CZ_ARCH_MLP)
        snprintf(buf, size, "MLP-%d (%d units, ReLU), %zu -> %d, %s params", s->depth, s->hidden,
                 cz_model_input_size(m), s->classes, count);
    else if (s->arch != CZ_ARCH_CONVNET) {
        char what[160];
        snprintf(buf, size, "%s, %s params", cz_arch_describe_eval(s, what, sizeof what), count);
    } else
        snprintf(buf, size, "ConvNet-%d (%d channels, %s), %dx%dx%d -> %d, %s params", s->depth,
                 s->hidden, s->instance_norm ? "instance norm" : "no norm", s->channels,
                 s->height, s->width, s->classes, count);
    return buf;
}

void cz_model_init(const cz_model *m, cz_rng *rng, cz_real *theta)
{
    for (int k = 0; k < m->n_layers; k++) {
        const cz_layer *l = &m->layers[k];
        cz_real *w = theta + l->param_offset;
        if (l->param_count == 0)
            continue;
        if (l->init) {
            l->init(l, rng, w);
            continue;
        }
        if (l->fan_in == 0) { /* norm: gains 1, shifts 0 */
            for (int64_t c = 0; c < l->in_c; c++) {
                w[c] = 1;
                w[l->in_c + c] = 0;
            }
            continue;
        }
        /* linear and conv: kaiming_uniform(a = sqrt 5) gives bound 1/sqrt(fan_in),
         * the same bound as the bias */
        double bound = 1.0 / sqrt((double)l->fan_in);
        for (size_t i = 0; i < l->param_count; i++)
            w[i] = (cz_real)(bound * (2.0 * cz_rng_uniform(rng) - 1.0));
    }
}

/* ---- passes over the layer list ---- */

static cz_layer_ctx ctx_of(cz_model *m, int k, size_t rows)
{
    cz_layer_ctx c = {m->be, (int64_t)rows, m->cache[k], m->tcache[k], m->scratch};
    return c;
}

static void pass_forward(cz_model *m, const cz_real *theta, const cz_real *x, size_t rows)
{
    m->act[0] = (cz_real *)x; /* never written: layer 0 is not in place */
    for (int k = 0; k < m->n_layers; k++) {
        const cz_layer *l = &m->layers[k];
        cz_layer_ctx c = ctx_of(m, k, rows);
        l->ops->forward(l, &c, m->act[k + 1], m->act[k], theta + l->param_offset);
    }
}

/* Tangent of the forward pass along lam in theta (x fixed). */
static void pass_tangent(cz_model *m, const cz_real *theta, const cz_real *lam, size_t rows)
{
    m->tact[0] = NULL;
    for (int k = 0; k < m->n_layers; k++) {
        const cz_layer *l = &m->layers[k];
        cz_layer_ctx c = ctx_of(m, k, rows);
        l->ops->jvp(l, &c, m->tact[k + 1], m->tact[k], l->param_count ? lam + l->param_offset : NULL,
                    m->act[k], m->act[k + 1], theta + l->param_offset);
    }
}

/* Backward from dbuf[0] (and its tangent from tdbuf[0] when lam): fills the
 * wanted outputs grad_x, g, hv, ds_dx (each may be NULL). */
static void pass_backward(cz_model *m, const cz_real *theta, const cz_real *lam, size_t rows,
                          cz_real *grad_x, cz_real *g, cz_real *hv, cz_real *ds_dx)
{
    int cur = 0;
    for (int k = m->n_layers - 1; k >= 0; k--) {
        const cz_layer *l = &m->layers[k];
        cz_layer_ctx c = ctx_of(m, k, rows);
        const cz_real *w = theta + l->param_offset;
        cz_real *dy = m->dbuf[cur], *dyd = lam ? m->tdbuf[cur] : NULL;
        cz_real *dx = l->in_place ? dy : m->dbuf[1 - cur];
        cz_real *dxd = lam ? (l->in_place ? dyd : m->tdbuf[1 - cur]) : NULL;
        if (k == 0) {
            dx = grad_x;
            dxd = ds_dx;
        }
        if (lam && (dxd || (hv && l->param_count)))
            l->ops->jvp_vjp(l, &c, dxd, hv && l->param_count ? hv + l->param_offset : NULL, dy,
                            dyd, m->act[k], m->tact[k], m->act[k + 1], w,
                            l->param_count ? lam + l->param_offset : NULL);
        cz_real *dw = g && l->param_count ? g + l->param_offset : NULL;
        if (dx || dw)
            l->ops->vjp(l, &c, dx, dw, dy, m->act[k], m->act[k + 1], w);
        if (!l->in_place)
            cur = 1 - cur;
    }
}

static cz_status check_batch(const cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                             const int32_t *y, cz_error *err)
{
    if (!theta || !x)
        return cz_error_set(err, CZ_EINVAL, "pass parameters and inputs", "theta or x is NULL");
    if (n == 0)
        return cz_error_set(err, CZ_EINVAL, "pass at least one example", "empty batch (n = 0)");
    if (y && cz_backend_is_host(m->be))
        for (size_t i = 0; i < n; i++)
            if (y[i] < 0 || y[i] >= m->spec.classes)
                return cz_error_set(err, CZ_EINVAL, "labels are class indices 0..classes-1",
                                    "label %d at row %zu is outside 0..%d", (int)y[i], i,
                                    m->spec.classes - 1);
    return CZ_OK;
}

static cz_real *logits_of(cz_model *m) { return m->act[m->n_layers]; }

/* Forward in chunks so that evaluation on a whole test split does not grow
 * the workspace beyond the largest training batch (or 256 rows). */
static cz_status forward_rows(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                              cz_real *out, int probs, cz_error *err)
{
    cz_status st = check_batch(m, theta, x, n, NULL, err);
    if (st != CZ_OK)
        return st;
    size_t chunk = m->cap > 256 ? m->cap : 256;
    chunk = chunk < n ? chunk : n;
    if ((st = cz_model_reserve(m, chunk, 0, err)) != CZ_OK)
        return st;
    size_t in = cz_model_input_size(m), classes = (size_t)m->spec.classes;
    for (size_t r = 0; r < n; r += chunk) {
        size_t rows = n - r < chunk ? n - r : chunk;
        pass_forward(m, theta, x + r * in, rows);
        cz_real *z = logits_of(m);
        if (probs) {
            m->be->ops->softmax_rows(m->be, out + r * classes, z, (int64_t)rows, (int64_t)classes);
        } else {
            m->be->ops->copy(m->be, out + r * classes, z, rows * classes * sizeof(cz_real));
        }
    }
    return CZ_OK;
}

cz_status cz_model_forward(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                           cz_real *logits, cz_error *err)
{
    return forward_rows(m, theta, x, n, logits, 0, err);
}

cz_status cz_model_predict(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                           cz_real *probs, cz_error *err)
{
    return forward_rows(m, theta, x, n, probs, 1, err);
}

cz_status cz_model_loss_grad(cz_model *m, const cz_real *theta, const cz_real *x, const int32_t *y,
                             size_t n, const cz_real *class_weight, cz_real *loss,
                             cz_real *grad_theta, cz_real *grad_x, cz_error *err)
{
    cz_status st = check_batch(m, theta, x, n, y, err);
    if (st == CZ_OK)
        st = cz_model_reserve(m, n, 0, err);
    if (st != CZ_OK)
        return st;
    cz_backend *be = m->be;
    pass_forward(m, theta, x, n);
    double l = be->ops->xent_fwd(be, m->probs, logits_of(m), y, class_weight, (int64_t)n,
                                 m->spec.classes);
    if (loss)
        *loss = (cz_real)l;
    if (!grad_theta && !grad_x)
        return CZ_OK;
    be->ops->xent_bwd(be, m->dbuf[0], m->probs, y, class_weight, (int64_t)n, m->spec.classes);
    if (grad_theta)
        be->ops->fill(be, grad_theta, 0, (int64_t)m->params);
    pass_backward(m, theta, NULL, n, grad_x, grad_theta, NULL, NULL);
    return CZ_OK;
}

cz_status cz_model_hvp_s(cz_model *m, const cz_real *theta, const cz_real *x, const int32_t *y,
                         size_t n, const cz_real *class_weight, const cz_real *lam, cz_real *hv,
                         cz_real *ds_dx, cz_real *g, double *s, double *loss, cz_error *err)
{
    cz_status st = check_batch(m, theta, x, n, y, err);
    if (st == CZ_OK && !lam)
        st = cz_error_set(err, CZ_EINVAL, "pass the direction lam", "cz_model_hvp: lam is NULL");
    if (st == CZ_OK)
        st = cz_model_reserve(m, n, 1, err);
    if (st != CZ_OK)
        return st;
    cz_backend *be = m->be;
    int64_t classes = m->spec.classes;
    pass_forward(m, theta, x, n);
    double l = be->ops->xent_fwd(be, m->probs, logits_of(m), y, class_weight, (int64_t)n, classes);
    if (loss)
        *loss = l;
    pass_tangent(m, theta, lam, n);
    cz_real *zdot = m->tact[m->n_layers];
    be->ops->xent_bwd(be, m->dbuf[0], m->probs, y, class_weight, (int64_t)n, classes);
    if (s) /* s = <lam, g> = <dloss/dlogits, logits'> */
        *s = be->ops->dot(be, (int64_t)n * classes, m->dbuf[0], zdot);
    be->ops->xent_hvp(be, m->tdbuf[0], m->probs, zdot, y, class_weight, (int64_t)n, classes);
    if (hv)
        be->ops->fill(be, hv, 0, (int64_t)m->params);
    if (g)
        be->ops->fill(be, g, 0, (int64_t)m->params);
    pass_backward(m, theta, lam, n, NULL, g, hv, ds_dx);
    return CZ_OK;
}

cz_status cz_model_hvp(cz_model *m, const cz_real *theta, const cz_real *x, const int32_t *y,
                       size_t n, const cz_real *class_weight, const cz_real *lam, cz_real *hv,
                       cz_real *ds_dx, cz_real *g, cz_error *err)
{
    return cz_model_hvp_s(m, theta, x, y, n, class_weight, lam, hv, ds_dx, g, NULL, NULL, err);
}
