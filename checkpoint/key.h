/* Checkpoint keys: a passphrase (handed in, read from an environment variable
 * or from a 0600 key file) turned into file keys with Argon2id
 * (crypto_pwhash). The passphrase and every derived key live in one
 * sodium_malloc'd block (guard pages, mlock'd, no access between calls) and
 * are wiped when the key is freed. Nothing here prints, logs or puts a secret
 * in a cz_error. Asking the user is the kernel's job: it hands in the
 * passphrase or a callback that fills it.
 *
 * Derived keys are cached per (salt, cost), so loading the same file twice,
 * or saving again and again (autosave), runs Argon2id once. A key object picks
 * one random salt the first time it saves and uses it for every later save;
 * each file still gets its own random stream nonce (docs/checkpoint-format.md).
 * A ckpt_key is not thread-safe: use one per thread or lock around it. */
#ifndef CKPT_KEY_H
#define CKPT_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct ckpt_key ckpt_key;

/* Argon2id cost: passes and memory in bytes. */
typedef struct ckpt_kdf {
    uint64_t opslimit;
    uint64_t memlimit;
} ckpt_kdf;

/* crypto_pwhash_*_INTERACTIVE (2 passes, 64 MiB): the default for saves. */
ckpt_kdf ckpt_kdf_interactive(void);
/* crypto_pwhash_*_SENSITIVE (4 passes, 1 GiB): the default load limit. */
ckpt_kdf ckpt_kdf_sensitive(void);
/* crypto_pwhash_*_MIN (1 pass, 8 KiB): for tests and fuzzing only. A file
 * written with it is only as strong as its passphrase. */
ckpt_kdf ckpt_kdf_test(void);

typedef struct ckpt_key_opts {
    ckpt_kdf save;     /* cost for new files; {0, 0}: interactive */
    ckpt_kdf max_load; /* the most a file's header may ask for; {0, 0}: sensitive.
                        * Bounds the work a hostile header can demand. */
} ckpt_key_opts;

/* Longest passphrase accepted, in bytes. */
#define CKPT_PASSPHRASE_MAX 1024

/* Copies `len` bytes of `pass` (1..CKPT_PASSPHRASE_MAX) into locked memory.
 * The caller still owns (and should wipe) its own copy. opts may be NULL.
 * Returns an owned key (ckpt_key_free), or NULL with err filled. */
ckpt_key *ckpt_key_from_passphrase(const char *pass, size_t len, const ckpt_key_opts *opts,
                                   cz_error *err);

/* Fills buf (cap bytes, locked memory owned by the checkpoint layer) with a
 * passphrase and sets *len. Return CZ_OK, or a status with err filled (for
 * example CZ_EINTERRUPTED when the user cancelled the prompt). */
typedef cz_status (*ckpt_passphrase_fn)(void *user, char *buf, size_t cap, size_t *len,
                                        cz_error *err);

/* Asks `ask` for the passphrase, straight into locked memory. */
ckpt_key *ckpt_key_from_prompt(ckpt_passphrase_fn ask, void *user, const ckpt_key_opts *opts,
                               cz_error *err);

/* The passphrase is the value of environment variable `name`. */
ckpt_key *ckpt_key_from_env(const char *name, const ckpt_key_opts *opts, cz_error *err);

/* The passphrase is the content of the file at `path` (one trailing newline
 * dropped). The file must be a regular file owned by the caller with no
 * group or other permission bits (mode 0600 or 0400); anything else is
 * refused with CZ_EINVAL and the hint "chmod 600 PATH". */
ckpt_key *ckpt_key_from_file(const char *path, const ckpt_key_opts *opts, cz_error *err);

/* Wipes and frees the key, sets *key to NULL. NULL and *key == NULL are fine. */
void ckpt_key_free(ckpt_key **key);

/* Where the key came from, for display: "passphrase", "environment variable
 * NAME", "key file PATH". Never the secret. Borrowed from the key. */
const char *ckpt_key_source(const ckpt_key *key);

/* How many times Argon2id has run for this key (cache misses). */
uint64_t ckpt_key_derivations(const ckpt_key *key);

#endif
