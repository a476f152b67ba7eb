/* The body codec: ckpt_records_parse on hand-made bodies (the bytes an
 * authenticated but faulty or newer writer could produce), with the exact
 * errors pinned, and out-of-memory at every allocation of a save and a load. */
#include <criterion/criterion.h>
#include <string.h>

#include "ckpt_impl.h"
#include "ckpt_test_util.h"
#include "core/alloc.h"
#include "core/bytes.h"

TestSuite(records, .timeout = 60);

typedef struct raw {
    uint32_t type;
    const char *name;
    uint32_t name_len; /* 0: strlen(name) */
    const char *data;
    uint64_t size;     /* as written; the bytes written are strlen(data) */
} raw;

/* Parses a body built from `recs` (count as given), plus `trailing` bytes. */
static ckpt_records *parse(uint32_t count, const raw *recs, size_t n, size_t trailing,
                           cz_error *err)
{
    cz_bytes b = {0};
    cz_bytes_u32(&b, count);
    for (size_t i = 0; i < n; i++) {
        uint32_t len = recs[i].name_len ? recs[i].name_len : (uint32_t)strlen(recs[i].name);
        cz_bytes_u32(&b, recs[i].type);
        cz_bytes_u32(&b, len);
        cz_bytes_put(&b, recs[i].name, len);
        cz_bytes_u64(&b, recs[i].size);
        cz_bytes_put(&b, recs[i].data, strlen(recs[i].data));
    }
    for (size_t i = 0; i < trailing; i++)
        cz_bytes_u8(&b, 0);
    cr_assert_eq(cz_bytes_status(&b, err), CZ_OK);
    /* The parser takes the body: hand it a buffer of exactly its size. */
    uint8_t *body = cz_alloc(b.len ? b.len : 1);
    memcpy(body, b.data, b.len);
    size_t len = b.len;
    cz_bytes_free(&b);
    return ckpt_records_parse(body, len, "f.cdz", err);
}

Test(records, a_valid_body_parses)
{
    raw r[2] = {{CKPT_TYPE_DATASET, "wdbc", 0, "abc", 3}, {CKPT_TYPE_RESULT, "res", 0, "", 0}};
    cz_error err;
    ckpt_records *l = parse(2, r, 2, 0, &err);
    cr_assert_not_null(l, "%s", err.msg);
    cr_assert_eq(ckpt_records_count(l), 2);
    cr_assert_str_eq(ckpt_records_at(l, 0)->name, "wdbc");
    cr_assert(memcmp(ckpt_records_at(l, 0)->data, "abc", 3) == 0);
    cr_assert_eq(ckpt_records_at(l, 1)->size, 0);
    cr_assert_null(ckpt_records_at(l, 1)->data);
    ckpt_records_free(&l);
}

static void expect(cz_status code, const char *msg, uint32_t count, const raw *r, size_t n,
                   size_t trailing)
{
    cz_error err;
    ckpt_records *l = parse(count, r, n, trailing, &err);
    cr_assert_null(l, "accepted: %s", msg);
    cr_assert_eq(err.code, code, "%s: got %s (%s)", msg, cz_status_name(err.code), err.msg);
    cr_assert_str_eq(err.msg, msg);
}

Test(records, malformed_bodies_are_refused_with_pinned_messages)
{
    raw one = {CKPT_TYPE_MODEL, "m", 0, "xy", 2};
    expect(CZ_EFORMAT,
           "f.cdz is malformed: truncated record: record type needs 4 bytes at offset 23, 0 left",
           2, &one, 1, 0);
    expect(CZ_EFORMAT, "f.cdz is malformed: malformed record: 3 unexpected trailing bytes", 1,
           &one, 1, 3);
    raw noname = {CKPT_TYPE_MODEL, "", 0, "", 0};
    expect(CZ_EFORMAT, "f.cdz is malformed: record 1's name is 0 bytes (1..255 allowed)", 1,
           &noname, 1, 0);
    static char n256[257];
    memset(n256, 'n', 256);
    raw longname = {CKPT_TYPE_MODEL, n256, 256, "", 0};
    expect(CZ_EFORMAT, "f.cdz is malformed: record 1's name is 256 bytes (1..255 allowed)", 1,
           &longname, 1, 0);
    raw nul = {CKPT_TYPE_MODEL, "a\0b", 3, "", 0};
    expect(CZ_EFORMAT, "f.cdz is malformed: record 1's name contains a NUL byte", 1, &nul, 1, 0);
    raw huge = {CKPT_TYPE_MODEL, "m", 0, "xy", UINT64_MAX};
    expect(CZ_EFORMAT,
           "f.cdz is malformed: record 1 says 18446744073709551615 payload bytes, 2 remain", 1,
           &huge, 1, 0);
    raw unknown = {77, "future", 0, "", 0};
    expect(CZ_EUNSUPPORTED,
           "f.cdz holds record 1 of type tag 77, unknown to this version (tags 1..9)", 1, &unknown,
           1, 0);
    raw dup[2] = {{CKPT_TYPE_MODEL, "m", 0, "", 0}, {CKPT_TYPE_RUN, "m", 0, "", 0}};
    expect(CZ_EFORMAT, "f.cdz is malformed: two records are named \"m\"", 2, dup, 2, 0);
    expect(CZ_EFORMAT, "f.cdz is malformed: 65537 records, at most 65536 allowed", 65537, NULL, 0,
           0);
}

Test(records, an_empty_body_is_malformed)
{
    cz_error err;
    uint8_t *body = cz_alloc(1);
    cr_assert_null(ckpt_records_parse(body, 0, "f.cdz", &err));
    cr_assert_eq(err.code, CZ_EFORMAT);
    cr_assert_str_eq(err.msg, "f.cdz is malformed: truncated record: record count needs 4 bytes "
                              "at offset 0, 0 left");
}

/* Runs op with the n-th cz_alloc failing, for n = 0, 1, ... until it
 * succeeds; every failure must be CZ_ENOMEM (ASan checks for leaks). */
static int run_until_it_succeeds(cz_status (*op)(void *), void *user)
{
    for (long n = 0; n < 1000; n++) {
        cz_alloc_fail_after(n);
        cz_status s = op(user);
        cz_alloc_fail_after(-1);
        if (s == CZ_OK)
            return (int)n;
        cr_assert_eq(s, CZ_ENOMEM, "allocation %ld failing gave %s", n, cz_status_name(s));
    }
    cr_assert_fail("never succeeded");
    return -1;
}

typedef struct oom_case {
    const char *path;
    ckpt_key *key;
    ckpt_record recs[3];
} oom_case;

static cz_status save_op(void *user)
{
    oom_case *c = user;
    cz_error err;
    return ckpt_save(c->path, c->key, c->recs, 3, &(ckpt_save_opts){.frame_bytes = 64}, &err);
}

static cz_status load_op(void *user)
{
    oom_case *c = user;
    cz_error err;
    ckpt_records *l = ckpt_load(c->path, c->key, NULL, &err);
    if (!l)
        return err.code;
    assert_records_equal(l, c->recs, 3);
    ckpt_records_free(&l);
    return CZ_OK;
}

Test(records, out_of_memory_is_reported_at_every_allocation)
{
    const char *dir = tmpdir_make();
    oom_case c = {.path = in_dir(dir, "oom.cdz"), .key = test_key(TEST_PASS),
                  .recs = {{CKPT_TYPE_DATASET, "a", "one", 3},
                           {CKPT_TYPE_EXPERTS, "b", "two", 3},
                           {CKPT_TYPE_MODEL, "c", NULL, 0}}};
    cz_error err;
    cr_assert_eq(ckpt_save(c.path, c.key, c.recs, 3, NULL, &err), CZ_OK);
    int saves = run_until_it_succeeds(save_op, &c);
    int loads = run_until_it_succeeds(load_op, &c);
    cr_assert_gt(saves, 2, "save made only %d allocations", saves);
    cr_assert_gt(loads, 2, "load made only %d allocations", loads);
    cr_assert_eq(count_files(dir, ".tmp-"), 0);
    ckpt_key_free(&c.key);
    tmpdir_remove(dir);
}
