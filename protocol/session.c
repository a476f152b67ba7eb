/* Headers, encoding and verified decoding; see session.h. */
#include "session.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmac.h"
#include "replay.h"
#include "wire.h"

struct jup_session {
    char id[37];
    char username[64];
    jup_hmac *hmac;
    jup_replay *replay;
    pthread_mutex_t replay_lock;   /* shell and control threads both decode */
};

void jup_iso8601_now(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    /* zero-padded microseconds: xeus forgets the padding */
    snprintf(out + n, 32 - n, ".%06ldZ", ts.tv_nsec / 1000);
}

void jup_new_id(char out[33])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, 33, b, sizeof b);
}

static void new_uuid4(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, b, sizeof b);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

jup_session *jup_session_new(const void *key, size_t key_len, const char *username,
                             size_t replay_capacity, jup_error *err)
{
    jup_session *s = calloc(1, sizeof *s);
    if (!s) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory for the session");
        return NULL;
    }
    s->hmac = jup_hmac_new(key, key_len, err);
    if (!s->hmac)
        goto fail;
    s->replay = jup_replay_new(replay_capacity ? replay_capacity : JUP_REPLAY_DEFAULT_CAPACITY, err);
    if (!s->replay)
        goto fail;
    if (pthread_mutex_init(&s->replay_lock, NULL) != 0) {
        jup_error_set(err, JUP_ENOMEM, NULL, "cannot create the replay guard's lock");
        goto fail;
    }
    new_uuid4(s->id);
    snprintf(s->username, sizeof s->username, "%s", username && *username ? username : "kernel");
    return s;
fail:
    jup_replay_free(&s->replay);
    jup_hmac_free(&s->hmac);
    free(s);
    return NULL;
}

void jup_session_free(jup_session **s)
{
    if (!s || !*s)
        return;
    pthread_mutex_destroy(&(*s)->replay_lock);
    jup_replay_free(&(*s)->replay);
    jup_hmac_free(&(*s)->hmac);
    free(*s);
    *s = NULL;
}

const char *jup_session_id(const jup_session *s)
{
    return s->id;
}

bool jup_session_signing(const jup_session *s)
{
    return jup_hmac_enabled(s->hmac);
}

static json_t *new_header(const jup_session *s, const char *msg_type)
{
    char id[33], date[32];
    jup_new_id(id);
    jup_iso8601_now(date);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "msg_id", id, "session", s->id,
                     "username", s->username, "date", date, "msg_type", msg_type,
                     "version", JUP_PROTOCOL_VERSION);
}

jup_msg *jup_session_msg(jup_session *s, const char *msg_type, const jup_msg *parent,
                         json_t *content)
{
    jup_msg *m = jup_msg_new();
    json_t *header = new_header(s, msg_type);
    if (!m || !header)
        goto fail;
    json_decref(m->header);
    m->header = header;
    header = NULL;
    if (content) {
        json_decref(m->content);
        m->content = content;
        content = NULL;
    }
    if (parent) {
        json_t *ph = json_deep_copy(parent->header);
        if (!ph)
            goto fail;
        json_decref(m->parent_header);
        m->parent_header = ph;
        if (jup_msg_set_ids(m, parent->ids, parent->n_ids, NULL))
            goto fail;
    }
    return m;
fail:
    json_decref(header);
    json_decref(content);
    jup_msg_free(&m);
    return NULL;
}

void jup_outgoing_release(jup_outgoing *o)
{
    for (int i = 0; i < 4; i++) {
        free(o->json[i]);
        o->json[i] = NULL;
    }
    free(o->frames);
    o->frames = NULL;
    o->n = 0;
}

jup_status jup_session_encode(const jup_session *s, const jup_msg *m, const char *topic,
                              jup_outgoing *out, jup_error *err)
{
    memset(out, 0, sizeof *out);
    const json_t *dicts[4] = {m->header, m->parent_header, m->metadata, m->content};
    jup_frame parts[4];
    for (int i = 0; i < 4; i++) {
        /* JSON_COMPACT: jupyter_client signs and sends compact JSON too. */
        out->json[i] = json_dumps(dicts[i], JSON_COMPACT);
        if (!out->json[i])
            return jup_error_set(err, JUP_ENOMEM, NULL, "cannot serialise a %s message",
                                 jup_msg_type(m));
        parts[i] = (jup_frame){out->json[i], strlen(out->json[i])};
    }
    jup_hmac_sign_hex(s->hmac, parts, out->signature);
    size_t n_ids = topic ? 1 : m->n_ids;
    out->n = n_ids + 6 + m->n_buffers;
    out->frames = calloc(out->n, sizeof *out->frames);
    if (!out->frames)
        return jup_error_set(err, JUP_ENOMEM, NULL, "out of memory framing a message");
    jup_frame *f = out->frames;
    if (topic) {
        out->topic = topic;
        *f++ = (jup_frame){topic, strlen(topic)};
    } else {
        for (size_t i = 0; i < m->n_ids; i++)
            *f++ = (jup_frame){m->ids[i].data, m->ids[i].len};
    }
    *f++ = (jup_frame){JUP_DELIMITER, JUP_DELIMITER_LEN};
    *f++ = (jup_frame){out->signature, strlen(out->signature)};
    for (int i = 0; i < 4; i++)
        *f++ = parts[i];
    for (size_t i = 0; i < m->n_buffers; i++)
        *f++ = (jup_frame){m->buffers[i].data, m->buffers[i].len};
    return JUP_OK;
}

jup_status jup_session_decode(jup_session *s, const jup_frame *frames, size_t n, jup_msg **out,
                              jup_error *err)
{
    *out = NULL;
    jup_wire w;
    jup_status st = jup_wire_split(&w, frames, n, err);
    if (st)
        return st;
    unsigned char digest[JUP_DIGEST_BYTES];
    st = jup_hmac_verify(s->hmac, w.signature, w.parts, digest, err);
    if (st)
        return st;
    if (jup_hmac_enabled(s->hmac)) {
        pthread_mutex_lock(&s->replay_lock);
        bool seen = jup_replay_seen(s->replay, digest);
        pthread_mutex_unlock(&s->replay_lock);
        if (seen)
            return jup_error_set(err, JUP_EREPLAY, "each request must be signed afresh",
                                 "duplicate signature: a message was replayed");
    }
    return jup_msg_parse(out, &w, err);
}
