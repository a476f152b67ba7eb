/* Two-generation hash sets of truncated digests; see replay.h.
 * Keys are the first 16 bytes of an HMAC-SHA256 output: uniformly random, so
 * the first 8 bytes serve as the hash, and a false "seen" needs a 2^-128
 * collision. */
#include "replay.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BYTES 16

typedef struct gen {
    unsigned char *keys;   /* slots * KEY_BYTES */
    unsigned char *used;   /* slots flags */
    size_t count;
} gen;

struct jup_replay {
    size_t slots;      /* per generation, power of two */
    size_t per_gen;    /* entries a generation holds before it rotates */
    gen g[2];          /* g[0] current, g[1] older */
};

static bool gen_alloc(gen *g, size_t slots)
{
    g->keys = calloc(slots, KEY_BYTES);
    g->used = calloc(slots, 1);
    g->count = 0;
    return g->keys && g->used;
}

static void gen_release(gen *g)
{
    free(g->keys);
    free(g->used);
    g->keys = g->used = NULL;
    g->count = 0;
}

jup_replay *jup_replay_new(size_t capacity, jup_error *err)
{
    if (capacity < 2) {
        jup_error_set(err, JUP_EINVAL, "use at least 2", "replay capacity %zu is too small", capacity);
        return NULL;
    }
    size_t per_gen = (capacity + 1) / 2, slots = 1;
    while (slots < 2 * per_gen)   /* load factor at most 1/2 keeps probes short */
        slots <<= 1;
    jup_replay *r = calloc(1, sizeof *r);
    if (!r || !gen_alloc(&r->g[0], slots) || !gen_alloc(&r->g[1], slots)) {
        jup_replay_free(&r);
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory for a replay guard of %zu entries", capacity);
        return NULL;
    }
    r->slots = slots;
    r->per_gen = per_gen;
    return r;
}

void jup_replay_free(jup_replay **r)
{
    if (!r || !*r)
        return;
    gen_release(&(*r)->g[0]);
    gen_release(&(*r)->g[1]);
    free(*r);
    *r = NULL;
}

static size_t home_slot(const unsigned char *key, size_t slots)
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    return (size_t)(h & (slots - 1));
}

static bool gen_contains(const gen *g, const unsigned char *key, size_t slots)
{
    for (size_t i = home_slot(key, slots), n = 0; n < slots; i = (i + 1) & (slots - 1), n++) {
        if (!g->used[i])
            return false;
        if (memcmp(g->keys + i * KEY_BYTES, key, KEY_BYTES) == 0)
            return true;
    }
    return false;
}

static void gen_insert(gen *g, const unsigned char *key, size_t slots)
{
    size_t i = home_slot(key, slots);
    while (g->used[i])
        i = (i + 1) & (slots - 1);
    memcpy(g->keys + i * KEY_BYTES, key, KEY_BYTES);
    g->used[i] = 1;
    g->count++;
}

bool jup_replay_seen(jup_replay *r, const unsigned char digest[JUP_DIGEST_BYTES])
{
    if (gen_contains(&r->g[0], digest, r->slots) || gen_contains(&r->g[1], digest, r->slots))
        return true;
    if (r->g[0].count == r->per_gen) {
        /* Rotate: forget the older generation, reuse its memory as the new current. */
        gen old = r->g[1];
        memset(old.used, 0, r->slots);
        old.count = 0;
        r->g[1] = r->g[0];
        r->g[0] = old;
    }
    gen_insert(&r->g[0], digest, r->slots);
    return false;
}

size_t jup_replay_count(const jup_replay *r)
{
    return r->g[0].count + r->g[1].count;
}
