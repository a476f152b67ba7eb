/* File I/O behind a small table of functions, as SQLite does with
 * sqlite3_io_methods: every open, read, write, fsync, rename, link and unlink
 * the checkpoint layer makes goes through a ckpt_io, so tests can make any one
 * of them fail (or stop the world there, as a crash would) and check that the
 * file on disk is still the previous good one. ckpt_io_posix() is the real
 * thing. Each function behaves like the POSIX call it names: 0 (or a file
 * descriptor, or a byte count) on success, -1 with errno set on failure. */
#ifndef CKPT_IO_H
#define CKPT_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct ckpt_stat {
    uint64_t size;
    int regular; /* nonzero for a regular file */
} ckpt_stat;

typedef struct ckpt_io {
    void *ctx; /* handed to every function; the POSIX table ignores it */
    /* Creates a new file that must not exist yet (O_EXCL, no symlink follow),
     * with mode exactly 0600 whatever the umask. Returns a write descriptor. */
    int (*create_private)(void *ctx, const char *path);
    /* Opens for reading without blocking on FIFOs. Returns a descriptor. */
    int (*open_read)(void *ctx, const char *path);
    int (*stat)(void *ctx, int fd, ckpt_stat *out);
    ssize_t (*read)(void *ctx, int fd, void *buf, size_t n);
    ssize_t (*write)(void *ctx, int fd, const void *buf, size_t n);
    int (*sync)(void *ctx, int fd);
    int (*close)(void *ctx, int fd);
    int (*rename)(void *ctx, const char *from, const char *to);
    int (*link)(void *ctx, const char *from, const char *to);
    int (*unlink)(void *ctx, const char *path);
    /* fsyncs the directory that holds `path`, so a rename in it is durable. */
    int (*sync_dir)(void *ctx, const char *path);
} ckpt_io;

/* The real implementation over POSIX calls (static; never freed). */
const ckpt_io *ckpt_io_posix(void);

#endif
