/* Tables: HTML escaping and alignment, the aligned text twin, cut-off of
 * long tables in both forms. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "display/table.h"

Test(table, html_and_text_forms)
{
    const char *header[2] = {"name", "auroc"};
    const char *cells[4] = {"a<b>", "0.91", "long name", "0.8"};
    bool numeric[2] = {false, true};
    table_model t = {2, 2, header, cells, numeric, "results & more", 0};
    char *html, *text;
    cr_assert_eq(table_render(&t, &html, &text), 0);
    cr_expect(strstr(html, "<td style=\"text-align:left\">a&lt;b&gt;</td>") != NULL, "%s", html);
    cr_expect(strstr(html, "<th style=\"text-align:right\">auroc</th>") != NULL, "%s", html);
    cr_expect(strstr(html, "<caption>results &amp; more</caption>") != NULL, "%s", html);
    cr_expect_str_eq(text, "results & more\n"
                           "name       auroc\n"
                           "---------  -----\n"
                           "a<b>        0.91\n"
                           "long name    0.8");
    free(html);
    free(text);
}

Test(table, long_tables_are_cut)
{
    enum { ROWS = 10 };
    const char *header[1] = {"i"};
    const char *cells[ROWS];
    for (int i = 0; i < ROWS; i++)
        cells[i] = "x";
    table_model t = {1, ROWS, header, cells, NULL, NULL, 3};
    char *html, *text;
    cr_assert_eq(table_render(&t, &html, &text), 0);
    cr_expect(strstr(html, "3 of 10 rows shown") != NULL);
    cr_expect(strstr(text, "(3 of 10 rows shown)") != NULL, "%s", text);
    size_t rows = 0;
    for (const char *p = html; (p = strstr(p, "<tr>")); p++)
        rows++;
    cr_expect_eq(rows, 4, "header + 3 rows, got %zu", rows);
    free(html);
    free(text);
}

Test(table, wide_cells_are_cut_in_text_only)
{
    const char *header[1] = {"c"};
    const char *cells[1] = {"0123456789012345678901234567890123456789XYZ"};
    table_model t = {1, 1, header, cells, NULL, NULL, 0};
    char *html, *text;
    cr_assert_eq(table_render(&t, &html, &text), 0);
    cr_expect(strstr(html, "XYZ") != NULL);
    cr_expect(strstr(text, "XYZ") == NULL);
    cr_expect(strstr(text, "\xE2\x80\xA6") != NULL, "an ellipsis marks the cut");
    free(html);
    free(text);
}
