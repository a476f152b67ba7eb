/* Internals shared by the checkpoint sources (and their tests and fuzz
 * target): the decoded header, the subkeys and stream state held in locked
 * memory, the frame writer and reader, the record codec and the atomic
 * replace. Callers outside checkpoint/ use ckpt.h only. */
#ifndef CKPT_IMPL_H
#define CKPT_IMPL_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#include "ckpt.h"

/* ---- header.c ---------------------------------------------------------- */

typedef struct ckpt_header {
    uint32_t version;
    uint32_t header_bytes;
    uint32_t kdf;
    uint32_t frame_bytes;
    uint64_t opslimit;
    uint64_t memlimit;
    uint8_t salt[CKPT_SALT_BYTES];
    uint64_t body_bytes;
    uint8_t stream[CKPT_STREAM_HEADER_BYTES];
    uint8_t check[CKPT_CHECK_BYTES];
} ckpt_header;

void ckpt_header_encode(uint8_t out[CKPT_HEADER_BYTES], const ckpt_header *h);

/* Parses the first n bytes of the file at `path` (n may be short: the file
 * is then reported truncated, or not a checkpoint when even the magic
 * differs). Checks magic, version, sizes and the KDF id; not the MAC. */
cz_status ckpt_header_decode(ckpt_header *h, const uint8_t *bytes, size_t n, const char *path,
                             cz_error *err) CZ_WUR;

/* The number of frames and the file size a valid header implies. */
void ckpt_header_layout(const ckpt_header *h, uint64_t *frames, uint64_t *file_bytes);

/* ---- key.c --------------------------------------------------------------- */

/* Per-file keys, derived from the Argon2id output with crypto_kdf, so the
 * key-check MAC and the stream never share a key. */
typedef struct ckpt_subkeys {
    uint8_t check[crypto_auth_KEYBYTES];
    uint8_t stream[crypto_secretstream_xchacha20poly1305_KEYBYTES];
} ckpt_subkeys;

/* Everything secret one save or load needs, in one sodium_malloc'd block. */
typedef struct ckpt_secret {
    ckpt_subkeys keys;
    crypto_secretstream_xchacha20poly1305_state state;
} ckpt_secret;

/* sodium_malloc'd and zeroed, or NULL (CZ_ENOMEM in err). */
ckpt_secret *ckpt_secret_new(cz_error *err);
void ckpt_secret_free(ckpt_secret **secret);

/* The salt and cost the next save under `key` uses. */
cz_status ckpt_key_save_params(ckpt_key *key, uint8_t salt[CKPT_SALT_BYTES], ckpt_kdf *cost,
                               cz_error *err) CZ_WUR;

/* Subkeys for (salt, cost), from the cache or by running Argon2id. A cost
 * outside [MIN, key's max_load] is refused (CZ_EFORMAT below the minimum,
 * CZ_EUNSUPPORTED above the limit); `path` names the file in messages. */
cz_status ckpt_key_subkeys(ckpt_key *key, const uint8_t salt[CKPT_SALT_BYTES], ckpt_kdf cost,
                           ckpt_subkeys *out, const char *path, cz_error *err) CZ_WUR;

/* The key's locked secret block, for tests that check it is not readable
 * between calls. Never dereference it elsewhere. */
const void *ckpt_key_secret_block(const ckpt_key *key);

/* ---- header.c: the key check --------------------------------------------- */

/* MAC over header bytes [0, CKPT_OFF_CHECK). */
void ckpt_check_compute(uint8_t mac[CKPT_CHECK_BYTES], const uint8_t *header,
                        const ckpt_subkeys *keys);
/* Nonzero when header's stored MAC matches (constant time). */
int ckpt_check_verify(const uint8_t *header, const ckpt_subkeys *keys);

/* ---- io_util.c ----------------------------------------------------------- */

/* Writes all n bytes; CZ_EIO naming path and errno text otherwise. */
cz_status ckpt_write_all(const ckpt_io *io, int fd, const void *buf, size_t n, const char *path,
                         cz_error *err) CZ_WUR;
/* Reads up to n bytes, stopping early only at end of file; *got says how
 * many. CZ_EIO on a read error. */
cz_status ckpt_read_full(const ckpt_io *io, int fd, void *buf, size_t n, size_t *got,
                         const char *path, cz_error *err) CZ_WUR;

/* ---- stream.c: frames ---------------------------------------------------- */

/* Cuts the plaintext body into frames of frame_bytes (the last one may be
 * shorter or empty), encrypts each with secretstream, the header as
 * additional data, and writes it. The final frame carries TAG_FINAL. A
 * failure is sticky: later puts do nothing and finish returns it. */
typedef struct ckpt_frame_writer {
    const ckpt_io *io;
    int fd;
    const char *path;
    crypto_secretstream_xchacha20poly1305_state *state; /* borrowed, locked */
    const uint8_t *aad;                                 /* the header bytes */
    size_t frame_bytes;
    uint8_t *plain;  /* sodium_malloc'd: plaintext never sits in swappable memory */
    size_t fill;
    uint8_t *cipher; /* frame_bytes + CKPT_FRAME_OVERHEAD */
    uint64_t frames;
    uint64_t body_written;
    cz_status status;
    cz_error *err;
} ckpt_frame_writer;

cz_status ckpt_frames_writer_init(ckpt_frame_writer *w, const ckpt_io *io, int fd,
                                  const char *path, ckpt_secret *secret, const uint8_t *aad,
                                  size_t frame_bytes, cz_error *err) CZ_WUR;
void ckpt_frames_put(ckpt_frame_writer *w, const void *data, size_t n);
/* Encrypts what is buffered as the final frame. */
cz_status ckpt_frames_finish(ckpt_frame_writer *w) CZ_WUR;
/* Wipes and frees the buffers (safe after a failed init). */
void ckpt_frames_writer_free(ckpt_frame_writer *w);

/* Reads and decrypts all frames of a file whose header h (bytes `aad`) was
 * verified, into body (h->body_bytes). CZ_EAUTH for a frame that fails
 * authentication, is out of order or lacks TAG_FINAL at the end; CZ_EFORMAT
 * when the file ends early. */
cz_status ckpt_frames_read(const ckpt_io *io, int fd, const char *path, const ckpt_header *h,
                           const uint8_t *aad, ckpt_secret *secret, uint8_t *body,
                           cz_error *err) CZ_WUR;

/* ---- records.c: the body ------------------------------------------------- */

/* Validates the records for saving and computes the body size. */
cz_status ckpt_records_check(const ckpt_record *records, size_t count, uint64_t *body_bytes,
                             cz_error *err) CZ_WUR;
/* Writes the body: u32 count, then per record u32 type, u32 name length,
 * the name, u64 size, the payload. */
void ckpt_records_encode(ckpt_frame_writer *w, const ckpt_record *records, size_t count);
/* Parses a decrypted body. Takes `body` (cz_alloc'd, n bytes) always: on
 * failure it is wiped and freed. */
ckpt_records *ckpt_records_parse(uint8_t *body, size_t n, const char *path, cz_error *err);

/* ---- atomic.c ------------------------------------------------------------ */

/* A temporary file next to `path`: "PATH.tmp-<random hex>", mode 0600. */
typedef struct ckpt_tmpfile {
    const ckpt_io *io;
    char *tmp_path; /* owned */
    int fd;         /* -1 once closed */
} ckpt_tmpfile;

cz_status ckpt_tmpfile_open(ckpt_tmpfile *t, const ckpt_io *io, const char *path,
                            cz_error *err) CZ_WUR;
/* fsync, close, (keep_prev: PATH -> PATH.prev), rename over `path`, fsync
 * the folder. On failure before the rename the temporary file is removed. */
cz_status ckpt_tmpfile_commit(ckpt_tmpfile *t, const char *path, int keep_prev,
                              cz_error *err) CZ_WUR;
/* Closes and removes the temporary file (after a failed write). */
void ckpt_tmpfile_abort(ckpt_tmpfile *t);

/* "PATH.prev" (cz_alloc'd), or NULL when out of memory. */
char *ckpt_prev_path(const char *path);

#endif
