/* Architectures: names, spec checks and the layer list of each. The
 * parameter layout is PyTorch's module-registration order (ReparamModule in
 * the MTT code): per block conv weight, conv bias, norm gain, norm shift;
 * per MLP layer weight then bias; the classifier last. */
#include <string.h>

#include "arch_eval.h"
#include "model_internal.h"

static const char *const arch_names[CZ_ARCH_COUNT] = {"mlp", "convnet", "alexnet", "vgg11",
                                                      "resnet18"};

const char *cz_arch_name(cz_arch a)
{
    return (unsigned)a < CZ_ARCH_COUNT ? arch_names[a] : "unknown";
}

cz_status cz_arch_parse(const char *name, cz_arch *out, cz_error *err)
{
    for (int a = 0; a < CZ_ARCH_COUNT; a++)
        if (name && strcmp(name, arch_names[a]) == 0) {
            *out = (cz_arch)a;
            return CZ_OK;
        }
    return cz_error_set(err, CZ_EINVAL, "known architectures: mlp, convnet, alexnet, vgg11, resnet18",
                        "unknown architecture \"%s\"", name ? name : "(null)");
}

static cz_status push(cz_layer *layers, int *count, size_t *params, cz_layer l, cz_error *err)
{
    if (*count >= CZ_MAX_LAYERS)
        return cz_error_set(err, CZ_EINVAL, "use fewer layers (smaller depth)",
                            "the model needs more than %d layers", CZ_MAX_LAYERS);
    l.param_offset = *params;
    *params += l.param_count;
    layers[(*count)++] = l;
    return CZ_OK;
}

static cz_status build_mlp(const cz_model_spec *s, cz_layer *layers, int *count, size_t *params,
                           cz_error *err)
{
    int64_t in = (int64_t)s->channels * s->height * s->width;
    cz_status st = CZ_OK;
    for (int d = 0; d < s->depth && st == CZ_OK; d++) {
        st = push(layers, count, params, cz_layer_linear(in, s->hidden), err);
        if (st == CZ_OK)
            st = push(layers, count, params, cz_layer_relu(s->hidden, 1, 1), err);
        in = s->hidden;
    }
    if (st == CZ_OK)
        st = push(layers, count, params, cz_layer_linear(in, s->classes), err);
    return st;
}

static cz_status build_convnet(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                               int *count, size_t *params, cz_error *err)
{
    int64_t c = s->channels, h = s->height, w = s->width;
    int64_t min_side = h < w ? h : w;
    int max_depth = 0;
    for (int64_t side = min_side; side >= 2; side /= 2)
        max_depth++;
    if (s->depth < 1 || s->depth > max_depth)
        return cz_error_set(err, CZ_EINVAL, "each block halves the image: lower the depth",
                            "ConvNet depth %d does not fit a %dx%d image (depth 1 to %d fits)",
                            s->depth, s->height, s->width, max_depth);
    cz_status st = CZ_OK;
    for (int d = 0; d < s->depth && st == CZ_OK; d++) {
        st = push(layers, count, params, cz_layer_conv2d(be, c, h, w, s->hidden, 3, 1, 1), err);
        c = s->hidden;
        if (st == CZ_OK && s->instance_norm)
            st = push(layers, count, params, cz_layer_instancenorm(c, h, w), err);
        if (st == CZ_OK)
            st = push(layers, count, params, cz_layer_relu(c, h, w), err);
        if (st == CZ_OK)
            st = push(layers, count, params, cz_layer_avgpool2(c, h, w), err);
        h /= 2;
        w /= 2;
    }
    if (st == CZ_OK)
        st = push(layers, count, params, cz_layer_linear(c * h * w, s->classes), err);
    return st;
}

cz_status cz_arch_build(const cz_model_spec *s, cz_backend *be, cz_layer *layers, int *count,
                        size_t *params, cz_error *err)
{
    *count = 0;
    *params = 0;
    if ((unsigned)s->arch >= CZ_ARCH_COUNT)
        return cz_error_set(err, CZ_EINVAL, "known architectures: mlp, convnet, alexnet, vgg11, resnet18",
                            "unknown architecture id %d", (int)s->arch);
    if (s->channels < 1 || s->height < 1 || s->width < 1)
        return cz_error_set(err, CZ_EINVAL, "tabular data has shape 1x1xfeatures",
                            "input shape %dx%dx%d has an empty dimension", s->channels,
                            s->height, s->width);
    if (s->classes < 2)
        return cz_error_set(err, CZ_EINVAL, "a classifier needs at least 2 classes",
                            "classes = %d", s->classes);
    if (s->hidden < 1)
        return cz_error_set(err, CZ_EINVAL, "pass a width of at least 1 (default 128)",
                            "%s width %d is not positive", cz_arch_name(s->arch), s->hidden);
    if (s->arch == CZ_ARCH_ALEXNET)
        return cz_arch_build_alexnet(s, be, layers, count, params, err);
    if (s->arch == CZ_ARCH_VGG11)
        return cz_arch_build_vgg11(s, be, layers, count, params, err);
    if (s->arch == CZ_ARCH_RESNET18)
        return cz_arch_build_resnet18(s, be, layers, count, params, err);
    if (s->arch == CZ_ARCH_MLP) {
        if (s->depth < 0 || s->depth > 16)
            return cz_error_set(err, CZ_EINVAL, "pass a depth from 0 to 16 (default 2)",
                                "MLP depth %d is out of range", s->depth);
        return build_mlp(s, layers, count, params, err);
    }
    return build_convnet(s, be, layers, count, params, err);
}
