/* MedMNIST .npz -> dataset: the six arrays {train,val,test}_{images,labels},
 * images uint8 (N, H, W) or (N, H, W, C) stored channel-last, labels integer
 * (N,) or (N, 1). Pixels are scaled to [0, 1], moved to C x H x W, and
 * normalised per channel with the training split's mean and std. The file's
 * own split is kept. Zip and .npy parsing are zip.c's and npy.c's job. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "data_internal.h"
#include "zip_reader.h"

#define MAX_CLASSES 1000
#define MAX_SIDE 4096
#define MAX_CHANNELS 4

static const char *const SPLIT_NAMES[CZ_SPLIT_COUNT] = {"train", "val", "test"};

typedef struct split_arrays {
    uint8_t *image_bytes, *label_bytes; /* owned, extracted entries */
    cz_npy images, labels;
} split_arrays;

static cz_status missing_entry(const cz_zip *z, const char *name, const char *source,
                               cz_error *err)
{
    char listed[120];
    size_t k = 0;
    listed[0] = '\0';
    for (size_t i = 0; i < z->count && k + 8 < sizeof listed; i++) {
        size_t n = z->entries[i].name_len;
        if (n > sizeof listed - k - 8)
            n = sizeof listed - k - 8;
        if (i)
            k += (size_t)snprintf(listed + k, sizeof listed - k, ", ");
        for (size_t j = 0; j < n; j++) {
            char c = z->entries[i].name[j];
            listed[k++] = c >= 32 && c < 127 ? c : '?';
        }
        listed[k] = '\0';
    }
    return cz_error_set(err, CZ_EFORMAT,
                        "a MedMNIST .npz holds train_images, train_labels, val_images, "
                        "val_labels, test_images and test_labels",
                        "%s has no %s; its entries are: %s", cz_path_tail(source), name,
                        z->count ? listed : "(none)");
}

static cz_status read_array(const cz_zip *z, const char *source, int s, const char *kind,
                            uint8_t **bytes, cz_npy *a, cz_error *err)
{
    char name[32], what[128];
    snprintf(name, sizeof name, "%s_%s.npy", SPLIT_NAMES[s], kind);
    const cz_zip_entry *e = cz_zip_find(z, name);
    if (!e)
        return missing_entry(z, name, source, err);
    cz_status st = cz_zip_extract(z, e, bytes, err);
    if (st)
        return st;
    snprintf(what, sizeof what, "%s: %s", cz_path_tail(source), name);
    return cz_npy_parse(*bytes, (size_t)e->size, what, a, err);
}

/* Checks shapes and dtypes; sets the image shape on d from the first split. */
static cz_status check_shapes(const split_arrays *sa, const char *source, cz_dataset *d,
                              cz_error *err)
{
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        const cz_npy *im = &sa[s].images, *lb = &sa[s].labels;
        if (im->kind != 'u' || im->itemsize != 1)
            return cz_error_set(err, CZ_EUNSUPPORTED, "store the images as uint8 (0..255)",
                                "%s: %s_images has dtype %c%d, not uint8",
                                cz_path_tail(source), SPLIT_NAMES[s], im->kind, im->itemsize);
        uint64_t c = im->ndim == 4 ? im->shape[3] : 1;
        if ((im->ndim != 3 && im->ndim != 4) || im->shape[1] < 1 || im->shape[2] < 1 ||
            im->shape[1] > MAX_SIDE || im->shape[2] > MAX_SIDE || c < 1 || c > MAX_CHANNELS)
            return cz_error_set(err, CZ_EFORMAT,
                                "images must be (N, H, W) or (N, H, W, C) with C <= 4",
                                "%s: %s_images has an unsupported shape (%d dimensions)",
                                cz_path_tail(source), SPLIT_NAMES[s], im->ndim);
        if (s == 0) {
            d->channels = (int)c;
            d->height = (int)im->shape[1];
            d->width = (int)im->shape[2];
        } else if ((int)c != d->channels || (int)im->shape[1] != d->height ||
                   (int)im->shape[2] != d->width) {
            return cz_error_set(err, CZ_EFORMAT, "every split needs images of one shape",
                                "%s: %s_images are %llux%llux%llu, train_images %dx%dx%d",
                                cz_path_tail(source), SPLIT_NAMES[s],
                                (unsigned long long)c, (unsigned long long)im->shape[1],
                                (unsigned long long)im->shape[2], d->channels, d->height,
                                d->width);
        }
        if (lb->kind == 'f' || (lb->ndim != 1 && !(lb->ndim == 2 && lb->shape[1] == 1)))
            return cz_error_set(err, CZ_EUNSUPPORTED,
                                "labels must be integer class indices of shape (N,) or (N, 1); "
                                "multi-label files are not supported",
                                "%s: %s_labels has dtype %c%d and %d dimensions",
                                cz_path_tail(source), SPLIT_NAMES[s], lb->kind, lb->itemsize,
                                lb->ndim);
        if (lb->shape[0] != im->shape[0])
            return cz_error_set(err, CZ_EFORMAT, "save one label per image",
                                "%s: %llu %s images but %llu labels", cz_path_tail(source),
                                (unsigned long long)im->shape[0], SPLIT_NAMES[s],
                                (unsigned long long)lb->shape[0]);
    }
    if (sa[CZ_TRAIN].images.shape[0] == 0)
        return cz_error_set(err, CZ_EFORMAT, "the training split needs images",
                            "%s: train_images is empty", cz_path_tail(source));
    return CZ_OK;
}

static cz_status check_labels(const split_arrays *sa, const char *source, cz_dataset *d,
                              cz_error *err)
{
    size_t counts[MAX_CLASSES] = {0};
    int k = 0;
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        for (uint64_t i = 0; i < sa[s].labels.count; i++) {
            int64_t v = cz_npy_int(&sa[s].labels, i);
            if (v < 0 || v >= MAX_CLASSES)
                return cz_error_set(err, CZ_EFORMAT, "labels must be class indices 0..k-1",
                                    "%s: %s_labels[%llu] is %lld, not a class index 0..%d",
                                    cz_path_tail(source), SPLIT_NAMES[s], (unsigned long long)i,
                                    (long long)v, MAX_CLASSES - 1);
            counts[v]++;
            if (v + 1 > k)
                k = (int)v + 1;
        }
    int distinct = 0;
    for (int c = 0; c < k; c++)
        distinct += counts[c] > 0;
    if (distinct < 2)
        return cz_error_set(err, CZ_EFORMAT, "a classifier needs images of at least two classes",
                            "%s: every image has label %d", cz_path_tail(source), k - 1);
    for (int c = 0; c < k; c++)
        if (counts[c] == 0)
            return cz_error_set(err, CZ_EFORMAT, "recode the labels as 0..k-1",
                                "%s: labels must be 0..%d, but no image has label %d",
                                cz_path_tail(source), k - 1, c);
    d->classes = k;
    return CZ_OK;
}

/* Pixels to [0, 1] in C x H x W order, normalised with the train split's
 * per-channel mean and std (constant channels: std 1). uint8 has 256 values,
 * so the statistics come exactly from a histogram and each pixel is a table
 * lookup. */
static void fill_images(const split_arrays *sa, cz_dataset *d)
{
    size_t hw = (size_t)d->height * (size_t)d->width, ch = (size_t)d->channels;
    for (size_t c = 0; c < ch; c++) {
        const cz_npy *tr = &sa[CZ_TRAIN].images;
        uint64_t hist[256] = {0};
        size_t n = (size_t)tr->shape[0] * hw;
        for (size_t i = 0; i < n; i++)
            hist[tr->data[i * ch + c]]++;
        uint64_t total = 0;
        for (int v = 0; v < 256; v++)
            total += hist[v] * (uint64_t)v;
        double mean = (double)total / 255.0 / (double)n, ss = 0.0;
        for (int v = 0; v < 256; v++)
            ss += (double)hist[v] * (v / 255.0 - mean) * (v / 255.0 - mean);
        double sd = sqrt(ss / (double)n);
        if (!(sd > 1e-12))
            sd = 1.0;
        cz_real lut[256];
        for (int v = 0; v < 256; v++)
            lut[v] = (cz_real)((v / 255.0 - mean) / sd);
        for (size_t p = 0; p < hw; p++) {
            d->center[c * hw + p] = mean;
            d->scale[c * hw + p] = sd;
        }
        for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
            const uint8_t *px = sa[s].images.data;
            for (size_t r = 0; r < d->split[s].rows; r++) {
                cz_real *x = d->split[s].x + r * d->features + c * hw;
                const uint8_t *row = px + r * hw * ch + c;
                for (size_t p = 0; p < hw; p++)
                    x[p] = lut[row[p * ch]];
            }
        }
    }
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        for (size_t r = 0; r < d->split[s].rows; r++)
            d->split[s].y[r] = (int32_t)cz_npy_int(&sa[s].labels, r);
}

static cz_status build(const cz_zip *z, const char *source, split_arrays *sa, cz_dataset *d,
                       cz_error *err)
{
    cz_status st;
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        if ((st = read_array(z, source, s, "images", &sa[s].image_bytes, &sa[s].images, err)))
            return st;
        if ((st = read_array(z, source, s, "labels", &sa[s].label_bytes, &sa[s].labels, err)))
            return st;
    }
    if ((st = check_shapes(sa, source, d, err)) || (st = check_labels(sa, source, d, err)))
        return st;
    d->is_image = true;
    d->features = (size_t)d->channels * (size_t)d->height * (size_t)d->width;
    d->missing_rate = 0.0;
    cz_path_stem(source, d->name, sizeof d->name);
    size_t rows[CZ_SPLIT_COUNT];
    for (int s = 0; s < CZ_SPLIT_COUNT; s++)
        rows[s] = (size_t)sa[s].images.shape[0];
    if ((st = cz_dataset_alloc_buffers(d, rows, err)))
        return st;
    fill_images(sa, d);
    return CZ_OK;
}

cz_status cz_dataset_load_npz_mem(const uint8_t *data, size_t len, const char *source,
                                  cz_dataset **out, cz_error *err)
{
    *out = NULL;
    if (!source)
        source = "npz";
    cz_zip z;
    cz_status st = cz_zip_open(data, len, source, &z, err);
    if (st)
        return st;
    split_arrays sa[CZ_SPLIT_COUNT];
    memset(sa, 0, sizeof sa);
    cz_dataset *d = cz_dataset_new_empty();
    if (!d)
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", cz_path_tail(source));
    else
        st = build(&z, source, sa, d, err);
    for (int s = 0; s < CZ_SPLIT_COUNT; s++) {
        cz_free(sa[s].image_bytes);
        cz_free(sa[s].label_bytes);
    }
    cz_zip_close(&z);
    if (st) {
        cz_dataset_free(d);
        return st;
    }
    *out = d;
    return CZ_OK;
}

cz_status cz_dataset_load_npz(const char *path, cz_dataset **out, cz_error *err)
{
    *out = NULL;
    uint8_t *data;
    size_t len;
    cz_status st = cz_file_read(path, "npz file", &data, &len, err);
    if (st)
        return st;
    st = cz_dataset_load_npz_mem(data, len, path, out, err);
    cz_free(data);
    return st;
}
