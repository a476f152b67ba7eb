/* Shared pieces of the evaluation nets' builders (arch_eval.h). */
#include "arch_eval.h"

#include <stdio.h>

cz_status cz_arch_push(cz_layer *layers, int *count, size_t *params, cz_layer l, cz_error *err)
{
    if (*count >= CZ_MAX_LAYERS)
        return cz_error_set(err, CZ_EINVAL, "use a smaller architecture",
                            "the model needs more than %d layers", CZ_MAX_LAYERS);
    l.param_offset = *params;
    *params += l.param_count;
    layers[(*count)++] = l;
    return CZ_OK;
}

int64_t cz_arch_width(int ref, int hidden)
{
    int64_t c = (int64_t)ref * hidden / 128;
    return c < 1 ? 1 : c;
}

const char *cz_arch_describe_eval(const cz_model_spec *s, char *buf, size_t size)
{
    static const char *const names[] = {"AlexNet", "VGG11 (instance norm)",
                                        "ResNet18 (instance norm)"};
    int k = s->arch == CZ_ARCH_ALEXNET ? 0 : s->arch == CZ_ARCH_VGG11 ? 1 : 2;
    snprintf(buf, size, "%s, width %d, %dx%dx%d -> %d", names[k], s->hidden, s->channels,
             s->height, s->width, s->classes);
    return buf;
}
