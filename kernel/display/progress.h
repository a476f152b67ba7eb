/* Live progress bars: one display_data with a display_id, then throttled
 * update_display_data messages that replace it in place (what survives in
 * the saved notebook is the last state). Renders HTML (<progress>) and a
 * text twin. Emits through a callback, so it knows no sockets or Lua; the
 * kernel passes its display sink. Also adapts the engine's progress
 * callback (cz_progress_fn) so long engine runs show a bar. */
#ifndef KERNEL_PROGRESS_H
#define KERNEL_PROGRESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/progress.h"

/* Receives each rendering: data (stolen), the bar's display_id (borrowed),
 * update = false for the first display, true afterwards. */
typedef void (*progress_emit_fn)(void *user, json_t *data, const char *display_id, bool update);

typedef struct progress_bar progress_bar;

/* Updates closer together than this are coalesced (the last one is kept
 * and sent by progress_finish). */
#define PROGRESS_MIN_INTERVAL_S 0.1

/* Creates a bar and emits its first rendering at step 0. label may be NULL;
 * total <= 0 means unknown (a counter without a bar). NULL on out-of-memory. */
progress_bar *progress_new(const char *label, int64_t total, progress_emit_fn emit, void *user);

/* Records step and a detail text ("loss 0.1234"); emits an update when at
 * least PROGRESS_MIN_INTERVAL_S passed since the last one. Returns true when
 * it emitted. progress_update_at takes the time (seconds) explicitly. */
bool progress_update(progress_bar *b, int64_t step, const char *detail);
bool progress_update_at(progress_bar *b, int64_t step, const char *detail, double now_s);

/* Emits the final state (always, unless nothing changed since the last
 * emit); further updates are ignored. */
void progress_finish(progress_bar *b);

/* Frees without emitting; sets *b = NULL. */
void progress_free(progress_bar **b);

const char *progress_display_id(const progress_bar *b);
/* Renderings emitted so far (for tests). */
unsigned progress_emitted(const progress_bar *b);

/* cz_progress_fn for engine runs: user is a progress_bar. Shows step/total
 * with "phase: loss L, lr R". Returns 0 (cancelling goes through the cancel
 * token, not through here). */
int progress_engine_callback(const cz_progress *p, void *user);

#endif
