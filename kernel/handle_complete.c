/* complete, inspect and is_complete. Jupyter cursors count code points;
 * introspect.c works in bytes. */
#include <stdlib.h>
#include <string.h>

#include "introspect.h"
#include "kernel.h"
#include "text.h"

/* The code and the cursor as a byte offset. */
static const char *code_and_cursor(const jup_msg *req, size_t *len, size_t *cursor)
{
    const char *code = jup_msg_get_string(req, "code", "");
    *len = strlen(code);
    long long cp = jup_msg_get_int(req, "cursor_pos", -1);
    size_t total = utf8_count(code, *len);
    *cursor = utf8_offset(code, *len, cp < 0 || (size_t)cp > total ? total : (size_t)cp);
    return code;
}

void handle_complete(kernel *k, void *socket, const jup_msg *req)
{
    size_t len, cursor, start, end;
    const char *code = code_and_cursor(req, &len, &cursor);
    json_t *matches = json_array();
    if (matches)
        introspect_complete(cellhost_lua(k->host), code, len, cursor, &start, &end, matches);
    else
        start = end = cursor;
    kernel_reply(k, socket, req, "complete_reply",
                 json_pack("{s:s, s:o, s:I, s:I, s:{}}", "status", "ok", "matches",
                           matches ? matches : json_array(), "cursor_start",
                           (json_int_t)utf8_count(code, start), "cursor_end",
                           (json_int_t)utf8_count(code, end), "metadata"));
}

void handle_inspect(kernel *k, void *socket, const jup_msg *req)
{
    size_t len, cursor;
    const char *code = code_and_cursor(req, &len, &cursor);
    char *help = introspect_inspect(cellhost_lua(k->host), code, len, cursor);
    json_t *content;
    if (help) {
        size_t n;
        char *clean = utf8_repair(help, strlen(help), &n);
        content = json_pack("{s:s, s:b, s:{s:s%}, s:{}}", "status", "ok", "found", 1, "data",
                            "text/plain", clean ? clean : "", clean ? n : 0, "metadata");
        free(clean);
    } else {
        content = json_pack("{s:s, s:b, s:{}, s:{}}", "status", "ok", "found", 0, "data", "metadata");
    }
    free(help);
    kernel_reply(k, socket, req, "inspect_reply", content);
}

void handle_is_complete(kernel *k, void *socket, const jup_msg *req)
{
    const char *code = jup_msg_get_string(req, "code", "");
    const char *status = introspect_is_complete(cellhost_lua(k->host), code, strlen(code));
    json_t *content = json_pack("{s:s}", "status", status);
    if (content && strcmp(status, "incomplete") == 0)
        json_object_set_new(content, "indent", json_string("  "));
    kernel_reply(k, socket, req, "is_complete_reply", content);
}
