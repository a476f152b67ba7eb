/* A borrowed view of one ZeroMQ frame's bytes. Views never own memory. */
#ifndef JUP_FRAME_H
#define JUP_FRAME_H

#include <stddef.h>

typedef struct jup_frame {
    const void *data;
    size_t len;
} jup_frame;

#endif
