/* String buffer, UTF-8 and HTML helpers; see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(strbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) {
        b->oom = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

void sb_append(strbuf *b, const char *s, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sb_puts(strbuf *b, const char *s)
{
    sb_append(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_append_html(strbuf *b, const char *s, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        sb_append(b, s + run, i - run);
        sb_puts(b, rep);
        run = i + 1;
    }
    sb_append(b, s + run, len - run);
}

char *sb_take(strbuf *b)
{
    if (b->oom) {
        sb_free(b);
        return NULL;
    }
    if (!b->data) {
        if (!reserve(b, 0))
            return NULL;
        b->data[0] = '\0';
    }
    char *s = b->data;
    *b = (strbuf){0};
    return s;
}

void sb_free(strbuf *b)
{
    free(b->data);
    *b = (strbuf){0};
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t seq_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = seq_len(p + i, len - i);
        if (!n)
            return false;
        i += n;
    }
    return true;
}

char *utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    strbuf b = {0};
    size_t run = 0, i = 0;
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n && p[i] != 0) {
            i += n;
            continue;
        }
        sb_append(&b, s + run, i - run);
        if (p[i] != 0)
            sb_puts(&b, "\xEF\xBF\xBD");   /* U+FFFD */
        i++;
        run = i;
    }
    sb_append(&b, s + run, len - run);
    size_t n = b.len;
    char *out = sb_take(&b);
    if (out && out_len)
        *out_len = n;
    return out;
}

size_t utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        size_t n = seq_len(p + i, len - i);
        i += n ? n : 1;
    }
    return count;
}

size_t utf8_offset(const char *s, size_t len, size_t cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    for (size_t k = 0; k < cp && i < len; k++) {
        size_t n = seq_len(p + i, len - i);
        i += n ? n : 1;
    }
    return i;
}
