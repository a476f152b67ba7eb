/* SHA-256 (FIPS 180-4) for the `digest` of engine objects: the hex hash of an
 * object's canonical bytes (bytes.h), so a user can check that what they
 * loaded is what they saved. The engine links no crypto library; this is a
 * plain, small implementation, not used for secrets. */
#ifndef CZ_SHA256_H
#define CZ_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct cz_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t fill;
} cz_sha256;

void cz_sha256_init(cz_sha256 *s);
void cz_sha256_update(cz_sha256 *s, const void *data, size_t n);
void cz_sha256_final(cz_sha256 *s, uint8_t out[32]);
/* One call: 64 lowercase hex characters and a NUL into hex[65]. */
void cz_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
