/* A kernel's messaging session: its id (new on every process start, so
 * clients detect restarts), the HMAC key and the replay guard. It builds
 * headers, encodes messages to signed frames, and decodes received frames in
 * the safe order: split, check the signature (length, constant-time
 * compare), check for a replay, and only then parse JSON.
 *
 * Thread-safety: encode and message building may run on several threads at
 * once; decode locks around the replay guard. No socket I/O here (channel.c). */
#ifndef JUP_SESSION_H
#define JUP_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "frame.h"
#include "hmac.h"
#include "message.h"

#define JUP_PROTOCOL_VERSION "5.3"

typedef struct jup_session jup_session;

/* key: the connection file's key bytes (copied; len 0 disables signing).
 * replay_capacity: signatures remembered (0: JUP_REPLAY_DEFAULT_CAPACITY). */
jup_session *jup_session_new(const void *key, size_t key_len, const char *username,
                             size_t replay_capacity, jup_error *err) JUP_WUR;
void jup_session_free(jup_session **s);

/* The session id (a UUID4 string), constant for the session's life. */
const char *jup_session_id(const jup_session *s);
bool jup_session_signing(const jup_session *s);

/* A new message of msg_type with a fresh header (msg_id, date, session,
 * username, version 5.3). With a parent: parent_header is a copy of the
 * parent's header and the routing ids are copied (replies go back to the
 * sender). content is stolen, even on failure; NULL content means {}.
 * Returns NULL on out-of-memory. */
jup_msg *jup_session_msg(jup_session *s, const char *msg_type, const jup_msg *parent,
                         json_t *content);

/* Frames ready to send, with the memory they point into. */
typedef struct jup_outgoing {
    jup_frame *frames;
    size_t n;
    char *json[4];                        /* compact JSON of the four dicts */
    char signature[JUP_SIGNATURE_HEX + 1];
    const char *topic;                    /* borrowed, when publishing */
} jup_outgoing;

/* Encodes m: its routing ids (or the one topic frame when topic is not
 * NULL), the delimiter, the signature, the four dicts, the buffers. Frames
 * borrow from m and topic: keep both alive until sent. Release with
 * jup_outgoing_release even on failure. */
jup_status jup_session_encode(const jup_session *s, const jup_msg *m, const char *topic,
                              jup_outgoing *out, jup_error *err) JUP_WUR;
void jup_outgoing_release(jup_outgoing *o);

/* Decodes received frames into a new message. JUP_EFORMAT for bad framing
 * or JSON, JUP_EAUTH for a bad signature, JUP_EREPLAY for a signature seen
 * before. Nothing is parsed unless the signature is valid. */
jup_status jup_session_decode(jup_session *s, const jup_frame *frames, size_t n, jup_msg **out,
                              jup_error *err) JUP_WUR;

/* ISO 8601 UTC with microseconds, "2026-11-22T16:17:54.660686Z". */
void jup_iso8601_now(char out[32]);

/* A fresh random id: 32 lowercase hex characters. */
void jup_new_id(char out[33]);

#endif
