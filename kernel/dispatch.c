/* Message type -> handler, with busy/idle around every request (xeus'
 * xkernel_core). jupyter_client's wait_for_ready needs the busy/idle pair
 * even around kernel_info; idle means every output of the request was sent. */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "log.h"

typedef struct route {
    const char *msg_type;
    kernel_handler fn;
    bool shell, control;   /* where it is accepted */
} route;

static const route routes[] = {
    {"kernel_info_request", handle_kernel_info, true, true},
    {"execute_request", handle_execute, true, false},
    {"complete_request", handle_complete, true, false},
    {"inspect_request", handle_inspect, true, false},
    {"is_complete_request", handle_is_complete, true, false},
    {"history_request", handle_history, true, false},
    {"comm_info_request", handle_comm_info, true, false},
    {"comm_open", handle_comm_open, true, false},
    {"comm_msg", handle_comm_ignore, true, false},
    {"comm_close", handle_comm_ignore, true, false},
    {"shutdown_request", handle_shutdown, true, true},   /* on shell: deprecated but still sent by old clients */
    {"interrupt_request", handle_interrupt, false, true},
};

static void dispatch_abort(kernel *k, void *socket, const jup_msg *req)
{
    kernel_publish_status(k, req, "busy");
    kernel_reply(k, socket, req, "execute_reply", json_pack("{s:s}", "status", "aborted"));
    kernel_publish_status(k, req, "idle");
    log_info("aborted a queued execute_request after a failing cell");
}

/* After a failing stop_on_error cell, the requests already queued are set
 * aside *before* its reply goes out (a notebook's "Run all" stops at the
 * error, and an interrupt stops the cells queued behind it). A request sent
 * after the client saw the reply is never among them, so it runs, as with
 * ipykernel's default stop_on_error_timeout of 0. */
void dispatch_collect_queued(kernel *k, void *shell)
{
    for (;;) {
        jup_msg *req = NULL;
        jup_error err;
        jup_status st = jup_channel_recv(k->session, shell, true, &req, &err);
        if (st == JUP_EAGAIN)
            return;
        if (st) {
            log_warn("dropped a message on shell: %s", err.msg);
            continue;
        }
        if (k->n_queued == k->cap_queued) {
            size_t cap = k->cap_queued ? 2 * k->cap_queued : 8;
            jup_msg **grown = realloc(k->queued, cap * sizeof *grown);
            if (!grown) {
                log_error("out of memory setting aside a queued %s: dropped", jup_msg_type(req));
                jup_msg_free(&req);
                continue;
            }
            k->queued = grown;
            k->cap_queued = cap;
        }
        k->queued[k->n_queued++] = req;
    }
}

/* Execute requests set aside get "aborted"; anything else runs normally. */
static void abort_collected(kernel *k, void *shell)
{
    size_t n = k->n_queued;
    jup_msg **list = k->queued;
    k->queued = NULL;
    k->n_queued = k->cap_queued = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(jup_msg_type(list[i]), "execute_request") == 0)
            dispatch_abort(k, shell, list[i]);
        else
            dispatch(k, shell, list[i], false);
        jup_msg_free(&list[i]);
    }
    free(list);
}

void dispatch(kernel *k, void *socket, const jup_msg *req, bool on_control)
{
    const char *type = jup_msg_type(req);
    const route *r = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].msg_type, type) == 0 && (on_control ? routes[i].control : routes[i].shell)) {
            r = &routes[i];
            break;
        }
    log_debug("%s %s (%s)", on_control ? "control" : "shell", type, jup_msg_id(req));
    kernel_publish_status(k, req, "busy");
    if (r)
        r->fn(k, socket, req);
    else
        log_warn("unhandled %s on %s: no reply sent", type, on_control ? "control" : "shell");
    if (k->n_queued && !on_control)
        abort_collected(k, socket);
    kernel_publish_status(k, req, "idle");
}

