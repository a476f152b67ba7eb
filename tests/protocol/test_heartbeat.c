/* Heartbeat: echoes bytes unchanged on a free TCP port, stops cleanly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "jup.h"

Test(heartbeat, echoes_and_stops)
{
    const char *text = "{\"shell_port\":1,\"iopub_port\":2,\"stdin_port\":3,\"control_port\":4,"
                       "\"hb_port\":0,\"ip\":\"127.0.0.1\",\"key\":\"k\"}";
    jup_error err;
    jup_connection *c = jup_connection_parse(text, strlen(text), &err);
    cr_assert_not_null(c, "%s", err.msg);
    void *ctx = zmq_ctx_new();
    jup_heartbeat *hb = jup_heartbeat_start(ctx, c, &err);
    cr_assert_not_null(hb, "%s", err.msg);
    cr_assert_gt(c->port[JUP_HB], 0, "the bound port is written back");

    void *req = zmq_socket(ctx, ZMQ_REQ);
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", c->port[JUP_HB]);
    cr_assert_eq(zmq_connect(req, ep), 0);
    for (int i = 0; i < 3; i++) {
        char ping[32], pong[32] = {0};
        int n = snprintf(ping, sizeof ping, "ping-%d", i);
        cr_assert_eq(zmq_send(req, ping, (size_t)n, 0), n);
        zmq_pollitem_t it = {req, 0, ZMQ_POLLIN, 0};
        cr_assert_eq(zmq_poll(&it, 1, 5000), 1, "no echo within 5 s");
        cr_assert_eq(zmq_recv(req, pong, sizeof pong, 0), n);
        cr_expect_str_eq(pong, ping);
    }
    /* The thread counts after it has sent the echo: give it a moment. */
    for (int i = 0; i < 200 && jup_heartbeat_count(hb) < 3; i++)
        zmq_poll(NULL, 0, 10);
    cr_expect_eq(jup_heartbeat_count(hb), 3);
    int linger = 0;
    zmq_setsockopt(req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(req);
    jup_heartbeat_stop(&hb);
    cr_expect_null(hb);
    zmq_ctx_term(ctx);
    jup_connection_free(&c);
}

Test(heartbeat, busy_port_is_reported)
{
    void *ctx = zmq_ctx_new();
    void *holder = zmq_socket(ctx, ZMQ_REP);
    cr_assert_eq(zmq_bind(holder, "tcp://127.0.0.1:*"), 0);
    char bound[64];
    size_t len = sizeof bound;
    zmq_getsockopt(holder, ZMQ_LAST_ENDPOINT, bound, &len);
    int port = atoi(strrchr(bound, ':') + 1);
    char text[256];
    snprintf(text, sizeof text,
             "{\"shell_port\":1,\"iopub_port\":2,\"stdin_port\":3,\"control_port\":4,"
             "\"hb_port\":%d,\"ip\":\"127.0.0.1\",\"key\":\"k\"}", port);
    jup_error err;
    jup_connection *c = jup_connection_parse(text, strlen(text), &err);
    cr_expect_null(jup_heartbeat_start(ctx, c, &err));
    cr_expect_eq(err.code, JUP_ESOCKET);
    cr_expect(strstr(err.msg, "hb") != NULL, "%s", err.msg);
    zmq_close(holder);
    zmq_ctx_term(ctx);
    jup_connection_free(&c);
}
