/* Condensa checkpoints: the public header of the checkpoint layer. A
 * checkpoint is one encrypted, authenticated file holding a list of named,
 * typed records whose payloads are opaque bytes (engine objects serialise
 * themselves with core/bytes.h). Saving is atomic: the path holds either the
 * previous file or the new one, never a mix, and nothing reaches the disk in
 * plaintext. This layer knows the engine's status and allocation types and
 * libsodium, nothing of the kernel, Jupyter or Lua. The byte layout and the
 * threat model are in docs/checkpoint-format.md.
 *
 * Errors (cz_error filled, message naming the path):
 *   CZ_EAUTH        wrong key, or the file was altered after it was written
 *   CZ_EFORMAT      not a Condensa checkpoint, truncated, or malformed
 *   CZ_EUNSUPPORTED written by a newer format version, or a key cost above
 *                   the limit the key allows
 *   CZ_EIO          the file could not be read or written (errno text)
 *   CZ_EINVAL       bad arguments (record names, types, options)
 *   CZ_ENOMEM       out of memory (including Argon2id's working memory) */
#ifndef CKPT_H
#define CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#include "autosave.h"
#include "format.h"
#include "io.h"
#include "key.h"
#include "ckpt_objects.h"
#include "record.h"
#include "run.h"

typedef struct ckpt_save_opts {
    const ckpt_io *io;  /* NULL: ckpt_io_posix() */
    size_t frame_bytes; /* plaintext per frame, CKPT_FRAME_MIN..MAX; 0: default */
    /* Nonzero: the file being replaced is kept as PATH.prev (hard link, then
     * rename), so a crash at any point leaves a loadable PATH or PATH.prev. */
    int keep_prev;
} ckpt_save_opts;

/* Writes `count` records (borrowed) to `path`, encrypted under `key`, through
 * a temporary file in the same folder (mode 0600), fsync, rename, fsync of
 * the folder. On failure the temporary file is removed and `path` is as it
 * was. Names must be unique, 1..CKPT_NAME_MAX bytes; types are ckpt_type
 * tags; a payload may be empty (data NULL, size 0). opts may be NULL. The key
 * is updated (its cache of derived keys), hence not const. */
cz_status ckpt_save(const char *path, ckpt_key *key, const ckpt_record *records, size_t count,
                    const ckpt_save_opts *opts, cz_error *err) CZ_WUR;

/* Reads, authenticates and decrypts the file at `path`. Returns an owned
 * record list (ckpt_records_free), or NULL with err filled. The wrong key is
 * reported as such before any decryption. io may be NULL (POSIX). */
ckpt_records *ckpt_load(const char *path, ckpt_key *key, const ckpt_io *io, cz_error *err);

/* What the public header of a file says; needs no key. */
typedef struct ckpt_info {
    uint32_t version;
    const char *kdf;         /* "argon2id" (static string) */
    uint64_t opslimit;
    uint64_t memlimit;
    uint8_t salt[CKPT_SALT_BYTES];
    uint32_t frame_bytes;
    uint64_t body_bytes;     /* plaintext bytes of the record list */
    uint64_t frames;
    uint64_t expected_bytes; /* the size the header implies */
    uint64_t file_bytes;     /* the size on disk */
    int complete;            /* file_bytes == expected_bytes */
} ckpt_info;

/* Fills info from the header of `path` without decrypting anything. A file
 * whose header parses but whose size is wrong gives CZ_OK with complete = 0;
 * a missing or unreadable header gives the same errors as ckpt_load. */
cz_status ckpt_describe(const char *path, const ckpt_io *io, ckpt_info *info,
                        cz_error *err) CZ_WUR;

#endif
