/* The MTT run's layout, shared by mtt.c (the run) and mtt_io.c (its
 * encoding). Internal to engine/methods. */
#ifndef CZ_MTT_IMPL_H
#define CZ_MTT_IMPL_H

#include "../autodiff/unroll.h"
#include "mtt.h"
#include "mtt_param.h"
#include "satm.h"

#define CZ_MTT_MAX_CLASSES 4096

struct cz_mtt {
    cz_mtt_config cfg; /* resolved */
    const cz_dataset *d;
    cz_match_source src; /* experts (MTT) or curves (BTM) */
    cz_backend *be;
    cz_model *m;
    cz_unroll *u;
    cz_satm *satm;       /* SATM outer step, or NULL */
    cz_dsa *dsa;         /* DSA of the unrolled steps (cfg.dsa ON), or NULL */
    cz_augment aug;      /* its hook, which the unroll borrows */
    cz_mtt_param param;  /* X's parameterisation (param.step set), or pixels */
    cz_real *start_buf, *target_buf; /* points drawn on a curve */
    const cz_cancel *u_cancel; /* the token u polls */
    size_t rows, features;
    cz_real *x, *x_buf, *grad_x, *cand_x, *cand_buf;
    int32_t *y;
    cz_real class_w[CZ_MTT_MAX_CLASSES];
    double lr, lr_buf;
    cz_rng rng;
    int64_t iteration, skipped, lr_halved;
    double *history;
    int64_t hist_cap;
    double grad_norm;        /* |dL/dX| of the last iteration (NaN if none); not state */
    cz_mtt_grad_fn grad_hook; /* observer of each iteration's dL/dX, or NULL; not state */
    void *grad_user;
    char last_skip[CZ_ERROR_TEXT];
    uint8_t data_digest[32], experts_digest[32]; /* experts_digest: the source's */
};

/* Fills the autos of c and checks every value against d and the source. */
cz_status cz_mtt_resolve_config(const cz_dataset *d, const cz_match_source *src,
                                const cz_backend *be, cz_mtt_config *c, cz_error *err);
/* Experts (curves) of d's shape, trained on d's training rows. */
cz_status cz_mtt_check_pairing(const cz_dataset *d, const cz_match_source *src, cz_error *err);
/* A run with everything allocated but X, y and the RNG unset. */
cz_status cz_mtt_alloc(const cz_dataset *d, const cz_match_source *src, const cz_mtt_config *cfg,
                       cz_backend *be, cz_mtt **out, cz_error *err);

#endif
