/* The cross-architecture evaluation nets, sized for small images (28x28
 * MedMNIST, 32x32 CIFAR) after the MTT code's networks.py, with the spec's
 * `hidden` as the width knob: hidden = 128 gives the reference channel counts,
 * other values scale every layer by hidden / 128 (at least 1 channel).
 *   AlexNet: conv5x5 (pad 4 for one input channel, else 2) 128 - ReLU - max,
 *            conv5x5 192 - ReLU - max, conv3x3 256, 192, 192 (ReLU each) - max,
 *            linear. No norm.
 *   VGG11:   [64 M 128 M 256 256 M 512 512 M 512 512 M] conv3x3 + instance
 *            norm + ReLU (first conv pad 3 for one input channel), linear.
 *   ResNet18: conv3x3 64 + instance norm + ReLU, BasicBlocks [2, 2, 2, 2] of
 *            64, 128, 256, 512 channels (strides 1, 2, 2, 2), global average
 *            pooling, linear.
 * Internal to engine/nn (arch.c dispatches here). */
#ifndef CZ_ARCH_EVAL_H
#define CZ_ARCH_EVAL_H

#include <stddef.h>

#include "layer.h"
#include "model.h"
#include "model_internal.h"

/* Appends l with its parameter offset (arch.c's rule, shared). */
cz_status cz_arch_push(cz_layer *layers, int *count, size_t *params, cz_layer l,
                       cz_error *err) CZ_WUR;
/* Channels of a layer whose reference width is `ref` at hidden = 128. */
int64_t cz_arch_width(int ref, int hidden);

cz_status cz_arch_build_alexnet(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                                int *count, size_t *params, cz_error *err) CZ_WUR;
cz_status cz_arch_build_vgg11(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                              int *count, size_t *params, cz_error *err) CZ_WUR;
cz_status cz_arch_build_resnet18(const cz_model_spec *s, cz_backend *be, cz_layer *layers,
                                 int *count, size_t *params, cz_error *err) CZ_WUR;

/* "AlexNet (width 128), 1x28x28 -> 2" (no parameter count). */
const char *cz_arch_describe_eval(const cz_model_spec *s, char *buf, size_t size);

#endif
