/* Replay guard: remembers the digests of recently accepted messages and
 * reports one seen before, so a captured, correctly signed request sent a
 * second time is dropped (jupyter_client's Session keeps the last 2^16
 * signatures for the same reason).
 *
 * Bounded memory: two generations of fixed-size hash sets. New digests go to
 * the current set; when it holds capacity/2 entries the older set is dropped
 * and the current one becomes the older. So the last capacity/2 digests are
 * always remembered, and never more than capacity. Not thread-safe: the
 * session that owns it locks around calls. */
#ifndef JUP_REPLAY_H
#define JUP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "hmac.h"

typedef struct jup_replay jup_replay;

#define JUP_REPLAY_DEFAULT_CAPACITY 65536

/* capacity >= 2 (rounded up to a power of two). NULL with err on failure. */
jup_replay *jup_replay_new(size_t capacity, jup_error *err) JUP_WUR;
void jup_replay_free(jup_replay **r);

/* True when digest was seen (recently) before. Otherwise records it and
 * returns false. */
bool jup_replay_seen(jup_replay *r, const unsigned char digest[JUP_DIGEST_BYTES]);

/* Digests currently remembered (for tests). */
size_t jup_replay_count(const jup_replay *r);

#endif
