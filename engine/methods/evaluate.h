/* The evaluation protocol (MTT's evaluate_synset, with clinical metrics):
 * train K fresh models of each architecture on a training set (a synthetic
 * set, or the full real training split for the upper bound) with SGD
 * (momentum 0.9, weight decay 5e-4, batch 256, lr x0.1 at half the epochs),
 * then report AUROC, AUPRC, balanced accuracy and accuracy on the real TEST
 * split (the validation split when tuning): mean and (population) standard deviation over the K models, per
 * architecture. A model that diverges (non-finite predictions) is scored as
 * a constant predictor and counted. */
#ifndef CZ_EVALUATE_H
#define CZ_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "../augment/dsa.h"
#include "../backend/backend.h"
#include "../core/bytes.h"
#include "../core/cancel.h"
#include "../core/progress.h"
#include "../core/status.h"
#include "../data/dataset.h"
#include "../eval/metrics.h"
#include "../nn/model.h"
#include "synthetic.h"

#define CZ_EVAL_MAX_ARCHS 16
#define CZ_EVAL_NAME 32

typedef struct cz_eval_opts {
    int models;                 /* K (5) */
    const cz_model_spec *archs; /* arch_count specs (input shape and classes are taken from
                                   the dataset), or NULL: the dataset's default model */
    int arch_count;
    int epochs;                 /* 0 = auto: 300 on a synthetic set, 100 on the real split */
    double lr;                  /* <= 0 = auto: the synthetic set's rate; 0.01 on the real split */
    double momentum;            /* 0.9 */
    double weight_decay;        /* 5e-4 */
    int batch;                  /* 256 */
    uint64_t seed;              /* model k of architecture a uses stream (a, k) of this seed */
    cz_dsa_use dsa;             /* DSA on the training minibatches (AUTO: on for images on
                                   the cpu backend, as MTT's evaluate_synset) */
    cz_split score_split;       /* CZ_TEST (the protocol); CZ_VAL to select settings */
    cz_progress_fn progress;    /* after every trained model (phase "evaluate"), or NULL */
    void *progress_user;
    const cz_cancel *cancel;    /* polled between models */
} cz_eval_opts;

typedef struct cz_eval_arch {
    char name[CZ_EVAL_NAME];    /* "mlp", "convnet", ... */
    cz_model_spec spec;
    int models, diverged;
    cz_metrics mean, std;
    cz_metrics *per_model;      /* models entries */
} cz_eval_arch;

typedef struct cz_eval_result {
    char trained_on[CZ_EVAL_NAME]; /* "real" or the synthetic method, e.g. "mtt" */
    size_t train_rows;
    double lr;
    int epochs;
    uint64_t seed;
    int dsa;                    /* 1 when the models trained with DSA */
    int arch_count;
    cz_eval_arch *by_arch;
} cz_eval_result;

cz_eval_opts cz_eval_opts_default(void);

/* Trains on synthetic set s, tests on d's test split. */
cz_status cz_evaluate_synthetic(const cz_synthetic *s, const cz_dataset *d,
                                const cz_eval_opts *opts, cz_backend *be, cz_eval_result **out,
                                cz_error *err) CZ_WUR;
/* Trains on d's whole training split (the upper bound), tests on its test split. */
cz_status cz_evaluate_real(const cz_dataset *d, const cz_eval_opts *opts, cz_backend *be,
                           cz_eval_result **out, cz_error *err) CZ_WUR;

/* Frees r and sets *r = NULL; accepts NULL. */
void cz_eval_result_free(cz_eval_result **r);

/* Canonical encoding (core/bytes.h) and its SHA-256. */
cz_status cz_eval_result_serialize(const cz_eval_result *r, cz_bytes *out, cz_error *err) CZ_WUR;
cz_status cz_eval_result_deserialize(cz_reader *rd, cz_eval_result **out, cz_error *err) CZ_WUR;
cz_status cz_eval_result_digest(const cz_eval_result *r, uint8_t out[32], cz_error *err) CZ_WUR;

#endif
