/* The heartbeat: a REP socket on its own thread that echoes every message
 * unchanged, so clients see the kernel alive even while a cell runs for
 * hours (IRkernel polls hb in its main loop and goes silent instead). It is
 * stopped through an inproc PAIR socket, never by closing the context
 * under it (xeus' xheartbeat). No engine call is on its path. */
#ifndef JUP_HEARTBEAT_H
#define JUP_HEARTBEAT_H

#include "connection.h"
#include "error.h"

typedef struct jup_heartbeat jup_heartbeat;

/* Binds the hb endpoint of c in the calling thread (so errors come back
 * here; c->port[JUP_HB] is updated when it was 0), then starts the echo
 * thread. NULL with err filled on failure. The thread blocks no signals of
 * its own: start it after blocking SIGINT/SIGTERM if they must reach only
 * the main thread. */
jup_heartbeat *jup_heartbeat_start(void *ctx, jup_connection *c, jup_error *err) JUP_WUR;

/* Stops the thread, closes its sockets, frees; sets *hb = NULL. Accepts NULL. */
void jup_heartbeat_stop(jup_heartbeat **hb);

/* Messages echoed so far (for tests and logs). */
unsigned long jup_heartbeat_count(const jup_heartbeat *hb);

#endif
