/* condensa-kernel: the Jupyter kernel executable.
 *
 *   condensa-kernel -f CONNECTION_FILE [--insecure-no-key]
 *
 * Environment: CONDENSA_BACKEND (auto|cpu|cuda), CONDENSA_THREADS (n),
 * CONDENSA_SANDBOX (on|off), CONDENSA_LOG (debug|info|warn|error).
 * Exit status 0 after a shutdown_request or SIGTERM, 1 when it cannot start. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cz_config.h"
#include "interrupt.h"
#include "kernel.h"
#include "log.h"

static void usage(FILE *to)
{
    fprintf(to, "usage: condensa-kernel -f CONNECTION_FILE [--insecure-no-key]\n"
                "       condensa-kernel --version\n"
                "Started by Jupyter through the \"condensa\" kernelspec.\n");
}

static int parse_args(int argc, char **argv, kernel_options *o)
{
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--connection-file") == 0) && i + 1 < argc) {
            o->connection_file = argv[++i];
        } else if (strcmp(argv[i], "--insecure-no-key") == 0) {
            o->allow_empty_key = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("condensa-kernel %s\n", CZ_VERSION);
            exit(0);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "condensa-kernel: unknown argument \"%s\"\n", argv[i]);
            usage(stderr);
            return -1;
        }
    }
    if (!o->connection_file) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static void read_environment(kernel_options *o)
{
    const char *be = getenv("CONDENSA_BACKEND");
    o->backend = be && *be ? be : NULL;
    const char *threads = getenv("CONDENSA_THREADS");
    o->threads = threads ? atoi(threads) : 0;
    const char *sandbox = getenv("CONDENSA_SANDBOX");
    o->sandbox = !(sandbox && (strcmp(sandbox, "off") == 0 || strcmp(sandbox, "0") == 0));
}

int main(int argc, char **argv)
{
    kernel_options o = {0};
    if (parse_args(argc, argv, &o))
        return 1;
    read_environment(&o);
    log_set_level_from_env();
    if (!o.sandbox)
        log_warn("CONDENSA_SANDBOX=off: cells may run programs and load native code");

    /* Threads started from here on (ZeroMQ, heartbeat, control) inherit a
     * mask without SIGINT/SIGTERM, so those signals reach the main thread. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    kernel k;
    int rc = 0;
    if (kernel_open(&k, &o) == 0) {
        interrupt_install(&k.cancel, k.wake[1]);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        kernel_run(&k);
    } else {
        rc = 1;
    }
    kernel_close(&k);
    interrupt_uninstall();
    return rc;
}
