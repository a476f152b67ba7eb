/* Sending and receiving whole messages on ZeroMQ sockets: multipart receive
 * into frames, then jup_session_decode (verify before parse); encode, then
 * multipart send. Each socket must be used by one thread at a time: the
 * caller locks when several threads share one (the kernel's iopub). */
#ifndef JUP_CHANNEL_H
#define JUP_CHANNEL_H

#include <stdbool.h>

#include "error.h"
#include "message.h"
#include "session.h"

/* Receives one message. dontwait: JUP_EAGAIN when none is queued. A
 * message that fails verification is consumed and reported (JUP_EAUTH,
 * JUP_EREPLAY, JUP_EFORMAT): the caller logs and drops it. JUP_EINTR when a
 * signal interrupted a blocking wait before anything arrived. */
jup_status jup_channel_recv(jup_session *s, void *socket, bool dontwait, jup_msg **out,
                            jup_error *err) JUP_WUR;

/* Sends m with its routing ids (shell, control, stdin replies). */
jup_status jup_channel_send(jup_session *s, void *socket, const jup_msg *m, jup_error *err) JUP_WUR;

/* Publishes m on a PUB socket with the topic "kernel.<session>.<msg_type>". */
jup_status jup_channel_publish(jup_session *s, void *socket, const jup_msg *m, jup_error *err) JUP_WUR;

/* Sends frames as one multipart message (used by the above and by tests). */
jup_status jup_channel_send_frames(void *socket, const jup_frame *frames, size_t n, jup_error *err) JUP_WUR;

#endif
