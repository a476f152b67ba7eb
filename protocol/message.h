/* A Jupyter message in memory: the four JSON dicts plus routing identities
 * and binary buffers, all owned by the message. Built by jup_session_msg
 * (outgoing) or jup_msg_parse (incoming, after the signature was verified).
 * This file does no signing and no socket I/O. */
#ifndef JUP_MESSAGE_H
#define JUP_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"
#include "wire.h"

typedef struct jup_blob {
    unsigned char *data;
    size_t len;
} jup_blob;

typedef struct jup_msg {
    json_t *header;          /* owned references */
    json_t *parent_header;
    json_t *metadata;
    json_t *content;
    jup_blob *ids;           /* routing identities, owned copies */
    size_t n_ids;
    jup_blob *buffers;       /* binary buffers, owned copies */
    size_t n_buffers;
} jup_msg;

/* A message with four empty dicts and no ids. NULL on out-of-memory. */
jup_msg *jup_msg_new(void);

/* Frees everything; sets *m = NULL; accepts NULL. */
void jup_msg_free(jup_msg **m);

/* Parses the four parts of w as JSON objects and copies its ids and
 * buffers. The header must hold string "msg_id" and "msg_type".
 * JUP_EFORMAT names the part and the JSON error. */
jup_status jup_msg_parse(jup_msg **out, const jup_wire *w, jup_error *err) JUP_WUR;

/* Replaces m's identities with copies of n frames. */
jup_status jup_msg_set_ids(jup_msg *m, const jup_blob *ids, size_t n, jup_error *err) JUP_WUR;

/* header.msg_type, header.msg_id ("" when absent). Borrowed. */
const char *jup_msg_type(const jup_msg *m);
const char *jup_msg_id(const jup_msg *m);

/* Borrowed content fields with defaults, for handlers: a missing key or a
 * value of another type gives the default. */
const char *jup_msg_get_string(const jup_msg *m, const char *key, const char *def);
long long jup_msg_get_int(const jup_msg *m, const char *key, long long def);
int jup_msg_get_bool(const jup_msg *m, const char *key, int def);

#endif
