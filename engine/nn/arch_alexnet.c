/* AlexNet-style evaluation net for small images (arch_eval.h). */
#include "arch_eval.h"
#include "layer_eval.h"

cz_status cz_arch_build_alexnet(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                                int *count, size_t *params, cz_error *err)
{
    int64_t c = s->channels, h = s->height, w = s->width;
    int64_t pad = c == 1 ? 4 : 2;
    /* three 2x poolings after the first conv's size change */
    if (h + 2 * pad - 4 < 8 || w + 2 * pad - 4 < 8)
        return cz_error_set(err, CZ_ESHAPE, "AlexNet needs images of at least 8x8 (28x28 fits)",
                            "AlexNet does not fit a %dx%d image", s->height, s->width);
    static const int ref[5] = {128, 192, 256, 192, 192};
    static const int kernel[5] = {5, 5, 3, 3, 3};
    static const int pool_after[5] = {1, 1, 0, 0, 1};
    cz_status st = CZ_OK;
    for (int k = 0; k < 5 && st == CZ_OK; k++) {
        int64_t out = cz_arch_width(ref[k], s->hidden);
        int64_t p = k == 0 ? pad : kernel[k] / 2;
        cz_layer conv = cz_layer_conv2d(be, c, h, w, out, kernel[k], p, 1);
        st = cz_arch_push(layers, count, params, conv, err);
        c = out, h = conv.out_h, w = conv.out_w;
        if (st == CZ_OK)
            st = cz_arch_push(layers, count, params, cz_layer_relu(c, h, w), err);
        if (st == CZ_OK && pool_after[k]) {
            st = cz_arch_push(layers, count, params, cz_layer_maxpool2(c, h, w), err);
            h /= 2, w /= 2;
        }
    }
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_linear(c * h * w, s->classes), err);
    return st;
}
