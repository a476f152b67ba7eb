/* Publishing on iopub (shared by the main and control threads) and the
 * cell output sink; see kernel.h. */
#include <string.h>

#include "kernel.h"
#include "log.h"

void kernel_publish(kernel *k, const char *msg_type, const jup_msg *parent, json_t *content)
{
    jup_msg *m = jup_session_msg(k->session, msg_type, parent, content);
    if (!m) {
        log_error("out of memory building a %s message", msg_type);
        return;
    }
    jup_error err;
    pthread_mutex_lock(&k->iopub_lock);
    jup_status st = jup_channel_publish(k->session, k->sockets.sock[JUP_IOPUB], m, &err);
    pthread_mutex_unlock(&k->iopub_lock);
    if (st)
        log_error("cannot publish %s: %s", msg_type, err.msg);
    jup_msg_free(&m);
}

void kernel_publish_status(kernel *k, const jup_msg *parent, const char *state)
{
    kernel_publish(k, "status", parent, json_pack("{s:s}", "execution_state", state));
}

void kernel_reply(kernel *k, void *socket, const jup_msg *req, const char *msg_type, json_t *content)
{
    jup_msg *m = jup_session_msg(k->session, msg_type, req, content);
    if (!m) {
        log_error("out of memory building a %s", msg_type);
        return;
    }
    jup_error err;
    if (jup_channel_send(k->session, socket, m, &err))
        log_error("cannot send %s: %s", msg_type, err.msg);
    jup_msg_free(&m);
}

/* ---- the cell sink: outputs go to iopub with the running request as parent */

static void sink_stream(void *user, const char *name, const char *text, size_t len)
{
    kernel *k = user;
    if (k->silent)
        return;
    kernel_publish(k, "stream", k->parent, json_pack("{s:s, s:s%}", "name", name, "text", text, len));
}

static void sink_display(void *user, json_t *data, json_t *metadata, const char *display_id, bool update)
{
    kernel *k = user;
    if (k->silent) {
        json_decref(data);
        json_decref(metadata);
        return;
    }
    json_t *content = json_pack("{s:o, s:o}", "data", data, "metadata", metadata ? metadata : json_object());
    if (content && display_id)
        json_object_set_new(content, "transient", json_pack("{s:s}", "display_id", display_id));
    else if (content)
        json_object_set_new(content, "transient", json_object());
    kernel_publish(k, update ? "update_display_data" : "display_data", k->parent, content);
}

static void sink_clear(void *user, bool wait)
{
    kernel *k = user;
    if (!k->silent)
        kernel_publish(k, "clear_output", k->parent, json_pack("{s:b}", "wait", wait));
}

static char *sink_input(void *user, const char *prompt, bool password, cz_error *err)
{
    return prompt_input(user, prompt, password, err);
}

cellhost_sink kernel_sink(kernel *k)
{
    return (cellhost_sink){k, sink_stream, sink_display, sink_clear, sink_input};
}
