/* Records: what a checkpoint holds. A record is a type tag, a unique name and
 * an opaque payload. ckpt_record is the borrowed view a caller hands to
 * ckpt_save; ckpt_records is the owned list ckpt_load returns, whose payload
 * bytes are wiped when it is freed. */
#ifndef CKPT_RECORD_H
#define CKPT_RECORD_H

#include <stddef.h>

#include "format.h"

typedef struct ckpt_record {
    ckpt_type type;   /* CKPT_TYPE_* */
    const char *name; /* NUL-terminated, 1..CKPT_NAME_MAX bytes, unique in a file */
    const void *data; /* payload; may be NULL when size is 0 */
    size_t size;
} ckpt_record;

typedef struct ckpt_records ckpt_records;

/* Number of records, in the order they were saved. */
size_t ckpt_records_count(const ckpt_records *list);
/* The i-th record (borrowed from the list), or NULL when i is out of range. */
const ckpt_record *ckpt_records_at(const ckpt_records *list, size_t i);
/* The record called `name` (borrowed), or NULL when there is none. */
const ckpt_record *ckpt_records_find(const ckpt_records *list, const char *name);
/* Wipes the payloads, frees the list, sets *list to NULL. NULL is fine. */
void ckpt_records_free(ckpt_records **list);

/* "dataset", "experts", "surrogate", "synthetic", "model", "run", "result",
 * "generator", "session"; "unknown" for any other value. Never NULL. */
const char *ckpt_type_name(ckpt_type type);
/* The tag for a name above, or 0 when the name is not one of them. */
ckpt_type ckpt_type_from_name(const char *name);

#endif
