/* ckpt_load and ckpt_describe: read and check the public header, then (load
 * only) verify the key check, the file size and every frame before parsing
 * the records. The order of the checks fixes which error a reader sees:
 * not a checkpoint / truncated header / newer version, then wrong key, then
 * truncated or overlong body, then tampered frames, then a malformed body. */
#include <errno.h>
#include <string.h>

#include "core/alloc.h"

#include "ckpt_impl.h"

/* Opens `path` and decodes its header. On success *fd is open. */
static cz_status open_header(const ckpt_io *io, const char *path, int *fd, uint64_t *file_bytes,
                             uint8_t header[CKPT_HEADER_BYTES], ckpt_header *h, cz_error *err)
{
    *fd = -1;
    if (!path || !*path)
        return cz_error_set(err, CZ_EINVAL, "pass a file path", "no checkpoint path given");
    int f = io->open_read(io->ctx, path);
    if (f < 0)
        return cz_error_set(err, CZ_EIO,
                            errno == ENOENT ? "check the path (relative paths start at the "
                                              "notebook's folder)"
                                            : "check the file's permissions",
                            "cannot open %s: %s", path, strerror(errno));
    ckpt_stat st;
    cz_status s;
    if (io->stat(io->ctx, f, &st) != 0) {
        s = cz_error_set(err, CZ_EIO, NULL, "cannot stat %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!st.regular) {
        s = cz_error_set(err, CZ_EIO, "pass a checkpoint file", "%s is not a regular file", path);
        goto fail;
    }
    size_t got = 0;
    if ((s = ckpt_read_full(io, f, header, CKPT_HEADER_BYTES, &got, path, err)) != CZ_OK)
        goto fail;
    if ((s = ckpt_header_decode(h, header, got, path, err)) != CZ_OK)
        goto fail;
    *fd = f;
    *file_bytes = st.size;
    return CZ_OK;
fail:
    io->close(io->ctx, f);
    return s;
}

static cz_status check_size(const char *path, uint64_t have, uint64_t want, cz_error *err)
{
    if (have < want)
        return cz_error_set(err, CZ_EFORMAT,
                            "the file was cut short (a crash during a copy, or a full disk?); "
                            "load its .prev autosave or another copy",
                            "%s is truncated: it has %llu bytes, its header says %llu", path,
                            (unsigned long long)have, (unsigned long long)want);
    if (have > want)
        return cz_error_set(err, CZ_EFORMAT, "use an intact copy",
                            "%s has %llu bytes after its end (%llu bytes expected)", path,
                            (unsigned long long)(have - want), (unsigned long long)want);
    return CZ_OK;
}

ckpt_records *ckpt_load(const char *path, ckpt_key *key, const ckpt_io *io, cz_error *err)
{
    if (!io)
        io = ckpt_io_posix();
    if (!key) {
        cz_error_set(err, CZ_EINVAL, "set a key first with dc.key()", "no checkpoint key given");
        return NULL;
    }
    uint8_t header[CKPT_HEADER_BYTES];
    ckpt_header h;
    uint64_t file_bytes = 0;
    int fd;
    if (open_header(io, path, &fd, &file_bytes, header, &h, err) != CZ_OK)
        return NULL;
    ckpt_records *list = NULL;
    uint8_t *body = NULL;
    ckpt_secret *secret = ckpt_secret_new(err);
    if (!secret)
        goto done;
    ckpt_kdf cost = {h.opslimit, h.memlimit};
    if (ckpt_key_subkeys(key, h.salt, cost, &secret->keys, path, err) != CZ_OK)
        goto done;
    if (!ckpt_check_verify(header, &secret->keys)) {
        cz_error_set(err, CZ_EAUTH,
                     "check the passphrase: it must be the one the file was saved with",
                     "wrong key for %s (or its header was altered)", path);
        goto done;
    }
    uint64_t frames, expected;
    ckpt_header_layout(&h, &frames, &expected);
    if (check_size(path, file_bytes, expected, err) != CZ_OK)
        goto done;
    /* The size check bounds the body by the file's real size. */
    body = cz_alloc(h.body_bytes ? (size_t)h.body_bytes : 1);
    if (!body) {
        cz_error_set(err, CZ_ENOMEM, "free memory and try again",
                     "out of memory: %s needs %llu bytes", path,
                     (unsigned long long)h.body_bytes);
        goto done;
    }
    if (ckpt_frames_read(io, fd, path, &h, header, secret, body, err) != CZ_OK)
        goto done;
    list = ckpt_records_parse(body, (size_t)h.body_bytes, path, err);
    body = NULL; /* taken by the parser, even on failure */
done:
    if (body) {
        sodium_memzero(body, (size_t)h.body_bytes);
        cz_free(body);
    }
    ckpt_secret_free(&secret);
    io->close(io->ctx, fd);
    return list;
}

cz_status ckpt_describe(const char *path, const ckpt_io *io, ckpt_info *info, cz_error *err)
{
    if (!io)
        io = ckpt_io_posix();
    memset(info, 0, sizeof *info);
    uint8_t header[CKPT_HEADER_BYTES];
    ckpt_header h;
    uint64_t file_bytes = 0;
    int fd;
    cz_status st = open_header(io, path, &fd, &file_bytes, header, &h, err);
    if (st != CZ_OK)
        return st;
    io->close(io->ctx, fd);
    info->version = h.version;
    info->kdf = "argon2id";
    info->opslimit = h.opslimit;
    info->memlimit = h.memlimit;
    memcpy(info->salt, h.salt, sizeof info->salt);
    info->frame_bytes = h.frame_bytes;
    info->body_bytes = h.body_bytes;
    ckpt_header_layout(&h, &info->frames, &info->expected_bytes);
    info->file_bytes = file_bytes;
    info->complete = file_bytes == info->expected_bytes;
    return CZ_OK;
}
