/* Minimal reader for the fixture JSON files (see fixture.h). */
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_paths.h"

int fx_load(fx_file *f, const char *name)
{
    char rel[256], path[1024];
    snprintf(rel, sizeof rel, "fixtures/%s", name);
    CZ_SHARED_PATH(path, rel);
    f->text = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->text = malloc((size_t)n + 1);
    size_t got = fread(f->text, 1, (size_t)n, fp);
    f->text[got] = '\0';
    fclose(fp);
    return got == (size_t)n ? 0 : -1;
}

void fx_free(fx_file *f)
{
    free(f->text);
    f->text = NULL;
}

static const char *value_of(const fx_file *f, const char *key)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(f->text, quoted);
    if (!p)
        return NULL;
    p = strchr(p + strlen(quoted), ':');
    return p ? p + 1 : NULL;
}

double fx_number(const fx_file *f, const char *key)
{
    const char *p = value_of(f, key);
    return p ? strtod(p, NULL) : NAN;
}

size_t fx_array(const fx_file *f, const char *key, double *out, size_t cap)
{
    const char *p = value_of(f, key);
    if (!p)
        return 0;
    while (*p == ' ' || *p == '\n')
        p++;
    if (*p != '[')
        return 0;
    p++;
    size_t n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == ',')
            p++;
        if (*p == ']' || !*p)
            break;
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            break;
        if (n < cap)
            out[n] = v;
        n++;
        p = end;
    }
    return n;
}
