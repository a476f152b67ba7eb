/* Reads the PyTorch reference cases in ../shared/fixtures (flat JSON objects
 * of numbers and arrays of numbers). Enough JSON for those files only: a key
 * is found by its quoted name; its value is a number or a [list] of numbers. */
#ifndef CZ_FIXTURE_H
#define CZ_FIXTURE_H

#include <stddef.h>

typedef struct fx_file {
    char *text;
} fx_file;

/* Loads ../shared/fixtures/<name>; 0 on success. */
int fx_load(fx_file *f, const char *name);
void fx_free(fx_file *f);
/* The number under key (NaN when absent). */
double fx_number(const fx_file *f, const char *key);
/* The array under key: writes up to cap values, returns the count (0 when absent). */
size_t fx_array(const fx_file *f, const char *key, double *out, size_t cap);

#endif
