#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "cz.h"

Test(status, names_are_stable)
{
    cr_assert_str_eq(cz_status_name(CZ_OK), "CZ_OK");
    cr_assert_str_eq(cz_status_name(CZ_EINTERRUPTED), "CZ_EINTERRUPTED");
    cr_assert_str_eq(cz_status_name(CZ_EAUTH), "CZ_EAUTH");
    cr_assert_str_eq(cz_status_name((cz_status)999), "CZ_EUNKNOWN");
    for (int s = 0; s < CZ_STATUS_COUNT; s++)
        cr_assert(strncmp(cz_status_name((cz_status)s), "CZ_", 3) == 0, "status %d has no name", s);
}

Test(status, set_fills_code_message_and_hint)
{
    cz_error err;
    cz_status s = cz_error_set(&err, CZ_EINVAL, "pass {ipc = 1}", "ipc %d exceeds class size %d", 50, 12);
    cr_assert_eq(s, CZ_EINVAL);
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert_str_eq(err.msg, "ipc 50 exceeds class size 12");
    cr_assert_str_eq(err.hint, "pass {ipc = 1}");
}

Test(status, null_error_is_allowed_and_code_returned)
{
    cr_assert_eq(cz_error_set(NULL, CZ_EIO, NULL, "x"), CZ_EIO);
}

Test(status, long_messages_truncate_without_overflow)
{
    cz_error err;
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cz_error_set(&err, CZ_EFORMAT, big, "%s", big);
    cr_assert_eq(strlen(err.msg), CZ_ERROR_TEXT - 1);
    cr_assert_eq(strlen(err.hint), CZ_ERROR_TEXT - 1);
}

Test(status, prefix_keeps_code)
{
    cz_error err;
    cz_error_set(&err, CZ_EFORMAT, "h", "line 3: bad number");
    cz_error_prefix(&err, "loading %s", "wdbc.csv");
    cr_assert_str_eq(err.msg, "loading wdbc.csv: line 3: bad number");
    cr_assert_eq(err.code, CZ_EFORMAT);
    cr_assert_str_eq(err.hint, "h");
}

Test(status, clear_resets)
{
    cz_error err;
    cz_error_set(&err, CZ_EIO, "h", "m");
    cz_error_clear(&err);
    cr_assert_eq(err.code, CZ_OK);
    cr_assert_str_eq(err.msg, "");
}

Test(status, assert_aborts_on_broken_invariant, .signal = SIGABRT)
{
    int broken = 0;
    CZ_ASSERT(broken == 1);
}
