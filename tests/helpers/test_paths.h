/* Paths the suites need: ../shared (datasets, fixtures) and the source tree.
 * meson sets CZ_SHARED_DIR / CZ_SOURCE_DIR / CZ_BUILD_DIR (tests/meson.build). */
#ifndef CZ_TEST_PATHS_H
#define CZ_TEST_PATHS_H

#include <stdio.h>
#include <stdlib.h>

/* Writes "<$var>/<rel>" into out; "./<rel>" when the variable is unset. */
static inline const char *cz_test_path(char *out, size_t cap, const char *var, const char *rel) {
    const char *root = getenv(var);
    snprintf(out, cap, "%s/%s", root && *root ? root : ".", rel);
    return out;
}

#define CZ_SHARED_PATH(buf, rel) cz_test_path((buf), sizeof(buf), "CZ_SHARED_DIR", (rel))
#define CZ_SOURCE_PATH(buf, rel) cz_test_path((buf), sizeof(buf), "CZ_SOURCE_DIR", (rel))

#endif
