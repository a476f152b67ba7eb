/* kernel_info, comm_info, comm_open/msg/close, history, shutdown, interrupt. */
#include <lua.h>
#include <string.h>

#include "cz_config.h"
#include "interrupt.h"
#include "kernel.h"
#include "log.h"

void handle_kernel_info(kernel *k, void *socket, const jup_msg *req)
{
    const char *lua_version = LUA_RELEASE + 4;   /* "Lua 5.4.6" -> "5.4.6" */
    char banner[128];
    snprintf(banner, sizeof banner, "Condensa %s (Lua %s) on %s", CZ_VERSION, lua_version,
             cz_backend_describe(cellhost_backend(k->host)));
    json_t *content = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:[{s:s, s:s}], s:b, s:[]}",
        "status", "ok", "protocol_version", JUP_PROTOCOL_VERSION, "implementation", "condensa",
        "implementation_version", CZ_VERSION, "language_info", "name", "lua", "version", lua_version,
        "mimetype", "text/x-lua", "file_extension", ".lua", "pygments_lexer", "lua",
        "codemirror_mode", "lua", "nbconvert_exporter", "script", "banner", banner, "help_links",
        "text", "Lua 5.4 manual", "url", "https://www.lua.org/manual/5.4/", "debugger", 0,
        "supported_features");
    kernel_reply(k, socket, req, "kernel_info_reply", content);
}

void handle_comm_info(kernel *k, void *socket, const jup_msg *req)
{
    /* No comm targets are registered: the answer is the same for any target_name. */
    kernel_reply(k, socket, req, "comm_info_reply", json_pack("{s:s, s:{}}", "status", "ok", "comms"));
}

void handle_comm_open(kernel *k, void *socket, const jup_msg *req)
{
    (void)socket;
    const char *comm_id = jup_msg_get_string(req, "comm_id", "");
    log_info("comm_open for unknown target \"%s\": closing it", jup_msg_get_string(req, "target_name", ""));
    kernel_publish(k, "comm_close", req, json_pack("{s:s, s:{}}", "comm_id", comm_id, "data"));
}

void handle_comm_ignore(kernel *k, void *socket, const jup_msg *req)
{
    (void)k;
    (void)socket;
    log_debug("%s for comm %s ignored (no comms are open)", jup_msg_type(req),
              jup_msg_get_string(req, "comm_id", ""));
}

void handle_history(kernel *k, void *socket, const jup_msg *req)
{
    history_query q = {
        .access = jup_msg_get_string(req, "hist_access_type", "tail"),
        .output = jup_msg_get_bool(req, "output", 0),
        .session = (int)jup_msg_get_int(req, "session", 0),
        .start = (int)jup_msg_get_int(req, "start", 0),
        .stop = (int)jup_msg_get_int(req, "stop", 0),
        .n = (int)jup_msg_get_int(req, "n", 0),
        .pattern = jup_msg_get_string(req, "pattern", "*"),
        .unique = jup_msg_get_bool(req, "unique", 0),
    };
    json_t *items = history_select(&k->history, &q);
    kernel_reply(k, socket, req, "history_reply",
                 json_pack("{s:s, s:o}", "status", "ok", "history", items ? items : json_array()));
}

void handle_shutdown(kernel *k, void *socket, const jup_msg *req)
{
    bool restart = jup_msg_get_bool(req, "restart", 0);
    kernel_reply(k, socket, req, "shutdown_reply", json_pack("{s:s, s:b}", "status", "ok", "restart", restart));
    /* ipykernel and xeus also broadcast the reply, for other clients */
    kernel_publish(k, "shutdown_reply", req, json_pack("{s:s, s:b}", "status", "ok", "restart", restart));
    kernel_request_quit(k, "shutdown_request", restart);
}

void handle_interrupt(kernel *k, void *socket, const jup_msg *req)
{
    log_info("interrupt_request: stopping the running cell");
    interrupt_request();
    kernel_reply(k, socket, req, "interrupt_reply", json_pack("{s:s}", "status", "ok"));
}
