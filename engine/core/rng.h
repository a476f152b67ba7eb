/* Explicit, serialisable random state: xoshiro256** seeded through SplitMix64.
 * No globals: every consumer holds its own cz_rng, so a run's randomness is
 * part of its saved state and resumes bit for bit. The struct is plain data
 * (copy it to snapshot, memcmp it to compare, write its words to save). */
#ifndef CZ_RNG_H
#define CZ_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cz_rng {
    uint64_t s[4];
} cz_rng;

/* Seeds from one 64-bit value (any value, 0 included). */
void cz_rng_seed(cz_rng *rng, uint64_t seed);
/* An independent stream derived from rng and a stream id (rng advances by one). */
cz_rng cz_rng_fork(cz_rng *rng, uint64_t stream);

uint64_t cz_rng_u64(cz_rng *rng);
/* Uniform integer in [0, n), unbiased (Lemire). n must be > 0. */
uint64_t cz_rng_below(cz_rng *rng, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double cz_rng_uniform(cz_rng *rng);
/* Standard normal (Box-Muller; one value per call, no hidden cache). */
double cz_rng_normal(cz_rng *rng);
/* Fills idx with a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void cz_rng_permutation(cz_rng *rng, int64_t *idx, int64_t n);
/* Shuffles idx in place (Fisher-Yates). */
void cz_rng_shuffle(cz_rng *rng, int64_t *idx, int64_t n);

/* SplitMix64 step, exposed because the dataset split protocol (cz-split-v1)
 * is defined on it. */
uint64_t cz_splitmix64(uint64_t *state);

#endif
