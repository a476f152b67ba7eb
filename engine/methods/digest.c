/* Object digests (digest.h). */
#include "digest.h"

#include "../core/sha256.h"

cz_status cz_digest_finish(cz_bytes *b, cz_status st, uint8_t out[32])
{
    if (st == CZ_OK) {
        cz_sha256 h;
        cz_sha256_init(&h);
        cz_sha256_update(&h, b->data, b->len);
        cz_sha256_final(&h, out);
    }
    cz_bytes_free(b);
    return st;
}
