/* HMAC-SHA256 over libsodium's streaming API, which takes keys of any
 * length (the one-shot crypto_auth_hmacsha256 wants exactly 32 bytes, and
 * Jupyter keys are not). See hmac.h. */
#include "hmac.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct jup_hmac {
    unsigned char *key;   /* sodium_malloc; NULL when signing is disabled */
    size_t len;
};

jup_hmac *jup_hmac_new(const void *key, size_t len, jup_error *err)
{
    if (sodium_init() < 0) {
        jup_error_set(err, JUP_EINVAL, NULL, "libsodium failed to initialise");
        return NULL;
    }
    jup_hmac *h = calloc(1, sizeof *h);
    if (!h) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory for the HMAC context");
        return NULL;
    }
    if (len > 0) {
        h->key = sodium_malloc(len);
        if (!h->key) {
            free(h);
            jup_error_set(err, JUP_ENOMEM, "raise the locked-memory limit (ulimit -l)",
                          "cannot allocate %zu bytes of guarded memory for the HMAC key", len);
            return NULL;
        }
        memcpy(h->key, key, len);
        h->len = len;
        sodium_mprotect_readonly(h->key);
    }
    return h;
}

void jup_hmac_free(jup_hmac **h)
{
    if (!h || !*h)
        return;
    if ((*h)->key)
        sodium_free((*h)->key);
    free(*h);
    *h = NULL;
}

bool jup_hmac_enabled(const jup_hmac *h)
{
    return h && h->len > 0;
}

void jup_hmac_digest(const jup_hmac *h, const jup_frame parts[4], unsigned char out[JUP_DIGEST_BYTES])
{
    if (!jup_hmac_enabled(h)) {
        memset(out, 0, JUP_DIGEST_BYTES);
        return;
    }
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, h->key, h->len);
    for (int i = 0; i < 4; i++)
        crypto_auth_hmacsha256_update(&st, parts[i].data, parts[i].len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);   /* the state holds key-derived pads */
}

void jup_hmac_sign_hex(const jup_hmac *h, const jup_frame parts[4], char out[JUP_SIGNATURE_HEX + 1])
{
    if (!jup_hmac_enabled(h)) {
        out[0] = '\0';
        return;
    }
    unsigned char d[JUP_DIGEST_BYTES];
    jup_hmac_digest(h, parts, d);
    sodium_bin2hex(out, JUP_SIGNATURE_HEX + 1, d, sizeof d);
}

jup_status jup_hmac_verify(const jup_hmac *h, jup_frame signature, const jup_frame parts[4],
                           unsigned char digest_out[JUP_DIGEST_BYTES], jup_error *err)
{
    unsigned char d[JUP_DIGEST_BYTES];
    if (!jup_hmac_enabled(h)) {
        if (digest_out)
            memset(digest_out, 0, JUP_DIGEST_BYTES);
        return JUP_OK;
    }
    /* Length first: comparing 64 bytes of a shorter frame would over-read. */
    if (signature.len != JUP_SIGNATURE_HEX)
        return jup_error_set(err, JUP_EAUTH, "the client must sign with the connection file's key",
                             "signature is %zu bytes, expected %d hex characters (hmac-sha256)",
                             signature.len, JUP_SIGNATURE_HEX);
    char expected[JUP_SIGNATURE_HEX + 1];
    jup_hmac_digest(h, parts, d);
    sodium_bin2hex(expected, sizeof expected, d, sizeof d);
    int differs = sodium_memcmp(expected, signature.data, JUP_SIGNATURE_HEX);
    sodium_memzero(expected, sizeof expected);
    if (differs) {
        sodium_memzero(d, sizeof d);
        return jup_error_set(err, JUP_EAUTH, "the client must sign with the connection file's key",
                             "signature does not match the message");
    }
    if (digest_out)
        memcpy(digest_out, d, JUP_DIGEST_BYTES);
    return JUP_OK;
}
