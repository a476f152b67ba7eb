/* HMAC-SHA256 signing and verification of Jupyter messages. The signature is
 * the lowercase hex HMAC over the exact bytes of the four dict frames
 * (header, parent_header, metadata, content), in that order.
 *
 * Verification checks the signature's length first, then compares in
 * constant time (sodium_memcmp), and runs before any JSON is parsed: the two
 * gaps found in xeus-zmq. The key lives in sodium_malloc memory, read-only
 * once set, wiped on free. An empty key disables signing (Jupyter's rule). */
#ifndef JUP_HMAC_H
#define JUP_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "frame.h"

#define JUP_DIGEST_BYTES 32
#define JUP_SIGNATURE_HEX 64   /* characters, without the terminating NUL */

typedef struct jup_hmac jup_hmac;

/* Copies len bytes of key (len 0: signing disabled). NULL with err filled
 * when libsodium cannot start or locked memory is not available. */
jup_hmac *jup_hmac_new(const void *key, size_t len, jup_error *err) JUP_WUR;

/* Wipes and frees; sets *h = NULL; accepts NULL. */
void jup_hmac_free(jup_hmac **h);

/* False when the key is empty: messages then carry an empty signature. */
bool jup_hmac_enabled(const jup_hmac *h);

/* Raw digest over the four parts (all zeros when signing is disabled). */
void jup_hmac_digest(const jup_hmac *h, const jup_frame parts[4], unsigned char out[JUP_DIGEST_BYTES]);

/* Lowercase hex signature into out (NUL-terminated); "" when disabled. */
void jup_hmac_sign_hex(const jup_hmac *h, const jup_frame parts[4], char out[JUP_SIGNATURE_HEX + 1]);

/* Checks a received signature frame against the four parts. JUP_EAUTH when
 * the frame is not exactly 64 characters or does not match. On success the
 * raw digest goes to digest_out (may be NULL), for the replay guard. With
 * signing disabled every signature is accepted and the digest is zeros. */
jup_status jup_hmac_verify(const jup_hmac *h, jup_frame signature, const jup_frame parts[4],
                           unsigned char digest_out[JUP_DIGEST_BYTES], jup_error *err) JUP_WUR;

#endif
