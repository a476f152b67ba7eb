#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "cz.h"
#include "core/bytes.h"

Test(bytes, round_trip_every_field_type)
{
    cz_bytes b = {0};
    cz_real reals[3] = {1.5f, -2.25f, 1e-3f};
    int32_t i32[2] = {-7, 1 << 30};
    int64_t i64[2] = {-1, (int64_t)1 << 40};
    cz_bytes_u8(&b, 200);
    cz_bytes_u32(&b, 0xdeadbeef);
    cz_bytes_u64(&b, 0x0123456789abcdefULL);
    cz_bytes_i64(&b, -42);
    cz_bytes_f64(&b, M_PI);
    cz_bytes_str(&b, "wdbc");
    cz_bytes_reals(&b, reals, 3);
    cz_bytes_i32s(&b, i32, 2);
    cz_bytes_i64s(&b, i64, 2);
    cz_error err;
    cr_assert_eq(cz_bytes_status(&b, &err), CZ_OK);
    cr_assert_eq(b.data[1], 0xef, "little-endian on every host");

    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cr_assert_eq(cz_read_u8(&r, "u8"), 200);
    cr_assert_eq(cz_read_u32(&r, "u32"), 0xdeadbeef);
    cr_assert_eq(cz_read_u64(&r, "u64"), 0x0123456789abcdefULL);
    cr_assert_eq(cz_read_i64(&r, "i64"), -42);
    cr_assert_eq(cz_read_f64(&r, "f64"), M_PI);
    char *s = cz_read_str(&r, 64, "name");
    cr_assert_str_eq(s, "wdbc");
    cz_free(s);
    cz_real rb[3];
    int32_t ib[2];
    int64_t lb[2];
    cr_assert(cz_read_reals(&r, rb, 3, "reals"));
    cr_assert(cz_read_i32s(&r, ib, 2, "i32s"));
    cr_assert(cz_read_i64s(&r, lb, 2, "i64s"));
    cr_assert_eq(rb[1], -2.25f);
    cr_assert_eq(ib[0], -7);
    cr_assert_eq(lb[1], (int64_t)1 << 40);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cz_bytes_free(&b);
}

Test(bytes, truncation_is_a_named_format_error)
{
    cz_bytes b = {0};
    cz_bytes_u64(&b, 1);
    cz_error err;
    cz_reader r = cz_reader_init(b.data, 5, &err);
    cz_read_u64(&r, "iteration count");
    cr_assert_eq(cz_reader_finish(&r, 0), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "iteration count"), "%s", err.msg);
    cr_assert_eq(cz_read_u8(&r, "later"), 0, "reads after a failure fail");
    cz_bytes_free(&b);
}

Test(bytes, huge_counts_and_long_strings_are_refused)
{
    cz_bytes b = {0};
    cz_bytes_u32(&b, 1000000);
    cz_error err;
    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cr_assert_null(cz_read_str(&r, 100, "name"));
    cr_assert_eq(err.code, CZ_EFORMAT);
    cz_real out[1];
    cz_reader r2 = cz_reader_init(b.data, b.len, &err);
    cr_assert_eq(cz_read_reals(&r2, out, 1000000, "weights"), 0);
    cr_assert(strstr(err.msg, "weights"), "%s", err.msg);
    cz_bytes_free(&b);
}

Test(bytes, trailing_bytes_are_reported_when_required)
{
    uint8_t raw[3] = {1, 2, 3};
    cz_error err;
    cz_reader r = cz_reader_init(raw, 3, &err);
    cz_read_u8(&r, "a");
    cr_assert_eq(cz_reader_finish(&r, 0), CZ_OK);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_EFORMAT);
}

Test(bytes, allocation_failure_is_sticky_and_reported)
{
    cz_bytes b = {0};
    cz_alloc_fail_after(0);
    cz_bytes_u64(&b, 1);
    cz_bytes_u64(&b, 2);
    cz_alloc_fail_after(-1);
    cz_error err;
    cr_assert_eq(cz_bytes_status(&b, &err), CZ_ENOMEM);
    cz_bytes_free(&b);
}
