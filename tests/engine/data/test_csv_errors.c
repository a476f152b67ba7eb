/* Broken CSV files: each case asserts the status code and that the message
 * names the problem (file, line, column where there is one) and the hint the
 * way out. Every case also checks that nothing is returned and nothing leaks
 * (run under ASan). Pinned texts, as SQLite pins its "malformed" messages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset.h"

typedef struct bad_case {
    const char *what;
    const char *text;
    cz_status code;
    const char *msg;   /* must appear in err.msg */
    const char *hint;  /* must appear in err.hint (NULL: not checked) */
} bad_case;

/* Eight rows, four per class: enough for the default split. */
#define OK_ROWS "1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n"

static const bad_case CASES[] = {
    {"empty file", "", CZ_EFORMAT, "bad.csv is empty", "header row"},
    {"blank lines only", "\n\r\n\n", CZ_EFORMAT, "bad.csv is empty", NULL},
    {"byte-order mark only", "\xEF\xBB\xBF", CZ_EFORMAT, "is empty", NULL},
    {"header only", "a,label\n", CZ_EFORMAT, "has a header but no data rows", "add one row"},
    {"non-numeric cell", "a,label\n1,0\nabc,1\n", CZ_EFORMAT,
     "bad.csv line 3, column 1 (\"a\"): \"abc\" is not a number", "cells must be numbers"},
    {"NA for missing", "a,label\n1,0\nNA,1\n", CZ_EFORMAT,
     "line 3, column 1 (\"a\"): \"NA\" is not a number", "empty cell"},
    {"semicolon separators", "a;label\n1,5;0\n", CZ_EFORMAT,
     "line 1 (header) is one column \"a;label\": the file seems to use ';' between columns",
     "comma-separated"},
    {"tab separators", "a\tlabel\n1\t0\n", CZ_EFORMAT, "seems to use tabs", NULL},
    {"text label", "a,label\n1,yes\n2,no\n", CZ_EFORMAT,
     "line 2, column 2 (\"label\"): \"yes\" is not a number", NULL},
    {"infinity", "a,label\n" OK_ROWS "inf,0\n", CZ_EFORMAT, "line 10, column 1 (\"a\"): \"inf\"",
     NULL},
    {"hexadecimal", "a,label\n0x10,0\n", CZ_EFORMAT, "\"0x10\" is not a number", NULL},
    {"number out of range", "a,label\n1e999,0\n", CZ_EFORMAT, "\"1e999\" is out of range", NULL},
    {"NUL byte in a cell", "a,label\n1\0002,0\n", CZ_EFORMAT, "\"1?2\" is not a number", NULL},
    {"row too short", "a,b,label\n1,2,0\n3,1\n", CZ_EFORMAT,
     "bad.csv line 3 has 2 cells, the header has 3 columns", "one cell per header column"},
    {"row too long", "a,label\n1,0\n2,3,1\n", CZ_EFORMAT,
     "bad.csv line 3 has more cells than the 2 header columns", "unquoted comma"},
    {"label column missing, near miss", "a,lable\n" OK_ROWS, CZ_EINVAL,
     "label column \"label\" not found in data/bad.csv; columns are: a, lable",
     "did you mean \"lable\"? pass {label = \"lable\"}"},
    {"label column missing, case", "a,Label\n" OK_ROWS, CZ_EINVAL, "columns are: a, Label",
     "did you mean \"Label\"?"},
    {"label column missing, nothing close", "glucose,diabetes_status\n" OK_ROWS, CZ_EINVAL,
     "columns are: glucose, diabetes_status", "pass {label = \"NAME\"} with one of the 2 columns"},
    {"single class", "a,label\n1,1\n2,1\n3,1\n", CZ_EFORMAT,
     "bad.csv: every one of the 3 rows has label 1", "at least two classes"},
    {"labels 1 and 2", "a,label\n1,1\n2,2\n3,1\n4,2\n", CZ_EFORMAT, "no row has label 0",
     "recode the labels as 0..k-1"},
    {"fractional label", "a,label\n1,0\n2,0.5\n", CZ_EFORMAT,
     "line 3, column 2 (\"label\"): label 0.5 is not a class index", "class indices 0..k-1"},
    {"negative label", "a,label\n1,0\n2,-1\n", CZ_EFORMAT, "label -1 is not a class index", NULL},
    {"huge label (an id column)", "a,label\n1,0\n2,5000\n", CZ_EFORMAT,
     "label 5000 is not a class index", NULL},
    {"empty label", "a,label\n1,0\n2,\n", CZ_EFORMAT,
     "bad.csv line 3, column 2 (\"label\"): the label is empty", "every row needs a label"},
    {"unterminated quote", "\"a,label\n1,0\n", CZ_EFORMAT,
     "bad.csv line 1: a quoted field is never closed", "close the quote"},
    {"text after a closing quote", "\"a\"x,label\n1,0\n", CZ_EFORMAT,
     "unexpected character 'x' after a closing quote", NULL},
    {"R row names column", "\"\",\"a\",\"label\"\n\"1\",1,0\n", CZ_EFORMAT,
     "line 1 (header), column 1 has no name", "row.names = FALSE"},
    {"duplicate column", "a,b,a,label\n1,2,3,0\n", CZ_EFORMAT,
     "column name \"a\" appears twice (columns 1 and 3)", "rename"},
    {"label only", "label\n0\n1\n0\n1\n", CZ_EFORMAT, "has only the label column \"label\"",
     NULL},
    {"too few rows of a class", "a,label\n1,0\n2,0\n3,0\n4,0\n5,0\n6,1\n7,1\n", CZ_EINVAL,
     "bad.csv: class 1 has 2 rows, too few for the split 0.70/0.15/0.15", "add rows"},
    {"quoted newline counts lines", "\"a\nb\",label\n1,0\n2,x\n", CZ_EFORMAT,
     "line 4, column 2 (\"label\"): \"x\"", NULL},
};

Test(csv_errors, every_broken_file_is_refused_with_a_named_reason)
{
    size_t n = sizeof CASES / sizeof *CASES;
    cr_assert_geq(n, 25);
    for (size_t i = 0; i < n; i++) {
        const bad_case *c = &CASES[i];
        /* The NUL case needs its true length. */
        size_t len = strlen(c->text);
        if (strstr(c->what, "NUL"))
            len = strlen(c->text) + 1 + strlen(c->text + strlen(c->text) + 1);
        cz_dataset *d = (cz_dataset *)1;
        cz_error err;
        cz_error_clear(&err);
        cz_status st = cz_dataset_load_csv_text(c->text, len, "data/bad.csv", NULL, &d, &err);
        cr_assert_eq(st, c->code, "%s: got %s (%s)", c->what, cz_status_name(st), err.msg);
        cr_assert_eq(err.code, c->code, "%s", c->what);
        cr_assert_null(d, "%s: no dataset on failure", c->what);
        cr_assert(strstr(err.msg, c->msg), "%s:\n  message \"%s\"\n  lacks   \"%s\"", c->what,
                  err.msg, c->msg);
        if (c->hint)
            cr_assert(strstr(err.hint, c->hint), "%s:\n  hint \"%s\"\n  lacks \"%s\"", c->what,
                      err.hint, c->hint);
        cr_assert(err.hint[0], "%s: every error says how to fix it", c->what);
    }
}

Test(csv_errors, a_file_that_does_not_exist)
{
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv("/nonexistent/dir/pima.csv", NULL, &d, &err), CZ_EIO);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, "cannot open CSV /nonexistent/dir/pima.csv: No such file"), "%s",
              err.msg);
    cr_assert(strstr(err.hint, "check the path"), "%s", err.hint);
}

Test(csv_errors, a_folder_instead_of_a_file)
{
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv("/tmp", NULL, &d, &err), CZ_EIO);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, "cannot read CSV /tmp"), "%s", err.msg);
}

Test(csv_errors, a_missing_or_mismatched_split_file)
{
    const char *text = "a,label\n" OK_ROWS;
    cz_csv_opts o = cz_csv_opts_default();
    o.split_file = "/nonexistent/pima.split";
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(text, strlen(text), "x.csv", &o, &d, &err), CZ_EIO);
    cr_assert(strstr(err.msg, "cannot open split file /nonexistent/pima.split"), "%s", err.msg);

    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/cz_csv_errors_%ld", (long)getpid());
    cr_assert_eq(mkdir(dir, 0700), 0, "mkdir %s", dir);
    char path[128];
    snprintf(path, sizeof path, "%s/x.split", dir);
    FILE *f = fopen(path, "w");
    fputs("split\ntrain\ntrain\nval\n", f);
    fclose(f);
    o.split_file = path;
    cr_assert_eq(cz_dataset_load_csv_text(text, strlen(text), "x.csv", &o, &d, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "x.split has 3 rows, the CSV has 8 data rows"), "%s", err.msg);
    cr_assert_null(d);
    unlink(path);
    rmdir(dir);
}

Test(csv_errors, bad_split_fractions_are_an_option_error)
{
    const char *text = "a,label\n" OK_ROWS;
    cz_csv_opts o = cz_csv_opts_default();
    o.frac[0] = 0.8;
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv_text(text, strlen(text), "x.csv", &o, &d, &err), CZ_EINVAL);
    cr_assert(strstr(err.msg, "sum to 1.1, not 1"), "%s", err.msg);
    cr_assert(strstr(err.hint, "{0.7, 0.15, 0.15}"), "%s", err.hint);
}

Test(csv_errors, a_long_path_is_shortened_to_its_tail)
{
    char path[400];
    memset(path, 'd', sizeof path);
    memcpy(path, "/nonexistent/", 13);
    strcpy(path + 380, "/my_data.csv");
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_csv(path, NULL, &d, &err), CZ_EIO);
    cr_assert(strstr(err.msg, "/my_data.csv"), "%s", err.msg);
}
