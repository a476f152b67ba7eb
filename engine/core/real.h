/* The engine's scalar type. Runs use float32; the gradient-check build of the
 * same sources (meson target cz_engine_f64, -DCZ_F64) uses float64, so every
 * derivative is checked against central differences in double precision on
 * exactly the code that runs (PETSc's compile-time PetscScalar, same idea). */
#ifndef CZ_REAL_H
#define CZ_REAL_H

#ifdef CZ_F64
typedef double cz_real;
#define CZ_REAL_NAME "float64"
#define CZ_REAL_EPS 2.220446049250313e-16
#else
typedef float cz_real;
#define CZ_REAL_NAME "float32"
#define CZ_REAL_EPS 1.1920929e-07
#endif

#endif
