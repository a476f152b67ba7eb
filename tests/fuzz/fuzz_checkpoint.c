/* Fuzz target: the checkpoint reader on arbitrary bytes. The first byte
 * (mod 3) picks what the rest is:
 *   0  a whole file, described and loaded (through an in-memory ckpt_io) with
 *      a fixed test key: header decoding, key check, size and frame checks;
 *   1  a decrypted body, handed to the record parser directly;
 *   2  a frame size byte and a body, encrypted with the fixed key into a
 *      valid file and loaded, so arbitrary bodies reach the parser through
 *      the whole reader; the outcome must match mode 1's on the same body.
 * Any input must load or fail with a status and a message; never crash,
 * leak, read out of bounds, or run Argon2id above the test cost. libFuzzer
 * calls LLVMFuzzerTestOneInput; tests/fuzz/driver.c runs it over the corpus
 * in corpus/checkpoint as an ordinary test. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_impl.h"
#include "core/alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_PATH "fuzz.cdz"
#define FUZZ_PASS "fuzz"

/* ---- a read-only, in-memory file system of one file ---------------------- */

typedef struct mem_file {
    const uint8_t *data;
    size_t size, pos;
} mem_file;

static int mem_open_read(void *ctx, const char *path)
{
    mem_file *m = ctx;
    if (strcmp(path, FUZZ_PATH) != 0) {
        errno = ENOENT;
        return -1;
    }
    m->pos = 0;
    return 3;
}

static int mem_stat(void *ctx, int fd, ckpt_stat *out)
{
    (void)fd;
    out->size = ((mem_file *)ctx)->size;
    out->regular = 1;
    return 0;
}

static ssize_t mem_read(void *ctx, int fd, void *buf, size_t n)
{
    (void)fd;
    mem_file *m = ctx;
    size_t k = m->size - m->pos < n ? m->size - m->pos : n;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static int mem_close(void *ctx, int fd) { (void)ctx, (void)fd; return 0; }

static int refuse_path(void *ctx, const char *p) { (void)ctx, (void)p; errno = EROFS; return -1; }
static int refuse_fd(void *ctx, int fd) { (void)ctx, (void)fd; errno = EROFS; return -1; }
static int refuse_2(void *ctx, const char *a, const char *b)
{
    (void)ctx, (void)a, (void)b;
    errno = EROFS;
    return -1;
}
static ssize_t refuse_write(void *ctx, int fd, const void *b, size_t n)
{
    (void)ctx, (void)fd, (void)b, (void)n;
    errno = EROFS;
    return -1;
}

static ckpt_io mem_io(mem_file *m)
{
    return (ckpt_io){.ctx = m, .create_private = refuse_path, .open_read = mem_open_read,
                     .stat = mem_stat, .read = mem_read, .write = refuse_write,
                     .sync = refuse_fd, .close = mem_close, .rename = refuse_2,
                     .link = refuse_2, .unlink = refuse_path, .sync_dir = refuse_path};
}

/* ---- oracles -------------------------------------------------------------- */

static ckpt_key *fixed_key(void)
{
    static ckpt_key *key; /* one per process: its cache spans inputs */
    if (!key) {
        ckpt_key_opts opts = {.save = ckpt_kdf_test(), .max_load = ckpt_kdf_test()};
        key = ckpt_key_from_passphrase(FUZZ_PASS, strlen(FUZZ_PASS), &opts, NULL);
        if (!key)
            abort();
    }
    return key;
}

/* A result is a list whose every record can be found by its name, or an
 * error that has a status and says why. Returns the status. */
static cz_status check_result(ckpt_records *list, const cz_error *err)
{
    if (!list) {
        if (err->code == CZ_OK || err->msg[0] == '\0')
            abort();
        return err->code;
    }
    for (size_t i = 0; i < ckpt_records_count(list); i++) {
        const ckpt_record *r = ckpt_records_at(list, i);
        if (!r || !r->name[0] || strcmp(ckpt_type_name(r->type), "unknown") == 0 ||
            ckpt_records_find(list, r->name) != r || (r->size && !r->data))
            abort();
    }
    ckpt_records_free(&list);
    return CZ_OK;
}

static ckpt_records *load_bytes(const uint8_t *file, size_t n, cz_error *err)
{
    mem_file m = {file, n, 0};
    ckpt_io io = mem_io(&m);
    ckpt_info info;
    cz_error derr;
    if (ckpt_describe(FUZZ_PATH, &io, &info, &derr) == CZ_OK && info.file_bytes != n)
        abort();
    return ckpt_load(FUZZ_PATH, fixed_key(), &io, err);
}

static cz_status parse_body(const uint8_t *body, size_t n)
{
    uint8_t *copy = cz_alloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, body, n);
    cz_error err;
    return check_result(ckpt_records_parse(copy, n, FUZZ_PATH, &err), &err);
}

/* Encrypts `body` into a valid file under the fixed key (what ckpt_save
 * writes, but for any body bytes), frame size from `frame_byte`. */
static uint8_t *forge(const uint8_t *body, size_t n, uint8_t frame_byte, size_t *out_n)
{
    ckpt_key *key = fixed_key();
    ckpt_secret *secret = ckpt_secret_new(NULL);
    ckpt_header h = {.version = CKPT_VERSION, .header_bytes = CKPT_HEADER_BYTES,
                     .kdf = CKPT_KDF_ARGON2ID13, .frame_bytes = CKPT_FRAME_MIN + frame_byte,
                     .body_bytes = n};
    ckpt_kdf cost;
    if (!secret || ckpt_key_save_params(key, h.salt, &cost, NULL) != CZ_OK)
        abort();
    h.opslimit = cost.opslimit;
    h.memlimit = cost.memlimit;
    if (ckpt_key_subkeys(key, h.salt, cost, &secret->keys, FUZZ_PATH, NULL) != CZ_OK)
        abort();
    crypto_secretstream_xchacha20poly1305_init_push(&secret->state, h.stream, secret->keys.stream);
    uint64_t frames, total;
    ckpt_header_layout(&h, &frames, &total);
    uint8_t *file = malloc((size_t)total);
    if (!file)
        abort();
    ckpt_header_encode(file, &h);
    ckpt_check_compute(file + CKPT_OFF_CHECK, file, &secret->keys);
    size_t at = CKPT_HEADER_BYTES, off = 0;
    for (uint64_t i = 0; i < frames; i++) {
        int last = i + 1 == frames;
        size_t len = last ? n - off : h.frame_bytes;
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(
            &secret->state, file + at, &clen, body + off, len, file, CKPT_HEADER_BYTES,
            last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
        at += (size_t)clen;
        off += len;
    }
    ckpt_secret_free(&secret);
    *out_n = (size_t)total;
    return file;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    cz_error err;
    switch (data[0] % 3) {
    case 0:
        check_result(load_bytes(rest, n, &err), &err);
        break;
    case 1:
        parse_body(rest, n);
        break;
    default: {
        if (n == 0)
            break;
        size_t file_n;
        uint8_t *file = forge(rest + 1, n - 1, rest[0], &file_n);
        cz_status via_file = check_result(load_bytes(file, file_n, &err), &err);
        free(file);
        /* The reader must hand the parser exactly the body that was sealed. */
        if (via_file != parse_body(rest + 1, n - 1))
            abort();
        break;
    }
    }
    return 0;
}
