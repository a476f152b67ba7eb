/* The .npz loader: the shipped MedMNIST files (deflated breastmnist with
 * labels (N,), stored pneumoniamnist_full with labels (N, 1)), RGB and zip64
 * archives built here, and broken archives and arrays built here, each
 * refused with its code and a message that names the problem. Reference
 * pixels and the train mean/std were read with numpy (np.load, see each
 * test); the split sizes and class counts are MANIFEST.md's. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/bytes.h"
#include "data/dataset.h"
#include "npz_builder.h"
#include "test_paths.h"

static cz_dataset *load_shared(const char *rel)
{
    char path[1024];
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_npz(CZ_SHARED_PATH(path, rel), &d, &err), CZ_OK, "%s (%s)",
                 err.msg, err.hint);
    return d;
}

/* The value of a pixel in file units (0..255) from the normalised one. */
static double raw_pixel(const cz_dataset *d, int s, size_t row, size_t feature)
{
    double x = d->split[s].x[row * d->features + feature];
    return 255.0 * (x * d->scale[feature] + d->center[feature]);
}

Test(npz, breastmnist_matches_the_manifest_and_numpy)
{
    cz_dataset *d = load_shared("data/breastmnist.npz");
    cr_assert(d->is_image);
    cr_assert_str_eq(d->name, "breastmnist");
    cr_assert_eq(d->channels, 1);
    cr_assert_eq(d->height, 28);
    cr_assert_eq(d->width, 28);
    cr_assert_eq(d->features, 784);
    cr_assert_eq(d->classes, 2);
    cr_assert_null(d->feature_names);
    const size_t rows[3] = {546, 78, 156}, malignant[3] = {147, 21, 42};
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cr_assert_eq(d->split[s].rows, rows[s]);
        cr_assert_eq(cz_dataset_class_count(d, (cz_split)s, 0), malignant[s]);
    }
    /* numpy: train mean of pixels/255 = 0.3275805010648947, std 0.20573014747648122. */
    cr_assert_float_eq(d->center[0], 0.3275805010648947, 1e-12);
    cr_assert_float_eq(d->scale[0], 0.20573014747648122, 1e-12);
    cr_assert_eq(d->center[783], d->center[0], "one mean per channel");
    /* numpy: train_images[0,14,14] = 167, test_images[155,27,27] = 19,
     * val_images[3,0,5] = 171, train_labels[:5] = 1 1 1 1 0. */
    cr_assert_float_eq(raw_pixel(d, CZ_TRAIN, 0, 14 * 28 + 14), 167.0, 1e-3);
    cr_assert_float_eq(raw_pixel(d, CZ_TEST, 155, 27 * 28 + 27), 19.0, 1e-3);
    cr_assert_float_eq(raw_pixel(d, CZ_VAL, 3, 5), 171.0, 1e-3);
    cr_assert_eq(d->split[CZ_TRAIN].y[3], 1);
    cr_assert_eq(d->split[CZ_TRAIN].y[4], 0);
    /* The training split is normalised to mean 0, std 1. */
    double sum = 0, ss = 0;
    size_t n = 546 * 784;
    for (size_t i = 0; i < n; i++)
        sum += d->split[CZ_TRAIN].x[i];
    for (size_t i = 0; i < n; i++)
        ss += pow(d->split[CZ_TRAIN].x[i] - sum / (double)n, 2);
    cr_assert(fabs(sum / (double)n) < 1e-5, "train mean %g", sum / (double)n);
    cr_assert(fabs(sqrt(ss / (double)n) - 1) < 1e-5);
    cz_dataset_free(d);
}

Test(npz, stored_pneumoniamnist_with_column_labels)
{
    cz_dataset *d = load_shared("data/pneumoniamnist_full.npz");
    const size_t rows[3] = {4708, 524, 624}, normal[3] = {1214, 135, 234};
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cr_assert_eq(d->split[s].rows, rows[s]);
        cr_assert_eq(cz_dataset_class_count(d, (cz_split)s, 0), normal[s]);
    }
    /* numpy: train_images[1,10,10] = 182; train_labels[:3] = 1 1 1. */
    cr_assert_float_eq(raw_pixel(d, CZ_TRAIN, 1, 10 * 28 + 10), 182.0, 1e-3);
    cr_assert_eq(d->split[CZ_TRAIN].y[0], 1);
    cz_dataset_free(d);
}

Test(npz, image_dataset_round_trips_and_digests)
{
    cz_dataset *d = load_shared("data/breastmnist.npz");
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_dataset_serialize(d, &b, &err), CZ_OK);
    cz_reader r = cz_reader_init(b.data, b.len, &err);
    cz_dataset *back;
    cr_assert_eq(cz_dataset_deserialize(&r, &back, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_reader_finish(&r, 1), CZ_OK);
    cr_assert(back->is_image);
    cr_assert_eq(back->height, 28);
    cr_assert_null(back->feature_names);
    cr_assert_eq(memcmp(back->split[CZ_TEST].x, d->split[CZ_TEST].x, 156 * 784 * sizeof(cz_real)),
                 0);
    uint8_t h1[32], h2[32];
    cr_assert_eq(cz_dataset_digest(d, h1, &err), CZ_OK);
    cr_assert_eq(cz_dataset_digest(back, h2, &err), CZ_OK);
    cr_assert_eq(memcmp(h1, h2, 32), 0);
    cz_bytes_free(&b);
    cz_dataset_free(d);
    cz_dataset_free(back);
}

/* A tiny MedMNIST-like archive: 4x4 grey (or RGB) images, 6/2/2 per split. */
enum { SIDE = 4, NTRAIN = 6, NEVAL = 2 };

typedef struct spec {
    const char *image_descr, *label_descr;
    int channels;
    bool fortran, zip64, deflate, labels_column, drop_test_labels;
    int label_cols;        /* labels (N, label_cols) when > 1 */
    int val_side;          /* val images side (default SIDE) */
    int labels_short_by;   /* fewer train labels than images */
    int data_short_by;     /* train images .npy missing bytes */
    int8_t first_label;    /* train_labels[0] */
    bool one_class;
} spec;

static const char *const SPLITS[3] = {"train", "val", "test"};

static built_zip make_npz(const spec *sp)
{
    zip_in in[6];
    int n = 0;
    for (int s = 0; s < 3; s++) {
        int rows = s == 0 ? NTRAIN : NEVAL;
        int side = s == 1 && sp->val_side ? sp->val_side : SIDE;
        int ch = sp->channels ? sp->channels : 1;
        size_t npx = (size_t)rows * side * side * ch;
        uint8_t px[1024];
        for (size_t i = 0; i < npx; i++)
            px[i] = (uint8_t)((i * 37 + (size_t)s * 11) % 256);
        char shape[64], name[32];
        if (ch > 1)
            snprintf(shape, sizeof shape, "(%d, %d, %d, %d)", rows, side, side, ch);
        else
            snprintf(shape, sizeof shape, "(%d, %d, %d)", rows, side, side);
        size_t cut = s == 0 ? (size_t)sp->data_short_by : 0;
        snprintf(name, sizeof name, "%s_images.npy", SPLITS[s]);
        char *names = malloc(32);
        strcpy(names, name);
        in[n++] = (zip_in){names, npy_make(sp->image_descr ? sp->image_descr : "|u1", shape,
                                           sp->fortran, px, npx - cut),
                           sp->deflate ? 8 : 0, 0};
        if (s == 2 && sp->drop_test_labels)
            continue;
        int nlab = rows - (s == 0 ? sp->labels_short_by : 0);
        int cols = sp->label_cols > 1 ? sp->label_cols : 1;
        int8_t lab[64];
        for (int i = 0; i < nlab * cols; i++)
            lab[i] = sp->one_class ? 1 : (int8_t)(i % 2);
        if (s == 0 && sp->first_label)
            lab[0] = sp->first_label;
        if (sp->label_cols > 1)
            snprintf(shape, sizeof shape, "(%d, %d)", nlab, cols);
        else if (sp->labels_column)
            snprintf(shape, sizeof shape, "(%d, 1)", nlab);
        else
            snprintf(shape, sizeof shape, "(%d,)", nlab);
        snprintf(name, sizeof name, "%s_labels.npy", SPLITS[s]);
        names = malloc(32);
        strcpy(names, name);
        in[n++] = (zip_in){names, npy_make(sp->label_descr ? sp->label_descr : "|i1", shape,
                                           false, lab, (size_t)(nlab * cols)),
                           sp->deflate ? 8 : 0, 0};
    }
    built_zip z = zip_make(in, n, sp->zip64);
    for (int i = 0; i < n; i++) {
        free((char *)in[i].name);
        free(in[i].content.data);
    }
    return z;
}

static cz_dataset *load_built(const built_zip *z, cz_status expect, cz_error *err)
{
    cz_dataset *d = (cz_dataset *)1;
    cz_error_clear(err);
    cz_status st = cz_dataset_load_npz_mem(z->b.data, z->b.len, "dir/tiny.npz", &d, err);
    cr_assert_eq(st, expect, "got %s: %s", cz_status_name(st), err->msg);
    if (st)
        cr_assert_null(d);
    else
        cr_assert_str_eq(d->name, "tiny");
    return d;
}

Test(npz, built_archives_load_stored_deflated_and_zip64)
{
    spec variants[3] = {{.deflate = false}, {.deflate = true, .labels_column = true},
                        {.zip64 = true}};
    for (int v = 0; v < 3; v++) {
        built_zip z = make_npz(&variants[v]);
        cz_error err;
        cz_dataset *d = load_built(&z, CZ_OK, &err);
        cr_assert_eq(d->split[CZ_TRAIN].rows, NTRAIN, "variant %d", v);
        cr_assert_eq(d->split[CZ_TEST].rows, NEVAL);
        cr_assert_eq(d->features, SIDE * SIDE);
        /* Pixel 5 of train image 1: (16 + 5) * 37 % 256. */
        cr_assert_float_eq(raw_pixel(d, CZ_TRAIN, 1, 5), (double)((21 * 37) % 256), 1e-3);
        cr_assert_eq(d->split[CZ_TRAIN].y[1], 1);
        cz_dataset_free(d);
        free(z.b.data);
    }
}

Test(npz, rgb_images_become_channel_first_with_per_channel_statistics)
{
    built_zip z = make_npz(&(spec){.channels = 3, .deflate = true});
    cz_error err;
    cz_dataset *d = load_built(&z, CZ_OK, &err);
    cr_assert_eq(d->channels, 3);
    cr_assert_eq(d->features, 3 * SIDE * SIDE);
    /* Train image 0, row 1, column 2, channel 2: file index ((1*4)+2)*3+2 = 20;
     * ours: channel 2 plane, pixel 6. */
    cr_assert_float_eq(raw_pixel(d, CZ_TRAIN, 0, 2 * 16 + 6), (double)((20 * 37) % 256), 1e-3);
    cr_assert_neq(d->center[0], d->center[16], "each channel has its own mean");
    cz_dataset_free(d);
    free(z.b.data);
}

typedef struct broken {
    const char *what;
    spec sp;
    cz_status code;
    const char *msg;
} broken;

static const broken BROKEN_ARRAYS[] = {
    {"no test labels", {.drop_test_labels = true}, CZ_EFORMAT,
     "tiny.npz has no test_labels.npy; its entries are: train_images.npy, train_labels.npy"},
    {"float dtype over uint8 data", {.image_descr = "<f4"}, CZ_EFORMAT,
     "needs 384 bytes of data, the file holds 96"},
    {"signed images", {.image_descr = "|i1"}, CZ_EUNSUPPORTED,
     "train_images has dtype i1, not uint8"},
    {"Fortran order", {.fortran = true}, CZ_EUNSUPPORTED, "train_images.npy is in Fortran order"},
    {"big-endian labels", {.label_descr = ">i2"}, CZ_EUNSUPPORTED, "dtype '>i2' is not supported"},
    {"object array", {.label_descr = "|O"}, CZ_EUNSUPPORTED, "dtype '|O' is not supported"},
    {"float labels", {.label_descr = "<f1"}, CZ_EUNSUPPORTED, "dtype '<f1' is not supported"},
    {"labels count", {.labels_short_by = 2}, CZ_EFORMAT, "6 train images but 4 labels"},
    {"multi-label", {.label_cols = 3}, CZ_EUNSUPPORTED, "train_labels has dtype i1 and 2 dimensions"},
    {"truncated array", {.data_short_by = 5}, CZ_EFORMAT,
     "train_images.npy: the shape needs 96 bytes of data, the file holds 91"},
    {"negative label", {.first_label = -1}, CZ_EFORMAT, "train_labels[0] is -1, not a class index"},
    {"single class", {.one_class = true}, CZ_EFORMAT, "every image has label 1"},
    {"shapes differ", {.val_side = 3}, CZ_EFORMAT, "val_images are 1x3x3, train_images 1x4x4"},
};

Test(npz, broken_arrays_are_refused_by_name)
{
    for (size_t i = 0; i < sizeof BROKEN_ARRAYS / sizeof *BROKEN_ARRAYS; i++) {
        const broken *b = &BROKEN_ARRAYS[i];
        built_zip z = make_npz(&b->sp);
        cz_error err;
        cz_dataset *d = (cz_dataset *)1;
        cz_status st = cz_dataset_load_npz_mem(z.b.data, z.b.len, "dir/tiny.npz", &d, &err);
        cr_assert_eq(st, b->code, "%s: got %s: %s", b->what, cz_status_name(st), err.msg);
        cr_assert_null(d, "%s", b->what);
        cr_assert(strstr(err.msg, b->msg), "%s:\n  \"%s\"\n  lacks \"%s\"", b->what, err.msg,
                  b->msg);
        cr_assert(err.hint[0], "%s: a hint", b->what);
        free(z.b.data);
    }
}

/* Breaks one thing in a valid stored archive and expects msg. */
static void expect_broken(const char *what, built_zip *z, size_t len, cz_status code,
                          const char *msg)
{
    cz_error err;
    cz_dataset *d = (cz_dataset *)1;
    cz_status st = cz_dataset_load_npz_mem(z->b.data, len, "dir/tiny.npz", &d, &err);
    cr_assert_eq(st, code, "%s: got %s: %s", what, cz_status_name(st), err.msg);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, msg), "%s:\n  \"%s\"\n  lacks \"%s\"", what, err.msg, msg);
}

#define FRESH() built_zip z = make_npz(&(spec){0})

Test(npz, broken_zips_are_refused_by_name)
{
    {
        FRESH();
        expect_broken("empty", &z, 0, CZ_EFORMAT, "tiny.npz is not a valid zip archive: the file is empty");
        expect_broken("10 bytes", &z, 10, CZ_EFORMAT, "too short for a zip");
        expect_broken("cut before the end record", &z, z.eocd_off + 10, CZ_EFORMAT,
                      "no end-of-central-directory record");
        expect_broken("cut in the data", &z, z.local_off[3] + 4, CZ_EFORMAT,
                      "no end-of-central-directory record");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.eocd_off + 16, z.b.len, 4);
        expect_broken("directory offset", &z, z.b.len, CZ_EFORMAT,
                      "the central directory lies outside the file");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.eocd_off + 10, 500, 2);
        expect_broken("entry count", &z, z.b.len, CZ_EFORMAT,
                      "more entries than the central directory can hold");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.eocd_off + 4, 1, 2);
        expect_broken("multi-disk", &z, z.b.len, CZ_EUNSUPPORTED, "is a multi-disk zip archive");
        free(z.b.data);
    }
    {
        FRESH();
        z.b.data[z.central_off[2]] = 'X';
        expect_broken("central signature", &z, z.b.len, CZ_EFORMAT,
                      "a central directory entry is damaged");
        free(z.b.data);
    }
    {
        FRESH();
        z.b.data[z.data_off[0] + 100] ^= 0x40; /* a pixel of train_images */
        expect_broken("flipped byte", &z, z.b.len, CZ_EFORMAT,
                      "entry \"train_images.npy\": it fails its CRC-32 check");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.central_off[1] + 10, 12, 2);
        expect_broken("bzip2", &z, z.b.len, CZ_EUNSUPPORTED,
                      "the entry \"train_labels.npy\" uses compression method 12");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.central_off[0] + 8, 1, 2);
        expect_broken("encrypted", &z, z.b.len, CZ_EUNSUPPORTED,
                      "the entry \"train_images.npy\" is encrypted");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.central_off[0] + 42, 7, 4);
        expect_broken("local offset", &z, z.b.len, CZ_EFORMAT,
                      "entry \"train_images.npy\": its local header is missing");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.central_off[0] + 20, 100000, 4);
        expect_broken("size past the end", &z, z.b.len, CZ_EFORMAT,
                      "its data runs past the end of the file");
        free(z.b.data);
    }
    {
        FRESH();
        put_le_at(z.b.data + z.central_off[0] + 24, 50, 4);
        expect_broken("stored sizes differ", &z, z.b.len, CZ_EFORMAT, "its sizes are inconsistent");
        free(z.b.data);
    }
    {
        FRESH();
        memcpy(z.b.data + z.data_off[1], "\x93NUMPX", 6);
        zip_fix_crc(&z, 1);
        expect_broken("npy magic", &z, z.b.len, CZ_EFORMAT, "train_labels.npy is not a .npy array");
        free(z.b.data);
    }
    {
        FRESH();
        z.b.data[z.data_off[1] + 10] = '[';
        zip_fix_crc(&z, 1);
        expect_broken("npy header", &z, z.b.len, CZ_EFORMAT, "the .npy header is malformed");
        free(z.b.data);
    }
}

Test(npz, deflated_data_damage_is_caught)
{
    built_zip z = make_npz(&(spec){.deflate = true});
    for (size_t k = 0; k < 40; k++)
        z.b.data[z.data_off[0] + 10 + k] ^= 0x5a;
    cz_error err;
    cz_dataset *d;
    cz_status st = cz_dataset_load_npz_mem(z.b.data, z.b.len, "tiny.npz", &d, &err);
    cr_assert_eq(st, CZ_EFORMAT, "%s", err.msg);
    cr_assert(strstr(err.msg, "compressed data is damaged") || strstr(err.msg, "CRC-32"), "%s",
              err.msg);
    free(z.b.data);
}

Test(npz, a_missing_file_and_out_of_memory)
{
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_npz("/nonexistent/breastmnist.npz", &d, &err), CZ_EIO);
    cr_assert(strstr(err.msg, "cannot open npz file /nonexistent/breastmnist.npz"), "%s",
              err.msg);
    built_zip z = make_npz(&(spec){.deflate = true});
    for (long k = 0;; k++) {
        cz_alloc_fail_after(k);
        cz_status st = cz_dataset_load_npz_mem(z.b.data, z.b.len, "tiny.npz", &d, &err);
        cz_alloc_fail_after(-1);
        if (st == CZ_OK) {
            cz_dataset_free(d);
            break;
        }
        cr_assert_eq(st, CZ_ENOMEM, "allocation %ld: %s", k, err.msg);
        cr_assert_lt(k, 1000);
    }
    free(z.b.data);
}
