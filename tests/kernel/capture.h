/* A cell host whose sink records everything, for kernel tests: stream text
 * per stream, display messages as JSON, queued input lines. */
#ifndef TEST_CAPTURE_H
#define TEST_CAPTURE_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cellhost.h"

typedef struct capture {
    char out[1 << 16], err[1 << 16];
    size_t out_len, err_len;
    int stream_messages;
    json_t *displays;      /* [{data, metadata, id, update}] */
    int clears;
    const char *inputs[8]; /* answers for input requests, in order */
    int n_inputs, next_input;
    char last_prompt[128];
    int last_password;
} capture;

static void cap_stream(void *user, const char *name, const char *text, size_t len)
{
    capture *c = user;
    char *buf = strcmp(name, "stdout") == 0 ? c->out : c->err;
    size_t *n = strcmp(name, "stdout") == 0 ? &c->out_len : &c->err_len;
    size_t room = sizeof c->out - 1 - *n;
    memcpy(buf + *n, text, len < room ? len : room);
    *n += len < room ? len : room;
    buf[*n] = '\0';
    c->stream_messages++;
}

static void cap_display(void *user, json_t *data, json_t *metadata, const char *id, bool update)
{
    capture *c = user;
    json_array_append_new(c->displays, json_pack("{s:o, s:o, s:s?, s:b}", "data", data, "metadata",
                                                 metadata ? metadata : json_null(), "id", id,
                                                 "update", update));
}

static void cap_clear(void *user, bool wait)
{
    (void)wait;
    ((capture *)user)->clears++;
}

static char *cap_input(void *user, const char *prompt, bool password, cz_error *err)
{
    capture *c = user;
    snprintf(c->last_prompt, sizeof c->last_prompt, "%s", prompt);
    c->last_password = password;
    if (c->next_input >= c->n_inputs) {
        cz_error_set(err, CZ_EUNSUPPORTED, "no input queued", "input not allowed in this test");
        return NULL;
    }
    return strdup(c->inputs[c->next_input++]);
}

static inline cellhost *capture_host(capture *c, bool sandbox)
{
    memset(c, 0, sizeof *c);
    c->displays = json_array();
    cellhost_sink sink = {c, cap_stream, cap_display, cap_clear, cap_input};
    cellhost_config cfg = {sandbox, NULL, NULL, 0};
    cz_error err;
    cellhost *h = cellhost_new(&cfg, &sink, &err);
    cr_assert_not_null(h, "%s", err.msg);
    return h;
}

/* Runs code; returns the result (caller clears it). */
static inline cellhost_result capture_run(cellhost *h, const char *code)
{
    static int count = 0;
    cellhost_result r;
    cellhost_run(h, code, strlen(code), ++count, &r);
    return r;
}

/* text/plain of a cell that must succeed with a value, copied into out. */
static inline const char *capture_value(cellhost *h, const char *code, char *out, size_t cap)
{
    cellhost_result r = capture_run(h, code);
    cr_assert(r.ok, "cell %s failed: %s: %s", code, r.ename, r.evalue ? r.evalue : "");
    cr_assert_not_null(r.data, "cell %s has no value", code);
    snprintf(out, cap, "%s", json_string_value(json_object_get(r.data, "text/plain")));
    cellhost_result_clear(&r);
    return out;
}

static inline void capture_free(capture *c, cellhost **h)
{
    cellhost_free(h);
    json_decref(c->displays);
}

#endif
