/* Replay guard: a digest seen twice is caught; memory stays bounded while the
 * most recent capacity/2 digests are always remembered. */
#include <criterion/criterion.h>
#include <string.h>

#include "jup.h"

static void digest_of(unsigned i, unsigned char d[JUP_DIGEST_BYTES])
{
    /* Spread the index over the hashed bytes like a real HMAC would. */
    memset(d, 0, JUP_DIGEST_BYTES);
    unsigned x = i * 2654435761u + 12345u;
    for (int k = 0; k < 16; k++) {
        d[k] = (unsigned char)(x >> ((k % 4) * 8));
        x = x * 1103515245u + 12345u;
    }
}

Test(replay, second_sighting_is_caught)
{
    jup_replay *r = jup_replay_new(64, NULL);
    cr_assert_not_null(r);
    unsigned char a[JUP_DIGEST_BYTES], b[JUP_DIGEST_BYTES];
    digest_of(1, a);
    digest_of(2, b);
    cr_expect_not(jup_replay_seen(r, a));
    cr_expect_not(jup_replay_seen(r, b));
    cr_expect(jup_replay_seen(r, a));
    cr_expect(jup_replay_seen(r, b));
    cr_expect_eq(jup_replay_count(r), 2);
    jup_replay_free(&r);
    cr_expect_null(r);
}

Test(replay, bounded_and_keeps_the_recent_half)
{
    const unsigned cap = 64, total = 1000;
    jup_replay *r = jup_replay_new(cap, NULL);
    unsigned char d[JUP_DIGEST_BYTES];
    for (unsigned i = 0; i < total; i++) {
        digest_of(i, d);
        cr_assert_not(jup_replay_seen(r, d), "fresh digest %u reported as seen", i);
        cr_assert_leq(jup_replay_count(r), cap, "holds %zu > %u", jup_replay_count(r), cap);
    }
    for (unsigned i = total - cap / 2; i < total; i++) {
        digest_of(i, d);
        cr_expect(jup_replay_seen(r, d), "recent digest %u forgotten", i);
    }
    digest_of(0, d);
    cr_expect_not(jup_replay_seen(r, d), "the oldest digest should have been forgotten");
    jup_replay_free(&r);
}

Test(replay, tiny_capacity_is_refused)
{
    jup_error err;
    cr_expect_null(jup_replay_new(1, &err));
    cr_expect_eq(err.code, JUP_EINVAL);
}
