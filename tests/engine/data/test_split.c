/* cz-split-v1 in C against make_splits.py: its test vector, two vectors the
 * script printed (seeds 12345 and 1, listed below with the command), and
 * every shipped .split file of ../shared/data/splits, row for row. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "data/data_internal.h"
#include "data/dataset.h"
#include "test_paths.h"

static const double FRAC[3] = {0.7, 0.15, 0.15};

Test(split, splitmix64_test_vector_of_make_splits)
{
    uint64_t state = 0;
    cr_assert_eq(cz_splitmix64(&state), 0xe220a8397b1dcdafULL);
    cr_assert_eq(cz_splitmix64(&state), 0x6e789e6aa1b965f4ULL);
    cr_assert_eq(cz_splitmix64(&state), 0x06c45d188009454fULL);
}

static void expect_assign(const int32_t *y, size_t n, int classes, uint64_t seed,
                          const char *expected)
{
    uint8_t assign[64];
    cz_error err;
    cr_assert_eq(cz_split_v1(y, n, classes, FRAC, seed, assign, &err), CZ_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(assign[i], expected[i] - '0', "row %zu: %d, make_splits.py says %c", i,
                     assign[i], expected[i]);
}

/* Produced by: /usr/bin/python3 -c "import make_splits as m; ..." with
 * labels [(i*7)%3 for i in range(30)], seed 12345, and labels [0]*10+[1]*6,
 * seed 1 (0 = train, 1 = val, 2 = test). */
Test(split, matches_make_splits_on_small_vectors)
{
    int32_t y[30];
    for (int i = 0; i < 30; i++)
        y[i] = (i * 7) % 3;
    expect_assign(y, 30, 3, 12345, "210002002021200100010000021100");
    int32_t y2[16];
    for (int i = 0; i < 16; i++)
        y2[i] = i >= 10;
    expect_assign(y2, 16, 2, 1, "1000021200001020");
}

static const char *const TABULAR[] = {"alzheimers", "biopsy", "ctg", "flchain", "icu_mortality",
                                      "mgus2", "nafld", "nwtco", "pima", "pneumon",
                                      "stroke", "trace", "wdbc"};

static uint8_t *read_shared(const char *rel, size_t *len)
{
    char path[1024];
    uint8_t *data;
    cz_error err;
    CZ_SHARED_PATH(path, rel);
    cr_assert_eq(cz_file_read(path, "test file", &data, len, &err), CZ_OK, "%s", err.msg);
    return data;
}

Test(split, every_shipped_split_file_is_reproduced_bit_for_bit)
{
    for (size_t f = 0; f < sizeof TABULAR / sizeof *TABULAR; f++) {
        char rel[128];
        size_t len;
        snprintf(rel, sizeof rel, "data/%s.csv", TABULAR[f]);
        uint8_t *text = read_shared(rel, &len);
        cz_csv_table t;
        cz_error err;
        cr_assert_eq(cz_csv_parse((const char *)text, len, rel, &t, &err), CZ_OK, "%s", err.msg);
        cz_free(text);
        cr_assert_str_eq(t.names[t.cols - 1], "label");
        int32_t *y = cz_calloc(t.rows, sizeof(int32_t));
        uint8_t *mine = cz_calloc(t.rows, 1), *shipped = cz_calloc(t.rows, 1);
        for (size_t r = 0; r < t.rows; r++)
            y[r] = (int32_t)t.cells[r * t.cols + t.cols - 1];
        cr_assert_eq(cz_split_v1(y, t.rows, 2, FRAC, 0, mine, &err), CZ_OK, "%s: %s",
                     TABULAR[f], err.msg);
        snprintf(rel, sizeof rel, "data/splits/%s.split", TABULAR[f]);
        text = read_shared(rel, &len);
        cr_assert_eq(cz_split_file_parse((const char *)text, len, rel, t.rows, shipped, &err),
                     CZ_OK, "%s", err.msg);
        cz_free(text);
        cr_assert_eq(memcmp(mine, shipped, t.rows), 0, "%s: the computed split differs",
                     TABULAR[f]);
        cz_free(y);
        cz_free(mine);
        cz_free(shipped);
        cz_csv_table_free(&t);
    }
}

Test(split, a_different_seed_gives_a_different_split)
{
    int32_t y[100];
    uint8_t a[100], b[100];
    for (int i = 0; i < 100; i++)
        y[i] = i % 4 == 0;
    cz_error err;
    cr_assert_eq(cz_split_v1(y, 100, 2, FRAC, 0, a, &err), CZ_OK);
    cr_assert_eq(cz_split_v1(y, 100, 2, FRAC, 1, b, &err), CZ_OK);
    cr_assert_neq(memcmp(a, b, 100), 0);
}

Test(split, custom_fractions_round_half_up_per_class)
{
    int32_t y[40];
    uint8_t a[40];
    for (int i = 0; i < 40; i++)
        y[i] = i >= 20; /* 20 per class */
    double frac[3] = {0.5, 0.25, 0.25};
    cz_error err;
    cr_assert_eq(cz_split_v1(y, 40, 2, frac, 3, a, &err), CZ_OK, "%s", err.msg);
    size_t count[3] = {0};
    for (int i = 0; i < 40; i++)
        count[a[i]]++;
    cr_assert_eq(count[0], 20);
    cr_assert_eq(count[1], 10);
    cr_assert_eq(count[2], 10);
}

Test(split, bad_fractions_labels_and_tiny_classes_are_refused)
{
    int32_t y[8] = {0, 0, 0, 0, 0, 1, 1, 1};
    uint8_t a[8];
    cz_error err;
    double bad_sum[3] = {0.7, 0.2, 0.2};
    cr_assert_eq(cz_split_v1(y, 8, 2, bad_sum, 0, a, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "sum to 1.1"), "%s", err.msg);
    double negative[3] = {1.2, -0.1, -0.1};
    cr_assert_eq(cz_split_v1(y, 8, 2, negative, 0, a, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "[0, 1]"), "%s", err.msg);
    cr_assert_eq(cz_split_v1(y, 8, 2, FRAC, 0, a, &err), CZ_EINVAL, "3 rows of class 1");
    cr_assert(strstr(err.msg, "class 1 has 3 rows"), "%s", err.msg);
    cr_assert(strstr(err.hint, "add rows"), "%s", err.hint);
    int32_t out_of_range[8] = {0, 0, 0, 0, 2, 1, 1, 1};
    cr_assert_eq(cz_split_v1(out_of_range, 8, 2, FRAC, 0, a, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "label 2"), "%s", err.msg);
}

Test(split, split_file_words_and_row_count_are_checked)
{
    uint8_t a[3];
    cz_error err;
    const char *ok = "split\r\ntrain\r\nval\r\ntest\r\n";
    cr_assert_eq(cz_split_file_parse(ok, strlen(ok), "x.split", 3, a, &err), CZ_OK, "%s", err.msg);
    cr_assert(a[0] == CZ_TRAIN && a[1] == CZ_VAL && a[2] == CZ_TEST);
    const char *no_header = "train\nval\ntest\n";
    cr_assert_eq(cz_split_file_parse(no_header, strlen(no_header), "x.split", 3, a, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "line 1 is not \"split\""), "%s", err.msg);
    const char *bad_word = "split\ntrain\nvalidation\ntest\n";
    cr_assert_eq(cz_split_file_parse(bad_word, strlen(bad_word), "x.split", 3, a, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "line 3: \"validation\""), "%s", err.msg);
    const char *short_file = "split\ntrain\nval\n";
    cr_assert_eq(cz_split_file_parse(short_file, strlen(short_file), "x.split", 3, a, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "has 2 rows, the CSV has 3"), "%s", err.msg);
    const char *long_file = "split\ntrain\nval\ntest\ntrain\n";
    cr_assert_eq(cz_split_file_parse(long_file, strlen(long_file), "x.split", 3, a, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "more rows than the CSV's 3"), "%s", err.msg);
    const char *no_train = "split\ntest\nval\ntest\n";
    cr_assert_eq(cz_split_file_parse(no_train, strlen(no_train), "x.split", 3, a, &err),
                 CZ_EFORMAT);
    cr_assert(strstr(err.msg, "no row in the training split"), "%s", err.msg);
}
