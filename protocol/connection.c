/* Connection file parsing and writing; see connection.h. */
#include "connection.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const channel_names[JUP_CHANNEL_COUNT] = {
    "shell", "control", "stdin", "iopub", "hb",
};

/* JSON field of each channel's port, in jup_channel order. */
static const char *const port_fields[JUP_CHANNEL_COUNT] = {
    "shell_port", "control_port", "stdin_port", "iopub_port", "hb_port",
};

const char *jup_channel_name(jup_channel ch)
{
    return (unsigned)ch < JUP_CHANNEL_COUNT ? channel_names[ch] : "unknown";
}

void jup_connection_free(jup_connection **c)
{
    if (!c || !*c)
        return;
    if ((*c)->key)
        sodium_free((*c)->key);   /* sodium_free wipes before unmapping */
    free(*c);
    *c = NULL;
}

static jup_status read_string(json_t *root, const char *field, const char *def, char *out,
                              size_t cap, jup_error *err)
{
    json_t *v = json_object_get(root, field);
    const char *s = def;
    if (v) {
        if (!json_is_string(v))
            return jup_error_set(err, JUP_EFORMAT, "write it as a JSON string",
                                 "connection file: \"%s\" is not a string", field);
        s = json_string_value(v);
    } else if (!def) {
        return jup_error_set(err, JUP_EFORMAT, "a Jupyter client writes all of them",
                             "connection file: \"%s\" is missing", field);
    }
    if (strlen(s) >= cap)
        return jup_error_set(err, JUP_EFORMAT, NULL,
                             "connection file: \"%s\" is %zu characters, at most %zu allowed",
                             field, strlen(s), cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return JUP_OK;
}

static jup_status read_port(json_t *root, const char *field, int *out, jup_error *err)
{
    json_t *v = json_object_get(root, field);
    if (!v)
        return jup_error_set(err, JUP_EFORMAT, "use 0 to let the kernel pick a free port",
                             "connection file: \"%s\" is missing", field);
    if (!json_is_integer(v))
        return jup_error_set(err, JUP_EFORMAT, "ports are integers from 0 to 65535",
                             "connection file: \"%s\" is not an integer", field);
    json_int_t p = json_integer_value(v);
    if (p < 0 || p > 65535)
        return jup_error_set(err, JUP_EFORMAT, "ports are integers from 0 to 65535",
                             "connection file: \"%s\" is %lld, outside 0..65535", field,
                             (long long)p);
    *out = (int)p;
    return JUP_OK;
}

static jup_status read_key(json_t *root, jup_connection *c, jup_error *err)
{
    json_t *v = json_object_get(root, "key");
    if (!v)
        return jup_error_set(err, JUP_EFORMAT, "write \"key\": \"\" to disable signing (insecure)",
                             "connection file: \"key\" is missing");
    if (!json_is_string(v))
        return jup_error_set(err, JUP_EFORMAT, NULL, "connection file: \"key\" is not a string");
    /* The key is the UTF-8 bytes of the string as written, not hex-decoded. */
    size_t len = json_string_length(v);
    if (len == 0)
        return JUP_OK;
    c->key = sodium_malloc(len);
    if (!c->key)
        return jup_error_set(err, JUP_ENOMEM, NULL, "cannot allocate %zu bytes of locked memory for the key", len);
    memcpy(c->key, json_string_value(v), len);
    c->key_len = len;
    return JUP_OK;
}

static jup_status check_values(const jup_connection *c, jup_error *err)
{
    if (strcmp(c->transport, "tcp") != 0 && strcmp(c->transport, "ipc") != 0)
        return jup_error_set(err, JUP_EINVAL, "use \"tcp\" or \"ipc\"",
                             "connection file: transport \"%s\" is not supported", c->transport);
    if (!c->ip[0])
        return jup_error_set(err, JUP_EFORMAT, "for example \"127.0.0.1\"",
                             "connection file: \"ip\" is empty");
    if (strcmp(c->signature_scheme, "hmac-sha256") != 0)
        return jup_error_set(err, JUP_EINVAL, "use \"hmac-sha256\" (jupyter_client's default)",
                             "connection file: signature_scheme \"%s\" is not supported",
                             c->signature_scheme);
    return JUP_OK;
}

jup_connection *jup_connection_parse(const char *text, size_t len, jup_error *err)
{
    if (sodium_init() < 0) {
        jup_error_set(err, JUP_EINVAL, NULL, "libsodium failed to initialise");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        jup_error_set(err, JUP_EFORMAT, "it must be one JSON object as Jupyter writes it",
                      "connection file is not valid JSON: %s (line %d, column %d)", jerr.text,
                      jerr.line, jerr.column);
        return NULL;
    }
    jup_connection *c = calloc(1, sizeof *c);
    if (!c) {
        jup_error_set(err, JUP_ENOMEM, NULL, "out of memory reading the connection file");
        goto fail;
    }
    if (!json_is_object(root)) {
        jup_error_set(err, JUP_EFORMAT, NULL, "connection file: the top level is not a JSON object");
        goto fail;
    }
    if (read_string(root, "transport", "tcp", c->transport, sizeof c->transport, err) ||
        read_string(root, "ip", "127.0.0.1", c->ip, sizeof c->ip, err) ||
        read_string(root, "signature_scheme", "hmac-sha256", c->signature_scheme,
                    sizeof c->signature_scheme, err) ||
        read_string(root, "kernel_name", "", c->kernel_name, sizeof c->kernel_name, err))
        goto fail;
    for (int ch = 0; ch < JUP_CHANNEL_COUNT; ch++)
        if (read_port(root, port_fields[ch], &c->port[ch], err))
            goto fail;
    if (read_key(root, c, err) || check_values(c, err))
        goto fail;
    json_decref(root);
    return c;
fail:
    jup_connection_free(&c);
    json_decref(root);
    return NULL;
}

jup_connection *jup_connection_load(const char *path, jup_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        jup_error_set(err, JUP_EIO, "pass the file Jupyter wrote: condensa-kernel -f FILE",
                      "cannot open connection file %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (1u << 20)) {   /* a connection file is a few hundred bytes */
                jup_error_set(err, JUP_EFORMAT, NULL, "connection file %s is larger than 1 MiB", path);
                goto fail;
            }
            char *grown = realloc(buf, cap);
            if (!grown) {
                jup_error_set(err, JUP_ENOMEM, NULL, "out of memory reading %s", path);
                goto fail;
            }
            buf = grown;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        jup_error_set(err, JUP_EIO, NULL, "cannot read connection file %s", path);
        goto fail;
    }
    fclose(f);
    jup_connection *c = jup_connection_parse(buf, len, err);
    sodium_memzero(buf, cap);   /* it held the key */
    free(buf);
    if (!c && err) {
        /* Name the file: "kernel-1.json: connection file: ..." (truncated if long). */
        char msg[JUP_ERROR_TEXT];
        memcpy(msg, err->msg, sizeof msg);
        size_t plen = strnlen(path, sizeof err->msg - 3);
        memcpy(err->msg, path, plen);
        memcpy(err->msg + plen, ": ", 2);
        size_t room = sizeof err->msg - plen - 3;
        size_t mlen = strnlen(msg, room);
        memcpy(err->msg + plen + 2, msg, mlen);
        err->msg[plen + 2 + mlen] = '\0';
    }
    return c;
fail:
    fclose(f);
    if (buf)
        sodium_memzero(buf, cap);
    free(buf);
    return NULL;
}

bool jup_connection_endpoint(const jup_connection *c, jup_channel ch, char *buf, size_t cap)
{
    int n;
    if (strcmp(c->transport, "ipc") == 0)
        n = snprintf(buf, cap, "ipc://%s-%d", c->ip, c->port[ch]);
    else if (c->port[ch] == 0)
        n = snprintf(buf, cap, "tcp://%s:*", c->ip);
    else
        n = snprintf(buf, cap, "tcp://%s:%d", c->ip, c->port[ch]);
    return n > 0 && (size_t)n < cap;
}

bool jup_connection_has_free_ports(const jup_connection *c)
{
    for (int ch = 0; ch < JUP_CHANNEL_COUNT; ch++)
        if (c->port[ch] == 0)
            return true;
    return false;
}

static json_t *to_json(const jup_connection *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "transport", json_string(c->transport));
    bad |= json_object_set_new(o, "ip", json_string(c->ip));
    bad |= json_object_set_new(o, "signature_scheme", json_string(c->signature_scheme));
    bad |= json_object_set_new(o, "kernel_name", json_string(c->kernel_name));
    bad |= json_object_set_new(o, "key", json_stringn((const char *)c->key, c->key_len));
    for (int ch = 0; ch < JUP_CHANNEL_COUNT; ch++)
        bad |= json_object_set_new(o, port_fields[ch], json_integer(c->port[ch]));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

jup_status jup_connection_save(const jup_connection *c, const char *path, jup_error *err)
{
    char tmp[4096];
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    char hex[2 * sizeof rnd + 1];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    if (snprintf(tmp, sizeof tmp, "%s.%s.tmp", path, hex) >= (int)sizeof tmp)
        return jup_error_set(err, JUP_EINVAL, NULL, "connection file path is too long: %s", path);
    json_t *o = to_json(c);
    char *text = o ? json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return jup_error_set(err, JUP_ENOMEM, NULL, "out of memory writing %s", path);
    jup_status st = JUP_OK;
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) {
        st = jup_error_set(err, JUP_EIO, NULL, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            st = jup_error_set(err, JUP_EIO, NULL, "cannot write %s: %s", tmp, strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    if (!st && fsync(fd) != 0)
        st = jup_error_set(err, JUP_EIO, NULL, "cannot fsync %s: %s", tmp, strerror(errno));
    close(fd);
    if (!st && rename(tmp, path) != 0)
        st = jup_error_set(err, JUP_EIO, NULL, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (st)
        unlink(tmp);
done:
    sodium_memzero(text, strlen(text));
    free(text);
    return st;
}
