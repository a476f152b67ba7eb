/* All engine allocation goes through here, so tests can make the N-th
 * allocation fail and check that out-of-memory is a reported path
 * (CZ_ENOMEM), never a crash. Blocks are 64-byte aligned for vector loads. */
#ifndef CZ_ALLOC_H
#define CZ_ALLOC_H

#include <stddef.h>

/* Returns NULL on failure (or when the failure hook says so). size 0 gives a
 * valid unique pointer. Free with cz_free. */
void *cz_alloc(size_t size);
/* Zeroed; n * size is checked for overflow. */
void *cz_calloc(size_t n, size_t size);
/* Like realloc but keeps the 64-byte alignment; old_size bytes are copied. */
void *cz_realloc(void *p, size_t old_size, size_t new_size);
void cz_free(void *p);
/* Duplicates a C string (NULL on failure). */
char *cz_strdup(const char *s);

/* Fault injection for tests: return nonzero to make this allocation fail.
 * The hook runs on every cz_alloc/cz_calloc/cz_realloc; NULL removes it. */
typedef int (*cz_alloc_fail_fn)(size_t size, void *user);
void cz_alloc_set_fail_hook(cz_alloc_fail_fn fn, void *user);

/* Convenience hook: the (n+1)-th allocation from now fails, and all later ones
 * succeed. n < 0 disables. Returns how many allocations ran since the last call. */
long cz_alloc_fail_after(long n);

#endif
