/* Line charts: a PNG of the asked size with each series drawn in its
 * colour; gaps for NaN; nothing finite to draw is an error; the bundle has
 * a plain-text summary and an HTML legend. */
#include <criterion/criterion.h>
#include <math.h>
#include <png.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "display/chart.h"
#include "display/mime.h"

static uint8_t *decode_rgb(const uint8_t *png, size_t len, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&img, png, len));
    img.format = PNG_FORMAT_RGB;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
    *w = (int)img.width;
    *h = (int)img.height;
    return px;
}

static size_t count_color(const uint8_t *px, int w, int h, rgb8 c)
{
    size_t n = 0;
    for (int i = 0; i < w * h; i++)
        n += px[3 * i] == c.r && px[3 * i + 1] == c.g && px[3 * i + 2] == c.b;
    return n;
}

Test(chart, series_are_drawn_in_their_colours)
{
    double a[50], b[50];
    for (int i = 0; i < 50; i++) {
        a[i] = exp(-i / 10.0);
        b[i] = 0.5 + 0.1 * sin(i);
    }
    chart_series s[2] = {{"train", NULL, a, 50}, {"val", NULL, b, 50}};
    chart_options o = {320, 200, false, "loss", NULL, NULL};
    uint8_t *png;
    size_t len;
    char err[128];
    cr_assert_eq(chart_render_png(&png, &len, s, 2, &o, err, sizeof err), 0, "%s", err);
    int w, h;
    uint8_t *px = decode_rgb(png, len, &w, &h);
    cr_expect_eq(w, 320);
    cr_expect_eq(h, 200);
    cr_expect_gt(count_color(px, w, h, chart_color(0)), 100, "series 0 barely drawn");
    cr_expect_gt(count_color(px, w, h, chart_color(1)), 100, "series 1 barely drawn");
    cr_expect_eq(count_color(px, w, h, chart_color(2)), 0, "no third series");
    free(px);
    free(png);
}

Test(chart, nan_breaks_the_line_and_log_scale_skips_nonpositive)
{
    double y[6] = {1, 2, NAN, 4, 0, 8};
    chart_series s = {"y", NULL, y, 6};
    chart_options o = {0, 0, true, NULL, NULL, NULL};
    uint8_t *png;
    size_t len;
    char err[128];
    cr_assert_eq(chart_render_png(&png, &len, &s, 1, &o, err, sizeof err), 0, "%s", err);
    int w, h;
    uint8_t *px = decode_rgb(png, len, &w, &h);
    cr_expect_eq(w, 640, "default width");
    cr_expect_eq(h, 360, "default height");
    free(px);
    free(png);
}

Test(chart, nothing_to_draw)
{
    double y[2] = {NAN, INFINITY};
    chart_series s = {"y", NULL, y, 2};
    chart_options o = {0};
    uint8_t *png;
    size_t len;
    char err[128];
    cr_expect_eq(chart_render_png(&png, &len, &s, 1, &o, err, sizeof err), -1);
    cr_expect(strstr(err, "nothing to draw") != NULL, "%s", err);
    cr_expect_eq(chart_render_png(&png, &len, &s, 0, &o, err, sizeof err), -1);
}

Test(chart, constant_series_and_single_point)
{
    double y[1] = {3};
    chart_series s = {"one", NULL, y, 1};
    chart_options o = {200, 150, false, NULL, NULL, NULL};
    uint8_t *png;
    size_t len;
    char err[128];
    cr_assert_eq(chart_render_png(&png, &len, &s, 1, &o, err, sizeof err), 0, "%s", err);
    int w, h;
    uint8_t *px = decode_rgb(png, len, &w, &h);
    cr_expect_gt(count_color(px, w, h, chart_color(0)), 3, "a lone point shows as a dot");
    free(px);
    free(png);
}

Test(chart, bundle_has_png_html_legend_and_summary)
{
    double y[3] = {3, 2, 1};
    chart_series s = {"loss <train>", NULL, y, 3};
    chart_options o = {240, 160, false, "Training", "epoch", NULL};
    json_t *meta;
    char err[128];
    json_t *d = chart_bundle(&s, 1, &o, &meta, err, sizeof err);
    cr_assert_not_null(d, "%s", err);
    const char *plain = json_string_value(json_object_get(d, "text/plain"));
    cr_expect(strstr(plain, "loss <train>: 3 points, last 1, min 1, max 3") != NULL, "%s", plain);
    const char *html = json_string_value(json_object_get(d, "text/html"));
    cr_expect(strstr(html, "loss &lt;train&gt;") != NULL, "names are escaped: %s", html);
    cr_expect(strstr(html, "data:image/png;base64,iVBORw0KGgo") != NULL);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(meta, "image/png"), "width")), 240);
    json_decref(d);
    json_decref(meta);
}
