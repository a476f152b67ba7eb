/* UTF-8 repair and code-point offsets (Jupyter cursors), HTML escaping. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

Test(text, utf8_validity_and_repair)
{
    cr_expect(utf8_valid("h\xC3\xA9llo", 6));
    cr_expect_not(utf8_valid("\xC3", 1), "truncated sequence");
    cr_expect_not(utf8_valid("\xC0\xAF", 2), "overlong");
    cr_expect_not(utf8_valid("\xED\xA0\x80", 3), "surrogate");
    size_t n;
    char *r = utf8_repair("a\xFF" "b\0c", 5, &n);
    cr_expect_eq(n, 6);
    cr_expect(memcmp(r, "a\xEF\xBF\xBD" "bc", 6) == 0, "bad byte replaced, NUL dropped");
    free(r);
}

Test(text, code_point_offsets)
{
    const char *s = "h\xC3\xA9" "\xF0\x9F\x98\x80" "x";   /* h é 😀 x */
    size_t len = strlen(s);
    cr_expect_eq(utf8_count(s, len), 4);
    cr_expect_eq(utf8_offset(s, len, 0), 0);
    cr_expect_eq(utf8_offset(s, len, 2), 3);
    cr_expect_eq(utf8_offset(s, len, 3), 7);
    cr_expect_eq(utf8_offset(s, len, 99), len, "clamped");
}

Test(text, strbuf_and_html)
{
    strbuf b = {0};
    sb_append_html(&b, "<a href='x'>&</a>", 17);
    sb_printf(&b, " %d", 42);
    char *s = sb_take(&b);
    cr_expect_str_eq(s, "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; 42");
    free(s);
    cr_expect_null(b.data, "take resets the buffer");
    char *empty = sb_take(&b);
    cr_expect_str_eq(empty, "");
    free(empty);
}
