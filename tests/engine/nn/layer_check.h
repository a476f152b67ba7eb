/* Checks a layer's four functions against central differences (float64):
 * the VJP against the gradient of <r, f(x, w)>, the JVP against the
 * directional difference of f, and the tangent of the VJP against the
 * directional difference of the VJP in (x, w, dy). */
#ifndef CZ_LAYER_CHECK_H
#define CZ_LAYER_CHECK_H

#include "gradcheck.h"
#include "nn/layer.h"

typedef struct layer_errors {
    gc_report vjp, jvp, jvp_vjp;
} layer_errors;

layer_errors layer_check(const cz_layer *l, int64_t batch, unsigned seed);

#endif
