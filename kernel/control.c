/* The control thread: answers shutdown_request, interrupt_request and
 * kernel_info_request on the control socket while the main thread runs a
 * cell (xeus' default server polls both from one thread, so its interrupts
 * wait for the cell they should stop). It never touches Lua. */
#include <zmq.h>

#include "kernel.h"
#include "log.h"

#define POLL_MS 100

void *control_main(void *arg)
{
    kernel *k = arg;
    void *sock = k->sockets.sock[JUP_CONTROL];
    while (!atomic_load(&k->quit)) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, POLL_MS) <= 0)
            continue;
        jup_msg *req = NULL;
        jup_error err;
        jup_status st = jup_channel_recv(k->session, sock, true, &req, &err);
        if (st == JUP_EAGAIN)
            continue;
        if (st) {
            log_warn("dropped a message on control: %s", err.msg);
            continue;
        }
        dispatch(k, sock, req, true);
        jup_msg_free(&req);
    }
    return NULL;
}
