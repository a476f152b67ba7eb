/* jup_msg construction, parsing and field access; see message.h. */
#include "message.h"

#include <stdlib.h>
#include <string.h>

jup_msg *jup_msg_new(void)
{
    jup_msg *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->header = json_object();
    m->parent_header = json_object();
    m->metadata = json_object();
    m->content = json_object();
    if (!m->header || !m->parent_header || !m->metadata || !m->content)
        jup_msg_free(&m);
    return m;
}

static void blobs_free(jup_blob *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(b[i].data);
    free(b);
}

void jup_msg_free(jup_msg **m)
{
    if (!m || !*m)
        return;
    json_decref((*m)->header);
    json_decref((*m)->parent_header);
    json_decref((*m)->metadata);
    json_decref((*m)->content);
    blobs_free((*m)->ids, (*m)->n_ids);
    blobs_free((*m)->buffers, (*m)->n_buffers);
    free(*m);
    *m = NULL;
}

/* Copies n frames into a new blob array (*out NULL when n is 0). */
static int copy_frames(jup_blob **out, const jup_frame *f, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    jup_blob *b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < n; i++) {
        b[i].data = malloc(f[i].len ? f[i].len : 1);
        if (!b[i].data) {
            blobs_free(b, i);
            return -1;
        }
        memcpy(b[i].data, f[i].data, f[i].len);
        b[i].len = f[i].len;
    }
    *out = b;
    return 0;
}

jup_status jup_msg_set_ids(jup_msg *m, const jup_blob *ids, size_t n, jup_error *err)
{
    jup_frame *views = n ? calloc(n, sizeof *views) : NULL;
    if (n && !views)
        return jup_error_set(err, JUP_ENOMEM, NULL, "out of memory copying %zu identities", n);
    for (size_t i = 0; i < n; i++)
        views[i] = (jup_frame){ids[i].data, ids[i].len};
    jup_blob *copy;
    int bad = copy_frames(&copy, views, n);
    free(views);
    if (bad)
        return jup_error_set(err, JUP_ENOMEM, NULL, "out of memory copying %zu identities", n);
    blobs_free(m->ids, m->n_ids);
    m->ids = copy;
    m->n_ids = n;
    return JUP_OK;
}

static const char *const part_names[4] = {"header", "parent_header", "metadata", "content"};

jup_status jup_msg_parse(jup_msg **out, const jup_wire *w, jup_error *err)
{
    *out = NULL;
    jup_msg *m = calloc(1, sizeof *m);
    if (!m)
        return jup_error_set(err, JUP_ENOMEM, NULL, "out of memory parsing a message");
    json_t **slots[4] = {&m->header, &m->parent_header, &m->metadata, &m->content};
    for (int i = 0; i < 4; i++) {
        json_error_t jerr;
        *slots[i] = json_loadb(w->parts[i].data, w->parts[i].len, 0, &jerr);
        if (!*slots[i]) {
            jup_error_set(err, JUP_EFORMAT, "each dict frame is one JSON object",
                          "malformed message: %s is not valid JSON: %s (column %d)",
                          part_names[i], jerr.text, jerr.column);
            goto fail;
        }
        if (!json_is_object(*slots[i])) {
            jup_error_set(err, JUP_EFORMAT, "each dict frame is one JSON object",
                          "malformed message: %s is not a JSON object", part_names[i]);
            goto fail;
        }
    }
    if (!json_is_string(json_object_get(m->header, "msg_id")) ||
        !json_is_string(json_object_get(m->header, "msg_type"))) {
        jup_error_set(err, JUP_EFORMAT, "the header needs string msg_id and msg_type",
                      "malformed message: header lacks msg_id or msg_type");
        goto fail;
    }
    if (copy_frames(&m->ids, w->ids, w->n_ids)) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory copying frames");
        goto fail;
    }
    m->n_ids = w->n_ids;
    if (copy_frames(&m->buffers, w->buffers, w->n_buffers)) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory copying frames");
        goto fail;
    }
    m->n_buffers = w->n_buffers;
    *out = m;
    return JUP_OK;
fail:
    jup_msg_free(&m);
    return err ? err->code : JUP_EFORMAT;
}

static const char *header_string(const jup_msg *m, const char *key)
{
    const char *s = m ? json_string_value(json_object_get(m->header, key)) : NULL;
    return s ? s : "";
}

const char *jup_msg_type(const jup_msg *m)
{
    return header_string(m, "msg_type");
}

const char *jup_msg_id(const jup_msg *m)
{
    return header_string(m, "msg_id");
}

const char *jup_msg_get_string(const jup_msg *m, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(m->content, key));
    return s ? s : def;
}

long long jup_msg_get_int(const jup_msg *m, const char *key, long long def)
{
    json_t *v = json_object_get(m->content, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int jup_msg_get_bool(const jup_msg *m, const char *key, int def)
{
    json_t *v = json_object_get(m->content, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}
