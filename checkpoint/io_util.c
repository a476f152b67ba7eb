/* Whole reads and writes over a ckpt_io, with errors that name the file and
 * the system's reason. Short writes and reads are retried; only end of file
 * stops a read early. */
#include <errno.h>
#include <string.h>

#include "ckpt_impl.h"

cz_status ckpt_write_all(const ckpt_io *io, int fd, const void *buf, size_t n, const char *path,
                         cz_error *err)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t w = io->write(io->ctx, fd, p, n);
        if (w < 0)
            return cz_error_set(err, CZ_EIO, "check free space and permissions in that folder",
                                "cannot write %s: %s", path, strerror(errno));
        if (w == 0)
            return cz_error_set(err, CZ_EIO, "check free space in that folder",
                                "cannot write %s: the write made no progress", path);
        p += w;
        n -= (size_t)w;
    }
    return CZ_OK;
}

cz_status ckpt_read_full(const ckpt_io *io, int fd, void *buf, size_t n, size_t *got,
                         const char *path, cz_error *err)
{
    uint8_t *p = buf;
    size_t total = 0;
    while (total < n) {
        ssize_t r = io->read(io->ctx, fd, p + total, n - total);
        if (r < 0) {
            *got = total;
            return cz_error_set(err, CZ_EIO, NULL, "cannot read %s: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        total += (size_t)r;
    }
    *got = total;
    return CZ_OK;
}
