/* HMAC-SHA256 signing against Python's hmac module, and verification that
 * refuses short, long, wrong and tampered signatures. */
#include <criterion/criterion.h>
#include <string.h>

#include "jup.h"

static const char key[] = "5567b694-cb70eab04b5801c029447389";
static const char header[] = "{\"msg_id\":\"a\",\"msg_type\":\"kernel_info_request\"}";
/* hmac.new(key, header + b"{}" * 3, hashlib.sha256).hexdigest() */
static const char expected_hex[] = "5c9c317210f5f5b84e379b0b4f95475909031adc65b709d125ac698ab9882ae0";

static void parts_of(jup_frame parts[4], const char *content)
{
    parts[0] = (jup_frame){header, strlen(header)};
    parts[1] = (jup_frame){"{}", 2};
    parts[2] = (jup_frame){"{}", 2};
    parts[3] = (jup_frame){content, strlen(content)};
}

Test(hmac, matches_python_reference)
{
    jup_hmac *h = jup_hmac_new(key, strlen(key), NULL);
    cr_assert_not_null(h);
    jup_frame parts[4];
    parts_of(parts, "{}");
    char hex[JUP_SIGNATURE_HEX + 1];
    jup_hmac_sign_hex(h, parts, hex);
    cr_expect_str_eq(hex, expected_hex);
    jup_hmac_free(&h);
    cr_expect_null(h);
}

Test(hmac, single_part_vector)
{
    /* RFC-style check of the streaming API: the four parts concatenate. */
    jup_hmac *h = jup_hmac_new("key", 3, NULL);
    const char *msg = "The quick brown fox jumps over the lazy dog";
    jup_frame parts[4] = {{msg, 10}, {msg + 10, 10}, {msg + 20, 0}, {msg + 20, strlen(msg) - 20}};
    char hex[JUP_SIGNATURE_HEX + 1];
    jup_hmac_sign_hex(h, parts, hex);
    cr_expect_str_eq(hex, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    jup_hmac_free(&h);
}

Test(hmac, verify_accepts_the_right_signature)
{
    jup_hmac *h = jup_hmac_new(key, strlen(key), NULL);
    jup_frame parts[4];
    parts_of(parts, "{}");
    unsigned char digest[JUP_DIGEST_BYTES];
    jup_error err;
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){expected_hex, 64}, parts, digest, &err), JUP_OK,
                 "%s", err.msg);
    cr_expect_eq(digest[0], 0x5c);
    cr_expect_eq(digest[31], 0xe0);
    jup_hmac_free(&h);
}

Test(hmac, verify_rejects_bad_signatures)
{
    jup_hmac *h = jup_hmac_new(key, strlen(key), NULL);
    jup_frame parts[4];
    parts_of(parts, "{}");
    jup_error err;
    char bad[65];
    memcpy(bad, expected_hex, 65);
    bad[63] = bad[63] == '0' ? '1' : '0';
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){bad, 64}, parts, NULL, &err), JUP_EAUTH);
    cr_expect(strstr(err.msg, "does not match") != NULL, "%s", err.msg);
    /* too short: must not read 64 bytes of a 10-byte frame */
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){expected_hex, 10}, parts, NULL, &err), JUP_EAUTH);
    cr_expect(strstr(err.msg, "10 bytes") != NULL, "%s", err.msg);
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){"", 0}, parts, NULL, &err), JUP_EAUTH,
                 "an unsigned message is refused when a key is set");
    char longer[66];
    memcpy(longer, expected_hex, 64);
    longer[64] = 'a';
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){longer, 65}, parts, NULL, &err), JUP_EAUTH);
    /* uppercase hex is a different byte string */
    char upper[65];
    for (int i = 0; i < 64; i++)
        upper[i] = (char)(expected_hex[i] >= 'a' ? expected_hex[i] - 32 : expected_hex[i]);
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){upper, 64}, parts, NULL, &err), JUP_EAUTH);
    /* tampered content, original signature */
    jup_frame tampered[4];
    parts_of(tampered, "{\"x\":1}");
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){expected_hex, 64}, tampered, NULL, &err), JUP_EAUTH);
    jup_hmac_free(&h);
}

Test(hmac, wrong_key_is_refused)
{
    jup_hmac *h = jup_hmac_new("not-the-key", 11, NULL);
    jup_frame parts[4];
    parts_of(parts, "{}");
    jup_error err;
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){expected_hex, 64}, parts, NULL, &err), JUP_EAUTH);
    jup_hmac_free(&h);
}

Test(hmac, empty_key_disables_signing)
{
    jup_hmac *h = jup_hmac_new(NULL, 0, NULL);
    cr_assert_not_null(h);
    cr_expect_not(jup_hmac_enabled(h));
    jup_frame parts[4];
    parts_of(parts, "{}");
    char hex[JUP_SIGNATURE_HEX + 1] = "junk";
    jup_hmac_sign_hex(h, parts, hex);
    cr_expect_str_eq(hex, "");
    cr_expect_eq(jup_hmac_verify(h, (jup_frame){"", 0}, parts, NULL, NULL), JUP_OK);
    jup_hmac_free(&h);
}
