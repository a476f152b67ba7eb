/* Internal to engine/data: a bounds-checked reader of zip archives held in
 * memory (what an .npz is), and of the .npy arrays inside. Only what numpy
 * writes is supported: one disk, stored or deflated entries, zip64 fields,
 * .npy format 1-3 in C order. Every offset and size read from the file is
 * checked against the buffer before use; nothing is trusted. */
#ifndef CZ_ZIP_READER_H
#define CZ_ZIP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct cz_zip_entry {
    const char *name;  /* borrowed from the archive bytes, not NUL-terminated */
    size_t name_len;
    uint16_t method, flags;
    uint32_t crc;
    uint64_t comp_size, size, local_offset;
} cz_zip_entry;

typedef struct cz_zip {
    const uint8_t *data;  /* borrowed */
    size_t len;
    const char *source;   /* for messages */
    size_t count;
    cz_zip_entry *entries; /* owned */
} cz_zip;

/* Reads the central directory. CZ_EFORMAT (naming the source and what is
 * wrong) for anything that is not a well-formed zip, CZ_EUNSUPPORTED for
 * multi-disk archives. */
cz_status cz_zip_open(const uint8_t *data, size_t len, const char *source, cz_zip *z,
                      cz_error *err) CZ_WUR;
void cz_zip_close(cz_zip *z);

/* The entry with this exact name, or NULL. */
const cz_zip_entry *cz_zip_find(const cz_zip *z, const char *name);

/* Decompresses (stored or deflate) and CRC-checks an entry into an owned
 * buffer (cz_free) of e->size bytes. */
cz_status cz_zip_extract(const cz_zip *z, const cz_zip_entry *e, uint8_t **out,
                         cz_error *err) CZ_WUR;

/* A parsed .npy array: borrowed data of shape[0] x ... x shape[ndim-1]
 * items of `itemsize` bytes, little-endian. kind: 'u', 'i', 'f' or 'b'. */
#define CZ_NPY_MAX_DIMS 8
typedef struct cz_npy {
    char kind;
    int itemsize;
    int ndim;
    uint64_t shape[CZ_NPY_MAX_DIMS];
    uint64_t count; /* product of the shape */
    const uint8_t *data;
} cz_npy;

/* Parses an .npy header and checks the data length; `what` names the array
 * in messages ("breastmnist.npz: train_images.npy"). */
cz_status cz_npy_parse(const uint8_t *buf, size_t len, const char *what, cz_npy *out,
                       cz_error *err) CZ_WUR;

/* Item i as an integer (kinds 'u', 'i', 'b'); the caller checked the kind. */
int64_t cz_npy_int(const cz_npy *a, uint64_t i);

#endif
