/* MIME bundles: the {"mime/type": value} dicts of display_data and
 * execute_result. Text types are strings (repaired to valid UTF-8), binary
 * types (image/png, ...) base64 strings, application/json and *+json embedded
 * JSON values. Every bundle the kernel sends has text/plain. No Lua here. */
#ifndef KERNEL_MIME_H
#define KERNEL_MIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True when mime matches ^[\w\-\+\.]+/[\w\-\+\.]+$ (the spec's pattern). */
bool mime_type_valid(const char *mime);

/* True for types carried as base64 (images other than SVG, audio, video, PDF). */
bool mime_type_binary(const char *mime);

/* True for application/json and the +json family. */
bool mime_type_json(const char *mime);

/* Sets data[mime] = text (invalid UTF-8 repaired). 0 or -1 on out-of-memory. */
int mime_bundle_set_text(json_t *data, const char *mime, const char *text, size_t len);

/* Sets data[mime] = base64(bytes), standard alphabet with padding. */
int mime_bundle_set_base64(json_t *data, const char *mime, const void *bytes, size_t len);

/* A new text/html + text/plain bundle (both copied). NULL on out-of-memory. */
json_t *mime_bundle_html(const char *html, const char *plain);

/* A new image/png bundle with a text/plain description and, when width and
 * height are positive, metadata {"image/png": {"width","height"}} in *metadata
 * (a new object, or NULL when not wanted). */
json_t *mime_bundle_png(const void *png, size_t len, const char *plain, int width, int height,
                        json_t **metadata);

/* The 8 bytes every PNG starts with. */
bool mime_is_png(const void *bytes, size_t len);

#endif
