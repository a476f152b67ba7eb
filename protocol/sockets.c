/* Creating and binding the message sockets; see sockets.h. */
#include "sockets.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Unsent messages are dropped this long after close: a vanished client must
 * not keep the kernel from exiting. */
#define LINGER_MS 1000

jup_status jup_socket_bind(void *socket, jup_connection *c, jup_channel ch, jup_error *err)
{
    char endpoint[512];
    if (!jup_connection_endpoint(c, ch, endpoint, sizeof endpoint))
        return jup_error_set(err, JUP_EINVAL, NULL, "%s endpoint is too long", jup_channel_name(ch));
    int linger = LINGER_MS;
    zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
    if (strchr(c->ip, ':')) {
        int ipv6 = 1;
        zmq_setsockopt(socket, ZMQ_IPV6, &ipv6, sizeof ipv6);
    }
    if (zmq_bind(socket, endpoint) != 0)
        return jup_error_set(err, JUP_ESOCKET, "another process may hold the port; let Jupyter pick new ports",
                             "cannot bind the %s socket to %s: %s", jup_channel_name(ch), endpoint,
                             zmq_strerror(zmq_errno()));
    if (c->port[ch] == 0 && strcmp(c->transport, "tcp") == 0) {
        char bound[512];
        size_t len = sizeof bound;
        if (zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, bound, &len) == 0) {
            const char *colon = strrchr(bound, ':');
            if (colon)
                c->port[ch] = atoi(colon + 1);
        }
    }
    return JUP_OK;
}

jup_status jup_sockets_open(jup_sockets *s, void *ctx, jup_connection *c, jup_error *err)
{
    static const int types[JUP_CHANNEL_COUNT] = {
        [JUP_SHELL] = ZMQ_ROUTER, [JUP_CONTROL] = ZMQ_ROUTER,
        [JUP_STDIN] = ZMQ_ROUTER, [JUP_IOPUB] = ZMQ_PUB,
    };
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    for (int ch = 0; ch < JUP_CHANNEL_COUNT; ch++) {
        if (ch == JUP_HB)
            continue;
        s->sock[ch] = zmq_socket(ctx, types[ch]);
        if (!s->sock[ch]) {
            jup_error_set(err, JUP_ESOCKET, NULL, "cannot create the %s socket: %s",
                          jup_channel_name((jup_channel)ch), zmq_strerror(zmq_errno()));
            goto fail;
        }
        if (jup_socket_bind(s->sock[ch], c, (jup_channel)ch, err))
            goto fail;
    }
    return JUP_OK;
fail:
    jup_sockets_close(s);
    return err ? err->code : JUP_ESOCKET;
}

void jup_sockets_close(jup_sockets *s)
{
    for (int ch = 0; ch < JUP_CHANNEL_COUNT; ch++) {
        if (s->sock[ch])
            zmq_close(s->sock[ch]);
        s->sock[ch] = NULL;
    }
}
