/* Differentiable Siamese Augmentation (DSA, Zhao & Bilen 2021) for image
 * minibatches, with its exact transpose for the reverse pass.
 *
 * One call augments a batch of n images (rows of C*H*W values, NCHW) with a
 * transform drawn from a 64-bit seed: the same seed gives the same transform,
 * so a real and a synthetic batch can share it and the reverse pass of an
 * unrolled loop replays it. For a fixed seed every transform is affine in the
 * pixels, out = L x + b (b is nonzero only for brightness), so the backward
 * call is the exact adjoint L^T.
 *
 * The families and their parameters follow the reference DiffAugment
 * (VICO-UoE/DatasetCondensation, MTT utils.py); docs/images.md lists each
 * formula. Works on host memory (the CPU backend). Not thread-safe (it owns
 * two one-image scratch buffers): use one object per thread. */
#ifndef CZ_DSA_H
#define CZ_DSA_H

#include <stddef.h>
#include <stdint.h>

#include "../autodiff/unroll.h"
#include "../core/real.h"
#include "../core/status.h"

typedef enum cz_dsa_family {
    CZ_DSA_COLOR = 0, /* brightness, then saturation, then contrast */
    CZ_DSA_CROP,      /* integer translation, zero fill */
    CZ_DSA_CUTOUT,    /* zero a square patch */
    CZ_DSA_FLIP,      /* horizontal flip with probability flip_prob */
    CZ_DSA_SCALE,     /* affine x/y scaling, bilinear sampling */
    CZ_DSA_ROTATE,    /* affine rotation, bilinear sampling */
    CZ_DSA_FAMILY_COUNT
} cz_dsa_family;

typedef enum cz_dsa_mode {
    CZ_DSA_MODE_ONE = 0, /* reference mode 'S': one family per batch, drawn from the seed */
    CZ_DSA_MODE_ALL      /* reference mode 'M': every enabled family in order */
} cz_dsa_mode;

typedef struct cz_dsa_opts {
    int channels, height, width; /* image shape */
    unsigned families;           /* bit mask (1u << cz_dsa_family); 0 = all six */
    cz_dsa_mode mode;
    /* 0: independent parameters per image (MTT, reference seed -1);
     * 1: one parameter draw for the whole batch (Siamese DC/DM pairing). */
    int shared;
    /* Reference ParamDiffAug values (cz_dsa_opts_default): */
    double brightness; /* 1.0: x + (u - 0.5) * brightness */
    double saturation; /* 2.0: factor u * saturation around the channel mean */
    double contrast;   /* 0.5: factor u + contrast around the image mean */
    double crop_pad;   /* 0.125: shift up to int(H * crop_pad + 0.5) pixels */
    double cutout;     /* 0.5: patch side int(H * cutout + 0.5) */
    double flip_prob;  /* 0.5 */
    double scale;      /* 1.2: sx, sy ~ U(1/scale, scale) */
    double rotate_deg; /* 15: angle ~ U(-rotate_deg, rotate_deg) */
} cz_dsa_opts;

/* One image's drawn transform (what the seed decided), for tests and display. */
typedef struct cz_dsa_draw {
    double bright, sat, contrast; /* color: offset, saturation and contrast factors */
    int shift_y, shift_x;         /* crop: out[i][j] = x[i + shift_y][j + shift_x] */
    int cut_y, cut_x;             /* cutout: patch centre as drawn (before clamping) */
    int flip;                     /* 1 = mirrored */
    double sx, sy;                /* scale factors */
    double angle;                 /* rotation, radians */
} cz_dsa_draw;

typedef struct cz_dsa cz_dsa;

/* Whether a method trains on DSA-augmented image batches (its unrolled inner
 * loop, expert training, evaluation training). AUTO (the zero value, so a
 * zeroed options struct gets it) resolves to ON for image datasets on a host
 * backend and OFF otherwise (methods/common.h, cz_dsa_resolve); a method's
 * resolved setting is ON or OFF. */
typedef enum cz_dsa_use { CZ_DSA_AUTO = 0, CZ_DSA_ON = 1, CZ_DSA_OFF = 2 } cz_dsa_use;

/* The strategy color_crop_cutout_flip_scale_rotate with the reference
 * parameters, mode one-family-per-batch, per-image draws, for C x H x W. */
cz_dsa_opts cz_dsa_opts_default(int channels, int height, int width);

/* Parses a strategy such as "color_crop_cutout_flip_scale_rotate" (families
 * joined by '_', any order, no repeats) into a family mask. CZ_EINVAL naming
 * the unknown word and listing the known ones. */
cz_status cz_dsa_parse_strategy(const char *strategy, unsigned *families, cz_error *err) CZ_WUR;
const char *cz_dsa_family_name(cz_dsa_family f);

/* Checks the options (shape >= 1, ratios in range) and allocates. */
cz_status cz_dsa_new(const cz_dsa_opts *opts, cz_dsa **out, cz_error *err) CZ_WUR;
void cz_dsa_free(cz_dsa **d);
const cz_dsa_opts *cz_dsa_opts_of(const cz_dsa *d);
size_t cz_dsa_image_size(const cz_dsa *d); /* C*H*W */

/* The family a seed picks in mode ONE (the same for every image of the batch). */
cz_dsa_family cz_dsa_family_of(const cz_dsa *d, uint64_t seed);
/* The parameters drawn for image i of a batch under seed (all families are
 * drawn, whichever are applied). */
cz_dsa_draw cz_dsa_draw_of(const cz_dsa *d, uint64_t seed, size_t i);

/* out = A_seed(x) for n images. x and out are n * C*H*W host values and may
 * be the same buffer. */
cz_status cz_dsa_forward(cz_dsa *d, uint64_t seed, const cz_real *x, size_t n, cz_real *out,
                         cz_error *err) CZ_WUR;
/* grad_x = L_seed^T grad_out (overwritten), the exact adjoint of the linear
 * part of cz_dsa_forward with the same seed. May be in place. */
cz_status cz_dsa_backward(cz_dsa *d, uint64_t seed, const cz_real *grad_out, size_t n,
                          cz_real *grad_x, cz_error *err) CZ_WUR;

/* The augmentation hook of cz_unroll_opts; d stays owned by the caller and
 * must outlive the unroll. */
cz_augment cz_dsa_augment(cz_dsa *d);

#endif
