#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cz.h"

Test(rng, splitmix64_reference_vector)
{
    /* Vigna's splitmix64.c from state 0: first outputs. */
    uint64_t s = 0;
    cr_assert_eq(cz_splitmix64(&s), 0xe220a8397b1dcdafULL);
    cr_assert_eq(cz_splitmix64(&s), 0x6e789e6aa1b965f4ULL);
    cr_assert_eq(cz_splitmix64(&s), 0x06c45d188009454fULL);
}

Test(rng, same_seed_same_stream_and_state_is_plain_data)
{
    cz_rng a, b;
    cz_rng_seed(&a, 42);
    cz_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(cz_rng_u64(&a), cz_rng_u64(&b));
    cz_rng snapshot = a;
    uint64_t next = cz_rng_u64(&a);
    cr_assert_eq(cz_rng_u64(&snapshot), next, "a copied state must continue identically");
    cz_rng c;
    cz_rng_seed(&c, 43);
    cr_assert_neq(cz_rng_u64(&c), cz_rng_u64(&b));
}

Test(rng, below_is_in_range_and_roughly_uniform)
{
    cz_rng r;
    cz_rng_seed(&r, 7);
    int counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        uint64_t v = cz_rng_below(&r, 6);
        cr_assert_lt(v, 6);
        counts[v]++;
    }
    for (int k = 0; k < 6; k++)
        cr_assert(counts[k] > 9500 && counts[k] < 10500, "bucket %d has %d of 60000", k, counts[k]);
}

Test(rng, uniform_and_normal_moments)
{
    cz_rng r;
    cz_rng_seed(&r, 1);
    double su = 0, sn = 0, sn2 = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = cz_rng_uniform(&r);
        cr_assert(u >= 0.0 && u < 1.0);
        su += u;
        double z = cz_rng_normal(&r);
        cr_assert(isfinite(z));
        sn += z;
        sn2 += z * z;
    }
    cr_assert_float_eq(su / n, 0.5, 0.005);
    cr_assert_float_eq(sn / n, 0.0, 0.01);
    cr_assert_float_eq(sn2 / n, 1.0, 0.02);
}

Test(rng, permutation_is_a_permutation)
{
    cz_rng r;
    cz_rng_seed(&r, 3);
    int64_t idx[257];
    int seen[257];
    cz_rng_permutation(&r, idx, 257);
    memset(seen, 0, sizeof seen);
    int moved = 0;
    for (int i = 0; i < 257; i++) {
        cr_assert(idx[i] >= 0 && idx[i] < 257);
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 257; i++)
        cr_assert_eq(seen[i], 1);
    cr_assert_gt(moved, 200, "a random permutation of 257 leaves few fixed points");
}

Test(rng, forks_are_independent_and_reproducible)
{
    cz_rng p1, p2;
    cz_rng_seed(&p1, 9);
    cz_rng_seed(&p2, 9);
    cz_rng a = cz_rng_fork(&p1, 0), b = cz_rng_fork(&p2, 0);
    cr_assert_eq(cz_rng_u64(&a), cz_rng_u64(&b));
    cz_rng c = cz_rng_fork(&p1, 1);
    cz_rng d = cz_rng_fork(&p2, 2);
    cr_assert_neq(cz_rng_u64(&c), cz_rng_u64(&d));
}
