/* Atomic replace, as redis saves its dump: write a temporary file in the same
 * folder, fsync it, rename it over the target, fsync the folder. A reader of
 * the target sees the old file or the new one, never a partial one; a crash
 * leaves at most an encrypted temporary file behind. With keep_prev the old
 * file is first hard-linked to PATH.prev, so the fallback is in place before
 * the target changes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#include "ckpt_impl.h"

/* "BASE" + suffix + 16 random hex digits. */
static char *random_name(const char *base, const char *suffix)
{
    size_t n = strlen(base) + strlen(suffix) + 17;
    char *s = cz_alloc(n);
    if (!s)
        return NULL;
    uint8_t r[8];
    randombytes_buf(r, sizeof r);
    int used = snprintf(s, n, "%s%s", base, suffix);
    for (int i = 0; i < 8; i++)
        snprintf(s + used + 2 * i, 3, "%02x", r[i]);
    return s;
}

char *ckpt_prev_path(const char *path)
{
    size_t n = strlen(path) + sizeof ".prev";
    char *s = cz_alloc(n);
    if (s)
        snprintf(s, n, "%s.prev", path);
    return s;
}

cz_status ckpt_tmpfile_open(ckpt_tmpfile *t, const ckpt_io *io, const char *path, cz_error *err)
{
    t->io = io;
    t->fd = -1;
    t->tmp_path = NULL;
    for (int attempt = 0; attempt < 8; attempt++) {
        t->tmp_path = random_name(path, ".tmp-");
        if (!t->tmp_path)
            return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory saving %s", path);
        t->fd = io->create_private(io->ctx, t->tmp_path);
        if (t->fd >= 0)
            return CZ_OK;
        int e = errno;
        cz_free(t->tmp_path);
        t->tmp_path = NULL;
        if (e != EEXIST)
            return cz_error_set(err, CZ_EIO, "check that the folder exists and is writable",
                                "cannot create a temporary file next to %s: %s", path,
                                strerror(e));
    }
    return cz_error_set(err, CZ_EIO, "remove stray PATH.tmp-* files from that folder",
                        "cannot create a temporary file next to %s: names keep colliding", path);
}

void ckpt_tmpfile_abort(ckpt_tmpfile *t)
{
    int saved = errno;
    if (t->fd >= 0)
        t->io->close(t->io->ctx, t->fd);
    t->fd = -1;
    if (t->tmp_path)
        t->io->unlink(t->io->ctx, t->tmp_path);
    cz_free(t->tmp_path);
    t->tmp_path = NULL;
    errno = saved;
}

/* The errors link() gives where the file system cannot hard-link. */
static int no_hard_links(int e)
{
    return e == EPERM || e == EXDEV || e == EMLINK || e == ENOSYS || e == EOPNOTSUPP
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
           || e == ENOTSUP
#endif
        ;
}

/* Makes PATH.prev the current PATH (when there is one) before PATH changes. */
static cz_status keep_previous(const ckpt_io *io, const char *path, cz_error *err)
{
    char *prev = ckpt_prev_path(path);
    char *link_tmp = prev ? random_name(prev, ".tmp-") : NULL;
    cz_status st = CZ_OK;
    if (!prev || !link_tmp) {
        st = cz_error_set(err, CZ_ENOMEM, NULL, "out of memory saving %s", path);
        goto done;
    }
    if (io->link(io->ctx, path, link_tmp) == 0) {
        /* Both names now point at the old file; swing PATH.prev over to it. */
        if (io->rename(io->ctx, link_tmp, prev) != 0) {
            int e = errno;
            io->unlink(io->ctx, link_tmp);
            st = cz_error_set(err, CZ_EIO, "check permissions in that folder",
                              "cannot keep the previous %s as %s: %s", path, prev, strerror(e));
        }
    } else {
        int e = errno;
        if (no_hard_links(e)) {
            /* This file system has no hard links: move PATH aside instead.
             * Until the new file lands, PATH is missing and
             * ckpt_autosave_load reads PATH.prev. */
            if (io->rename(io->ctx, path, prev) != 0 && errno != ENOENT)
                st = cz_error_set(err, CZ_EIO, "check permissions in that folder",
                                  "cannot keep the previous %s as %s: %s", path, prev,
                                  strerror(errno));
        } else if (e != ENOENT) { /* ENOENT: there is no previous file to keep */
            st = cz_error_set(err, CZ_EIO, "check permissions in that folder",
                              "cannot keep the previous %s as %s: %s", path, prev, strerror(e));
        }
    }
    if (st == CZ_OK && io->sync_dir(io->ctx, path) != 0)
        st = cz_error_set(err, CZ_EIO, "check the file system", "cannot sync the folder of %s: %s",
                          path, strerror(errno));
done:
    cz_free(link_tmp);
    cz_free(prev);
    return st;
}

cz_status ckpt_tmpfile_commit(ckpt_tmpfile *t, const char *path, int keep_prev, cz_error *err)
{
    const ckpt_io *io = t->io;
    cz_status st;
    if (io->sync(io->ctx, t->fd) != 0) {
        st = cz_error_set(err, CZ_EIO, "check free space and the file system",
                          "cannot flush %s to disk: %s", t->tmp_path, strerror(errno));
        goto fail;
    }
    int fd = t->fd;
    t->fd = -1;
    if (io->close(io->ctx, fd) != 0) {
        st = cz_error_set(err, CZ_EIO, "check free space and the file system",
                          "cannot close %s: %s", t->tmp_path, strerror(errno));
        goto fail;
    }
    if (keep_prev && (st = keep_previous(io, path, err)) != CZ_OK)
        goto fail;
    if (io->rename(io->ctx, t->tmp_path, path) != 0) {
        st = cz_error_set(err, CZ_EIO, "check permissions in that folder",
                          "cannot rename %s to %s: %s", t->tmp_path, path, strerror(errno));
        goto fail;
    }
    cz_free(t->tmp_path);
    t->tmp_path = NULL;
    if (io->sync_dir(io->ctx, path) != 0)
        return cz_error_set(err, CZ_EIO, "check the file system",
                            "%s was written, but its folder could not be synced: %s", path,
                            strerror(errno));
    return CZ_OK;

fail:
    ckpt_tmpfile_abort(t);
    return st;
}
