/* Canonical byte encoding of engine objects: a growable writer and a bounded
 * reader of little-endian fixed-width fields. Engine objects serialise
 * themselves through these (cz_<object>_serialize / _deserialize); the same
 * bytes feed their SHA-256 digest and, encrypted, the checkpoint records.
 * No file I/O here: files are the checkpoint layer's business. */
#ifndef CZ_BYTES_H
#define CZ_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "real.h"
#include "status.h"

/* Growable, owned buffer. Zero-initialise ({0}) before use; free with
 * cz_bytes_free. A failed append sets `failed` and all later appends are
 * no-ops, so a serialiser checks once at the end (cz_bytes_status). */
typedef struct cz_bytes {
    uint8_t *data;
    size_t len, cap;
    int failed;
} cz_bytes;

void cz_bytes_free(cz_bytes *b);
/* CZ_OK, or CZ_ENOMEM (with err filled) when any append failed. */
cz_status cz_bytes_status(const cz_bytes *b, cz_error *err) CZ_WUR;

void cz_bytes_put(cz_bytes *b, const void *p, size_t n);
void cz_bytes_u8(cz_bytes *b, uint8_t v);
void cz_bytes_u32(cz_bytes *b, uint32_t v);
void cz_bytes_u64(cz_bytes *b, uint64_t v);
void cz_bytes_i64(cz_bytes *b, int64_t v);
void cz_bytes_f64(cz_bytes *b, double v);
/* u32 length then the bytes (no NUL). NULL is written as length 0. */
void cz_bytes_str(cz_bytes *b, const char *s);
/* n values as IEEE float32 little-endian, whatever cz_real is (the on-disk
 * type of runs). In the float64 build this rounds; runs never use that build. */
void cz_bytes_reals(cz_bytes *b, const cz_real *x, int64_t n);
void cz_bytes_i32s(cz_bytes *b, const int32_t *x, int64_t n);
void cz_bytes_i64s(cz_bytes *b, const int64_t *x, int64_t n);

/* Bounded reader over borrowed bytes. Reads past the end fail with
 * CZ_EFORMAT naming `what`; after a failure every read fails. */
typedef struct cz_reader {
    const uint8_t *data;
    size_t len, pos;
    int failed;
    cz_error *err;  /* where the first failure is reported (may be NULL) */
} cz_reader;

cz_reader cz_reader_init(const void *data, size_t len, cz_error *err);
int cz_read(cz_reader *r, void *out, size_t n, const char *what);
uint8_t cz_read_u8(cz_reader *r, const char *what);
uint32_t cz_read_u32(cz_reader *r, const char *what);
uint64_t cz_read_u64(cz_reader *r, const char *what);
int64_t cz_read_i64(cz_reader *r, const char *what);
double cz_read_f64(cz_reader *r, const char *what);
/* Returns an owned NUL-terminated copy (cz_free), or NULL on failure.
 * Strings longer than max_len are refused as malformed. */
char *cz_read_str(cz_reader *r, size_t max_len, const char *what);
int cz_read_reals(cz_reader *r, cz_real *out, int64_t n, const char *what);
int cz_read_i32s(cz_reader *r, int32_t *out, int64_t n, const char *what);
int cz_read_i64s(cz_reader *r, int64_t *out, int64_t n, const char *what);
/* CZ_OK when nothing failed; with require_end, trailing bytes are an error too. */
cz_status cz_reader_finish(cz_reader *r, int require_end) CZ_WUR;

#endif
