/* The condensation methods' public headers in one include: synthetic sets,
 * expert trajectories, MTT runs, the evaluation protocol and the baselines
 * (random, herding, DM, DD). */
#ifndef CZ_METHODS_H
#define CZ_METHODS_H

#include "dd.h"
#include "dm.h"
#include "evaluate.h"
#include "experts.h"
#include "mtt.h"
#include "select.h"
#include "synthetic.h"

#endif
