/* The outer optimisers of the distillation methods, on flat vectors: SGD with
 * momentum (PyTorch semantics, dampening 0: buf = m*buf + g; x -= lr*buf) and
 * Adam (DD). Their state is plain data the run objects serialise. Internal to
 * engine/methods. */
#ifndef CZ_OUTER_OPT_H
#define CZ_OUTER_OPT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/real.h"

/* Writes the momentum step into new_x / new_buf (which may alias x / buf), so
 * a caller can check the candidate before committing it. */
void cz_sgdm_candidate(const cz_real *x, const cz_real *buf, const cz_real *g, size_t n,
                       double lr, double momentum, cz_real *new_x, cz_real *new_buf);

/* Adam (Kingma & Ba, bias-corrected, as torch.optim.Adam); t is the step
 * number starting at 1. m and v are the moment buffers (zero to start). */
void cz_adam_step(cz_real *x, cz_real *m, cz_real *v, const cz_real *g, size_t n, double lr,
                  double beta1, double beta2, int64_t t);

#endif
