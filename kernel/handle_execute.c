/* execute_request: execute_input, the cell, its result or error, the reply
 * (messaging spec 5.3, "execute"). The counter increments before running
 * for store_history cells (a failing cell consumes its number); silent
 * cells publish nothing and leave it unchanged. "?name" and "name?" show
 * help in the pager, as IPython does. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "introspect.h"
#include "kernel.h"
#include "log.h"

/* The name of a "?name" / "name?" help cell, copied into out; false otherwise. */
static bool pager_name(const char *code, char *out, size_t cap)
{
    size_t len = strlen(code);
    size_t s = 0, e = len;
    while (s < e && isspace((unsigned char)code[s]))
        s++;
    while (e > s && isspace((unsigned char)code[e - 1]))
        e--;
    if (e - s < 2)
        return false;
    if (code[s] == '?')
        s++;
    else if (code[e - 1] == '?')
        e--;
    else
        return false;
    while (s < e && isspace((unsigned char)code[s]))
        s++;
    while (e > s && isspace((unsigned char)code[e - 1]))
        e--;
    if (e == s || e - s >= cap || !(isalpha((unsigned char)code[s]) || code[s] == '_'))
        return false;
    for (size_t i = s; i < e; i++)
        if (!(isalnum((unsigned char)code[i]) || code[i] == '_' || code[i] == '.' || code[i] == ':'))
            return false;
    memcpy(out, code + s, e - s);
    out[e - s] = '\0';
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '.';
    return true;
}

static json_t *error_content(const cellhost_result *r)
{
    return json_pack("{s:s, s:s, s:o}", "ename", r->ename, "evalue", r->evalue ? r->evalue : "",
                     "traceback", r->traceback ? json_incref(r->traceback) : json_array());
}

static json_t *user_expressions(kernel *k, const jup_msg *req)
{
    json_t *exprs = json_object_get(req->content, "user_expressions");
    json_t *out = json_object();
    const char *name;
    json_t *expr;
    if (!out || !json_is_object(exprs))
        return out;
    json_object_foreach(exprs, name, expr) {
        if (!json_is_string(expr))
            continue;
        cellhost_result r;
        cellhost_eval(k->host, json_string_value(expr), &r);
        json_t *item;
        if (r.ok)
            item = json_pack("{s:s, s:o, s:o}", "status", "ok", "data",
                             r.data ? json_incref(r.data) : json_pack("{s:s}", "text/plain", "nil"),
                             "metadata", r.metadata ? json_incref(r.metadata) : json_object());
        else {
            item = error_content(&r);
            if (item)
                json_object_set_new(item, "status", json_string("error"));
        }
        if (item)
            json_object_set_new(out, name, item);
        cellhost_result_clear(&r);
    }
    return out;
}

static void run_pager(kernel *k, const char *name, json_t *payload)
{
    char *help = introspect_help(cellhost_lua(k->host), name);
    if (help) {
        json_array_append_new(payload, json_pack("{s:s, s:{s:s}, s:i}", "source", "page", "data",
                                                 "text/plain", help, "start", 0));
        free(help);
    } else {
        char msg[300];
        int n = snprintf(msg, sizeof msg, "no help for %s: it is not a known name or a variable\n", name);
        cellhost_write(k->host, CELLHOST_STDOUT, msg, n > 0 ? (size_t)n : 0);
        cellhost_flush(k->host);
    }
}

void handle_execute(kernel *k, void *socket, const jup_msg *req)
{
    const char *code = jup_msg_get_string(req, "code", "");
    bool silent = jup_msg_get_bool(req, "silent", 0);
    bool store_history = !silent && jup_msg_get_bool(req, "store_history", 1);
    bool stop_on_error = jup_msg_get_bool(req, "stop_on_error", 1);
    if (store_history)
        k->execution_count++;
    int count = k->execution_count;
    if (!silent)
        kernel_publish(k, "execute_input", req, json_pack("{s:s, s:i}", "code", code, "execution_count", count));

    k->parent = req;
    k->silent = silent;
    k->allow_stdin = jup_msg_get_bool(req, "allow_stdin", 0);
    json_t *payload = json_array();
    cellhost_result r;
    char name[256];
    if (pager_name(code, name, sizeof name)) {
        memset(&r, 0, sizeof r);
        r.ok = true;
        if (payload)
            run_pager(k, name, payload);
    } else {
        cellhost_run(k->host, code, strlen(code), count, &r);
    }

    const char *plain = NULL;
    if (r.ok && r.data) {
        plain = json_string_value(json_object_get(r.data, "text/plain"));
        if (!silent)
            kernel_publish(k, "execute_result", req,
                           json_pack("{s:i, s:O, s:o}", "execution_count", count, "data", r.data,
                                     "metadata", r.metadata ? json_incref(r.metadata) : json_object()));
    } else if (!r.ok) {
        log_debug("cell %d failed: %s", count, r.ename);
        if (!silent)
            kernel_publish(k, "error", req, error_content(&r));
    }
    json_t *reply;
    if (r.ok) {
        reply = json_pack("{s:s, s:i, s:o, s:o}", "status", "ok", "execution_count", count, "payload",
                          payload ? payload : json_array(), "user_expressions", user_expressions(k, req));
        payload = NULL;
    } else {
        reply = error_content(&r);
        if (reply) {
            json_object_set_new(reply, "status", json_string("error"));
            json_object_set_new(reply, "execution_count", json_integer(count));
            json_object_set_new(reply, "user_expressions", json_object());
        }
        if (stop_on_error && !silent)
            dispatch_collect_queued(k, socket);
    }
    json_decref(payload);
    if (store_history && history_add(&k->history, count, code, plain))
        log_warn("out of memory recording history");
    k->parent = NULL;
    k->silent = false;
    k->allow_stdin = false;
    cellhost_result_clear(&r);
    kernel_reply(k, socket, req, "execute_reply", reply);
}
