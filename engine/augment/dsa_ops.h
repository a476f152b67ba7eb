/* DSA per-image kernels (internal to engine/augment): each family's forward
 * and its exact adjoint on one C x H x W image, for one drawn parameter set.
 * `in` and `out` never alias. The adjoint of each family is the transpose of
 * its linear part (brightness's offset has no adjoint term). */
#ifndef CZ_DSA_OPS_H
#define CZ_DSA_OPS_H

#include "../core/real.h"
#include "dsa.h"

typedef struct dsa_shape {
    int c, h, w;
    int cut_h, cut_w; /* cutout patch side in rows and columns */
} dsa_shape;

void dsa_color_fwd(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);
void dsa_color_adj(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);

/* Crop: out[i][j] = in[i + shift_y][j + shift_x], zero outside. */
void dsa_crop_fwd(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);
void dsa_crop_adj(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);

/* Cutout and flip are symmetric: the adjoint is the forward. */
void dsa_cutout(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);
void dsa_flip(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out);

/* Affine sampling with the 2x2 matrix a (row-major, acting on normalised
 * (x, y) in [-1, 1], align_corners) and bilinear interpolation, zero padding. */
void dsa_affine_fwd(const dsa_shape *s, const double a[4], const cz_real *in, cz_real *out);
void dsa_affine_adj(const dsa_shape *s, const double a[4], const cz_real *in, cz_real *out);

#endif
