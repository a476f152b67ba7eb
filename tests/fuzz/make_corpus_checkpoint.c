/* Writes the seed corpus of fuzz_checkpoint into a folder: valid files,
 * bodies and forge inputs (see fuzz_checkpoint.c for the modes), each a few
 * hundred bytes so the driver's every-prefix pass stays fast. The files are
 * checked in under corpus/checkpoint; rerun this after a format change:
 *   build/tests/fuzz/make_corpus_checkpoint tests/fuzz/corpus/checkpoint */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "core/bytes.h"

static void write_seed(const char *dir, const char *name, uint8_t mode, const void *data,
                       size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputc(mode, f) == EOF || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* Saves records with the fuzz target's key and writes the file as a mode-0 seed. */
static void file_seed(const char *dir, const char *name, ckpt_key *key, const ckpt_record *recs,
                      size_t n, size_t frame, uint32_t version)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/.seed.cdz", dir);
    cz_error err;
    ckpt_save_opts opts = {.frame_bytes = frame};
    if (ckpt_save(tmp, key, recs, n, &opts, &err) != CZ_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    FILE *f = fopen(tmp, "rb");
    static uint8_t buf[1 << 16];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    unlink(tmp);
    if (version)
        buf[CKPT_OFF_VERSION] = (uint8_t)version;
    write_seed(dir, name, 0, buf, len);
}

static void body_record(cz_bytes *b, uint32_t type, const char *name, const char *payload)
{
    cz_bytes_u32(b, type);
    cz_bytes_u32(b, (uint32_t)strlen(name));
    cz_bytes_put(b, name, strlen(name));
    cz_bytes_u64(b, strlen(payload));
    cz_bytes_put(b, payload, strlen(payload));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    ckpt_key_opts opts = {.save = ckpt_kdf_test(), .max_load = ckpt_kdf_test()};
    cz_error err;
    ckpt_key *key = ckpt_key_from_passphrase("fuzz", 4, &opts, &err);
    if (!key) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    ckpt_record three[3] = {{CKPT_TYPE_DATASET, "wdbc", "rows and columns", 16},
                            {CKPT_TYPE_SYNTHETIC, "syn", "ipc=10 lr=0.01", 14},
                            {CKPT_TYPE_RUN, "run", NULL, 0}};
    file_seed(dir, "file-three-records", key, three, 3, 32, 0);
    file_seed(dir, "file-empty-list", key, NULL, 0, 0, 0);
    file_seed(dir, "file-newer-version", key, three, 1, 0, 2);
    static char big[700];
    memset(big, 'w', sizeof big);
    ckpt_record one_big = {CKPT_TYPE_MODEL, "weights", big, sizeof big};
    file_seed(dir, "file-one-frame-boundary", key, &one_big, 1, 64, 0);
    write_seed(dir, "file-not-a-checkpoint", 0, "label,age\n1,61\n", 15);

    cz_bytes b = {0};
    cz_bytes_u32(&b, 3);
    body_record(&b, CKPT_TYPE_EXPERTS, "experts", "trajectories");
    body_record(&b, CKPT_TYPE_SURROGATE, "curves", "");
    body_record(&b, CKPT_TYPE_SESSION, "session", "k=v");
    write_seed(dir, "body-three-records", 1, b.data, b.len);
    uint8_t frame_byte = 9;
    cz_bytes forged = {0};
    cz_bytes_u8(&forged, frame_byte);
    cz_bytes_put(&forged, b.data, b.len);
    write_seed(dir, "forge-three-records", 2, forged.data, forged.len);
    cz_bytes_free(&forged);
    cz_bytes_free(&b);

    cz_bytes_u32(&b, 2);
    body_record(&b, CKPT_TYPE_MODEL, "m", "a");
    body_record(&b, CKPT_TYPE_MODEL, "m", "b");
    write_seed(dir, "body-duplicate-names", 1, b.data, b.len);
    cz_bytes_free(&b);

    cz_bytes_u32(&b, 1);
    body_record(&b, 99, "future", "x");
    write_seed(dir, "body-unknown-type", 1, b.data, b.len);
    cz_bytes_free(&b);

    uint8_t empty_forge[5] = {0, 0, 0, 0, 0}; /* frame byte, then count 0 */
    write_seed(dir, "forge-empty-list", 2, empty_forge, sizeof empty_forge);
    ckpt_key_free(&key);
    return 0;
}
