/* Session: headers, encode/decode round trip, and the decode order that
 * refuses bad signatures and replays before parsing anything. */
#include <criterion/criterion.h>
#include <regex.h>
#include <string.h>

#include "jup.h"

static const char key[] = "a0b1c2d3-secret";

static jup_session *new_session(void)
{
    jup_error err;
    jup_session *s = jup_session_new(key, strlen(key), "tester", 128, &err);
    cr_assert_not_null(s, "%s", err.msg);
    return s;
}

static int matches(const char *re, const char *s)
{
    regex_t rx;
    cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
    int ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

Test(session, header_fields)
{
    jup_session *s = new_session();
    jup_msg *m = jup_session_msg(s, "status", NULL, json_pack("{s:s}", "execution_state", "idle"));
    cr_assert_not_null(m);
    const char *date = json_string_value(json_object_get(m->header, "date"));
    cr_expect(matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$", date),
              "date %s", date);
    cr_expect_str_eq(json_string_value(json_object_get(m->header, "version")), "5.3");
    cr_expect_str_eq(json_string_value(json_object_get(m->header, "session")), jup_session_id(s));
    cr_expect_str_eq(json_string_value(json_object_get(m->header, "username")), "tester");
    cr_expect_str_eq(jup_msg_type(m), "status");
    cr_expect_eq(strlen(jup_msg_id(m)), 32);
    cr_expect(matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                      jup_session_id(s)), "session %s", jup_session_id(s));
    cr_expect_eq(json_object_size(m->parent_header), 0);
    jup_msg *m2 = jup_session_msg(s, "status", NULL, NULL);
    cr_expect_str_neq(jup_msg_id(m), jup_msg_id(m2), "msg ids are unique");
    jup_msg_free(&m);
    jup_msg_free(&m2);
    jup_session_free(&s);
    cr_expect_null(s);
}

Test(session, reply_copies_parent_header_and_ids)
{
    jup_session *s = new_session();
    jup_msg *req = jup_session_msg(s, "kernel_info_request", NULL, NULL);
    jup_blob ids[2] = {{(unsigned char *)"A", 1}, {(unsigned char *)"BB", 2}};
    cr_assert_eq(jup_msg_set_ids(req, ids, 2, NULL), JUP_OK);
    jup_msg *rep = jup_session_msg(s, "kernel_info_reply", req, NULL);
    cr_expect(json_equal(rep->parent_header, req->header));
    cr_expect_eq(rep->n_ids, 2);
    cr_expect_eq(rep->ids[1].len, 2);
    cr_expect(memcmp(rep->ids[1].data, "BB", 2) == 0);
    jup_msg_free(&req);
    jup_msg_free(&rep);
    jup_session_free(&s);
}

/* Encodes m with s and decodes it with a fresh session of the same key. */
static jup_status round_trip(jup_session *enc, jup_session *dec, const jup_msg *m, jup_msg **out,
                             jup_error *err)
{
    jup_outgoing o;
    cr_assert_eq(jup_session_encode(enc, m, NULL, &o, err), JUP_OK);
    jup_status st = jup_session_decode(dec, o.frames, o.n, out, err);
    jup_outgoing_release(&o);
    return st;
}

Test(session, encode_decode_round_trip)
{
    jup_session *client = new_session(), *kernel = new_session();
    jup_msg *m = jup_session_msg(client, "execute_request", NULL,
                                 json_pack("{s:s, s:b}", "code", "print(\"héllo\")", "silent", 0));
    jup_error err;
    jup_msg *got = NULL;
    cr_assert_eq(round_trip(client, kernel, m, &got, &err), JUP_OK, "%s", err.msg);
    cr_expect_str_eq(jup_msg_type(got), "execute_request");
    cr_expect_str_eq(jup_msg_get_string(got, "code", ""), "print(\"héllo\")");
    cr_expect_eq(jup_msg_get_bool(got, "silent", 1), 0);
    cr_expect_eq(jup_msg_get_int(got, "missing", 7), 7);
    cr_expect(json_equal(got->header, m->header));
    jup_msg_free(&got);
    jup_msg_free(&m);
    jup_session_free(&client);
    jup_session_free(&kernel);
}

Test(session, replay_is_refused)
{
    jup_session *client = new_session(), *kernel = new_session();
    jup_msg *m = jup_session_msg(client, "kernel_info_request", NULL, NULL);
    jup_outgoing o;
    jup_error err;
    cr_assert_eq(jup_session_encode(client, m, NULL, &o, &err), JUP_OK);
    jup_msg *got = NULL;
    cr_expect_eq(jup_session_decode(kernel, o.frames, o.n, &got, &err), JUP_OK);
    jup_msg_free(&got);
    cr_expect_eq(jup_session_decode(kernel, o.frames, o.n, &got, &err), JUP_EREPLAY);
    cr_expect_null(got);
    cr_expect(strstr(err.msg, "replayed") != NULL, "%s", err.msg);
    jup_outgoing_release(&o);
    jup_msg_free(&m);
    jup_session_free(&client);
    jup_session_free(&kernel);
}

Test(session, tampered_and_wrong_key_are_refused_before_parsing)
{
    jup_session *client = new_session(), *kernel = new_session();
    jup_error err;
    jup_session *other = jup_session_new("other", 5, NULL, 0, &err);
    jup_msg *m = jup_session_msg(client, "kernel_info_request", NULL, NULL);
    jup_msg *got = NULL;
    cr_expect_eq(round_trip(other, kernel, m, &got, &err), JUP_EAUTH, "wrong key");

    jup_outgoing o;
    cr_assert_eq(jup_session_encode(client, m, NULL, &o, &err), JUP_OK);
    /* The signature covers the exact bytes: swap content for invalid JSON. */
    o.frames[o.n - 1] = (jup_frame){"{not json", 9};
    cr_expect_eq(jup_session_decode(kernel, o.frames, o.n, &got, &err), JUP_EAUTH,
                 "tampered bytes must fail the signature, not the JSON parser");
    jup_outgoing_release(&o);
    jup_msg_free(&m);
    jup_session_free(&other);
    jup_session_free(&client);
    jup_session_free(&kernel);
}

Test(session, bad_json_with_good_signature_is_a_format_error)
{
    jup_session *kernel = new_session();
    jup_hmac *h = jup_hmac_new(key, strlen(key), NULL);
    jup_frame parts[4] = {{"{\"msg_id\":\"x\"}", 14}, {"{}", 2}, {"{}", 2}, {"[1]", 3}};
    char sig[JUP_SIGNATURE_HEX + 1];
    jup_hmac_sign_hex(h, parts, sig);
    jup_frame frames[6] = {{"<IDS|MSG>", 9}, {sig, 64}, parts[0], parts[1], parts[2], parts[3]};
    jup_msg *got = NULL;
    jup_error err;
    cr_expect_eq(jup_session_decode(kernel, frames, 6, &got, &err), JUP_EFORMAT);
    cr_expect(strstr(err.msg, "content is not a JSON object") != NULL, "%s", err.msg);
    parts[3] = (jup_frame){"{}", 2};
    frames[5] = parts[3];
    jup_hmac_sign_hex(h, parts, sig);
    cr_expect_eq(jup_session_decode(kernel, frames, 6, &got, &err), JUP_EFORMAT);
    cr_expect(strstr(err.msg, "msg_type") != NULL, "%s", err.msg);
    jup_hmac_free(&h);
    jup_session_free(&kernel);
}

Test(session, publish_topic_replaces_ids)
{
    jup_session *s = new_session();
    jup_msg *m = jup_session_msg(s, "stream", NULL, NULL);
    jup_blob id = {(unsigned char *)"X", 1};
    cr_assert_eq(jup_msg_set_ids(m, &id, 1, NULL), JUP_OK);
    jup_outgoing o;
    cr_assert_eq(jup_session_encode(s, m, "kernel.t.stream", &o, NULL), JUP_OK);
    cr_expect_eq(o.n, 7);
    cr_expect_eq(o.frames[0].len, strlen("kernel.t.stream"));
    cr_expect(memcmp(o.frames[1].data, "<IDS|MSG>", 9) == 0);
    cr_expect_eq(o.frames[2].len, 64);
    jup_outgoing_release(&o);
    jup_msg_free(&m);
    jup_session_free(&s);
}
