/* VGG11-style evaluation net with instance norm (arch_eval.h). */
#include "arch_eval.h"
#include "layer_eval.h"

cz_status cz_arch_build_vgg11(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                              int *count, size_t *params, cz_error *err)
{
    int64_t c = s->channels, h = s->height, w = s->width;
    int64_t pad = c == 1 ? 3 : 1;
    /* five 2x poolings after the first conv */
    if (h + 2 * pad - 2 < 32 || w + 2 * pad - 2 < 32)
        return cz_error_set(err, CZ_ESHAPE,
                            "VGG11 halves the image five times: it needs 32x32 after its first "
                            "conv (28x28 grey or 32x32 colour fit)",
                            "VGG11 does not fit a %dx%dx%d image", s->channels, s->height,
                            s->width);
    /* reference widths; 0 marks a max pooling */
    static const int cfg[13] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    cz_status st = CZ_OK;
    int first = 1;
    for (int k = 0; k < 13 && st == CZ_OK; k++) {
        if (cfg[k] == 0) {
            st = cz_arch_push(layers, count, params, cz_layer_maxpool2(c, h, w), err);
            h /= 2, w /= 2;
            continue;
        }
        int64_t out = cz_arch_width(cfg[k], s->hidden);
        cz_layer conv = cz_layer_conv2d(be, c, h, w, out, 3, first ? pad : 1, 1);
        first = 0;
        st = cz_arch_push(layers, count, params, conv, err);
        c = out, h = conv.out_h, w = conv.out_w;
        if (st == CZ_OK)
            st = cz_arch_push(layers, count, params, cz_layer_instancenorm(c, h, w), err);
        if (st == CZ_OK)
            st = cz_arch_push(layers, count, params, cz_layer_relu(c, h, w), err);
    }
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_linear(c * h * w, s->classes), err);
    return st;
}
