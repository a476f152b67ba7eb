/* Models: an architecture spec, a flat parameter vector, and the batched
 * operations the methods need (forward, loss gradient, Hessian-vector product).
 *
 * Parameters live in one flat vector (a trajectory is a sequence of them);
 * the model object holds only the architecture and a reusable workspace, so
 * one model evaluates any number of parameter vectors. A model is not
 * thread-safe: use one per thread. Pointers passed in (theta, x, ...) live in
 * the model backend's memory (host memory for the CPU backend). */
#ifndef CZ_MODEL_H
#define CZ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/backend.h"
#include "../core/real.h"
#include "../core/rng.h"
#include "../core/status.h"

typedef enum cz_arch {
    CZ_ARCH_MLP = 0,   /* tabular: depth hidden layers of `width` units, ReLU */
    CZ_ARCH_CONVNET,   /* depth x [conv3x3 pad 1 -> instance norm -> ReLU -> avgpool 2x2], linear head */
    CZ_ARCH_ALEXNET,   /* cross-architecture evaluation nets, sized for 28x28 */
    CZ_ARCH_VGG11,
    CZ_ARCH_RESNET18,
    CZ_ARCH_COUNT
} cz_arch;

typedef struct cz_model_spec {
    cz_arch arch;
    int channels, height, width; /* input shape; tabular rows: 1, 1, n_features */
    int classes;                 /* >= 2 */
    int hidden;                  /* MLP units / ConvNet channels (default 128) */
    int depth;                   /* MLP hidden layers (2) / ConvNet blocks (3) */
    int instance_norm;           /* ConvNet: 1 = instance norm (default), 0 = none */
} cz_model_spec;

typedef struct cz_model cz_model;

/* "mlp", "convnet", ... ; cz_arch_parse returns CZ_EINVAL listing the known names. */
const char *cz_arch_name(cz_arch a);
cz_status cz_arch_parse(const char *name, cz_arch *out, cz_error *err) CZ_WUR;

/* Checks the spec (clear errors: a ConvNet too deep for the image, zero width)
 * and builds the model on backend be. */
cz_status cz_model_new(const cz_model_spec *spec, cz_backend *be, cz_model **out,
                       cz_error *err) CZ_WUR;
void cz_model_free(cz_model *m);

const cz_model_spec *cz_model_spec_of(const cz_model *m);
cz_backend *cz_model_backend(const cz_model *m);
size_t cz_model_param_count(const cz_model *m);
size_t cz_model_input_size(const cz_model *m); /* values per example: C*H*W */
/* One line, e.g. "ConvNet-3 (128 channels, instance norm), 1x28x28 -> 2, 299,522 params". */
const char *cz_model_describe(const cz_model *m, char *buf, size_t size);

/* PyTorch's default initialisation (kaiming-uniform weights with a=sqrt(5),
 * uniform(+-1/sqrt(fan_in)) biases; norm gains 1, shifts 0), drawn from rng.
 * theta is host memory of cz_model_param_count values. */
void cz_model_init(const cz_model *m, cz_rng *rng, cz_real *theta);

/* logits[n x classes] = f(theta; x[n x input]). */
cz_status cz_model_forward(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                           cz_real *logits, cz_error *err) CZ_WUR;

/* Mean softmax cross-entropy over the n examples (class-weighted when
 * class_weight, a vector of `classes` weights, is not NULL: sum w_y l / sum w_y).
 * Writes *loss and, where not NULL, grad_theta (param_count) and grad_x (n x input). */
cz_status cz_model_loss_grad(cz_model *m, const cz_real *theta, const cz_real *x,
                             const int32_t *y, size_t n, const cz_real *class_weight,
                             cz_real *loss, cz_real *grad_theta, cz_real *grad_x,
                             cz_error *err) CZ_WUR;

/* Second order, exact (forward tangent pass along lam, then its reverse):
 * with g = grad_theta loss(theta; x) and s = <lam, g>, writes, where not NULL,
 * hv = H lam = ds/dtheta (param_count), ds_dx = ds/dx (n x input), and g itself. */
cz_status cz_model_hvp(cz_model *m, const cz_real *theta, const cz_real *x,
                       const int32_t *y, size_t n, const cz_real *class_weight,
                       const cz_real *lam, cz_real *hv, cz_real *ds_dx, cz_real *g,
                       cz_error *err) CZ_WUR;

/* Class probabilities (softmax of the logits), for evaluation. */
cz_status cz_model_predict(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                           cz_real *probs, cz_error *err) CZ_WUR;

/* Embeddings (added for DM, distribution matching; engine/nn/embed.c): the
 * penultimate features, i.e. the input of the final linear layer (MLP: the
 * last hidden layer after its ReLU; ConvNet: the flattened output of the last
 * block). cz_model_embed_size values per example. */
size_t cz_model_embed_size(const cz_model *m);
/* feats[n x embed_size] = e(theta; x[n x input]). */
cz_status cz_model_embed(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                         cz_real *feats, cz_error *err) CZ_WUR;
/* grad_x[n x input] = (d e / d x)^T grad_feats (overwritten); theta is not
 * differentiated (DM's networks are frozen). */
cz_status cz_model_embed_vjp(cz_model *m, const cz_real *theta, const cz_real *x, size_t n,
                             const cz_real *grad_feats, cz_real *grad_x, cz_error *err) CZ_WUR;

#endif
