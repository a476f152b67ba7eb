/* Checkpoint benchmark: save and load throughput next to a plaintext
 * reference measured in the same run (write + fsync + rename, and read, of
 * the same bytes), the raw secretstream cipher in memory, and the cost of a
 * key derivation (Argon2id) against a cache hit. Prints one machine-readable
 * line per measurement (bench=... impl=... key=value ...), medians of --runs.
 *   bench_checkpoint [--mb 64] [--runs 5] [--dir /tmp] [--frame 65536]
 *                    [--kdf interactive|moderate|sensitive] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_impl.h"

#define MAX_RUNS 32

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void die(const char *what, const cz_error *err)
{
    fprintf(stderr, "bench_checkpoint: %s: %s (%s)\n", what, err ? err->msg : strerror(errno),
            err ? err->hint : "");
    exit(1);
}

static void line(const char *bench, const char *impl, size_t bytes, int runs, double seconds,
                 const char *extra)
{
    printf("bench=%s impl=%s bytes=%zu runs=%d seconds=%.6f mb_per_s=%.1f%s%s\n", bench, impl,
           bytes, runs, seconds, (double)bytes / 1e6 / seconds, extra[0] ? " " : "", extra);
}

/* The plaintext reference: what saving costs without encryption. */
static double plain_save(const char *dir, const uint8_t *data, size_t n)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/bench-plain.tmp", dir);
    snprintf(path, sizeof path, "%s/bench-plain.bin", dir);
    double t0 = now();
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        die(tmp, NULL);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0)
            die("plain write", NULL);
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0)
        die("plain fsync/rename", NULL);
    int d = open(dir, O_RDONLY | O_DIRECTORY);
    if (d >= 0) {
        (void)fsync(d);
        close(d);
    }
    return now() - t0;
}

/* Reads into a fresh buffer, as a loader must (its page faults count). */
static double plain_load(const char *dir, const uint8_t *want, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bench-plain.bin", dir);
    double t0 = now();
    uint8_t *out = malloc(n);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || !out)
        die(path, NULL);
    for (size_t off = 0; off < n;) {
        ssize_t r = read(fd, out + off, n - off);
        if (r <= 0)
            die("plain read", NULL);
        off += (size_t)r;
    }
    close(fd);
    double t = now() - t0;
    if (memcmp(out, want, n) != 0) {
        fprintf(stderr, "bench_checkpoint: plain read differs\n");
        exit(1);
    }
    free(out);
    return t;
}

/* secretstream alone, in memory, frame by frame: the cipher's ceiling. */
static double encrypt_only(const uint8_t *data, size_t n, size_t frame)
{
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *out = malloc(frame + crypto_secretstream_xchacha20poly1305_ABYTES);
    crypto_secretstream_xchacha20poly1305_keygen(key);
    double t0 = now();
    crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
    for (size_t off = 0; off < n; off += frame) {
        size_t len = n - off < frame ? n - off : frame;
        crypto_secretstream_xchacha20poly1305_push(&st, out, NULL, data + off, len, NULL, 0, 0);
    }
    double t = now() - t0;
    free(out);
    sodium_memzero(key, sizeof key);
    return t;
}

static ckpt_kdf kdf_named(const char *name)
{
    if (strcmp(name, "moderate") == 0)
        return (ckpt_kdf){crypto_pwhash_argon2id_OPSLIMIT_MODERATE,
                          crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    if (strcmp(name, "sensitive") == 0)
        return ckpt_kdf_sensitive();
    if (strcmp(name, "interactive") != 0) {
        fprintf(stderr, "bench_checkpoint: --kdf is interactive, moderate or sensitive\n");
        exit(2);
    }
    return ckpt_kdf_interactive();
}

int main(int argc, char **argv)
{
    size_t mb = 64, frame = CKPT_FRAME_DEFAULT;
    int runs = 5;
    const char *dir = "/tmp", *kdf_name = "interactive";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--mb") == 0)
            mb = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--frame") == 0)
            frame = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--kdf") == 0)
            kdf_name = argv[i + 1];
    }
    if (runs < 1 || runs > MAX_RUNS || mb < 1) {
        fprintf(stderr, "bench_checkpoint: --runs 1..%d, --mb >= 1\n", MAX_RUNS);
        return 2;
    }
    ckpt_kdf cost = kdf_named(kdf_name);
    size_t n = mb << 20;
    uint8_t *data = malloc(n);
    if (!data)
        die("allocating the state", NULL);
    randombytes_buf(data, n);

    cz_error err;
    ckpt_key_opts opts = {.save = cost};
    ckpt_key *key = ckpt_key_from_passphrase("bench passphrase", 16, &opts, &err);
    if (!key)
        die("key", &err);

    /* Key derivation: fresh salts miss the cache; the same salt hits it. */
    double kdf[MAX_RUNS], hit[MAX_RUNS];
    ckpt_secret *secret = ckpt_secret_new(&err);
    uint8_t salt[CKPT_SALT_BYTES];
    for (int r = 0; r < runs; r++) {
        randombytes_buf(salt, sizeof salt);
        double t0 = now();
        if (ckpt_key_subkeys(key, salt, cost, &secret->keys, "bench", &err) != CZ_OK)
            die("argon2id", &err);
        kdf[r] = now() - t0;
        t0 = now();
        if (ckpt_key_subkeys(key, salt, cost, &secret->keys, "bench", &err) != CZ_OK)
            die("cache", &err);
        hit[r] = now() - t0;
    }
    ckpt_secret_free(&secret);
    printf("bench=ckpt_kdf impl=argon2id cost=%s opslimit=%llu memlimit=%llu runs=%d seconds=%.6f\n",
           kdf_name, (unsigned long long)cost.opslimit, (unsigned long long)cost.memlimit, runs,
           median(kdf, runs));
    printf("bench=ckpt_kdf impl=cache_hit cost=%s runs=%d seconds=%.9f\n", kdf_name, runs,
           median(hit, runs));

    /* The state as 8 records, as a run with a few engine objects would be. */
    enum { PARTS = 8 };
    ckpt_record recs[PARTS];
    char names[PARTS][16];
    for (int i = 0; i < PARTS; i++) {
        size_t lo = n / PARTS * (size_t)i, hi = i + 1 == PARTS ? n : n / PARTS * (size_t)(i + 1);
        snprintf(names[i], sizeof names[i], "part%d", i);
        recs[i] = (ckpt_record){CKPT_TYPE_RUN, names[i], data + lo, hi - lo};
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/bench-checkpoint.cdz", dir);
    ckpt_save_opts so = {.frame_bytes = frame};
    if (ckpt_save(path, key, recs, PARTS, &so, &err) != CZ_OK) /* warm: derives the save key */
        die("save", &err);

    double save_t[MAX_RUNS], plain_t[MAX_RUNS], load_t[MAX_RUNS], read_t[MAX_RUNS],
        enc_t[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        if (ckpt_save(path, key, recs, PARTS, &so, &err) != CZ_OK)
            die("save", &err);
        save_t[r] = now() - t0;
        plain_t[r] = plain_save(dir, data, n);
        t0 = now();
        ckpt_records *list = ckpt_load(path, key, NULL, &err);
        load_t[r] = now() - t0;
        if (!list)
            die("load", &err);
        const ckpt_record *last = ckpt_records_find(list, names[PARTS - 1]);
        if (!last || memcmp(last->data, recs[PARTS - 1].data, last->size) != 0) {
            fprintf(stderr, "bench_checkpoint: loaded state differs\n");
            return 1;
        }
        ckpt_records_free(&list);
        read_t[r] = plain_load(dir, data, n);
        enc_t[r] = encrypt_only(data, n, frame);
    }
    char extra[64];
    snprintf(extra, sizeof extra, "frame=%zu fsync=1", frame);
    line("ckpt_save", "condensa", n, runs, median(save_t, runs), extra);
    line("ckpt_save", "plain_write_fsync_rename", n, runs, median(plain_t, runs), "fsync=1");
    snprintf(extra, sizeof extra, "frame=%zu", frame);
    line("ckpt_load", "condensa", n, runs, median(load_t, runs), extra);
    line("ckpt_load", "plain_read", n, runs, median(read_t, runs), "");
    line("ckpt_encrypt", "secretstream_memory", n, runs, median(enc_t, runs), extra);

    char tmp[4096];
    unlink(path);
    snprintf(tmp, sizeof tmp, "%s/bench-plain.bin", dir);
    unlink(tmp);
    ckpt_key_free(&key);
    free(data);
    return 0;
}
