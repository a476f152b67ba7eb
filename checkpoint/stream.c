/* Frames: the body as a secretstream (XChaCha20-Poly1305) of bounded chunks.
 * Every frame binds the whole public header as additional data; the stream's
 * nonce counter makes reordered, repeated or dropped frames fail, and
 * TAG_FINAL on the last frame (and only there) makes a cut at a frame
 * boundary fail too. Framing is implicit: all frames but the last carry
 * exactly frame_bytes of plaintext, and the header says the body's size, so a
 * reader knows every frame's length before reading it. */
#include <string.h>

#include "core/alloc.h"

#include "ckpt_impl.h"

enum { TAG_MESSAGE = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
       TAG_FINAL = crypto_secretstream_xchacha20poly1305_TAG_FINAL };

cz_status ckpt_frames_writer_init(ckpt_frame_writer *w, const ckpt_io *io, int fd,
                                  const char *path, ckpt_secret *secret, const uint8_t *aad,
                                  size_t frame_bytes, cz_error *err)
{
    memset(w, 0, sizeof *w);
    w->io = io;
    w->fd = fd;
    w->path = path;
    w->state = &secret->state;
    w->aad = aad;
    w->frame_bytes = frame_bytes;
    w->err = err;
    w->plain = sodium_malloc(frame_bytes);
    w->cipher = cz_alloc(frame_bytes + CKPT_FRAME_OVERHEAD);
    if (!w->plain || !w->cipher) {
        ckpt_frames_writer_free(w);
        return w->status = cz_error_set(err, CZ_ENOMEM, "free memory and try again",
                                        "out of memory for a %zu-byte checkpoint frame",
                                        frame_bytes);
    }
    return CZ_OK;
}

static void flush(ckpt_frame_writer *w, unsigned char tag)
{
    unsigned long long clen = 0;
    /* Cannot fail for messages below MESSAGEBYTES_MAX, which frames are. */
    crypto_secretstream_xchacha20poly1305_push(w->state, w->cipher, &clen, w->plain, w->fill,
                                               w->aad, CKPT_HEADER_BYTES, tag);
    sodium_memzero(w->plain, w->fill);
    w->body_written += w->fill;
    w->fill = 0;
    w->frames++;
    w->status = ckpt_write_all(w->io, w->fd, w->cipher, (size_t)clen, w->path, w->err);
}

void ckpt_frames_put(ckpt_frame_writer *w, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0 && w->status == CZ_OK) {
        /* A full frame goes out only once more bytes arrive: the last frame
         * must stay in the buffer to be sent with TAG_FINAL. */
        if (w->fill == w->frame_bytes) {
            flush(w, TAG_MESSAGE);
            continue;
        }
        size_t k = w->frame_bytes - w->fill;
        if (k > n)
            k = n;
        memcpy(w->plain + w->fill, p, k);
        w->fill += k;
        p += k;
        n -= k;
    }
}

cz_status ckpt_frames_finish(ckpt_frame_writer *w)
{
    if (w->status == CZ_OK)
        flush(w, TAG_FINAL);
    return w->status;
}

void ckpt_frames_writer_free(ckpt_frame_writer *w)
{
    if (w->plain)
        sodium_free(w->plain);
    cz_free(w->cipher);
    w->plain = NULL;
    w->cipher = NULL;
}

static const char *tamper_hint =
    "the file cannot be trusted: restore an intact copy (or load the .prev autosave)";

cz_status ckpt_frames_read(const ckpt_io *io, int fd, const char *path, const ckpt_header *h,
                           const uint8_t *aad, ckpt_secret *secret, uint8_t *body, cz_error *err)
{
    uint64_t frames, file_bytes;
    ckpt_header_layout(h, &frames, &file_bytes);
    uint8_t *cipher = cz_alloc((size_t)h->frame_bytes + CKPT_FRAME_OVERHEAD);
    if (!cipher)
        return cz_error_set(err, CZ_ENOMEM, "free memory and try again",
                            "out of memory reading %s", path);
    cz_status st = CZ_OK;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&secret->state, h->stream,
                                                        secret->keys.stream) != 0) {
        st = cz_error_set(err, CZ_EAUTH, tamper_hint,
                          "%s was altered after it was written: its stream header is invalid",
                          path);
        goto done;
    }
    uint64_t offset = 0;
    for (uint64_t i = 0; i < frames; i++) {
        int last = i + 1 == frames;
        size_t plen = last ? (size_t)(h->body_bytes - offset) : h->frame_bytes;
        size_t clen = plen + CKPT_FRAME_OVERHEAD;
        size_t got = 0;
        st = ckpt_read_full(io, fd, cipher, clen, &got, path, err);
        if (st != CZ_OK)
            goto done;
        if (got < clen) {
            st = cz_error_set(err, CZ_EFORMAT, tamper_hint,
                              "%s is truncated: frame %llu of %llu ends %zu bytes early", path,
                              (unsigned long long)(i + 1), (unsigned long long)frames,
                              clen - got);
            goto done;
        }
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(&secret->state, body + offset, &mlen, &tag,
                                                       cipher, clen, aad, CKPT_HEADER_BYTES) != 0) {
            st = cz_error_set(err, CZ_EAUTH, tamper_hint,
                              "%s was altered or damaged after it was written: frame %llu of "
                              "%llu fails authentication",
                              path, (unsigned long long)(i + 1), (unsigned long long)frames);
            goto done;
        }
        if (tag != (last ? TAG_FINAL : TAG_MESSAGE) || mlen != plen) {
            st = cz_error_set(err, CZ_EAUTH, tamper_hint,
                              "%s was altered after it was written: frame %llu of %llu is "
                              "out of place",
                              path, (unsigned long long)(i + 1), (unsigned long long)frames);
            goto done;
        }
        offset += plen;
    }
    /* The size was checked before; a file that grew since is refused too. */
    uint8_t extra;
    size_t got = 0;
    st = ckpt_read_full(io, fd, &extra, 1, &got, path, err);
    if (st == CZ_OK && got != 0)
        st = cz_error_set(err, CZ_EFORMAT, tamper_hint,
                          "%s has bytes after its final frame", path);
done:
    cz_free(cipher);
    return st;
}
