/* Whole messages over real ZeroMQ sockets (inproc): a DEALER client talks
 * to a ROUTER kernel socket; bad messages are consumed and reported without
 * desynchronising the stream. */
#include <criterion/criterion.h>
#include <string.h>
#include <zmq.h>

#include "jup.h"

static void *ctx, *router, *dealer;
static jup_session *kernel, *client;

static void setup(void)
{
    ctx = zmq_ctx_new();
    router = zmq_socket(ctx, ZMQ_ROUTER);
    dealer = zmq_socket(ctx, ZMQ_DEALER);
    cr_assert_eq(zmq_bind(router, "inproc://shell"), 0);
    cr_assert_eq(zmq_connect(dealer, "inproc://shell"), 0);
    kernel = jup_session_new("k3y", 3, "kernel", 0, NULL);
    client = jup_session_new("k3y", 3, "client", 0, NULL);
    cr_assert(kernel && client);
}

static void teardown(void)
{
    zmq_close(router);
    zmq_close(dealer);
    zmq_ctx_term(ctx);
    jup_session_free(&kernel);
    jup_session_free(&client);
}

TestSuite(channel, .init = setup, .fini = teardown);

Test(channel, request_reply_round_trip)
{
    jup_msg *req = jup_session_msg(client, "kernel_info_request", NULL, NULL);
    jup_error err;
    cr_assert_eq(jup_channel_send(client, dealer, req, &err), JUP_OK, "%s", err.msg);
    jup_msg *got = NULL;
    cr_assert_eq(jup_channel_recv(kernel, router, false, &got, &err), JUP_OK, "%s", err.msg);
    cr_expect_str_eq(jup_msg_type(got), "kernel_info_request");
    cr_expect_eq(got->n_ids, 1, "the ROUTER adds the DEALER's identity");

    jup_msg *rep = jup_session_msg(kernel, "kernel_info_reply", got, json_pack("{s:s}", "status", "ok"));
    cr_assert_eq(jup_channel_send(kernel, router, rep, &err), JUP_OK, "%s", err.msg);
    jup_msg *back = NULL;
    cr_assert_eq(jup_channel_recv(client, dealer, false, &back, &err), JUP_OK, "%s", err.msg);
    cr_expect_str_eq(jup_msg_type(back), "kernel_info_reply");
    cr_expect_str_eq(json_string_value(json_object_get(back->parent_header, "msg_id")),
                     jup_msg_id(req));
    jup_msg_free(&req);
    jup_msg_free(&got);
    jup_msg_free(&rep);
    jup_msg_free(&back);
}

Test(channel, bad_messages_are_consumed_and_reported)
{
    jup_error err;
    jup_msg *got = NULL;
    cr_expect_eq(jup_channel_recv(kernel, router, true, &got, &err), JUP_EAGAIN);

    jup_frame junk[3] = {{"a", 1}, {"b", 1}, {"c", 1}};
    cr_assert_eq(jup_channel_send_frames(dealer, junk, 3, &err), JUP_OK);
    cr_expect_eq(jup_channel_recv(kernel, router, false, &got, &err), JUP_EFORMAT);

    jup_session *intruder = jup_session_new("wrong", 5, NULL, 0, NULL);
    jup_msg *m = jup_session_msg(intruder, "execute_request", NULL, json_pack("{s:s}", "code", "x"));
    cr_assert_eq(jup_channel_send(intruder, dealer, m, &err), JUP_OK);
    cr_expect_eq(jup_channel_recv(kernel, router, false, &got, &err), JUP_EAUTH);
    cr_expect_null(got);

    jup_msg *good = jup_session_msg(client, "execute_request", NULL, json_pack("{s:s}", "code", "y"));
    cr_assert_eq(jup_channel_send(client, dealer, good, &err), JUP_OK);
    cr_expect_eq(jup_channel_recv(kernel, router, false, &got, &err), JUP_OK, "%s", err.msg);
    cr_expect_str_eq(jup_msg_get_string(got, "code", ""), "y");
    jup_msg_free(&got);
    jup_msg_free(&m);
    jup_msg_free(&good);
    jup_session_free(&intruder);
}

Test(channel, publish_reaches_a_subscriber)
{
    void *pub = zmq_socket(ctx, ZMQ_PUB), *sub = zmq_socket(ctx, ZMQ_SUB);
    cr_assert_eq(zmq_bind(pub, "inproc://iopub"), 0);
    cr_assert_eq(zmq_connect(sub, "inproc://iopub"), 0);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    jup_msg *m = jup_session_msg(kernel, "status", NULL, json_pack("{s:s}", "execution_state", "idle"));
    jup_error err;
    jup_msg *got = NULL;
    /* inproc subscriptions propagate asynchronously: publish until one arrives */
    for (int i = 0; i < 200 && !got; i++) {
        cr_assert_eq(jup_channel_publish(kernel, pub, m, &err), JUP_OK);
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 10) == 1)
            cr_assert_eq(jup_channel_recv(client, sub, false, &got, &err), JUP_OK, "%s", err.msg);
    }
    cr_assert_not_null(got, "no iopub message arrived");
    cr_expect_eq(got->n_ids, 1);
    cr_expect(got->ids[0].len > 7 && memcmp(got->ids[0].data, "kernel.", 7) == 0, "topic");
    cr_expect_str_eq(jup_msg_get_string(got, "execution_state", ""), "idle");
    jup_msg_free(&got);
    jup_msg_free(&m);
    zmq_close(pub);
    zmq_close(sub);
}
