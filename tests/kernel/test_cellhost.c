/* The cell host: values of final expressions, streams (batched, ordered,
 * capped), errors with their names and hints, input, sandbox, persistence. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

#include "capture.h"
#include "cz_config.h"

Test(cellhost, final_expression_values)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char v[256];
    cr_expect_str_eq(capture_value(h, "1 + 2 + 3", v, sizeof v), "6");
    cr_expect_str_eq(capture_value(h, "local a = 2\nlocal b = 3\na * b", v, sizeof v), "6",
                     "the last line is the value");
    cr_expect_str_eq(capture_value(h, "return 'explicit'", v, sizeof v), "explicit");
    cr_expect_str_eq(capture_value(h, "local q = 4; q + 1", v, sizeof v), "5", "after the last ';'");
    cr_expect_str_eq(capture_value(h, "s = 'a;b'; s", v, sizeof v), "a;b");
    cellhost_result r = capture_run(h, "x = 5");
    cr_expect(r.ok);
    cr_expect_null(r.data, "a statement has no value");
    cellhost_result_clear(&r);
    r = capture_run(h, "nil");
    cr_expect_null(r.data, "nil shows nothing");
    cellhost_result_clear(&r);
    r = capture_run(h, "io.write('w')");
    cr_expect_null(r.data, "io.write's returned stream is not shown");
    cellhost_result_clear(&r);
    cr_expect_str_eq(capture_value(h, "x", v, sizeof v), "5", "globals persist across cells");
    capture_free(&c, &h);
}

Test(cellhost, print_is_batched_and_streams_keep_order)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    cellhost_result r = capture_run(h, "for i = 1, 100 do print(i, i * 2) end");
    cr_expect(r.ok);
    cr_expect_eq(c.stream_messages, 1, "100 prints in one stream message, got %d", c.stream_messages);
    cr_expect(strncmp(c.out, "1\t2\n2\t4\n", 8) == 0, "%.20s", c.out);
    cellhost_result_clear(&r);
    c.out_len = c.err_len = 0;
    c.stream_messages = 0;
    r = capture_run(h, "io.write('a'); io.stderr:write('b'); print('c')");
    cr_expect_str_eq(c.out, "ac\n");
    cr_expect_str_eq(c.err, "b");
    cr_expect_eq(c.stream_messages, 3, "switching streams flushes, keeping the order");
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}

Test(cellhost, output_is_capped_per_cell)
{
    capture c;
    memset(&c, 0, sizeof c);
    c.displays = json_array();
    cellhost_sink sink = {&c, cap_stream, cap_display, cap_clear, cap_input};
    cellhost_config cfg = {true, NULL, NULL, 64};
    cellhost *h = cellhost_new(&cfg, &sink, NULL);
    cellhost_result r = capture_run(h, "for i = 1, 1000 do print('line', i) end");
    cr_expect(r.ok);
    cr_expect(strstr(c.out, "[output truncated: more than 64 bytes on stdout in this cell]") != NULL, "%s", c.out);
    cr_expect_lt(c.out_len, 200);
    cellhost_result_clear(&r);
    c.out_len = 0;
    r = capture_run(h, "print('next cell')");
    cr_expect_str_eq(c.out, "next cell\n", "the cap is per cell");
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}

static void expect_error(cellhost *h, const char *code, const char *ename, const char *fragment)
{
    cellhost_result r = capture_run(h, code);
    cr_expect_not(r.ok, "%s should fail", code);
    cr_expect_str_eq(r.ename, ename, "%s", code);
    cr_expect(r.evalue && strstr(r.evalue, fragment), "%s: \"%s\" lacks \"%s\"", code,
              r.evalue ? r.evalue : "", fragment);
    cr_expect_gt(json_array_size(r.traceback), 0);
    cellhost_result_clear(&r);
}

Test(cellhost, errors_have_names_values_and_tracebacks)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    expect_error(h, "x = = 1", "SyntaxError", "[cell");
    expect_error(h, "error('boom')", "LuaError", "boom");
    expect_error(h, "error()", "LuaError", "nil value");
    expect_error(h, "local t = nil; return t.x", "LuaError", "attempt to index");
    expect_error(h, "dc.threads(0)", "ValueError", "dc.threads: 0 is not a thread count");
    cellhost_result r = capture_run(h, "local function inner() error('deep') end\ninner()");
    const char *first = json_string_value(json_array_get(r.traceback, 0));
    cr_expect(strstr(first, "LuaError") && strstr(first, "deep"), "%s", first);
    bool mentions_inner = false;
    for (size_t i = 0; i < json_array_size(r.traceback); i++)
        mentions_inner |= strstr(json_string_value(json_array_get(r.traceback, i)), "inner") != NULL;
    cr_expect(mentions_inner, "the traceback names the failing function");
    cellhost_result_clear(&r);
    r = capture_run(h, "dc.threads('many')");
    cr_expect_str_eq(json_string_value(json_array_get(r.traceback, 1)),
                     "\x1b[0;32mhint\x1b[0m: pass a whole number such as dc.threads(4)");
    cellhost_result_clear(&r);
    char v[32];
    cr_expect_str_eq(capture_value(h, "'still fine'", v, sizeof v), "still fine");
    capture_free(&c, &h);
}

Test(cellhost, input_goes_through_the_sink)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    c.inputs[0] = "typed";
    c.inputs[1] = "s3cret";
    c.inputs[2] = "42";
    c.n_inputs = 3;
    char v[64];
    cr_expect_str_eq(capture_value(h, "io.read()", v, sizeof v), "typed");
    cr_expect_str_eq(capture_value(h, "input('key: ', {password = true})", v, sizeof v), "s3cret");
    cr_expect_str_eq(c.last_prompt, "key: ");
    cr_expect_eq(c.last_password, 1);
    cr_expect_str_eq(capture_value(h, "io.read('n') + 1", v, sizeof v), "43");
    expect_error(h, "io.read()", "UnsupportedError", "input not allowed");
    expect_error(h, "input('x', {pasword = true})", "ValueError", "did you mean \"password\"");
    capture_free(&c, &h);
}

Test(cellhost, redirected_io_output_still_writes_files)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char path[64], code[256];
    snprintf(path, sizeof path, "/tmp/condensa-io-%d.txt", (int)getpid());
    snprintf(code, sizeof code, "io.output('%s'); io.write('to file'); io.close(); io.output(io.stdout)", path);
    cellhost_result r = capture_run(h, code);
    cr_expect(r.ok, "%s", r.evalue ? r.evalue : "");
    cellhost_result_clear(&r);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char buf[32] = {0};
    cr_expect_eq(fread(buf, 1, sizeof buf - 1, f), 7);
    fclose(f);
    unlink(path);
    cr_expect_str_eq(buf, "to file");
    cr_expect_eq(c.out_len, 0, "nothing went to the notebook");
    capture_free(&c, &h);
}

Test(cellhost, sandbox_on_and_off)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char v[256];
    cr_expect_str_eq(capture_value(h, "os.execute == nil and io.popen == nil and package.loadlib == nil", v, sizeof v),
                     "true");
    cr_expect_str_eq(capture_value(h, "#package.searchers", v, sizeof v), "2", "no C module loaders");
    cr_expect(strstr(capture_value(h, "select(2, load(string.dump(function() end)))", v, sizeof v),
                     "binary chunk") != NULL, "%s", v);
    cr_expect_str_eq(capture_value(h, "load('return 1 + 1')()", v, sizeof v), "2", "source still loads");
    expect_error(h, "os.exit(0)", "LuaError", "os.exit is disabled");
    capture_free(&c, &h);
    h = capture_host(&c, false);
    cr_expect_str_eq(capture_value(h, "type(os.execute)", v, sizeof v), "function");
    capture_free(&c, &h);
}

Test(cellhost, user_expressions_and_clear)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    cellhost_result r = capture_run(h, "y = 20\ndisplay.clear({wait = true})");
    cr_expect_eq(c.clears, 1);
    cellhost_result_clear(&r);
    cellhost_eval(h, "y + 1", &r);
    cr_expect(r.ok);
    cr_expect_str_eq(json_string_value(json_object_get(r.data, "text/plain")), "21");
    cellhost_result_clear(&r);
    cellhost_eval(h, "y +", &r);
    cr_expect_not(r.ok);
    cr_expect_str_eq(r.ename, "SyntaxError");
    cellhost_result_clear(&r);
    capture_free(&c, &h);
}

Test(cellhost, dc_core)
{
    capture c;
    cellhost *h = capture_host(&c, true);
    char v[256];
    cr_expect_str_eq(capture_value(h, "dc.version()", v, sizeof v), CZ_VERSION);
    cr_expect_str_eq(capture_value(h, "dc.backend().name", v, sizeof v), "cpu");
    cr_expect(strncmp(capture_value(h, "dc.backend()", v, sizeof v), "cpu (", 5) == 0, "%s", v);
    cr_expect_str_eq(capture_value(h, "dc.threads(1)", v, sizeof v), "1");
    cr_expect_str_eq(capture_value(h, "dc.threads()", v, sizeof v), "1");
    expect_error(h, "dc.backend('tpu')", "ValueError", "unknown backend \"tpu\"");
    capture_free(&c, &h);
}
