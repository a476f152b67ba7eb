/* MIME bundle construction; see mime.h. */
#include "mime.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

static bool mime_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '+' || c == '.';
}

bool mime_type_valid(const char *mime)
{
    const char *slash = strchr(mime, '/');
    if (!slash || slash == mime || !slash[1])
        return false;
    for (const char *p = mime; *p; p++)
        if (p != slash && !mime_char((unsigned char)*p))
            return false;
    return true;
}

bool mime_type_json(const char *mime)
{
    size_t n = strlen(mime);
    return strcmp(mime, "application/json") == 0 || (n > 5 && strcmp(mime + n - 5, "+json") == 0);
}

bool mime_type_binary(const char *mime)
{
    if (strcmp(mime, "image/svg+xml") == 0)
        return false;
    return strncmp(mime, "image/", 6) == 0 || strncmp(mime, "audio/", 6) == 0 ||
           strncmp(mime, "video/", 6) == 0 || strcmp(mime, "application/pdf") == 0;
}

int mime_bundle_set_text(json_t *data, const char *mime, const char *text, size_t len)
{
    size_t n;
    char *clean = utf8_repair(text, len, &n);
    if (!clean)
        return -1;
    int rc = json_object_set_new(data, mime, json_stringn(clean, n));
    free(clean);
    return rc;
}

int mime_bundle_set_base64(json_t *data, const char *mime, const void *bytes, size_t len)
{
    size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    if (!b64)
        return -1;
    sodium_bin2base64(b64, cap, bytes, len, sodium_base64_VARIANT_ORIGINAL);
    int rc = json_object_set_new(data, mime, json_string(b64));
    free(b64);
    return rc;
}

json_t *mime_bundle_html(const char *html, const char *plain)
{
    json_t *data = json_object();
    if (!data || mime_bundle_set_text(data, "text/html", html, strlen(html)) ||
        mime_bundle_set_text(data, "text/plain", plain, strlen(plain))) {
        json_decref(data);
        return NULL;
    }
    return data;
}

json_t *mime_bundle_png(const void *png, size_t len, const char *plain, int width, int height,
                        json_t **metadata)
{
    json_t *data = json_object();
    if (!data || mime_bundle_set_base64(data, "image/png", png, len) ||
        mime_bundle_set_text(data, "text/plain", plain, strlen(plain))) {
        json_decref(data);
        return NULL;
    }
    if (metadata) {
        *metadata = NULL;
        if (width > 0 && height > 0)
            *metadata = json_pack("{s:{s:i, s:i}}", "image/png", "width", width, "height", height);
    }
    return data;
}

bool mime_is_png(const void *bytes, size_t len)
{
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return len >= 8 && memcmp(bytes, magic, 8) == 0;
}
