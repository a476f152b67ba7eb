/* Canonical encoding of datasets: round trips (bytes and fields), the digest
 * (content, not the name), every truncation and some corruptions refused with
 * a named CZ_EFORMAT, and out-of-memory at every allocation reported as
 * CZ_ENOMEM without leaks (ASan build). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/bytes.h"
#include "data/dataset.h"
#include "test_paths.h"

static const char SMALL[] = "\"a\",\"b\",\"label\"\n"
                            "1,,0\n2,5,1\n3,6,0\n4,7,1\n5,8,0\n6,9,1\n7,1,0\n8,2,1\n";

static cz_dataset *small(const char *source)
{
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(SMALL, strlen(SMALL), source, NULL, &d, &err), CZ_OK,
                 "%s", err.msg);
    return d;
}

static cz_bytes encode(const cz_dataset *d)
{
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_dataset_serialize(d, &b, &err), CZ_OK, "%s", err.msg);
    return b;
}

static void assert_same(const cz_dataset *a, const cz_dataset *b)
{
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->is_image, b->is_image);
    cr_assert_eq(a->features, b->features);
    cr_assert_eq(a->channels, b->channels);
    cr_assert_eq(a->height, b->height);
    cr_assert_eq(a->width, b->width);
    cr_assert_eq(a->classes, b->classes);
    cr_assert_eq(a->missing_rate, b->missing_rate);
    cr_assert_eq(!a->feature_names, !b->feature_names);
    for (size_t j = 0; a->feature_names && j < a->features; j++)
        cr_assert_str_eq(a->feature_names[j], b->feature_names[j]);
    for (int c = 0; c < a->classes; c++)
        cr_assert_str_eq(a->class_names[c], b->class_names[c]);
    cr_assert_eq(memcmp(a->center, b->center, a->features * sizeof(double)), 0);
    cr_assert_eq(memcmp(a->scale, b->scale, a->features * sizeof(double)), 0);
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cr_assert_eq(a->split[s].rows, b->split[s].rows);
        cr_assert_eq(memcmp(a->split[s].x, b->split[s].x,
                            a->split[s].rows * a->features * sizeof(cz_real)), 0);
        cr_assert_eq(memcmp(a->split[s].y, b->split[s].y, a->split[s].rows * sizeof(int32_t)), 0);
    }
}

static cz_dataset *decode(const cz_bytes *b, cz_status expect, cz_error *err)
{
    cz_reader r = cz_reader_init(b->data, b->len, err);
    cz_dataset *d = (cz_dataset *)1;
    cz_status st = cz_dataset_deserialize(&r, &d, err);
    cr_assert_eq(st, expect, "got %s: %s", cz_status_name(st), err->msg);
    if (st == CZ_OK)
        cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK, "the record is read to its end");
    else
        cr_assert_null(d);
    return d;
}

Test(dataset_bytes, pima_round_trips_bit_for_bit)
{
    char path[1024];
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv(CZ_SHARED_PATH(path, "data/pima.csv"), NULL, &d, &err), CZ_OK,
                 "%s", err.msg);
    cz_bytes b = encode(d);
    cz_dataset *back = decode(&b, CZ_OK, &err);
    assert_same(d, back);
    cz_bytes again = encode(back);
    cr_assert_eq(again.len, b.len);
    cr_assert_eq(memcmp(again.data, b.data, b.len), 0, "re-encoding gives the same bytes");
    uint8_t h1[32], h2[32];
    cr_assert_eq(cz_dataset_digest(d, h1, &err), CZ_OK);
    cr_assert_eq(cz_dataset_digest(back, h2, &err), CZ_OK);
    cr_assert_eq(memcmp(h1, h2, 32), 0);
    cz_bytes_free(&b);
    cz_bytes_free(&again);
    cz_dataset_free(d);
    cz_dataset_free(back);
}

Test(dataset_bytes, digest_is_of_the_content_not_the_name)
{
    cz_dataset *a = small("one/small.csv"), *b = small("elsewhere/renamed.csv");
    uint8_t ha[32], hb[32];
    cz_error err;
    cr_assert_str_neq(a->name, b->name);
    cr_assert_eq(cz_dataset_digest(a, ha, &err), CZ_OK);
    cr_assert_eq(cz_dataset_digest(b, hb, &err), CZ_OK);
    cr_assert_eq(memcmp(ha, hb, 32), 0, "same content, same digest");
    b->split[CZ_TRAIN].x[0] += 1.0f;
    cr_assert_eq(cz_dataset_digest(b, hb, &err), CZ_OK);
    cr_assert_neq(memcmp(ha, hb, 32), 0, "one value changed, another digest");
    b->split[CZ_TRAIN].x[0] -= 1.0f;
    b->split[CZ_TEST].y[0] ^= 1;
    cr_assert_eq(cz_dataset_digest(b, hb, &err), CZ_OK);
    cr_assert_neq(memcmp(ha, hb, 32), 0, "one label changed, another digest");
    cz_dataset_free(a);
    cz_dataset_free(b);
}

Test(dataset_bytes, every_truncation_is_a_named_format_error)
{
    cz_dataset *d = small("small.csv");
    cz_bytes b = encode(d);
    for (size_t n = 0; n < b.len; n++) {
        cz_bytes cut = {.data = b.data, .len = n};
        cz_error err;
        cz_error_clear(&err);
        decode(&cut, CZ_EFORMAT, &err);
        cr_assert(strstr(err.msg, "truncated") || strstr(err.msg, "malformed"),
                  "prefix %zu: %s", n, err.msg);
        cr_assert(err.hint[0], "prefix %zu: a hint", n);
    }
    cz_bytes_free(&b);
    cz_dataset_free(d);
}

/* Offsets into the encoding of `small` (see the layout in dataset_bytes.c):
 * "CZDS" 4, version 4, name 4+5 ("small"), is_image 1, features 8, then
 * channels, height, width, classes (4 each). */
#define OFF_VERSION 4
#define OFF_IS_IMAGE 17
#define OFF_FEATURES 18
#define OFF_CLASSES 38

static void corrupt_and_expect(size_t off, uint8_t value, const char *msg)
{
    cz_dataset *d = small("small.csv");
    cz_bytes b = encode(d);
    b.data[off] = value;
    cz_error err;
    decode(&b, CZ_EFORMAT, &err);
    cr_assert(strstr(err.msg, msg), "offset %zu: \"%s\" lacks \"%s\"", off, err.msg, msg);
    cz_bytes_free(&b);
    cz_dataset_free(d);
}

Test(dataset_bytes, corrupt_fields_are_refused_by_name)
{
    corrupt_and_expect(0, 'X', "magic is not \"CZDS\"");
    corrupt_and_expect(OFF_VERSION, 9, "dataset version 9 is not supported");
    corrupt_and_expect(OFF_IS_IMAGE, 7, "is_image is 7");
    corrupt_and_expect(OFF_FEATURES, 3, "does not match 3 features");
    corrupt_and_expect(OFF_CLASSES, 1, "the class count is 1");
    /* The last label (an i32 at the very end) set to 5 with 2 classes. */
    cz_dataset *d = small("small.csv");
    cz_bytes b = encode(d);
    b.data[b.len - 4] = 5;
    cz_error err;
    decode(&b, CZ_EFORMAT, &err);
    cr_assert(strstr(err.msg, "has label 5, outside 0..1"), "%s", err.msg);
    /* A row count far beyond the bytes: refused before any allocation. */
    size_t rows_at = b.len - (d->split[CZ_TEST].rows * (4 * d->features + 4)) - 8;
    b.data[b.len - 4] = 0;
    b.data[rows_at + 5] = 0x7f;
    decode(&b, CZ_EFORMAT, &err);
    cr_assert(strstr(err.msg, "more than the bytes left hold"), "%s", err.msg);
    cz_bytes_free(&b);
    cz_dataset_free(d);
}

Test(dataset_bytes, out_of_memory_at_every_allocation_is_reported)
{
    cz_dataset *d = small("small.csv");
    cz_bytes b = encode(d);
    int failures = 0;
    for (long k = 0;; k++) {
        cz_alloc_fail_after(k);
        cz_reader r = cz_reader_init(b.data, b.len, NULL);
        cz_dataset *back = NULL;
        cz_error err;
        cz_status st = cz_dataset_deserialize(&r, &back, &err);
        cz_alloc_fail_after(-1);
        if (st == CZ_OK) {
            assert_same(d, back);
            cz_dataset_free(back);
            break;
        }
        cr_assert_eq(st, CZ_ENOMEM, "allocation %ld: %s (%s)", k, cz_status_name(st), err.msg);
        cr_assert_null(back);
        failures++;
        cr_assert_lt(k, 1000);
    }
    cr_assert_gt(failures, 5);
    /* The CSV loader too. */
    for (long k = 0;; k++) {
        cz_alloc_fail_after(k);
        cz_dataset *e = NULL;
        cz_error err;
        cz_status st = cz_dataset_load_csv_text(SMALL, strlen(SMALL), "small.csv", NULL, &e, &err);
        cz_alloc_fail_after(-1);
        if (st == CZ_OK) {
            assert_same(d, e);
            cz_dataset_free(e);
            break;
        }
        cr_assert_eq(st, CZ_ENOMEM, "allocation %ld: %s (%s)", k, cz_status_name(st), err.msg);
        cr_assert_null(e);
        cr_assert_lt(k, 1000);
    }
    cz_bytes_free(&b);
    cz_dataset_free(d);
}
