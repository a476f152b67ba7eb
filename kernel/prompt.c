/* input_request / input_reply on the stdin channel, for io.read, input()
 * and dc.key's password prompt. The request is routed with the identities
 * of the running execute_request (the client's stdin socket shares its
 * shell identity). The wait polls in short steps so an interrupt ends it
 * (ipykernel#400: input() that cannot be interrupted). A password reply's
 * text is wiped from the parsed message once copied out. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "kernel.h"
#include "log.h"

#define POLL_MS 100

char *prompt_input(kernel *k, const char *prompt, bool password, cz_error *err)
{
    if (!k->allow_stdin || !k->parent) {
        cz_error_set(err, CZ_EUNSUPPORTED,
                     "run the cell in a notebook or console; headless runs cannot answer prompts",
                     "this frontend does not accept input (allow_stdin is false)");
        return NULL;
    }
    void *sock = k->sockets.sock[JUP_STDIN];
    /* drop stale replies to an earlier, interrupted prompt */
    for (;;) {
        jup_msg *stale = NULL;
        jup_error jerr;
        if (jup_channel_recv(k->session, sock, true, &stale, &jerr) == JUP_EAGAIN)
            break;
        jup_msg_free(&stale);
    }
    jup_msg *req = jup_session_msg(k->session, "input_request", k->parent,
                                   json_pack("{s:s, s:b}", "prompt", prompt, "password", password));
    jup_error jerr;
    if (!req || jup_channel_send(k->session, sock, req, &jerr)) {
        jup_msg_free(&req);
        cz_error_set(err, CZ_EIO, NULL, "cannot send the input request to the frontend");
        return NULL;
    }
    jup_msg_free(&req);
    for (;;) {
        if (cz_cancel_requested(&k->cancel) || atomic_load(&k->quit)) {
            cz_error_set(err, CZ_EINTERRUPTED, NULL, "input interrupted");
            return NULL;
        }
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        int rc = zmq_poll(&item, 1, POLL_MS);
        if (rc <= 0)
            continue;   /* timeout or EINTR: check the flags again */
        jup_msg *rep = NULL;
        jup_status st = jup_channel_recv(k->session, sock, true, &rep, &jerr);
        if (st == JUP_EAGAIN)
            continue;
        if (st) {
            log_warn("dropped a message on stdin: %s", jerr.msg);
            continue;
        }
        if (strcmp(jup_msg_type(rep), "input_reply") != 0) {
            log_warn("unexpected %s on stdin while waiting for input", jup_msg_type(rep));
            jup_msg_free(&rep);
            continue;
        }
        json_t *value = json_object_get(rep->content, "value");
        const char *text = json_is_string(value) ? json_string_value(value) : "";
        char *line = strdup(text);
        if (password && json_is_string(value))
            sodium_memzero((char *)text, json_string_length(value));
        jup_msg_free(&rep);
        if (!line)
            cz_error_set(err, CZ_ENOMEM, NULL, "out of memory reading input");
        return line;
    }
}
