/* ResNet18-style evaluation net with instance norm (arch_eval.h). */
#include "arch_eval.h"
#include "layer_eval.h"

cz_status cz_arch_build_resnet18(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                                 int *count, size_t *params, cz_error *err)
{
    int64_t c = s->channels, h = s->height, w = s->width;
    int64_t stem = cz_arch_width(64, s->hidden);
    cz_status st = cz_arch_push(layers, count, params, cz_layer_conv2d(be, c, h, w, stem, 3, 1, 1),
                                err);
    c = stem;
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_instancenorm(c, h, w), err);
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_relu(c, h, w), err);
    static const int widths[4] = {64, 128, 256, 512};
    for (int stage = 0; stage < 4 && st == CZ_OK; stage++)
        for (int b = 0; b < 2 && st == CZ_OK; b++) {
            int64_t out = cz_arch_width(widths[stage], s->hidden);
            int64_t stride = stage > 0 && b == 0 ? 2 : 1;
            cz_layer blk = cz_layer_resblock(be, c, h, w, out, stride);
            st = cz_arch_push(layers, count, params, blk, err);
            c = out, h = blk.out_h, w = blk.out_w;
        }
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_gap(c, h, w), err);
    if (st == CZ_OK)
        st = cz_arch_push(layers, count, params, cz_layer_linear(c, s->classes), err);
    return st;
}
