/* Message type -> handler, with busy/idle around every request (xeus'
 * xkernel_core). jupyter_client's wait_for_ready needs the busy/idle pair
 * even around kernel_info; idle means every output of the request was sent. */
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
    kernel_publish_status(k, req, "idle");
}

void dispatch_abort(kernel *k, void *socket, const jup_msg *req)
{
    kernel_publish_status(k, req, "busy");
    kernel_reply(k, socket, req, "execute_reply", json_pack("{s:s}", "status", "aborted"));
    kernel_publish_status(k, req, "idle");
    log_info("aborted a queued execute_request after a failing cell");
}
