/* Kernel set-up, main loop and tear-down; see kernel.h. */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "interrupt.h"
#include "log.h"

void kernel_request_quit(kernel *k, const char *reason, bool restart)
{
    if (!atomic_exchange(&k->quit, true)) {
        snprintf(k->quit_reason, sizeof k->quit_reason, "%s", reason);
        atomic_store(&k->restart, restart);
    }
    char byte = 'Q';
    ssize_t w = write(k->wake[1], &byte, 1);
    (void)w;   /* a full pipe already holds a wake-up */
    interrupt_request();   /* a running cell ends now */
}

static int open_session(kernel *k, const kernel_options *o)
{
    jup_error err;
    k->conn = jup_connection_load(o->connection_file, &err);
    if (!k->conn) {
        log_error("%s%s%s", err.msg, err.hint[0] ? "; " : "", err.hint);
        return -1;
    }
    if (k->conn->key_len == 0 && !o->allow_empty_key) {
        log_error("%s: the key is empty, so anyone who can reach the ports could run code; "
                  "let Jupyter write a key, or pass --insecure-no-key to accept it", o->connection_file);
        return -1;
    }
    const char *user = getenv("USER");
    k->session = jup_session_new(k->conn->key, k->conn->key_len, user, 0, &err);
    if (!k->session) {
        log_error("%s", err.msg);
        return -1;
    }
    return 0;
}

static int open_sockets(kernel *k, const kernel_options *o)
{
    jup_error err;
    k->zmq_ctx = zmq_ctx_new();
    if (!k->zmq_ctx) {
        log_error("cannot create a ZeroMQ context: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    if (jup_sockets_open(&k->sockets, k->zmq_ctx, k->conn, &err)) {
        log_error("%s%s%s", err.msg, err.hint[0] ? "; " : "", err.hint);
        return -1;
    }
    k->hb = jup_heartbeat_start(k->zmq_ctx, k->conn, &err);
    if (!k->hb) {
        log_error("%s", err.msg);
        return -1;
    }
    (void)o;
    return 0;
}

static int open_host(kernel *k, const kernel_options *o)
{
    cz_error err;
    cz_error_clear(&err);
    cz_backend *be = cz_backend_select(o->backend, &err);
    if (!be) {
        log_warn("CONDENSA_BACKEND=%s: %s; using the CPU backend", o->backend ? o->backend : "", err.msg);
        be = cz_backend_cpu();
    }
    if (o->threads > 0)
        cz_backend_set_threads(be, o->threads);
    log_info("backend: %s", cz_backend_describe(be));
    cellhost_config cfg = {o->sandbox, &k->cancel, be, 0};
    cellhost_sink sink = kernel_sink(k);
    k->host = cellhost_new(&cfg, &sink, &err);
    if (!k->host) {
        log_error("%s", err.msg);
        return -1;
    }
    return 0;
}

int kernel_open(kernel *k, const kernel_options *o)
{
    memset(k, 0, sizeof *k);
    k->wake[0] = k->wake[1] = -1;
    k->conn_path = o->connection_file;
    cz_cancel_init(&k->cancel);
    atomic_init(&k->quit, false);
    atomic_init(&k->restart, false);
    pthread_mutex_init(&k->iopub_lock, NULL);
    if (pipe(k->wake) != 0) {
        log_error("cannot create the wake pipe: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < 2; i++)
        fcntl(k->wake[i], F_SETFL, fcntl(k->wake[i], F_GETFL) | O_NONBLOCK);
    if (open_session(k, o))
        return -1;
    bool write_back = jup_connection_has_free_ports(k->conn);   /* binding fills them in */
    if (open_sockets(k, o))
        return -1;
    if (write_back) {
        jup_error err;
        /* the ports were 0: tell the client where we listen (ipykernel does the same) */
        if (jup_connection_save(k->conn, o->connection_file, &err))
            log_warn("cannot write the bound ports back: %s", err.msg);
    }
    if (open_host(k, o))
        return -1;
    if (pthread_create(&k->control_thread, NULL, control_main, k) != 0) {
        log_error("cannot start the control thread");
        return -1;
    }
    k->control_running = true;
    kernel_publish_status(k, NULL, "starting");
    log_info("Condensa kernel ready: shell port %d, session %s", k->conn->port[JUP_SHELL],
             jup_session_id(k->session));
    return 0;
}

static void drain_wake_pipe(kernel *k)
{
    char buf[64];
    while (read(k->wake[0], buf, sizeof buf) > 0)
        ;
}

void kernel_run(kernel *k)
{
    void *shell = k->sockets.sock[JUP_SHELL];
    while (!atomic_load(&k->quit)) {
        if (interrupt_term_requested()) {
            kernel_request_quit(k, "SIGTERM", false);
            break;
        }
        zmq_pollitem_t items[2] = {
            {shell, 0, ZMQ_POLLIN, 0},
            {NULL, k->wake[0], ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, 2, -1) < 0) {
            if (zmq_errno() != EINTR)
                log_error("zmq_poll: %s", zmq_strerror(zmq_errno()));
            continue;
        }
        if (items[1].revents & ZMQ_POLLIN)
            drain_wake_pipe(k);
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        jup_msg *req = NULL;
        jup_error err;
        jup_status st = jup_channel_recv(k->session, shell, true, &req, &err);
        if (st == JUP_EAGAIN)
            continue;
        if (st) {
            /* bad signature, replay or bad framing: never executed, never answered */
            log_warn("dropped a message on shell: %s", err.msg);
            continue;
        }
        dispatch(k, shell, req, false);
        jup_msg_free(&req);
    }
    log_info("stopping: %s", k->quit_reason[0] ? k->quit_reason : "quit");
}

void kernel_close(kernel *k)
{
    atomic_store(&k->quit, true);
    if (k->control_running)
        pthread_join(k->control_thread, NULL);
    k->control_running = false;
    if (k->host) {
        size_t ran = shutdown_hooks_run(cellhost_shutdown_hooks(k->host),
                                        k->quit_reason[0] ? k->quit_reason : "shutdown");
        if (ran)
            log_info("ran %zu shutdown hook%s", ran, ran == 1 ? "" : "s");
    }
    cellhost_free(&k->host);
    jup_heartbeat_stop(&k->hb);
    jup_sockets_close(&k->sockets);
    if (k->zmq_ctx)
        zmq_ctx_term(k->zmq_ctx);
    k->zmq_ctx = NULL;
    jup_session_free(&k->session);
    jup_connection_free(&k->conn);
    history_release(&k->history);
    for (size_t i = 0; i < k->n_queued; i++)
        jup_msg_free(&k->queued[i]);
    free(k->queued);
    for (int i = 0; i < 2; i++)
        if (k->wake[i] >= 0)
            close(k->wake[i]);
    k->wake[0] = k->wake[1] = -1;
    pthread_mutex_destroy(&k->iopub_lock);
}
