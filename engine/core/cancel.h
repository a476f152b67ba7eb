/* Cancel token: an atomic flag the kernel sets (SIGINT, interrupt_request,
 * SIGTERM) and long engine loops poll at iteration boundaries. Setting it is
 * async-signal-safe. Polling is one relaxed load. */
#ifndef CZ_CANCEL_H
#define CZ_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct cz_cancel {
    atomic_int flag;
} cz_cancel;

static inline void cz_cancel_init(cz_cancel *c) { atomic_init(&c->flag, 0); }
static inline void cz_cancel_request(cz_cancel *c) { atomic_store(&c->flag, 1); }
static inline void cz_cancel_reset(cz_cancel *c) { atomic_store(&c->flag, 0); }
/* NULL means "never cancelled". */
static inline bool cz_cancel_requested(const cz_cancel *c)
{
    return c && atomic_load_explicit((atomic_int *)&c->flag, memory_order_relaxed) != 0;
}

#endif
