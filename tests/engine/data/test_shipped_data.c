/* notebooks/data: every file listed in SHA256SUMS has that SHA-256 and is
 * named with it in MANIFEST.md, every shipped CSV loads with its split file
 * exactly as with the computed split, and the image file loads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/sha256.h"
#include "data/data_internal.h"
#include "data/dataset.h"
#include "test_paths.h"

static char *read_source(const char *rel, size_t *len)
{
    char path[1024];
    uint8_t *data;
    cz_error err;
    CZ_SOURCE_PATH(path, rel);
    cr_assert_eq(cz_file_read(path, "shipped file", &data, len, &err), CZ_OK, "%s", err.msg);
    return (char *)data;
}

Test(shipped_data, checksums_match_and_the_manifest_names_them)
{
    size_t sums_len, manifest_len;
    char *sums = read_source("notebooks/data/SHA256SUMS", &sums_len);
    char *manifest = read_source("notebooks/data/MANIFEST.md", &manifest_len);
    int files = 0;
    for (char *line = strtok(sums, "\n"); line; line = strtok(NULL, "\n")) {
        char want[65], name[256], rel[300];
        cr_assert_eq(sscanf(line, "%64s %255s", want, name), 2, "line \"%s\"", line);
        snprintf(rel, sizeof rel, "notebooks/data/%s", name);
        size_t len;
        char *data = read_source(rel, &len);
        char got[65];
        cz_sha256_hex(data, len, got);
        cr_assert_str_eq(got, want, "%s: sha256 %s, SHA256SUMS says %s", name, got, want);
        cr_assert(strstr(manifest, want), "MANIFEST.md lacks the sha256 of %s", name);
        cz_free(data);
        files++;
    }
    cr_assert_eq(files, 9, "4 CSVs, their 4 split files and breastmnist.npz");
    cz_free(sums);
    cz_free(manifest);
}

Test(shipped_data, every_csv_loads_with_its_split_file_and_the_image_file_loads)
{
    static const char *const names[] = {"pima", "wdbc", "ctg", "stroke"};
    for (size_t i = 0; i < 4; i++) {
        char csv[1024], split[1024], rel[128];
        snprintf(rel, sizeof rel, "notebooks/data/%s.csv", names[i]);
        CZ_SOURCE_PATH(csv, rel);
        snprintf(rel, sizeof rel, "notebooks/data/splits/%s.split", names[i]);
        cz_csv_opts o = cz_csv_opts_default();
        o.split_file = CZ_SOURCE_PATH(split, rel);
        cz_dataset *a, *b;
        cz_error err;
        cr_assert_eq(cz_dataset_load_csv(csv, &o, &a, &err), CZ_OK, "%s", err.msg);
        cr_assert_eq(cz_dataset_load_csv(csv, NULL, &b, &err), CZ_OK, "%s", err.msg);
        uint8_t da[32], db[32];
        cr_assert_eq(cz_dataset_digest(a, da, &err), CZ_OK);
        cr_assert_eq(cz_dataset_digest(b, db, &err), CZ_OK);
        cr_assert_eq(memcmp(da, db, 32), 0, "%s: split file and computed split differ", names[i]);
        cz_dataset_free(a);
        cz_dataset_free(b);
    }
    char npz[1024];
    cz_dataset *d;
    cz_error err;
    cr_assert_eq(cz_dataset_load_npz(CZ_SOURCE_PATH(npz, "notebooks/data/breastmnist.npz"), &d,
                                     &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_eq(d->split[CZ_TRAIN].rows, 546);
    cz_dataset_free(d);
}
