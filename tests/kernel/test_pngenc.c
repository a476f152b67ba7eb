/* The PNG encoder: output decodes (with libpng's reader) to the same pixels;
 * bad sizes and channel counts are refused with a reason. */
#include <criterion/criterion.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "display/mime.h"
#include "display/pngenc.h"

/* Decodes a PNG into 8-bit pixels of the given format. */
static uint8_t *decode(const uint8_t *png, size_t len, int *w, int *h, png_uint_32 format)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_memory(&img, png, len), "not a PNG: %s", img.message);
    img.format = format;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    cr_assert(png_image_finish_read(&img, NULL, px, 0, NULL), "%s", img.message);
    *w = (int)img.width;
    *h = (int)img.height;
    return px;
}

Test(pngenc, rgb_round_trip)
{
    enum { W = 7, H = 5 };
    uint8_t px[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        px[i] = (uint8_t)(i * 37 + 11);
    uint8_t *png;
    size_t len;
    char err[128];
    cr_assert_eq(png_encode(&png, &len, px, W, H, 3, err, sizeof err), 0, "%s", err);
    cr_expect(mime_is_png(png, len));
    int w, h;
    uint8_t *back = decode(png, len, &w, &h, PNG_FORMAT_RGB);
    cr_expect_eq(w, W);
    cr_expect_eq(h, H);
    cr_expect(memcmp(back, px, sizeof px) == 0, "pixels differ after a round trip");
    free(back);
    free(png);
}

Test(pngenc, grey_round_trip)
{
    uint8_t px[4] = {0, 85, 170, 255};
    uint8_t *png;
    size_t len;
    char err[128];
    cr_assert_eq(png_encode(&png, &len, px, 2, 2, 1, err, sizeof err), 0, "%s", err);
    int w, h;
    uint8_t *back = decode(png, len, &w, &h, PNG_FORMAT_GRAY);
    cr_expect(memcmp(back, px, 4) == 0);
    free(back);
    free(png);
}

Test(pngenc, bad_arguments_are_refused)
{
    uint8_t px[3] = {0};
    uint8_t *png = (uint8_t *)1;
    size_t len = 99;
    char err[128];
    cr_expect_eq(png_encode(&png, &len, px, 0, 1, 3, err, sizeof err), -1);
    cr_expect_null(png);
    cr_expect(strstr(err, "0x1") != NULL, "%s", err);
    cr_expect_eq(png_encode(&png, &len, px, 1, PNG_MAX_SIDE + 1, 3, err, sizeof err), -1);
    cr_expect_eq(png_encode(&png, &len, px, 1, 1, 5, err, sizeof err), -1);
    cr_expect(strstr(err, "5 channels") != NULL, "%s", err);
}
