/* Layers of the cross-architecture evaluation nets (AlexNet-, VGG11- and
 * ResNet18-style, arch_*.c): 2x2 max pooling, global average pooling and a
 * residual BasicBlock. Each has all four functions of layer.h (forward, VJP,
 * JVP, tangent of the VJP), so these nets also work in an unrolled loop,
 * although evaluation only trains them to first order. Internal to the
 * engine. */
#ifndef CZ_LAYER_EVAL_H
#define CZ_LAYER_EVAL_H

#include <stdint.h>

#include "layer.h"

/* 2x2 max pooling, stride 2, floor for odd sizes (as torch.nn.MaxPool2d(2)).
 * Piecewise linear: the derivatives select the window's maximum (first one
 * on ties); the second derivative is zero away from ties. */
cz_layer cz_layer_maxpool2(int64_t c, int64_t h, int64_t w);

/* Global average pooling: (c, h, w) -> (c, 1, 1). Linear. */
cz_layer cz_layer_gap(int64_t c, int64_t h, int64_t w);

/* ResNet BasicBlock (He et al. 2016; the MTT code's instance-norm variant):
 *   y = ReLU(IN(conv3x3(ReLU(IN(conv3x3_s(x))))) + shortcut(x))
 * with shortcut = IN(conv1x1_s(x)) when the stride is not 1 or the channels
 * change, else x. Convolutions carry biases (the model's conv layer does);
 * the norms cancel them, so the function equals the bias-free reference.
 * Parameters in registration order: conv1, norm1, conv2, norm2, shortcut
 * conv, shortcut norm. */
cz_layer cz_layer_resblock(cz_backend *be, int64_t c_in, int64_t h, int64_t w, int64_t c_out,
                           int64_t stride);

#endif
