/* The connection file a Jupyter client writes and passes to the kernel
 * (`-f {connection_file}`): transport, ip, the five ports, the HMAC key and
 * the signature scheme. Parsing checks every field and names what is wrong.
 * The key is held in sodium_malloc memory and wiped on free. This file binds
 * no socket (sockets.c does). */
#ifndef JUP_CONNECTION_H
#define JUP_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum jup_channel {
    JUP_SHELL = 0,
    JUP_CONTROL,
    JUP_STDIN,
    JUP_IOPUB,
    JUP_HB,
    JUP_CHANNEL_COUNT
} jup_channel;

/* "shell", "control", "stdin", "iopub", "hb". */
const char *jup_channel_name(jup_channel ch);

typedef struct jup_connection {
    char transport[8];             /* "tcp" or "ipc" */
    char ip[256];                  /* address, or the path prefix for ipc */
    int port[JUP_CHANNEL_COUNT];   /* 0 = bind any free port (written back later) */
    char signature_scheme[32];     /* "hmac-sha256" */
    char kernel_name[64];          /* informational */
    unsigned char *key;            /* UTF-8 bytes of "key" as written; sodium_malloc; NULL when empty */
    size_t key_len;                /* 0: signing disabled */
} jup_connection;

/* Parses connection JSON (len bytes, need not be NUL-terminated). Returns a
 * new connection (free with jup_connection_free) or NULL with err filled:
 * JUP_EFORMAT for bad JSON or fields, JUP_EINVAL for an unsupported
 * transport or signature scheme. Unknown fields are ignored. */
jup_connection *jup_connection_parse(const char *json, size_t len, jup_error *err) JUP_WUR;

/* Reads and parses the file at path (JUP_EIO when it cannot be read). */
jup_connection *jup_connection_load(const char *path, jup_error *err) JUP_WUR;

/* Wipes the key, frees, sets *c = NULL. Accepts NULL and *c == NULL. */
void jup_connection_free(jup_connection **c);

/* Writes the ZeroMQ endpoint of a channel into buf: "tcp://ip:port",
 * "tcp://ip:*" when the port is 0, "ipc://ip-port". Returns false when it
 * does not fit in cap. */
bool jup_connection_endpoint(const jup_connection *c, jup_channel ch, char *buf, size_t cap);

/* True when any port is 0 (the kernel then writes the bound ports back). */
bool jup_connection_has_free_ports(const jup_connection *c);

/* Writes the connection back to path atomically (temporary file created
 * 0600 in the same folder, then rename), as jupyter_client's secure_write does. */
jup_status jup_connection_save(const jup_connection *c, const char *path, jup_error *err) JUP_WUR;

#endif
