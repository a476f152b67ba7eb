/* Signal handlers, the stop hook and the KeyboardInterrupt object; see
 * interrupt.h. */
#include "interrupt.h"

#include <errno.h>
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Process-wide because signal handlers take no argument. */
static cz_cancel *cancel_token;
static _Atomic(lua_State *) armed_state;
static int wake_fd = -1;
static pthread_t main_thread;
static volatile sig_atomic_t term_flag;
static atomic_bool installed;

/* Registry key of the KeyboardInterrupt object (its address is the key). */
static const char interrupt_key = 'I';

static int interrupt_tostring(lua_State *L)
{
    lua_pushliteral(L, "KeyboardInterrupt: interrupted");
    return 1;
}

void interrupt_prepare(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, "KeyboardInterrupt");
    lua_setfield(L, -2, "name");
    lua_pushliteral(L, "interrupted");
    lua_setfield(L, -2, "message");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, interrupt_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &interrupt_key);
}

int interrupt_raise(lua_State *L)
{
    /* Pushing a prepared object allocates nothing, so this works even when
     * memory is short. */
    lua_rawgetp(L, LUA_REGISTRYINDEX, &interrupt_key);
    lua_error(L);
    for (;;) {
    }
}

bool interrupt_is_error(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &interrupt_key);
    bool same = lua_rawequal(L, idx, -1);
    lua_pop(L, 1);
    return same;
}

/* Runs at the next instruction after a signal. The hook stays installed
 * while the token is set, so a pcall in a user's loop cannot swallow the
 * interrupt for good; a stale hook (token already cleared) removes itself. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (!cz_cancel_requested(cancel_token)) {
        lua_sethook(L, NULL, 0, 0);
        return;
    }
    interrupt_raise(L);
}

static void on_signal(int sig)
{
    int saved = errno;
    if (!pthread_equal(pthread_self(), main_thread)) {
        /* A library thread (OpenBLAS, ZeroMQ) caught a process-directed
         * signal: hand it to the main thread, where Lua runs. */
        pthread_kill(main_thread, sig);
        errno = saved;
        return;
    }
    if (sig == SIGTERM)
        term_flag = 1;
    if (cancel_token)
        cz_cancel_request(cancel_token);
    lua_State *L = atomic_load(&armed_state);
    if (L)
        lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    if (wake_fd >= 0) {
        char byte = sig == SIGTERM ? 'T' : 'I';
        ssize_t w = write(wake_fd, &byte, 1);
        (void)w;   /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

void interrupt_install(cz_cancel *token, int fd)
{
    cancel_token = token;
    wake_fd = fd;
    main_thread = pthread_self();
    term_flag = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = 0;   /* no SA_RESTART: a blocking poll returns EINTR and sees the flag */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    atomic_store(&installed, true);
}

void interrupt_uninstall(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    atomic_store(&installed, false);
    atomic_store(&armed_state, NULL);
}

void interrupt_arm(lua_State *L)
{
    lua_sethook(L, NULL, 0, 0);
    if (cancel_token)
        cz_cancel_reset(cancel_token);
    atomic_store(&armed_state, L);
}

void interrupt_disarm(lua_State *L)
{
    atomic_store(&armed_state, NULL);
    lua_sethook(L, NULL, 0, 0);
}

void interrupt_request(void)
{
    if (!atomic_load(&installed))
        return;
    if (cancel_token)
        cz_cancel_request(cancel_token);
    pthread_kill(main_thread, SIGINT);
}

bool interrupt_term_requested(void)
{
    return term_flag != 0;
}
