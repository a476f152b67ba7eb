/* The digest of an engine object: SHA-256 of its canonical encoding. Internal
 * to engine/methods. */
#ifndef CZ_METHODS_DIGEST_H
#define CZ_METHODS_DIGEST_H

#include <stdint.h>

#include "../core/bytes.h"
#include "../core/status.h"

/* Ends a digest: when st is CZ_OK, out = SHA-256 of b's bytes; frees b and
 * returns st. Usage: cz_bytes b = {0};
 *   return cz_digest_finish(&b, cz_thing_serialize(t, &b, err), out); */
cz_status cz_digest_finish(cz_bytes *b, cz_status st, uint8_t out[32]);

#endif
