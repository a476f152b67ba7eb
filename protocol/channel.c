/* Whole-message socket I/O; see channel.h. */
#include "channel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* A real request is 6-8 frames; this bounds what a hostile peer makes us hold. */
#define MAX_FRAMES 4096

static void close_all(zmq_msg_t *parts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&parts[i]);
}

jup_status jup_channel_recv(jup_session *s, void *socket, bool dontwait, jup_msg **out,
                            jup_error *err)
{
    *out = NULL;
    zmq_msg_t *parts = NULL;
    size_t n = 0, cap = 0;
    jup_status st = JUP_OK;
    bool more = true;
    while (more) {
        if (n == cap) {
            size_t grown_cap = cap ? cap * 2 : 8;
            zmq_msg_t *grown = realloc(parts, grown_cap * sizeof *grown);
            if (!grown) {
                st = jup_error_set(err, JUP_ENOMEM, NULL, "out of memory receiving a message");
                goto drain;
            }
            parts = grown;
            cap = grown_cap;
        }
        zmq_msg_init(&parts[n]);
        int flags = (n == 0 && dontwait) ? ZMQ_DONTWAIT : 0;
        int rc;
        do {
            rc = zmq_msg_recv(&parts[n], socket, flags);
        } while (rc < 0 && errno == EINTR && n > 0);   /* never split a message */
        if (rc < 0) {
            int e = errno;
            zmq_msg_close(&parts[n]);
            if (e == EAGAIN)
                st = jup_error_set(err, JUP_EAGAIN, NULL, "no message queued");
            else if (e == EINTR)
                st = jup_error_set(err, JUP_EINTR, NULL, "receive interrupted by a signal");
            else
                st = jup_error_set(err, JUP_ESOCKET, NULL, "zmq_msg_recv: %s", zmq_strerror(e));
            goto done;
        }
        more = zmq_msg_more(&parts[n]);
        n++;
        if (more && n >= MAX_FRAMES) {
            st = jup_error_set(err, JUP_EFORMAT, NULL, "message has more than %d frames", MAX_FRAMES);
            goto drain;
        }
    }
    jup_frame *frames = calloc(n, sizeof *frames);
    if (!frames) {
        st = jup_error_set(err, JUP_ENOMEM, NULL, "out of memory receiving a message");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        frames[i] = (jup_frame){zmq_msg_data(&parts[i]), zmq_msg_size(&parts[i])};
    st = jup_session_decode(s, frames, n, out, err);
    free(frames);
    goto done;
drain:
    /* Discard the rest of this multipart message so the next receive starts clean. */
    while (more) {
        zmq_msg_t rest;
        zmq_msg_init(&rest);
        if (zmq_msg_recv(&rest, socket, 0) < 0 && errno != EINTR) {
            zmq_msg_close(&rest);
            break;
        }
        more = zmq_msg_more(&rest);
        zmq_msg_close(&rest);
    }
done:
    close_all(parts, n);
    free(parts);
    return st;
}

jup_status jup_channel_send_frames(void *socket, const jup_frame *frames, size_t n, jup_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int flags = i + 1 < n ? ZMQ_SNDMORE : 0;
        int rc;
        do {
            rc = zmq_send(socket, frames[i].data, frames[i].len, flags);
        } while (rc < 0 && errno == EINTR);
        if (rc < 0)
            return jup_error_set(err, JUP_ESOCKET, NULL, "zmq_send of frame %zu/%zu: %s", i + 1, n,
                                 zmq_strerror(errno));
    }
    return JUP_OK;
}

static jup_status send_encoded(jup_session *s, void *socket, const jup_msg *m, const char *topic,
                               jup_error *err)
{
    jup_outgoing o;
    jup_status st = jup_session_encode(s, m, topic, &o, err);
    if (!st)
        st = jup_channel_send_frames(socket, o.frames, o.n, err);
    jup_outgoing_release(&o);
    return st;
}

jup_status jup_channel_send(jup_session *s, void *socket, const jup_msg *m, jup_error *err)
{
    return send_encoded(s, socket, m, NULL, err);
}

jup_status jup_channel_publish(jup_session *s, void *socket, const jup_msg *m, jup_error *err)
{
    char topic[128];
    snprintf(topic, sizeof topic, "kernel.%s.%s", jup_session_id(s), jup_msg_type(m));
    return send_encoded(s, socket, m, topic, err);
}
