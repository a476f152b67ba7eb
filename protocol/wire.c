/* Locating the parts of a multipart message; see wire.h. */
#include "wire.h"

#include <string.h>

jup_status jup_wire_split(jup_wire *out, const jup_frame *frames, size_t n, jup_error *err)
{
    size_t d = 0;
    while (d < n && !(frames[d].len == JUP_DELIMITER_LEN &&
                      memcmp(frames[d].data, JUP_DELIMITER, JUP_DELIMITER_LEN) == 0))
        d++;
    if (d == n)
        return jup_error_set(err, JUP_EFORMAT, "frames must contain the delimiter " JUP_DELIMITER,
                             "malformed message: no " JUP_DELIMITER " delimiter in %zu frames", n);
    if (n - d - 1 < 5)
        return jup_error_set(err, JUP_EFORMAT,
                             "after the delimiter come signature, header, parent_header, metadata, content",
                             "malformed message: %zu frames after " JUP_DELIMITER ", expected at least 5",
                             n - d - 1);
    out->ids = frames;
    out->n_ids = d;
    out->signature = frames[d + 1];
    for (int i = 0; i < 4; i++)
        out->parts[i] = frames[d + 2 + i];
    out->buffers = frames + d + 6;
    out->n_buffers = n - d - 6;
    return JUP_OK;
}
