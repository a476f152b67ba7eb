/* Interrupts: interrupt_request (another thread) and SIGINT (to the
 * process) stop a busy Lua loop with KeyboardInterrupt and set the engine
 * cancel token; state survives; an idle SIGINT does not leak into the next
 * cell; a pcall in the user's loop cannot swallow it; SIGTERM sets its flag. */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "capture.h"
#include "interrupt.h"
#include "lua_api/errors.h"

static capture c;
static cellhost *h;
static cz_cancel token;

static void setup(void)
{
    cz_cancel_init(&token);
    memset(&c, 0, sizeof c);
    c.displays = json_array();
    cellhost_sink sink = {&c, cap_stream, cap_display, cap_clear, cap_input};
    cellhost_config cfg = {true, &token, NULL, 0};
    cz_error err;
    h = cellhost_new(&cfg, &sink, &err);
    cr_assert_not_null(h, "%s", err.msg);
    interrupt_install(&token, -1);
}

static void teardown(void)
{
    interrupt_uninstall();
    capture_free(&c, &h);
}

TestSuite(interrupt, .init = setup, .fini = teardown, .timeout = 20);

static void *request_later(void *arg)
{
    usleep(200 * 1000);
    if (arg)
        kill(getpid(), SIGINT);   /* process-directed, as Jupyter's signal mode sends it */
    else
        interrupt_request();       /* what the control thread does on interrupt_request */
    return NULL;
}

static void expect_interrupted(const char *code, bool by_signal)
{
    pthread_t t;
    pthread_create(&t, NULL, request_later, by_signal ? (void *)1 : NULL);
    cellhost_result r = capture_run(h, code);
    pthread_join(t, NULL);
    cr_expect_not(r.ok, "the loop should have been stopped");
    cr_expect_str_eq(r.ename, "KeyboardInterrupt");
    cellhost_result_clear(&r);
}

Test(interrupt, message_stops_a_busy_loop_and_keeps_state)
{
    char v[64];
    capture_value(h, "n = 0; return 'set'", v, sizeof v);
    expect_interrupted("while true do n = n + 1 end", false);
    cr_expect(cz_cancel_requested(&token), "the engine cancel token is set too");
    cr_expect_str_eq(capture_value(h, "n > 0", v, sizeof v), "true");
    cr_expect_not(cz_cancel_requested(&token), "the next cell starts with a clear token");
}

Test(interrupt, signal_to_the_process_stops_a_busy_loop)
{
    char v[64];
    expect_interrupted("local x = 0; while true do x = x + 1 end", true);
    cr_expect_str_eq(capture_value(h, "'alive'", v, sizeof v), "alive");
}

Test(interrupt, pcall_in_the_loop_cannot_swallow_it)
{
    expect_interrupted("while true do pcall(function() for i = 1, 1000 do end end) end", false);
}

Test(interrupt, idle_signal_does_not_leak)
{
    raise(SIGINT);
    char v[64];
    cr_expect_str_eq(capture_value(h, "local s = 0; for i = 1, 100000 do s = s + i end; return s", v, sizeof v),
                     "5000050000");
}

/* A binding that polls the cancel token like an engine loop does. */
static int spin(lua_State *L)
{
    cellhost *host = cellhost_from_lua(L);
    while (!cz_cancel_requested(cellhost_cancel(host)))
        usleep(1000);
    cz_error err;
    cz_error_set(&err, CZ_EINTERRUPTED, NULL, "stopped at iteration 7");
    return lua_api_raise_status(L, "spin", &err);
}

Test(interrupt, engine_loops_stop_through_the_cancel_token)
{
    lua_register(cellhost_lua(h), "spin", spin);
    expect_interrupted("spin()", false);
}

Test(interrupt, sigterm_sets_the_flag_and_cancels)
{
    cr_expect_not(interrupt_term_requested());
    raise(SIGTERM);
    cr_expect(interrupt_term_requested());
    cr_expect(cz_cancel_requested(&token));
}
