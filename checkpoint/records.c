/* The body of a checkpoint: the record list, its validation before a save,
 * its encoding into the frame writer and its parsing after decryption. The
 * body is authenticated before it is parsed, so a parse error here means a
 * writer bug or a newer writer, never an attacker; the parser is still fully
 * bounds-checked (and fuzzed). Loaded payloads point into one body buffer
 * that is wiped when the list is freed. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/bytes.h"

#include "ckpt_impl.h"

struct ckpt_records {
    size_t count;
    ckpt_record *items;
    char *names; /* the names, NUL-terminated, back to back */
    size_t names_bytes;
    uint8_t *body; /* the decrypted body; payloads point into it */
    size_t body_bytes;
};

static const char *const type_names[CKPT_TYPE_LAST + 1] = {
    [CKPT_TYPE_DATASET] = "dataset",     [CKPT_TYPE_EXPERTS] = "experts",
    [CKPT_TYPE_SURROGATE] = "surrogate", [CKPT_TYPE_SYNTHETIC] = "synthetic",
    [CKPT_TYPE_MODEL] = "model",         [CKPT_TYPE_RUN] = "run",
    [CKPT_TYPE_RESULT] = "result",       [CKPT_TYPE_GENERATOR] = "generator",
    [CKPT_TYPE_SESSION] = "session",
};

static int type_known(uint64_t t) { return t >= CKPT_TYPE_FIRST && t <= CKPT_TYPE_LAST; }

const char *ckpt_type_name(ckpt_type type)
{
    return type_known((uint64_t)type) ? type_names[type] : "unknown";
}

ckpt_type ckpt_type_from_name(const char *name)
{
    for (int t = CKPT_TYPE_FIRST; name && t <= CKPT_TYPE_LAST; t++)
        if (strcmp(name, type_names[t]) == 0)
            return (ckpt_type)t;
    return (ckpt_type)0;
}

size_t ckpt_records_count(const ckpt_records *list) { return list ? list->count : 0; }

const ckpt_record *ckpt_records_at(const ckpt_records *list, size_t i)
{
    return list && i < list->count ? &list->items[i] : NULL;
}

const ckpt_record *ckpt_records_find(const ckpt_records *list, const char *name)
{
    if (!list || !name)
        return NULL;
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return &list->items[i];
    return NULL;
}

void ckpt_records_free(ckpt_records **list)
{
    if (!list || !*list)
        return;
    ckpt_records *l = *list;
    if (l->body)
        sodium_memzero(l->body, l->body_bytes);
    if (l->names)
        sodium_memzero(l->names, l->names_bytes);
    cz_free(l->body);
    cz_free(l->names);
    cz_free(l->items);
    cz_free(l);
    *list = NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first name that occurs twice, or NULL. Sorting keeps this O(n log n)
 * for the largest record counts. *oom is set when the scratch array fails. */
static const char *duplicate_name(const char **names, size_t n, int *oom)
{
    *oom = 0;
    if (n < 2)
        return NULL;
    const char **sorted = cz_alloc(n * sizeof *sorted);
    if (!sorted) {
        *oom = 1;
        return NULL;
    }
    memcpy(sorted, names, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_names);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    cz_free(sorted);
    return dup;
}

static const uint64_t record_fixed_bytes = 4 + 4 + 8; /* type, name length, size */

cz_status ckpt_records_check(const ckpt_record *records, size_t count, uint64_t *body_bytes,
                             cz_error *err)
{
    if (count > CKPT_RECORDS_MAX)
        return cz_error_set(err, CZ_EINVAL, "save fewer objects per file",
                            "%zu records; a checkpoint holds at most %u", count, CKPT_RECORDS_MAX);
    if (count > 0 && !records)
        return cz_error_set(err, CZ_EINVAL, NULL, "records is NULL with count %zu", count);
    uint64_t total = 4;
    for (size_t i = 0; i < count; i++) {
        const ckpt_record *r = &records[i];
        if (!r->name || !r->name[0])
            return cz_error_set(err, CZ_EINVAL, "give every object a name",
                                "record %zu has no name", i + 1);
        size_t len = strnlen(r->name, CKPT_NAME_MAX + 1);
        if (len > CKPT_NAME_MAX)
            return cz_error_set(err, CZ_EINVAL, "use a shorter name",
                                "record %zu's name is longer than %u bytes", i + 1, CKPT_NAME_MAX);
        if (!type_known((uint64_t)r->type))
            return cz_error_set(err, CZ_EINVAL, "use one of the CKPT_TYPE_* tags",
                                "record %zu (\"%s\") has type tag %d; known tags are %d..%d", i + 1,
                                r->name, (int)r->type, CKPT_TYPE_FIRST, CKPT_TYPE_LAST);
        if (!r->data && r->size)
            return cz_error_set(err, CZ_EINVAL, NULL,
                                "record %zu (\"%s\") has no data but size %zu", i + 1, r->name,
                                r->size);
        uint64_t add = record_fixed_bytes + len + (uint64_t)r->size;
        if ((uint64_t)r->size > CKPT_BODY_MAX || total + add > CKPT_BODY_MAX)
            return cz_error_set(err, CZ_EINVAL, "save fewer or smaller objects per file",
                                "the records exceed the checkpoint size limit of %llu bytes",
                                CKPT_BODY_MAX);
        total += add;
    }
    const char **names = cz_alloc((count ? count : 1) * sizeof *names);
    if (!names)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory checking record names");
    for (size_t i = 0; i < count; i++)
        names[i] = records[i].name;
    int oom;
    const char *dup = duplicate_name(names, count, &oom);
    cz_free(names);
    if (oom)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory checking record names");
    if (dup)
        return cz_error_set(err, CZ_EINVAL, "give every object its own name",
                            "two records are named \"%s\"", dup);
    *body_bytes = total;
    return CZ_OK;
}

static void put_le(ckpt_frame_writer *w, uint64_t v, int width)
{
    uint8_t b[8];
    for (int i = 0; i < width; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    ckpt_frames_put(w, b, (size_t)width);
}

void ckpt_records_encode(ckpt_frame_writer *w, const ckpt_record *records, size_t count)
{
    put_le(w, count, 4);
    for (size_t i = 0; i < count; i++) {
        const ckpt_record *r = &records[i];
        size_t len = strlen(r->name);
        put_le(w, (uint64_t)r->type, 4);
        put_le(w, len, 4);
        ckpt_frames_put(w, r->name, len);
        put_le(w, r->size, 8);
        if (r->size)
            ckpt_frames_put(w, r->data, r->size);
    }
}

/* One record's fields; the name and payload stay in the body. */
typedef struct raw_record {
    uint32_t type;
    uint32_t name_len;
    size_t name_at;
    uint64_t size;
    size_t data_at;
} raw_record;

static int read_record(cz_reader *r, raw_record *out, size_t index, const char *path,
                       cz_error *err)
{
    out->type = cz_read_u32(r, "record type");
    out->name_len = cz_read_u32(r, "record name length");
    if (r->failed)
        return 0;
    if (out->name_len == 0 || out->name_len > CKPT_NAME_MAX) {
        cz_error_set(err, CZ_EFORMAT, "the writer was faulty; use another copy",
                     "%s is malformed: record %zu's name is %u bytes (1..%u allowed)", path,
                     index + 1, out->name_len, CKPT_NAME_MAX);
        return 0;
    }
    out->name_at = r->pos;
    if (!cz_read(r, NULL, out->name_len, "record name"))
        return 0;
    if (memchr(r->data + out->name_at, '\0', out->name_len)) {
        cz_error_set(err, CZ_EFORMAT, "the writer was faulty; use another copy",
                     "%s is malformed: record %zu's name contains a NUL byte", path, index + 1);
        return 0;
    }
    out->size = cz_read_u64(r, "record size");
    if (r->failed)
        return 0;
    if (out->size > r->len - r->pos) {
        cz_error_set(err, CZ_EFORMAT, "the writer was faulty; use another copy",
                     "%s is malformed: record %zu says %llu payload bytes, %zu remain", path,
                     index + 1, (unsigned long long)out->size, r->len - r->pos);
        return 0;
    }
    out->data_at = r->pos;
    r->pos += (size_t)out->size;
    if (!type_known(out->type)) {
        cz_error_set(err, CZ_EUNSUPPORTED, "open it with a newer Condensa",
                     "%s holds record %zu of type tag %u, unknown to this version (tags %d..%d)",
                     path, index + 1, out->type, CKPT_TYPE_FIRST, CKPT_TYPE_LAST);
        return 0;
    }
    return 1;
}

ckpt_records *ckpt_records_parse(uint8_t *body, size_t n, const char *path, cz_error *err)
{
    ckpt_records *l = cz_calloc(1, sizeof *l);
    if (!l) {
        sodium_memzero(body, n);
        cz_free(body);
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        return NULL;
    }
    l->body = body;
    l->body_bytes = n;

    cz_error rerr;
    cz_error_clear(&rerr);
    cz_reader r = cz_reader_init(body, n, &rerr);
    uint32_t count = cz_read_u32(&r, "record count");
    if (r.failed)
        goto reader_failed;
    if (count > CKPT_RECORDS_MAX) {
        cz_error_set(err, CZ_EFORMAT, "the writer was faulty; use another copy",
                     "%s is malformed: %u records, at most %u allowed", path, count,
                     CKPT_RECORDS_MAX);
        goto fail;
    }
    /* Pass 1: validate everything and size the names; pass 2: fill. */
    size_t names_bytes = 0;
    raw_record raw;
    for (uint32_t i = 0; i < count; i++) {
        if (!read_record(&r, &raw, i, path, err))
            goto record_failed;
        names_bytes += raw.name_len + 1u;
    }
    if (cz_reader_finish(&r, 1) != CZ_OK)
        goto reader_failed;

    l->items = cz_calloc(count ? count : 1, sizeof *l->items);
    l->names = cz_alloc(names_bytes ? names_bytes : 1);
    if (!l->items || !l->names) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        goto fail;
    }
    l->names_bytes = names_bytes;
    r = cz_reader_init(body, n, &rerr);
    (void)cz_read_u32(&r, "record count");
    char *name = l->names;
    for (uint32_t i = 0; i < count; i++) {
        if (!read_record(&r, &raw, i, path, err))
            goto record_failed;
        memcpy(name, body + raw.name_at, raw.name_len);
        name[raw.name_len] = '\0';
        l->items[i].type = (ckpt_type)raw.type;
        l->items[i].name = name;
        l->items[i].data = raw.size ? body + raw.data_at : NULL;
        l->items[i].size = (size_t)raw.size;
        name += raw.name_len + 1u;
    }
    l->count = count;

    const char **names = cz_alloc((count ? count : 1) * sizeof *names);
    if (!names) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        goto fail;
    }
    for (uint32_t i = 0; i < count; i++)
        names[i] = l->items[i].name;
    int oom;
    const char *dup = duplicate_name(names, count, &oom);
    cz_free(names);
    if (oom || dup) {
        if (oom)
            cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        else
            cz_error_set(err, CZ_EFORMAT, "the writer was faulty; use another copy",
                         "%s is malformed: two records are named \"%s\"", path, dup);
        goto fail;
    }
    return l;

record_failed:
    if (!r.failed)
        goto fail; /* read_record filled err itself */
reader_failed:
    cz_error_set(err, rerr.code, "the writer was faulty; use another copy", "%s is malformed: %s",
                 path, rerr.msg);
fail:
    ckpt_records_free(&l);
    return NULL;
}
