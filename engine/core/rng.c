/* xoshiro256** (Blackman and Vigna, public domain reference algorithm),
 * seeded and forked through SplitMix64. */
#include "rng.h"

#include <math.h>

uint64_t cz_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cz_rng_seed(cz_rng *rng, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = cz_splitmix64(&sm);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cz_rng_u64(cz_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

cz_rng cz_rng_fork(cz_rng *rng, uint64_t stream)
{
    cz_rng child;
    uint64_t base = cz_rng_u64(rng) ^ (stream * 0xd1342543de82ef95ULL);
    cz_rng_seed(&child, base);
    return child;
}

uint64_t cz_rng_below(cz_rng *rng, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased, one division at most. */
    uint64_t x = cz_rng_u64(rng);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            x = cz_rng_u64(rng);
            m = (__uint128_t)x * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double cz_rng_uniform(cz_rng *rng)
{
    return (double)(cz_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double cz_rng_normal(cz_rng *rng)
{
    double u1 = 1.0 - cz_rng_uniform(rng); /* (0, 1]: log is finite */
    double u2 = cz_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

void cz_rng_shuffle(cz_rng *rng, int64_t *idx, int64_t n)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)cz_rng_below(rng, (uint64_t)i + 1);
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

void cz_rng_permutation(cz_rng *rng, int64_t *idx, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        idx[i] = i;
    cz_rng_shuffle(rng, idx, n);
}
