/* Checkpoint keys: the passphrase in locked memory, Argon2id per (salt, cost)
 * with a small cache, and per-file subkeys split off with crypto_kdf. The
 * secret block is readable only while a call is using it (sodium_mprotect),
 * so a stray pointer elsewhere in the process faults instead of reading it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

#include "ckpt_impl.h"

/* Distinct files (salts) a key remembers; a session rarely reads more. */
#define CACHE_SLOTS 8
#define KDF_CONTEXT "CDZckpt1"
#define SUBKEY_CHECK 1
#define SUBKEY_STREAM 2

_Static_assert(sizeof KDF_CONTEXT - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(crypto_kdf_KEYBYTES == 32, "master key size");

typedef struct cache_entry {
    int used;
    uint8_t salt[CKPT_SALT_BYTES];
    uint64_t opslimit, memlimit;
    ckpt_subkeys keys;
} cache_entry;

typedef struct key_secrets {
    char pass[CKPT_PASSPHRASE_MAX + 2]; /* +2: room to see that a file is too long */
    size_t pass_len;
    uint8_t master[crypto_kdf_KEYBYTES]; /* scratch: Argon2id output, wiped after use */
    cache_entry cache[CACHE_SLOTS];
} key_secrets;

struct ckpt_key {
    key_secrets *secrets; /* sodium_malloc'd; no access between calls */
    ckpt_kdf save;
    ckpt_kdf max_load;
    uint8_t save_salt[CKPT_SALT_BYTES];
    int have_save_salt;
    unsigned next_slot;
    uint64_t derivations;
    char source[CZ_ERROR_TEXT];
};

ckpt_kdf ckpt_kdf_interactive(void)
{
    return (ckpt_kdf){crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                      crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

ckpt_kdf ckpt_kdf_sensitive(void)
{
    return (ckpt_kdf){crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE,
                      crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
}

ckpt_kdf ckpt_kdf_test(void)
{
    return (ckpt_kdf){crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

static int cost_in_range(ckpt_kdf c)
{
    return c.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN &&
           c.opslimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX &&
           c.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN &&
           c.memlimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX && c.memlimit <= SIZE_MAX;
}

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* A key with an empty, writable secret block; the caller fills the
 * passphrase and calls finish(). */
static ckpt_key *key_new(const ckpt_key_opts *opts, cz_error *err)
{
    if (sodium_init() < 0) {
        cz_error_set(err, CZ_EUNSUPPORTED, "check the libsodium installation",
                     "libsodium could not initialise");
        return NULL;
    }
    ckpt_kdf save = ckpt_kdf_interactive(), max_load = ckpt_kdf_sensitive();
    if (opts && (opts->save.opslimit || opts->save.memlimit))
        save = opts->save;
    if (opts && (opts->max_load.opslimit || opts->max_load.memlimit))
        max_load = opts->max_load;
    if (!cost_in_range(save) || !cost_in_range(max_load)) {
        cz_error_set(err, CZ_EINVAL, "use ckpt_kdf_interactive() or another preset",
                     "Argon2id cost out of range: save %llu passes / %llu bytes, load limit "
                     "%llu passes / %llu bytes",
                     (unsigned long long)save.opslimit, (unsigned long long)save.memlimit,
                     (unsigned long long)max_load.opslimit, (unsigned long long)max_load.memlimit);
        return NULL;
    }
    /* A key must always be able to read back what it writes. */
    max_load.opslimit = max_u64(max_load.opslimit, save.opslimit);
    max_load.memlimit = max_u64(max_load.memlimit, save.memlimit);

    ckpt_key *k = cz_calloc(1, sizeof *k);
    if (!k) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory creating a checkpoint key");
        return NULL;
    }
    k->secrets = sodium_malloc(sizeof *k->secrets);
    if (!k->secrets) {
        cz_free(k);
        cz_error_set(err, CZ_ENOMEM, "raise the locked-memory limit (ulimit -l)",
                     "could not allocate %zu bytes of locked memory for a checkpoint key",
                     sizeof(key_secrets));
        return NULL;
    }
    sodium_memzero(k->secrets, sizeof *k->secrets);
    k->save = save;
    k->max_load = max_load;
    return k;
}

/* Checks the passphrase the caller put in the block and locks the block. */
static ckpt_key *key_finish(ckpt_key *k, const char *what, cz_error *err)
{
    if (k->secrets->pass_len == 0) {
        cz_error_set(err, CZ_EINVAL, "use a non-empty passphrase", "%s is empty", what);
        ckpt_key_free(&k);
        return NULL;
    }
    if (k->secrets->pass_len > CKPT_PASSPHRASE_MAX) {
        cz_error_set(err, CZ_EINVAL, "use a shorter passphrase",
                     "%s is longer than %d bytes", what, CKPT_PASSPHRASE_MAX);
        ckpt_key_free(&k);
        return NULL;
    }
    snprintf(k->source, sizeof k->source, "%s", what);
    sodium_mprotect_noaccess(k->secrets);
    return k;
}

ckpt_key *ckpt_key_from_passphrase(const char *pass, size_t len, const ckpt_key_opts *opts,
                                   cz_error *err)
{
    if (!pass && len) {
        cz_error_set(err, CZ_EINVAL, NULL, "passphrase is NULL with length %zu", len);
        return NULL;
    }
    if (len > CKPT_PASSPHRASE_MAX) {
        cz_error_set(err, CZ_EINVAL, "use a shorter passphrase",
                     "the passphrase is %zu bytes, longer than %d", len, CKPT_PASSPHRASE_MAX);
        return NULL;
    }
    ckpt_key *k = key_new(opts, err);
    if (!k)
        return NULL;
    if (len)
        memcpy(k->secrets->pass, pass, len);
    k->secrets->pass_len = len;
    return key_finish(k, "passphrase", err);
}

ckpt_key *ckpt_key_from_prompt(ckpt_passphrase_fn ask, void *user, const ckpt_key_opts *opts,
                               cz_error *err)
{
    if (!ask) {
        cz_error_set(err, CZ_EINVAL, NULL, "no passphrase callback given");
        return NULL;
    }
    ckpt_key *k = key_new(opts, err);
    if (!k)
        return NULL;
    size_t len = 0;
    cz_status s = ask(user, k->secrets->pass, CKPT_PASSPHRASE_MAX, &len, err);
    if (s != CZ_OK) {
        ckpt_key_free(&k);
        return NULL;
    }
    k->secrets->pass_len = len;
    return key_finish(k, "passphrase", err);
}

ckpt_key *ckpt_key_from_env(const char *name, const ckpt_key_opts *opts, cz_error *err)
{
    if (!name || !*name) {
        cz_error_set(err, CZ_EINVAL, "pass {env = \"NAME\"}", "no environment variable named");
        return NULL;
    }
    const char *value = getenv(name);
    if (!value) {
        cz_error_set(err, CZ_EINVAL,
                     "export it before starting Jupyter, or call dc.key() to type the passphrase",
                     "environment variable %s is not set", name);
        return NULL;
    }
    size_t len = strlen(value);
    if (len > CKPT_PASSPHRASE_MAX) {
        cz_error_set(err, CZ_EINVAL, "use a shorter passphrase",
                     "environment variable %s holds %zu bytes, more than %d", name, len,
                     CKPT_PASSPHRASE_MAX);
        return NULL;
    }
    ckpt_key *k = key_new(opts, err);
    if (!k)
        return NULL;
    memcpy(k->secrets->pass, value, len);
    k->secrets->pass_len = len;
    char what[CZ_ERROR_TEXT];
    snprintf(what, sizeof what, "environment variable %.200s", name);
    return key_finish(k, what, err);
}

/* Refuses a key file others could read or that is not the caller's own. */
static cz_status check_key_file(int fd, const char *path, cz_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return cz_error_set(err, CZ_EIO, NULL, "cannot stat key file %s: %s", path,
                            strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cz_error_set(err, CZ_EINVAL, "point {file = ...} at a regular file",
                            "key file %s is not a regular file", path);
    if (st.st_uid != geteuid())
        return cz_error_set(err, CZ_EINVAL, "use a key file you own, with chmod 600",
                            "key file %s belongs to uid %ld, not to you (uid %ld)", path,
                            (long)st.st_uid, (long)geteuid());
    if (st.st_mode & 077) {
        char hint[CZ_ERROR_TEXT];
        snprintf(hint, sizeof hint, "chmod 600 %.200s", path);
        return cz_error_set(err, CZ_EINVAL, hint,
                            "key file %s has mode %04o: other users may read it, so it is "
                            "refused",
                            path, (unsigned)(st.st_mode & 07777));
    }
    return CZ_OK;
}

ckpt_key *ckpt_key_from_file(const char *path, const ckpt_key_opts *opts, cz_error *err)
{
    if (!path || !*path) {
        cz_error_set(err, CZ_EINVAL, "pass {file = \"path\"}", "no key file named");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        cz_error_set(err, CZ_EIO, "check the path to the key file", "cannot open key file %s: %s",
                     path, strerror(errno));
        return NULL;
    }
    ckpt_key *k = NULL;
    if (check_key_file(fd, path, err) != CZ_OK)
        goto fail;
    k = key_new(opts, err);
    if (!k)
        goto fail;
    /* read() straight into locked memory: no stdio buffer keeps a copy. */
    key_secrets *s = k->secrets;
    size_t got = 0;
    while (got < sizeof s->pass) {
        ssize_t r = read(fd, s->pass + got, sizeof s->pass - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            cz_error_set(err, CZ_EIO, NULL, "cannot read key file %s: %s", path,
                         strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    fd = -1;
    /* Editors end files with a newline; it is not part of the passphrase. */
    if (got > 0 && s->pass[got - 1] == '\n')
        got--;
    if (got > 0 && s->pass[got - 1] == '\r')
        got--;
    s->pass_len = got;
    char what[CZ_ERROR_TEXT];
    snprintf(what, sizeof what, "key file %.200s", path);
    return key_finish(k, what, err);

fail:
    if (fd >= 0)
        close(fd);
    ckpt_key_free(&k);
    return NULL;
}

void ckpt_key_free(ckpt_key **key)
{
    if (!key || !*key)
        return;
    ckpt_key *k = *key;
    sodium_free(k->secrets); /* makes the block writable, wipes it, unmaps it */
    sodium_memzero(k, sizeof *k);
    cz_free(k);
    *key = NULL;
}

const char *ckpt_key_source(const ckpt_key *key)
{
    return key ? key->source : "no key";
}

const void *ckpt_key_secret_block(const ckpt_key *key)
{
    return key ? key->secrets : NULL;
}

uint64_t ckpt_key_derivations(const ckpt_key *key)
{
    return key ? key->derivations : 0;
}

cz_status ckpt_key_save_params(ckpt_key *key, uint8_t salt[CKPT_SALT_BYTES], ckpt_kdf *cost,
                               cz_error *err)
{
    if (!key)
        return cz_error_set(err, CZ_EINVAL, "set a key first with dc.key()",
                            "no checkpoint key given");
    if (!key->have_save_salt) {
        randombytes_buf(key->save_salt, sizeof key->save_salt);
        key->have_save_salt = 1;
    }
    memcpy(salt, key->save_salt, CKPT_SALT_BYTES);
    *cost = key->save;
    return CZ_OK;
}

static cz_status check_cost(const ckpt_key *key, ckpt_kdf cost, const char *path, cz_error *err)
{
    if (cost.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        cost.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
        return cz_error_set(err, CZ_EFORMAT,
                            "the header is damaged; load the .prev autosave or another copy",
                            "%s has a malformed header: Argon2id cost %llu passes / %llu bytes "
                            "is below libsodium's minimum",
                            path, (unsigned long long)cost.opslimit,
                            (unsigned long long)cost.memlimit);
    if (cost.opslimit > key->max_load.opslimit || cost.memlimit > key->max_load.memlimit)
        return cz_error_set(err, CZ_EUNSUPPORTED,
                            "if you trust the file, raise max_load in the key options",
                            "%s asks for Argon2id with %llu passes and %llu KiB, above this "
                            "key's limit of %llu passes and %llu KiB",
                            path, (unsigned long long)cost.opslimit,
                            (unsigned long long)(cost.memlimit / 1024),
                            (unsigned long long)key->max_load.opslimit,
                            (unsigned long long)(key->max_load.memlimit / 1024));
    return CZ_OK;
}

cz_status ckpt_key_subkeys(ckpt_key *key, const uint8_t salt[CKPT_SALT_BYTES], ckpt_kdf cost,
                           ckpt_subkeys *out, const char *path, cz_error *err)
{
    if (!key)
        return cz_error_set(err, CZ_EINVAL, "set a key first with dc.key()",
                            "no checkpoint key given");
    cz_status st = check_cost(key, cost, path, err);
    if (st != CZ_OK)
        return st;
    key_secrets *s = key->secrets;
    sodium_mprotect_readwrite(s);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_entry *e = &s->cache[i];
        if (e->used && e->opslimit == cost.opslimit && e->memlimit == cost.memlimit &&
            sodium_memcmp(e->salt, salt, CKPT_SALT_BYTES) == 0) {
            memcpy(out, &e->keys, sizeof *out);
            sodium_mprotect_noaccess(s);
            return CZ_OK;
        }
    }
    if (crypto_pwhash(s->master, sizeof s->master, s->pass, s->pass_len, salt, cost.opslimit,
                      (size_t)cost.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(s->master, sizeof s->master);
        sodium_mprotect_noaccess(s);
        return cz_error_set(err, CZ_ENOMEM, "free memory and try again",
                            "Argon2id could not get %llu KiB of memory to derive the key for %s",
                            (unsigned long long)(cost.memlimit / 1024), path);
    }
    key->derivations++;
    cache_entry *e = &s->cache[key->next_slot];
    key->next_slot = (key->next_slot + 1) % CACHE_SLOTS;
    e->used = 1;
    memcpy(e->salt, salt, CKPT_SALT_BYTES);
    e->opslimit = cost.opslimit;
    e->memlimit = cost.memlimit;
    crypto_kdf_derive_from_key(e->keys.check, sizeof e->keys.check, SUBKEY_CHECK, KDF_CONTEXT,
                               s->master);
    crypto_kdf_derive_from_key(e->keys.stream, sizeof e->keys.stream, SUBKEY_STREAM, KDF_CONTEXT,
                               s->master);
    sodium_memzero(s->master, sizeof s->master);
    memcpy(out, &e->keys, sizeof *out);
    sodium_mprotect_noaccess(s);
    return CZ_OK;
}

ckpt_secret *ckpt_secret_new(cz_error *err)
{
    if (sodium_init() < 0) {
        cz_error_set(err, CZ_EUNSUPPORTED, "check the libsodium installation",
                     "libsodium could not initialise");
        return NULL;
    }
    ckpt_secret *s = sodium_malloc(sizeof *s);
    if (!s) {
        cz_error_set(err, CZ_ENOMEM, "raise the locked-memory limit (ulimit -l)",
                     "could not allocate %zu bytes of locked memory", sizeof(ckpt_secret));
        return NULL;
    }
    sodium_memzero(s, sizeof *s);
    return s;
}

void ckpt_secret_free(ckpt_secret **secret)
{
    if (!secret || !*secret)
        return;
    sodium_free(*secret);
    *secret = NULL;
}
