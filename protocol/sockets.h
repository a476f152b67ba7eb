/* The kernel's four message sockets, bound to the connection file's
 * endpoints: shell, control and stdin are ROUTER, iopub is PUB. (The
 * heartbeat has its own socket and thread: heartbeat.h.) Ports given as 0
 * are bound to a free port and written back into the connection. */
#ifndef JUP_SOCKETS_H
#define JUP_SOCKETS_H

#include "connection.h"
#include "error.h"

typedef struct jup_sockets {
    void *ctx;                       /* borrowed ZeroMQ context */
    void *sock[JUP_CHANNEL_COUNT];   /* [JUP_HB] stays NULL */
} jup_sockets;

/* Creates and binds the sockets. On failure nothing stays open and err names
 * the channel and endpoint. c->port[] is updated for ports bound as 0. */
jup_status jup_sockets_open(jup_sockets *s, void *ctx, jup_connection *c, jup_error *err) JUP_WUR;

/* Closes every open socket (linger is short, so this does not hang). */
void jup_sockets_close(jup_sockets *s);

/* Binds socket to channel ch of c; updates c->port[ch] when it was 0.
 * Shared by sockets.c and heartbeat.c. */
jup_status jup_socket_bind(void *socket, jup_connection *c, jup_channel ch, jup_error *err) JUP_WUR;

#endif
