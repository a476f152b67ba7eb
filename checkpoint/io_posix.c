/* The POSIX ckpt_io: thin wrappers that retry on EINTR and otherwise leave
 * errno as the system set it. Policy (what to do when a call fails) lives in
 * atomic.c and load.c, not here. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

static int posix_create_private(void *ctx, const char *path)
{
    (void)ctx;
    int fd;
    do
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    /* The umask may only have removed bits; set exactly 0600 so the file is
     * the owner's to read and write back, and nobody else's. */
    if (fchmod(fd, 0600) != 0) {
        int saved = errno;
        close(fd);
        unlink(path);
        errno = saved;
        return -1;
    }
    return fd;
}

static int posix_open_read(void *ctx, const char *path)
{
    (void)ctx;
    int fd;
    /* O_NONBLOCK: a FIFO at the path must not hang the kernel; stat() then
     * refuses anything that is not a regular file. */
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static int posix_stat(void *ctx, int fd, ckpt_stat *out)
{
    (void)ctx;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    out->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    out->regular = S_ISREG(st.st_mode) ? 1 : 0;
    return 0;
}

static ssize_t posix_read(void *ctx, int fd, void *buf, size_t n)
{
    (void)ctx;
    ssize_t r;
    do
        r = read(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r;
}

static ssize_t posix_write(void *ctx, int fd, const void *buf, size_t n)
{
    (void)ctx;
    ssize_t r;
    do
        r = write(fd, buf, n);
    while (r < 0 && errno == EINTR);
    return r;
}

static int posix_sync(void *ctx, int fd)
{
    (void)ctx;
    int r;
    do
        r = fsync(fd);
    while (r < 0 && errno == EINTR);
    return r;
}

static int posix_close(void *ctx, int fd)
{
    (void)ctx;
    /* No retry on EINTR: on Linux the descriptor is gone either way. */
    return close(fd);
}

static int posix_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    return rename(from, to);
}

static int posix_link(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    return link(from, to);
}

static int posix_unlink(void *ctx, const char *path)
{
    (void)ctx;
    return unlink(path);
}

static int posix_sync_dir(void *ctx, const char *path)
{
    (void)ctx;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd;
    do
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    int r;
    do
        r = fsync(fd);
    while (r < 0 && errno == EINTR);
    /* Some file systems cannot fsync a directory and say EINVAL; the rename
     * is then as durable as that file system makes it (redis does the same). */
    if (r < 0 && errno == EINVAL)
        r = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

static const ckpt_io posix_io = {
    .ctx = NULL,
    .create_private = posix_create_private,
    .open_read = posix_open_read,
    .stat = posix_stat,
    .read = posix_read,
    .write = posix_write,
    .sync = posix_sync,
    .close = posix_close,
    .rename = posix_rename,
    .link = posix_link,
    .unlink = posix_unlink,
    .sync_dir = posix_sync_dir,
};

const ckpt_io *ckpt_io_posix(void)
{
    return &posix_io;
}
