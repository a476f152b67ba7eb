/* Heartbeat echo thread; see heartbeat.h. */
#include "heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <zmq.h>

#include "sockets.h"

struct jup_heartbeat {
    void *echo;           /* REP, owned by the thread once started */
    void *stop_tx;        /* PAIR, the stopping side */
    void *stop_rx;        /* PAIR, polled by the thread */
    pthread_t thread;
    atomic_ulong count;
};

/* Echoes one (possibly multipart) message. Returns -1 on a socket error. */
static int echo_one(void *sock)
{
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            return errno == EINTR ? 0 : -1;
        }
        more = zmq_msg_more(&m);
        /* zmq_msg_send takes ownership of m on success */
        if (zmq_msg_send(&m, sock, more ? ZMQ_SNDMORE : 0) < 0) {
            zmq_msg_close(&m);
            return -1;
        }
    }
    return 0;
}

static void *run(void *arg)
{
    jup_heartbeat *hb = arg;
    zmq_pollitem_t items[2] = {
        {hb->echo, 0, ZMQ_POLLIN, 0},
        {hb->stop_rx, 0, ZMQ_POLLIN, 0},
    };
    for (;;) {
        if (zmq_poll(items, 2, -1) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            break;
        if ((items[0].revents & ZMQ_POLLIN) && echo_one(hb->echo) == 0)
            atomic_fetch_add(&hb->count, 1);
    }
    return NULL;
}

static void close_sockets(jup_heartbeat *hb)
{
    if (hb->echo)
        zmq_close(hb->echo);
    if (hb->stop_tx)
        zmq_close(hb->stop_tx);
    if (hb->stop_rx)
        zmq_close(hb->stop_rx);
}

jup_heartbeat *jup_heartbeat_start(void *ctx, jup_connection *c, jup_error *err)
{
    jup_heartbeat *hb = calloc(1, sizeof *hb);
    if (!hb) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory for the heartbeat");
        return NULL;
    }
    atomic_init(&hb->count, 0);
    char stop_endpoint[64];
    snprintf(stop_endpoint, sizeof stop_endpoint, "inproc://jup-hb-stop-%p", (void *)hb);
    hb->echo = zmq_socket(ctx, ZMQ_REP);
    hb->stop_rx = zmq_socket(ctx, ZMQ_PAIR);
    hb->stop_tx = zmq_socket(ctx, ZMQ_PAIR);
    if (!hb->echo || !hb->stop_rx || !hb->stop_tx) {
        jup_error_set(err, JUP_ESOCKET, NULL, "cannot create heartbeat sockets: %s",
                      zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (jup_socket_bind(hb->echo, c, JUP_HB, err))
        goto fail;
    int linger = 0;
    zmq_setsockopt(hb->stop_tx, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(hb->stop_rx, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(hb->stop_rx, stop_endpoint) != 0 || zmq_connect(hb->stop_tx, stop_endpoint) != 0) {
        jup_error_set(err, JUP_ESOCKET, NULL, "cannot connect the heartbeat's stop socket: %s",
                      zmq_strerror(zmq_errno()));
        goto fail;
    }
    int rc = pthread_create(&hb->thread, NULL, run, hb);
    if (rc != 0) {
        jup_error_set(err, JUP_ESOCKET, NULL, "cannot start the heartbeat thread: error %d", rc);
        goto fail;
    }
    return hb;
fail:
    close_sockets(hb);
    free(hb);
    return NULL;
}

void jup_heartbeat_stop(jup_heartbeat **hbp)
{
    if (!hbp || !*hbp)
        return;
    jup_heartbeat *hb = *hbp;
    while (zmq_send(hb->stop_tx, "", 0, 0) < 0 && zmq_errno() == EINTR)
        ;
    pthread_join(hb->thread, NULL);
    close_sockets(hb);
    free(hb);
    *hbp = NULL;
}

unsigned long jup_heartbeat_count(const jup_heartbeat *hb)
{
    return atomic_load(&((jup_heartbeat *)hb)->count);
}
