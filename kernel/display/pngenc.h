/* PNG encoding of 8-bit pixel buffers into memory with libpng (no files).
 * Used for charts and image grids. No Lua here. */
#ifndef KERNEL_PNGENC_H
#define KERNEL_PNGENC_H

#include <stddef.h>
#include <stdint.h>

/* Upper bound on either side, so a bad size from user data fails cleanly. */
#define PNG_MAX_SIDE 8192

/* Encodes width x height pixels, row-major, `channels` bytes each (1 grey,
 * 2 grey+alpha, 3 RGB, 4 RGBA). On success *out is a malloc'd PNG of *out_len
 * bytes and 0 is returned; on failure -1 with a reason in errbuf. */
int png_encode(uint8_t **out, size_t *out_len, const uint8_t *pixels, int width, int height,
               int channels, char *errbuf, size_t errcap);

#endif
