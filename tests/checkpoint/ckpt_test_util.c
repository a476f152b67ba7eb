/* Helpers for the checkpoint tests (see ckpt_test_util.h). */
#define _GNU_SOURCE
#include "ckpt_test_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tmpdir_make(void)
{
    static char dir[64];
    /* mkdtemp's template ends in six 'X's, which it replaces. */
    int n = snprintf(dir, sizeof dir, "/tmp/cz-ckpt-test-");
    memset(dir + n, 'X', 6);
    dir[n + 6] = '\0';
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    return dir;
}

void tmpdir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        unlink(in_dir(dir, e->d_name));
    }
    closedir(d);
    rmdir(dir);
}

const char *in_dir(const char *dir, const char *name)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

ckpt_key *test_key(const char *pass)
{
    cz_error err;
    ckpt_key_opts opts = {.save = ckpt_kdf_test(), .max_load = ckpt_kdf_test()};
    ckpt_key *k = ckpt_key_from_passphrase(pass, strlen(pass), &opts, &err);
    cr_assert_not_null(k, "test key: %s", err.msg);
    return k;
}

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

int write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    int rc = (len == 0 || write(fd, data, len) == (ssize_t)len) ? 0 : -1;
    if (fchmod(fd, mode) != 0)
        rc = -1;
    close(fd);
    return rc;
}

int count_files(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strstr(e->d_name, part))
            n++;
    closedir(d);
    return n;
}

int folder_contains(const char *dir, const char *marker)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        size_t n = 0;
        uint8_t *b = read_file(in_dir(dir, e->d_name), &n);
        if (b && n && memmem(b, n, marker, strlen(marker)))
            found = 1;
        free(b);
    }
    closedir(d);
    return found;
}

void assert_records_equal(const ckpt_records *list, const ckpt_record *want, size_t n)
{
    cr_assert_eq(ckpt_records_count(list), n, "%zu records loaded, %zu saved",
                 ckpt_records_count(list), n);
    for (size_t i = 0; i < n; i++) {
        const ckpt_record *r = ckpt_records_at(list, i);
        cr_assert_not_null(r);
        cr_assert_str_eq(r->name, want[i].name, "record %zu", i);
        cr_assert_eq(r->type, want[i].type, "record %zu (%s) type", i, r->name);
        cr_assert_eq(r->size, want[i].size, "record %zu (%s) size %zu, saved %zu", i, r->name,
                     r->size, want[i].size);
        if (r->size)
            cr_assert(memcmp(r->data, want[i].data, r->size) == 0, "record %zu (%s) payload differs",
                      i, r->name);
    }
}

/* ---- fault-injecting I/O over the POSIX table --------------------------- */

static const ckpt_io *real(void) { return ckpt_io_posix(); }

/* Returns nonzero when this mutating call must not happen. */
static int trip_named(fault_io *f, const char *op)
{
    if (f->crashed)
        return 1;
    long n = f->calls++;
    if (n < 256)
        f->log[n] = op;
    if (n != f->fail_at)
        return 0;
    if (f->mode == FAULT_CRASH)
        f->crashed = 1;
    return 1;
}

/* Logs each call under its function name less the "f_" prefix. */
#define trip(ctx) trip_named((ctx), __func__ + 2)

static int f_create(void *ctx, const char *path)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    return real()->create_private(NULL, path);
}

static int f_open_read(void *ctx, const char *path) { (void)ctx; return real()->open_read(NULL, path); }
static int f_stat(void *ctx, int fd, ckpt_stat *out) { (void)ctx; return real()->stat(NULL, fd, out); }
static ssize_t f_read(void *ctx, int fd, void *b, size_t n) { (void)ctx; return real()->read(NULL, fd, b, n); }

static ssize_t f_write(void *ctx, int fd, const void *b, size_t n)
{
    fault_io *f = ctx;
    if (trip(f)) {
        /* A crash in the middle of a write leaves part of it on disk. */
        if (f->crashed && n > 1)
            (void)!real()->write(NULL, fd, b, n / 2);
        errno = EIO;
        return -1;
    }
    return real()->write(NULL, fd, b, n);
}

static int f_sync(void *ctx, int fd)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    return real()->sync(NULL, fd);
}

static int f_close(void *ctx, int fd)
{
    /* The descriptor is released either way (a dead process's are too). */
    int tripped = trip(ctx);
    int r = real()->close(NULL, fd);
    if (tripped) {
        errno = EIO;
        return -1;
    }
    return r;
}

static int f_rename(void *ctx, const char *a, const char *b)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    return real()->rename(NULL, a, b);
}

static int f_link(void *ctx, const char *a, const char *b)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    if (((fault_io *)ctx)->no_links) {
        errno = EPERM;
        return -1;
    }
    return real()->link(NULL, a, b);
}

static int f_unlink(void *ctx, const char *p)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    return real()->unlink(NULL, p);
}

static int f_sync_dir(void *ctx, const char *p)
{
    if (trip(ctx)) {
        errno = EIO;
        return -1;
    }
    return real()->sync_dir(NULL, p);
}

void fault_io_init(fault_io *f, fault_mode mode, long fail_at)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->fail_at = fail_at;
    f->io = (ckpt_io){
        .ctx = f,
        .create_private = f_create,
        .open_read = f_open_read,
        .stat = f_stat,
        .read = f_read,
        .write = f_write,
        .sync = f_sync,
        .close = f_close,
        .rename = f_rename,
        .link = f_link,
        .unlink = f_unlink,
        .sync_dir = f_sync_dir,
    };
}

long fault_io_last(const fault_io *f, const char *op)
{
    long last = -1;
    for (long i = 0; i < f->calls && i < 256; i++)
        if (strcmp(f->log[i], op) == 0)
            last = i;
    return last;
}
