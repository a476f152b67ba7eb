/* ckpt_save: validate the records, derive the file keys, write header and
 * frames to a temporary file, then replace the target atomically. The body
 * is never assembled in one buffer: records stream through one locked frame
 * buffer into the cipher. */
#include "ckpt_impl.h"

static cz_status save_opts(const ckpt_save_opts *opts, const ckpt_io **io, size_t *frame_bytes,
                           int *keep_prev, cz_error *err)
{
    *io = opts && opts->io ? opts->io : ckpt_io_posix();
    *frame_bytes = opts && opts->frame_bytes ? opts->frame_bytes : CKPT_FRAME_DEFAULT;
    *keep_prev = opts ? opts->keep_prev : 0;
    if (*frame_bytes < CKPT_FRAME_MIN || *frame_bytes > CKPT_FRAME_MAX)
        return cz_error_set(err, CZ_EINVAL, "leave frame_bytes at 0 for the default",
                            "frame size %zu is outside %u..%u", *frame_bytes, CKPT_FRAME_MIN,
                            CKPT_FRAME_MAX);
    return CZ_OK;
}

cz_status ckpt_save(const char *path, ckpt_key *key, const ckpt_record *records, size_t count,
                    const ckpt_save_opts *opts, cz_error *err)
{
    if (!path || !*path)
        return cz_error_set(err, CZ_EINVAL, "pass a file path", "no checkpoint path given");
    const ckpt_io *io;
    size_t frame_bytes;
    int keep_prev;
    cz_status st = save_opts(opts, &io, &frame_bytes, &keep_prev, err);
    if (st != CZ_OK)
        return st;
    uint64_t body_bytes = 0;
    if ((st = ckpt_records_check(records, count, &body_bytes, err)) != CZ_OK)
        return st;

    ckpt_secret *secret = ckpt_secret_new(err);
    if (!secret)
        return err ? err->code : CZ_ENOMEM;
    ckpt_header h = {
        .version = CKPT_VERSION,
        .header_bytes = CKPT_HEADER_BYTES,
        .kdf = CKPT_KDF_ARGON2ID13,
        .frame_bytes = (uint32_t)frame_bytes,
        .body_bytes = body_bytes,
    };
    ckpt_kdf cost;
    ckpt_tmpfile tmp = {.fd = -1};
    ckpt_frame_writer w = {0};
    if ((st = ckpt_key_save_params(key, h.salt, &cost, err)) != CZ_OK)
        goto done;
    h.opslimit = cost.opslimit;
    h.memlimit = cost.memlimit;
    if ((st = ckpt_key_subkeys(key, h.salt, cost, &secret->keys, path, err)) != CZ_OK)
        goto done;
    /* A fresh random stream nonce per file, even under a reused salt. */
    crypto_secretstream_xchacha20poly1305_init_push(&secret->state, h.stream, secret->keys.stream);
    uint8_t header[CKPT_HEADER_BYTES];
    ckpt_header_encode(header, &h);
    ckpt_check_compute(header + CKPT_OFF_CHECK, header, &secret->keys);

    if ((st = ckpt_tmpfile_open(&tmp, io, path, err)) != CZ_OK)
        goto done;
    if ((st = ckpt_write_all(io, tmp.fd, header, sizeof header, tmp.tmp_path, err)) != CZ_OK)
        goto abort;
    if ((st = ckpt_frames_writer_init(&w, io, tmp.fd, tmp.tmp_path, secret, header, frame_bytes,
                                      err)) != CZ_OK)
        goto abort;
    ckpt_records_encode(&w, records, count);
    if ((st = ckpt_frames_finish(&w)) != CZ_OK)
        goto abort;
    CZ_ASSERT(w.body_written == body_bytes);
    ckpt_frames_writer_free(&w);
    st = ckpt_tmpfile_commit(&tmp, path, keep_prev, err);
    goto done;

abort:
    ckpt_frames_writer_free(&w);
    ckpt_tmpfile_abort(&tmp);
done:
    ckpt_secret_free(&secret);
    return st;
}
