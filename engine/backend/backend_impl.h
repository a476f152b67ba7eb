/* The backend function table (like ggml's struct ggml_backend_i). Only engine
 * sources include this; everything else sees the opaque cz_backend.
 *
 * Conventions for every op:
 * - Pointers are backend memory (host for CPU, device for CUDA) unless the
 *   parameter name says host_.
 * - Matrices are row-major. Sizes are int64_t element counts.
 * - Compute ops return void: they cannot fail on the CPU, and on CUDA a launch
 *   failure is sticky and reported by sync() (checked at step boundaries).
 * - Reductions that return a host double (dot, sumsq) run in a fixed order so
 *   results are reproducible for a given backend and thread count.
 * - "accumulate" ops add into their output (parameter gradients, +=); the
 *   others overwrite it (activation gradients, =). Each op says which.
 * - A NULL tangent input means "zero tangent" and lets the op skip work. */
#ifndef CZ_BACKEND_IMPL_H
#define CZ_BACKEND_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "cz_config.h"
#include "../core/real.h"
#include "../core/status.h"
#include "backend.h"

/* Shapes of the layer kernels, filled by engine/nn. */
typedef struct cz_conv_shape {
    int64_t batch, c_in, h, w;      /* input */
    int64_t c_out, k, pad, stride;  /* square kernel */
    int64_t h_out, w_out;           /* (h + 2 pad - k) / stride + 1 */
} cz_conv_shape;

typedef struct cz_norm_shape {
    int64_t batch, channels, hw;
    double eps;
} cz_norm_shape;

typedef struct cz_backend_ops {
    const char *name;

    /* ---- memory ---- */
    void *(*alloc)(cz_backend *be, size_t bytes);            /* NULL on failure; zeroed */
    void (*free)(cz_backend *be, void *p);
    void (*upload)(cz_backend *be, void *dst, const void *host_src, size_t bytes);
    void (*download)(cz_backend *be, void *host_dst, const void *src, size_t bytes);
    void (*copy)(cz_backend *be, void *dst, const void *src, size_t bytes);
    void (*fill)(cz_backend *be, cz_real *x, cz_real value, int64_t n);
    cz_status (*sync)(cz_backend *be, cz_error *err);

    /* ---- dense linear algebra ---- */
    /* c = alpha * op(a) @ op(b) + beta * c; op(a) is (m,k), op(b) is (k,n), c (m,n). */
    void (*gemm)(cz_backend *be, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k,
                 cz_real alpha, const cz_real *a, int64_t lda, const cz_real *b, int64_t ldb,
                 cz_real beta, cz_real *c, int64_t ldc);

    /* ---- vectors ---- */
    void (*axpy)(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real *y);  /* y += alpha x */
    void (*axpby)(cz_backend *be, int64_t n, cz_real alpha, const cz_real *x, cz_real beta,
                  cz_real *y);                                                            /* y = alpha x + beta y */
    void (*scale)(cz_backend *be, int64_t n, cz_real alpha, cz_real *x);                   /* x *= alpha */
    double (*dot)(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y);
    double (*sumsq)(cz_backend *be, int64_t n, const cz_real *x);
    double (*sumsq_diff)(cz_backend *be, int64_t n, const cz_real *x, const cz_real *y); /* sum (x-y)^2 */
    int (*all_finite)(cz_backend *be, int64_t n, const cz_real *x);

    /* ---- rows (minibatches) ---- */
    /* dst[i, :] = src[host_idx[i], :] for i < n_idx; rows of row_len elements. */
    void (*gather_rows)(cz_backend *be, cz_real *dst, const cz_real *src, const int64_t *host_idx,
                        int64_t n_idx, int64_t row_len);
    /* dst[host_idx[i], :] += alpha * src[i, :] (accumulate; repeated indices add up). */
    void (*scatter_add_rows)(cz_backend *be, cz_real *dst, const cz_real *src, const int64_t *host_idx,
                             int64_t n_idx, int64_t row_len, cz_real alpha);

    /* ---- optimiser ---- */
    /* SGD with momentum and decoupled-as-in-PyTorch weight decay:
     * g' = g + wd * p; v = mom * v + g'; p -= lr * (nesterov ? g' + mom * v : v).
     * velocity may be NULL when mom == 0. */
    void (*sgd_step)(cz_backend *be, int64_t n, cz_real *param, const cz_real *grad, cz_real *velocity,
                     cz_real lr, cz_real momentum, cz_real weight_decay, int nesterov);

    /* ---- layer kernels (engine/nn; derivations in docs/math.md) ---- */
    /* y[r, c, i] += b[c] for r < rows, c < cols, i < inner (linear: inner = 1). */
    void (*bias_add)(cz_backend *be, cz_real *y, const cz_real *b, int64_t rows, int64_t cols,
                     int64_t inner);
    /* db[c] += sum over r, i of dy[r, c, i] (accumulate). */
    void (*bias_grad)(cz_backend *be, cz_real *db, const cz_real *dy, int64_t rows, int64_t cols,
                      int64_t inner);

    /* conv2d without bias. x (B, Cin, H, W), w (Cout, Cin, k, k), y (B, Cout, Ho, Wo).
     * scratch holds conv2d_scratch(s) elements (im2col columns); the size does
     * not depend on s->batch (the backend works in chunks of examples). */
    int64_t (*conv2d_scratch)(cz_backend *be, const cz_conv_shape *s);
    void (*conv2d_fwd)(cz_backend *be, const cz_conv_shape *s, cz_real *y, const cz_real *x,
                       const cz_real *w, cz_real beta, cz_real *scratch);        /* y = conv + beta y */
    void (*conv2d_bwd_input)(cz_backend *be, const cz_conv_shape *s, cz_real *dx, const cz_real *dy,
                             const cz_real *w, cz_real beta, cz_real *scratch);  /* dx = .. + beta dx */
    void (*conv2d_bwd_weight)(cz_backend *be, const cz_conv_shape *s, cz_real *dw, const cz_real *dy,
                              const cz_real *x, cz_real *scratch);              /* dw += .. */

    void (*relu_fwd)(cz_backend *be, cz_real *y, const cz_real *x, int64_t n);
    /* out = in * (x > 0): the ReLU VJP, JVP and tangent-VJP all use this mask. */
    void (*relu_mask)(cz_backend *be, cz_real *out, const cz_real *in, const cz_real *x, int64_t n);

    /* 2x2 average pooling, stride 2, over planes = B*C planes of H x W, output
     * (H/2) x (W/2) rounded down: an odd last row or column is dropped, as
     * PyTorch's avg_pool2d does (its gradient there is zero). */
    void (*avgpool2_fwd)(cz_backend *be, cz_real *y, const cz_real *x, int64_t planes, int64_t h,
                         int64_t w);
    void (*avgpool2_bwd)(cz_backend *be, cz_real *dx, const cz_real *dy, int64_t planes, int64_t h,
                         int64_t w);                                             /* dx = .. */

    /* 2x2 max pooling, stride 2, floor (as avg). arg (planes x H/2 x W/2)
     * receives each window's argmax as an offset 0..3 (row-major in the
     * window, first maximum on ties); bwd scatters dy there (dx =, zero
     * elsewhere); gather picks xdot at the same places (the JVP). */
    void (*maxpool2_fwd)(cz_backend *be, cz_real *y, cz_real *arg, const cz_real *x, int64_t planes,
                         int64_t h, int64_t w);
    void (*maxpool2_bwd)(cz_backend *be, cz_real *dx, const cz_real *dy, const cz_real *arg,
                         int64_t planes, int64_t h, int64_t w);
    void (*maxpool2_gather)(cz_backend *be, cz_real *ydot, const cz_real *xdot, const cz_real *arg,
                            int64_t planes, int64_t h, int64_t w);

    /* Instance norm over each (sample, channel) plane of hw elements, affine
     * gamma/beta per channel, biased variance. Caches xhat (B,C,hw) and rstd
     * (B,C). y may alias x. */
    void (*inorm_fwd)(cz_backend *be, const cz_norm_shape *s, cz_real *y, cz_real *xhat, cz_real *rstd,
                      const cz_real *x, const cz_real *gamma, const cz_real *beta);
    /* dx may alias dy. dx may be NULL (not needed); dgamma/dbeta NULL = not needed. */
    void (*inorm_vjp)(cz_backend *be, const cz_norm_shape *s, cz_real *dx, cz_real *dgamma,
                      cz_real *dbeta, const cz_real *dy, const cz_real *xhat, const cz_real *rstd,
                      const cz_real *gamma);                       /* dx =, dgamma/dbeta += */
    /* Tangent forward: ydot, and the tangents xhat_dot (B,C,hw) and rstd_dot
     * (B,C), cached for inorm_jvp_vjp. xdot, gamma_dot, beta_dot may be NULL
     * (zero). ydot may alias xdot. */
    void (*inorm_jvp)(cz_backend *be, const cz_norm_shape *s, cz_real *ydot, cz_real *xhat_dot,
                      cz_real *rstd_dot, const cz_real *xdot, const cz_real *xhat,
                      const cz_real *rstd, const cz_real *gamma, const cz_real *gamma_dot,
                      const cz_real *beta_dot);
    /* Tangent of the VJP: dx_dot =, dgamma_dot/dbeta_dot += (each may be NULL:
     * not needed). dy_dot, gamma_dot may be NULL (zero). dx_dot may alias
     * dy_dot (not dy). */
    void (*inorm_jvp_vjp)(cz_backend *be, const cz_norm_shape *s, cz_real *dx_dot, cz_real *dgamma_dot,
                          cz_real *dbeta_dot, const cz_real *dy, const cz_real *dy_dot,
                          const cz_real *xhat, const cz_real *xhat_dot, const cz_real *rstd,
                          const cz_real *rstd_dot, const cz_real *gamma, const cz_real *gamma_dot);

    /* Softmax cross-entropy, mean over the batch, optionally class-weighted
     * (weighted mean: sum_i w[y_i] l_i / sum_i w[y_i], as PyTorch). labels are
     * int32 in backend memory; class_w (C) may be NULL. Returns the loss. */
    double (*xent_fwd)(cz_backend *be, cz_real *probs, const cz_real *logits, const int32_t *labels,
                       const cz_real *class_w, int64_t batch, int64_t classes);
    void (*xent_bwd)(cz_backend *be, cz_real *dlogits, const cz_real *probs, const int32_t *labels,
                     const cz_real *class_w, int64_t batch, int64_t classes);        /* dlogits = */
    /* dlogits_dot = (diag(p) - p p^T) logits_dot, weighted like xent_bwd. */
    void (*xent_hvp)(cz_backend *be, cz_real *dlogits_dot, const cz_real *probs,
                     const cz_real *logits_dot, const int32_t *labels, const cz_real *class_w,
                     int64_t batch, int64_t classes);
    /* probs = softmax of each row of logits (batch, classes), for predictions. */
    void (*softmax_rows)(cz_backend *be, cz_real *probs, const cz_real *logits, int64_t batch,
                         int64_t classes);
} cz_backend_ops;

struct cz_backend {
    const cz_backend_ops *ops;
    void *ctx;          /* backend-private state (CUDA handles, caching allocator) */
    int threads;
    char description[160];
};

/* The CUDA backend is in the float32 engine of a build with CUDA; the float64
 * gradient-check build is CPU-only. */
#if CZ_HAVE_CUDA && !defined(CZ_F64)
#define CZ_CUDA_BACKEND 1
#else
#define CZ_CUDA_BACKEND 0
#endif

/* Registry entry points of each backend (registry.c). */
cz_backend *cz_backend_cpu_get(void);
#if CZ_CUDA_BACKEND
/* NULL when no device answers or the GPU cannot be set up; err says why
 * (CZ_EUNSUPPORTED: no device or driver; CZ_EBACKEND: a CUDA or cuBLAS call
 * failed). The outcome is probed once per process. */
cz_backend *cz_backend_cuda_get(cz_error *err);
#endif

#endif
