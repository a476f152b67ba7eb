/* Condensa protocol layer: the Jupyter wire protocol over ZeroMQ with
 * HMAC-SHA256 signing. The public umbrella header; includes the module
 * headers and nothing else. Knows nothing of the engine or of Lua: it turns
 * bytes on sockets into verified messages and back, and could serve any
 * kernel. */
#ifndef JUP_H
#define JUP_H

#include "channel.h"
#include "connection.h"
#include "error.h"
#include "frame.h"
#include "heartbeat.h"
#include "hmac.h"
#include "message.h"
#include "replay.h"
#include "session.h"
#include "sockets.h"
#include "wire.h"

#endif
