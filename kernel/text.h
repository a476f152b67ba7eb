/* Text helpers the kernel needs around JSON and Lua strings: a growable
 * string buffer, UTF-8 repair (jansson refuses invalid UTF-8, Lua strings
 * may hold any bytes), code-point offsets (Jupyter cursors count code
 * points, C counts bytes) and HTML escaping. No Lua, no sockets. */
#ifndef KERNEL_TEXT_H
#define KERNEL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define TEXT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TEXT_PRINTF(a, b)
#endif

/* A growable NUL-terminated string. Zero-initialise it ({0}); after an
 * allocation failure `oom` stays set and further appends do nothing, so
 * callers check once at the end. Free with sb_free. */
typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} strbuf;

void sb_append(strbuf *b, const char *s, size_t len);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...) TEXT_PRINTF(2, 3);
/* Appends s with &, <, >, ", ' escaped for HTML. */
void sb_append_html(strbuf *b, const char *s, size_t len);
/* Returns the owned string (never NULL unless oom: then NULL) and resets b. */
char *sb_take(strbuf *b);
void sb_free(strbuf *b);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/* A malloc'd copy of s[0..len) with each invalid byte replaced by U+FFFD and
 * NUL bytes dropped; its length in *out_len. NULL on out-of-memory. */
char *utf8_repair(const char *s, size_t len, size_t *out_len);

/* Number of code points in s[0..len) (invalid bytes count one each). */
size_t utf8_count(const char *s, size_t len);

/* Byte offset of code point number cp (clamped to len). */
size_t utf8_offset(const char *s, size_t len, size_t cp);

#endif
