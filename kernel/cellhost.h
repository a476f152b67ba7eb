/* The cell host (xeus' "interpreter"): one persistent Lua 5.4 state that
 * runs cells. It knows Lua, the engine handles bindings use, and MIME
 * bundles; it knows nothing of sockets or message headers. Side effects go
 * to a sink the kernel supplies (streams, displays, input), so the host can
 * be driven and tested without Jupyter.
 *
 * A cell is compiled first as "return <code>" (so a final expression's value
 * is displayed, as in the Lua REPL), else as plain code; the values it
 * returns become the result. print() and io.write go to the stdout stream
 * (batched: flushed every 50 ms, before any display, and at the end),
 * io.stderr to stderr; each stream is capped per cell. Errors become
 * (ename, evalue, traceback) and the state survives them, interrupts included. */
#ifndef KERNEL_CELLHOST_H
#define KERNEL_CELLHOST_H

#include <jansson.h>
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend/backend.h"
#include "core/cancel.h"
#include "core/status.h"
#include "shutdown_hooks.h"

typedef struct cellhost cellhost;

/* Where side effects go. Every callback may be NULL (the effect is dropped). */
typedef struct cellhost_sink {
    void *user;
    /* name is "stdout" or "stderr"; text is valid UTF-8 */
    void (*stream)(void *user, const char *name, const char *text, size_t len);
    /* data and metadata are stolen (metadata may be NULL); display_id may be
     * NULL; update: update_display_data instead of display_data */
    void (*display)(void *user, json_t *data, json_t *metadata, const char *display_id, bool update);
    void (*clear)(void *user, bool wait);
    /* Reads one line from the user. Returns a malloc'd string, or NULL with a
     * reason in err (input not allowed, interrupted). */
    char *(*input)(void *user, const char *prompt, bool password, cz_error *err);
} cellhost_sink;

typedef struct cellhost_config {
    bool sandbox;          /* remove os.execute, io.popen, os.exit, package.loadlib, C modules, bytecode */
    cz_cancel *cancel;     /* borrowed: the token interrupts set; engine calls poll it */
    cz_backend *backend;   /* borrowed; NULL: the CPU backend */
    size_t output_cap;     /* bytes per stream per cell; 0: CELLHOST_DEFAULT_OUTPUT_CAP */
} cellhost_config;

#define CELLHOST_DEFAULT_OUTPUT_CAP (1u << 20)
#define CELLHOST_FLUSH_INTERVAL_S 0.05

/* The outcome of a cell or an expression. */
typedef struct cellhost_result {
    bool ok;
    json_t *data;        /* bundle of the result value, NULL when there is none */
    json_t *metadata;    /* its metadata or NULL */
    char ename[64];      /* on error: "SyntaxError", "LuaError", "KeyboardInterrupt", ... */
    char *evalue;        /* on error, malloc'd */
    json_t *traceback;   /* on error: array of strings */
} cellhost_result;

/* A new host with the standard libraries, the sandbox (if asked), the
 * notebook's print/io/input, and every registered module (lua_api/). The
 * sink is copied. NULL with err filled on failure. */
cellhost *cellhost_new(const cellhost_config *cfg, const cellhost_sink *sink, cz_error *err) CZ_WUR;
void cellhost_free(cellhost **h);

/* Runs a cell; execution_count names its chunk ("[cell 3]"). Always fills r
 * (clear it with cellhost_result_clear). Streams are flushed on return. */
void cellhost_run(cellhost *h, const char *code, size_t len, int execution_count, cellhost_result *r);

/* Evaluates one expression (user_expressions) without touching streams. */
void cellhost_eval(cellhost *h, const char *expr, cellhost_result *r);

void cellhost_result_clear(cellhost_result *r);

lua_State *cellhost_lua(cellhost *h);
/* The host that owns L (for bindings). */
cellhost *cellhost_from_lua(lua_State *L);

/* Output for bindings and the kernel. Stream 0 is stdout, 1 stderr. */
enum { CELLHOST_STDOUT = 0, CELLHOST_STDERR = 1 };
void cellhost_write(cellhost *h, int stream, const char *text, size_t len);
void cellhost_flush(cellhost *h);
/* Flushes streams, then passes the display on (data, metadata stolen). */
void cellhost_display(cellhost *h, json_t *data, json_t *metadata, const char *display_id, bool update);
void cellhost_clear_output(cellhost *h, bool wait);

/* Asks the user for one line (password: not echoed; for dc.key). Returns a
 * string to release with cellhost_input_free (which wipes it), or NULL with
 * err filled (CZ_EINTERRUPTED when interrupted, CZ_EUNSUPPORTED when the
 * frontend does not allow input). */
char *cellhost_input(cellhost *h, const char *prompt, bool password, cz_error *err);
void cellhost_input_free(char *s);

cz_cancel *cellhost_cancel(cellhost *h);
cz_backend *cellhost_backend(cellhost *h);
void cellhost_set_backend(cellhost *h, cz_backend *be);
shutdown_hooks *cellhost_shutdown_hooks(cellhost *h);

#endif
