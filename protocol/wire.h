/* Multipart framing of a Jupyter message (messaging spec 5.3, "wire format"):
 *
 *   [routing ids ...] "<IDS|MSG>" signature header parent metadata content [buffers ...]
 *
 * jup_wire_split finds the delimiter and names the parts as views into the
 * caller's frames (no copies, no allocation, no JSON parsing: the signature
 * is checked on these exact bytes before anything is parsed). */
#ifndef JUP_WIRE_H
#define JUP_WIRE_H

#include <stddef.h>

#include "error.h"
#include "frame.h"

#define JUP_DELIMITER "<IDS|MSG>"
#define JUP_DELIMITER_LEN 9

typedef struct jup_wire {
    const jup_frame *ids;       /* routing identities (or the iopub topic) */
    size_t n_ids;
    jup_frame signature;
    jup_frame parts[4];         /* header, parent_header, metadata, content */
    const jup_frame *buffers;   /* raw binary buffers after content */
    size_t n_buffers;
} jup_wire;

/* Splits n frames. JUP_EFORMAT when there is no delimiter or fewer than five
 * frames follow it; the message then names both counts. */
jup_status jup_wire_split(jup_wire *out, const jup_frame *frames, size_t n, jup_error *err) JUP_WUR;

#endif
