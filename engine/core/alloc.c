/* Aligned allocation with an injectable failure hook (jansson's
 * json_set_alloc_funcs, SQLite's faultsim). No logging, no abort. */
#include "alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CZ_ALIGN 64

static cz_alloc_fail_fn fail_hook;
static void *fail_user;
static atomic_long countdown = -1;
static atomic_long counted;

void cz_alloc_set_fail_hook(cz_alloc_fail_fn fn, void *user)
{
    fail_hook = fn;
    fail_user = user;
}

long cz_alloc_fail_after(long n)
{
    long ran = atomic_exchange(&counted, 0);
    atomic_store(&countdown, n);
    return ran;
}

static int should_fail(size_t size)
{
    atomic_fetch_add(&counted, 1);
    long c = atomic_load(&countdown);
    if (c >= 0) {
        long prev = atomic_fetch_sub(&countdown, 1);
        if (prev == 0) {
            atomic_store(&countdown, -1);
            return 1;
        }
    }
    return fail_hook ? fail_hook(size, fail_user) : 0;
}

void *cz_alloc(size_t size)
{
    if (should_fail(size))
        return NULL;
    size_t rounded = (size + CZ_ALIGN - 1) & ~(size_t)(CZ_ALIGN - 1);
    if (rounded < size)
        return NULL; /* overflow */
    if (rounded == 0)
        rounded = CZ_ALIGN;
    return aligned_alloc(CZ_ALIGN, rounded);
}

void *cz_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = cz_alloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *cz_realloc(void *p, size_t old_size, size_t new_size)
{
    void *q = cz_alloc(new_size);
    if (!q)
        return NULL;
    if (p) {
        memcpy(q, p, old_size < new_size ? old_size : new_size);
        free(p);
    }
    return q;
}

void cz_free(void *p)
{
    free(p);
}

char *cz_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = cz_alloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
