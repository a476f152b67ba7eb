/* Display bundles: MIME type rules, __mime objects (text, PNG bytes ->
 * base64, JSON), the text/plain twin, malformed __mime results, and the
 * text rendering of plain values. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "capture.h"
#include "display/mime.h"

Test(mime, type_rules)
{
    cr_expect(mime_type_valid("text/plain"));
    cr_expect(mime_type_valid("application/vnd.condensa+json"));
    cr_expect_not(mime_type_valid("text"));
    cr_expect_not(mime_type_valid("text/"));
    cr_expect_not(mime_type_valid("/plain"));
    cr_expect_not(mime_type_valid("text/pl ain"));
    cr_expect(mime_type_binary("image/png"));
    cr_expect_not(mime_type_binary("image/svg+xml"));
    cr_expect_not(mime_type_binary("text/html"));
    cr_expect(mime_type_json("application/json"));
    cr_expect(mime_type_json("application/vnd.vegalite.v5+json"));
    cr_expect_not(mime_type_json("text/plain"));
}

Test(mime, base64_and_repair)
{
    json_t *d = json_object();
    cr_assert_eq(mime_bundle_set_base64(d, "image/png", "\x89PNG\r\n\x1a\n", 8), 0);
    cr_expect_str_eq(json_string_value(json_object_get(d, "image/png")), "iVBORw0KGgo=");
    cr_assert_eq(mime_bundle_set_text(d, "text/plain", "a\xff" "b", 3), 0);
    cr_expect_str_eq(json_string_value(json_object_get(d, "text/plain")), "a\xEF\xBF\xBD" "b",
                     "invalid UTF-8 becomes U+FFFD, not a dropped message");
    json_decref(d);
}

static json_t *value_bundle(cellhost *h, const char *code)
{
    cellhost_result r = capture_run(h, code);
    cr_assert(r.ok, "%s: %s", r.ename, r.evalue ? r.evalue : "");
    cr_assert_not_null(r.data);
    json_t *d = json_incref(r.data);
    cellhost_result_clear(&r);
    return d;
}

Test(mime, mime_metamethod_bundle)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    json_t *d = value_bundle(h,
        "local png = '\\137PNG\\r\\n\\26\\n' .. string.rep('x', 4)\n"
        "return setmetatable({}, {__mime = function(self) return {\n"
        "  ['text/html'] = '<b>r</b>', ['image/png'] = png,\n"
        "  ['application/json'] = {a = 1, list = {1, 2}}} end})");
    cr_expect_str_eq(json_string_value(json_object_get(d, "text/html")), "<b>r</b>");
    const char *b64 = json_string_value(json_object_get(d, "image/png"));
    unsigned char raw[64];
    size_t n;
    cr_assert_eq(sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &n, NULL,
                                   sodium_base64_VARIANT_ORIGINAL), 0);
    cr_expect_eq(n, 12);
    cr_expect(mime_is_png(raw, n));
    json_t *j = json_object_get(d, "application/json");
    cr_expect_eq(json_integer_value(json_object_get(j, "a")), 1);
    cr_expect_eq(json_array_size(json_object_get(j, "list")), 2);
    cr_expect_not_null(json_object_get(d, "text/plain"), "a text/plain twin is always added");
    json_decref(d);
    capture_free(&c, &h);
}

Test(mime, tostring_gives_the_plain_twin)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    json_t *d = value_bundle(h, "setmetatable({}, {__mime = function() return {['text/html'] = '<i>x</i>'} end,"
                                " __tostring = function() return 'dataset (3 rows)' end})");
    cr_expect_str_eq(json_string_value(json_object_get(d, "text/plain")), "dataset (3 rows)");
    json_decref(d);
    capture_free(&c, &h);
}

static void expect_error(cellhost *h, const char *code, const char *ename, const char *fragment)
{
    cellhost_result r = capture_run(h, code);
    cr_expect_not(r.ok, "%s should fail", code);
    cr_expect_str_eq(r.ename, ename, "%s", code);
    cr_expect(r.evalue && strstr(r.evalue, fragment), "%s: evalue \"%s\" lacks \"%s\"", code,
              r.evalue ? r.evalue : "", fragment);
    cellhost_result_clear(&r);
}

Test(mime, malformed_mime_results_are_errors)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    expect_error(h, "setmetatable({}, {__mime = function() return 5 end})", "ValueError", "not a table");
    expect_error(h, "setmetatable({}, {__mime = function() return {html = 'x'} end})", "ValueError",
                 "\"html\" is not a MIME type");
    expect_error(h, "setmetatable({}, {__mime = function() return {['image/png'] = 'nope'} end})",
                 "ValueError", "not PNG data");
    expect_error(h, "setmetatable({}, {__mime = function() return {['text/html'] = {}} end})",
                 "ValueError", "not a string");
    expect_error(h, "setmetatable({}, {__mime = function() error('broken') end})", "LuaError", "broken");
    char v[64];
    cr_expect_str_eq(capture_value(h, "'state ok'", v, sizeof v), "state ok");
    capture_free(&c, &h);
}

Test(mime, plain_rendering_of_values)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char v[512];
    cr_expect_str_eq(capture_value(h, "6", v, sizeof v), "6");
    cr_expect_str_eq(capture_value(h, "1.5", v, sizeof v), "1.5");
    cr_expect_str_eq(capture_value(h, "2^53", v, sizeof v), "9.007199254741e+15");
    cr_expect_str_eq(capture_value(h, "'raw string'", v, sizeof v), "raw string");
    cr_expect_str_eq(capture_value(h, "{1, 2, 'three', b = true, a = {x = 1}}", v, sizeof v),
                     "{1, 2, \"three\", a = {x = 1}, b = true}");
    cr_expect_str_eq(capture_value(h, "{['with space'] = 1, [true] = 2}", v, sizeof v),
                     "{[\"with space\"] = 1, [true] = 2}");
    cr_expect_str_eq(capture_value(h, "{{{{1}}}}", v, sizeof v), "{{{{...}}}}");
    cr_expect_str_eq(capture_value(h, "local t = {}; t.self = t; return t", v, sizeof v),
                     "{self = <cycle>}");
    cr_expect_str_eq(capture_value(h, "1, 'two', nil", v, sizeof v), "1\ttwo\tnil");
    cr_expect_str_eq(capture_value(h, "print", v, sizeof v), "function: builtin");
    cr_expect(strstr(capture_value(h, "function() end", v, sizeof v), "function <[cell") == v);
    capture_value(h, "local t = {}; for i = 1, 150 do t[i] = i end; return t", v, sizeof v);
    cr_expect(strstr(v, ", ... (50 more)}") != NULL, "%s", v);
    capture_free(&c, &h);
}

Test(mime, display_functions_publish_bundles)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    cellhost_result r = capture_run(h, "display.html('<p>x</p>', {id = 'a'})\n"
                                       "display.html('<p>y</p>', {id = 'a', update = true})\n"
                                       "display({1, 2})");
    cr_assert(r.ok, "%s", r.evalue ? r.evalue : "");
    cr_assert_eq(json_array_size(c.displays), 3);
    json_t *first = json_array_get(c.displays, 0), *second = json_array_get(c.displays, 1);
    cr_expect_str_eq(json_string_value(json_object_get(first, "id")), "a");
    cr_expect(json_is_false(json_object_get(first, "update")));
    cr_expect(json_is_true(json_object_get(second, "update")));
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(second, "data"), "text/html")), "<p>y</p>");
    json_t *third = json_object_get(json_array_get(c.displays, 2), "data");
    cr_expect_str_eq(json_string_value(json_object_get(third, "text/plain")), "{1, 2}");
    cellhost_result_clear(&r);
    r = capture_run(h, "display.html('x', {update = true})");
    cr_expect_not(r.ok, "update without an id is an error");
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}
