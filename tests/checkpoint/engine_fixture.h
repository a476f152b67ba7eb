/* Small real engine objects for the checkpoint tests: pima with its
 * cz-split-v1 split, a few short experts, their Bézier curves, and the small
 * run configuration the resume tests share. Built once per test process. */
#ifndef CKPT_ENGINE_FIXTURE_H
#define CKPT_ENGINE_FIXTURE_H

#include "ckpt.h"

typedef struct engine_fixture {
    cz_dataset *data;
    cz_experts *experts;
    cz_surrogate *curves;
} engine_fixture;

/* Loads pima, trains 2 experts of 6 epochs, fits their curves (asserting). */
void engine_fixture_make(engine_fixture *f);
void engine_fixture_free(engine_fixture *f);

/* ipc 3, syn_steps 5, expert_epochs 2, `iterations` planned, seed 7. */
cz_mtt_config small_run_config(cz_mtt_config base, int64_t iterations);

/* A new run on the fixture's experts (curves when `curves`), asserting. */
cz_mtt *small_run(const engine_fixture *f, const cz_mtt_config *c, int curves);

/* Asserts equal X (memcmp), labels, learned rate (bitwise) and history. */
void assert_runs_equal(const cz_mtt *a, const cz_mtt *b);

#endif
