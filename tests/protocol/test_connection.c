/* Connection file parsing: data-driven error cases (cases/connection-*),
 * field values of a valid file, endpoints, and the 0600 write-back. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jup.h"
#include "test_paths.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = calloc(1, 65536);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

static void check_case(const char *dir, const char *name)
{
    char path[1400];   /* dir (< 1024) + name (< 256) + suffix */
    size_t len, elen;
    snprintf(path, sizeof path, "%s/%s/input", dir, name);
    char *input = slurp(path, &len);
    snprintf(path, sizeof path, "%s/%s/expected", dir, name);
    char *expected = slurp(path, &elen);
    char *status = strtok(expected, "\n");
    char *needle = strtok(NULL, "\n");

    jup_error err;
    jup_error_clear(&err);
    jup_connection *c = jup_connection_parse(input, len, &err);
    if (strcmp(status, "JUP_OK") == 0) {
        cr_expect_not_null(c, "case %s: expected success, got %s: %s", name,
                           jup_status_name(err.code), err.msg);
    } else {
        cr_expect_null(c, "case %s: expected %s, parsed fine", name, status);
        cr_expect_str_eq(jup_status_name(err.code), status, "case %s: status", name);
        cr_expect(needle && strstr(err.msg, needle), "case %s: message \"%s\" lacks \"%s\"", name,
                  err.msg, needle ? needle : "");
    }
    jup_connection_free(&c);
    free(input);
    free(expected);
}

Test(connection, data_driven_cases)
{
    char dir[1024];
    CZ_SOURCE_PATH(dir, "tests/protocol/cases");
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "connection-", 11) != 0)
            continue;
        check_case(dir, e->d_name);
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 8, "only %d connection cases found in %s", n, dir);
}

static const char valid[] =
    "{\"shell_port\":57693,\"iopub_port\":34359,\"stdin_port\":49613,\"control_port\":45541,"
    "\"hb_port\":53211,\"ip\":\"127.0.0.1\",\"key\":\"5567b694-cb70\",\"transport\":\"tcp\","
    "\"signature_scheme\":\"hmac-sha256\",\"kernel_name\":\"condensa\"}";

Test(connection, fields_of_a_valid_file)
{
    jup_error err;
    jup_connection *c = jup_connection_parse(valid, strlen(valid), &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->port[JUP_SHELL], 57693);
    cr_expect_eq(c->port[JUP_IOPUB], 34359);
    cr_expect_eq(c->port[JUP_STDIN], 49613);
    cr_expect_eq(c->port[JUP_CONTROL], 45541);
    cr_expect_eq(c->port[JUP_HB], 53211);
    cr_expect_str_eq(c->ip, "127.0.0.1");
    cr_expect_eq(c->key_len, strlen("5567b694-cb70"));
    cr_expect(memcmp(c->key, "5567b694-cb70", c->key_len) == 0, "key is the UTF-8 bytes as written");
    cr_expect_str_eq(c->kernel_name, "condensa");

    char ep[128];
    cr_expect(jup_connection_endpoint(c, JUP_HB, ep, sizeof ep));
    cr_expect_str_eq(ep, "tcp://127.0.0.1:53211");
    cr_expect_not(jup_connection_endpoint(c, JUP_HB, ep, 10), "too small a buffer is reported");
    cr_expect_not(jup_connection_has_free_ports(c));
    jup_connection_free(&c);
    cr_expect_null(c, "free nulls the pointer");
    jup_connection_free(&c);
}

Test(connection, defaults_empty_key_and_ipc)
{
    const char *text = "{\"shell_port\":0,\"iopub_port\":2,\"stdin_port\":3,\"control_port\":4,"
                       "\"hb_port\":5,\"key\":\"\",\"transport\":\"ipc\",\"ip\":\"/tmp/k\"}";
    jup_error err;
    jup_connection *c = jup_connection_parse(text, strlen(text), &err);
    cr_assert_not_null(c, "%s", err.msg);
    cr_expect_eq(c->key_len, 0);
    cr_expect_null(c->key);
    cr_expect_str_eq(c->signature_scheme, "hmac-sha256", "scheme defaults to hmac-sha256");
    char ep[128];
    cr_expect(jup_connection_endpoint(c, JUP_STDIN, ep, sizeof ep));
    cr_expect_str_eq(ep, "ipc:///tmp/k-3");
    cr_expect(jup_connection_has_free_ports(c));
    jup_connection_free(&c);
}

Test(connection, missing_file_names_the_path)
{
    jup_error err;
    jup_connection *c = jup_connection_load("/nonexistent/kernel-1.json", &err);
    cr_expect_null(c);
    cr_expect_eq(err.code, JUP_EIO);
    cr_expect(strstr(err.msg, "/nonexistent/kernel-1.json") != NULL, "%s", err.msg);
}

Test(connection, save_is_0600_and_round_trips)
{
    jup_error err;
    jup_connection *c = jup_connection_parse(valid, strlen(valid), &err);
    cr_assert_not_null(c);
    c->port[JUP_SHELL] = 1234;
    char path[] = "/tmp/jup-conn-test-0000000000.json";
    snprintf(path, sizeof path, "/tmp/jup-conn-test-%010d.json", (int)getpid());
    cr_assert_eq(jup_connection_save(c, path, &err), JUP_OK, "%s", err.msg);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "mode is %o", st.st_mode & 0777);
    jup_connection *back = jup_connection_load(path, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_expect_eq(back->port[JUP_SHELL], 1234);
    cr_expect_eq(back->port[JUP_HB], 53211);
    cr_expect_eq(back->key_len, c->key_len);
    cr_expect(memcmp(back->key, c->key, c->key_len) == 0);
    unlink(path);
    jup_connection_free(&back);
    jup_connection_free(&c);
}
