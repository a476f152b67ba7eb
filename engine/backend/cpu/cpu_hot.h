/* Hot host loops (elementwise kernels over activations): compiled with the
 * loop vectoriser on and, on x86-64 with GCC, an AVX2 clone picked at load
 * time next to the baseline one (the build targets plain x86-64); about 15%
 * of a ConvNet unroll. Results do not depend on the clone: these loops
 * reorder no reductions.
 *
 * GCC 12 wrongly reports storing the address of a target_clones function
 * as a dangling pointer to a local (-Wdangling-pointer); the register
 * functions that fill the op table wrap themselves in CZ_HOT_TABLE_BEGIN/END. */
#ifndef CZ_CPU_HOT_H
#define CZ_CPU_HOT_H

#include "cpu_internal.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CZ_HOT __attribute__((optimize("O3"), target_clones("avx2", "default")))
#else
#define CZ_HOT
#endif

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define CZ_HOT_TABLE_BEGIN                                                                         \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdangling-pointer\"")
#define CZ_HOT_TABLE_END _Pragma("GCC diagnostic pop")
#else
#define CZ_HOT_TABLE_BEGIN
#define CZ_HOT_TABLE_END
#endif

#endif
