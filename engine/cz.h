/* Condensa engine: the public umbrella header. Includes the module headers and
 * nothing else. The engine knows nothing of Jupyter, ZeroMQ, JSON or Lua. */
#ifndef CZ_H
#define CZ_H

#include "core/alloc.h"
#include "core/bytes.h"
#include "core/cancel.h"
#include "core/progress.h"
#include "core/real.h"
#include "core/rng.h"
#include "core/sha256.h"
#include "core/status.h"
#include "tensor/tensor.h"
#include "backend/backend.h"
#include "nn/model.h"
#include "autodiff/unroll.h"
#include "train/train.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "methods/methods.h"
#include "augment/dsa.h"
#include "prior/latent.h"

#endif
