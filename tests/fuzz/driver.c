/* Standalone driver for the libFuzzer-style targets in this folder: runs
 * LLVMFuzzerTestOneInput over every file of the corpus folders given on the
 * command line, then over deterministic variants of each (every prefix up to
 * 4 KiB, and seeded byte flips, insertions and deletions), so the targets run
 * as ordinary tests without libFuzzer. A crash or sanitizer report fails the
 * test. Built with clang -fsanitize=fuzzer instead, libFuzzer supplies main. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (1 << 22)
#define MUTANTS 300

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Each call copies the input, so a target that reads past `size` trips ASan. */
static void run_one(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(copy, data, size);
    LLVMFuzzerTestOneInput(copy, size);
    free(copy);
}

static void run_variants(const uint8_t *data, size_t size, uint64_t seed)
{
    run_one(data, size);
    for (size_t n = 0; n < size && n < 4096; n++)
        run_one(data, n);
    uint8_t *buf = malloc(size + 16);
    for (int m = 0; m < MUTANTS && buf; m++) {
        memcpy(buf, data, size);
        size_t n = size;
        int edits = 1 + (int)(next(&seed) % 4);
        for (int e = 0; e < edits; e++) {
            uint64_t r = next(&seed);
            size_t at = n ? (size_t)(r >> 8) % n : 0;
            switch (r % 4) {
            case 0: /* flip a byte to an interesting value */
                if (n) {
                    static const uint8_t v[] = {0, 0xff, '"', ',', '\n', '\r', '-', '9', 0x7f, 0x80};
                    buf[at] = v[(r >> 40) % sizeof v];
                }
                break;
            case 1: /* flip one bit */
                if (n)
                    buf[at] ^= (uint8_t)(1u << ((r >> 40) % 8));
                break;
            case 2: /* delete a byte */
                if (n) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            default: /* insert a byte (room for 16 was reserved) */
                if (n < size + 16) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = (uint8_t)(r >> 48);
                    n++;
                }
                break;
            }
        }
        run_one(buf, n);
    }
    free(buf);
}

static int run_file(const char *path, uint64_t seed)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    uint8_t *data = malloc(FUZZ_MAX_INPUT);
    size_t size = data ? fread(data, 1, FUZZ_MAX_INPUT, f) : 0;
    fclose(f);
    if (!data)
        return 1;
    run_variants(data, size, seed);
    free(data);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int files = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            rc |= run_file(argv[i], (uint64_t)files++);
            continue;
        }
        char *names[1024];
        int n = 0;
        struct dirent *e;
        while ((e = readdir(dir)) && n < 1024)
            if (e->d_name[0] != '.')
                names[n++] = strdup(e->d_name);
        closedir(dir);
        qsort(names, (size_t)n, sizeof *names, cmp_names); /* a fixed order: reproducible */
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
            rc |= run_file(path, (uint64_t)files++);
            free(names[k]);
        }
    }
    if (files == 0) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...: no inputs found\n", argv[0]);
        return 1;
    }
    printf("%d corpus files and their variants ran without a crash\n", files);
    return rc;
}
