/* The kernel (xeus' "kernel core"): the state shared by the main (shell)
 * thread and the control thread, and the functions handlers use to reply
 * and publish. Threads:
 *   main     polls shell and a wake pipe; dispatches requests; runs cells
 *   control  polls control: shutdown, interrupt, kernel_info (answers while
 *            a cell runs)
 *   hb       echoes heartbeats (protocol/heartbeat.c)
 * iopub is shared by main and control behind iopub_lock. Lua runs only on
 * the main thread. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cellhost.h"
#include "core/cancel.h"
#include "history.h"
#include "jup.h"

typedef struct kernel {
    jup_connection *conn;
    const char *conn_path;     /* borrowed from argv */
    void *zmq_ctx;
    jup_session *session;
    jup_sockets sockets;
    jup_heartbeat *hb;
    pthread_mutex_t iopub_lock;

    cellhost *host;
    cz_cancel cancel;          /* set by SIGINT, interrupt_request, SIGTERM */
    history history;
    int execution_count;

    /* The request being executed: parent of its outputs and input prompts. */
    const jup_msg *parent;
    bool silent;
    bool allow_stdin;
    jup_msg **queued;          /* requests set aside after a failing stop_on_error cell */
    size_t n_queued, cap_queued;

    atomic_bool quit;
    atomic_bool restart;
    char quit_reason[32];
    int wake[2];               /* pipe: signals and the control thread wake the main loop */
    pthread_t control_thread;
    bool control_running;
} kernel;

typedef struct kernel_options {
    const char *connection_file;
    bool allow_empty_key;      /* --insecure-no-key */
    bool sandbox;
    const char *backend;       /* CONDENSA_BACKEND, NULL: auto */
    int threads;               /* CONDENSA_THREADS, 0: leave */
} kernel_options;

/* Sets everything up (sockets, heartbeat, control thread, Lua). Call with
 * SIGINT and SIGTERM blocked, so the threads it starts inherit the mask.
 * Returns -1 after logging why. */
int kernel_open(kernel *k, const kernel_options *o);

/* The main loop: returns when a shutdown was requested or SIGTERM came. */
void kernel_run(kernel *k);

/* Runs the shutdown hooks and tears everything down. */
void kernel_close(kernel *k);

/* Asks the main loop to stop (any thread). */
void kernel_request_quit(kernel *k, const char *reason, bool restart);

/* --- for handlers -------------------------------------------------------- */

/* Publishes msg_type with content (stolen) on iopub; parent may be NULL. */
void kernel_publish(kernel *k, const char *msg_type, const jup_msg *parent, json_t *content);
void kernel_publish_status(kernel *k, const jup_msg *parent, const char *state);

/* Sends a reply to req on socket (content stolen). */
void kernel_reply(kernel *k, void *socket, const jup_msg *req, const char *msg_type, json_t *content);

/* The sink that routes a cell's side effects to iopub and stdin. */
cellhost_sink kernel_sink(kernel *k);

/* Handlers: one per message type (dispatch.c maps types to them). */
typedef void (*kernel_handler)(kernel *k, void *socket, const jup_msg *req);
void handle_kernel_info(kernel *k, void *socket, const jup_msg *req);
void handle_execute(kernel *k, void *socket, const jup_msg *req);
void handle_complete(kernel *k, void *socket, const jup_msg *req);
void handle_inspect(kernel *k, void *socket, const jup_msg *req);
void handle_is_complete(kernel *k, void *socket, const jup_msg *req);
void handle_history(kernel *k, void *socket, const jup_msg *req);
void handle_comm_info(kernel *k, void *socket, const jup_msg *req);
void handle_comm_open(kernel *k, void *socket, const jup_msg *req);
void handle_comm_ignore(kernel *k, void *socket, const jup_msg *req);
void handle_shutdown(kernel *k, void *socket, const jup_msg *req);
void handle_interrupt(kernel *k, void *socket, const jup_msg *req);

/* Dispatches one request received on shell (on_control false) or control:
 * busy, the handler, idle. Unknown types are logged and get no reply. */
void dispatch(kernel *k, void *socket, const jup_msg *req, bool on_control);

/* Sets aside the requests queued on shell (before a failing
 * stop_on_error cell's reply); dispatch then aborts the execute requests
 * among them. */
void dispatch_collect_queued(kernel *k, void *shell);

/* The control thread's body (arg: kernel *). */
void *control_main(void *arg);

/* Reads one line from the frontend for the running cell (stdin channel). */
char *prompt_input(kernel *k, const char *prompt, bool password, cz_error *err);

#endif
