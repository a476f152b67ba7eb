/* Fuzz target: the CSV loader (tokeniser, labels, split, preprocessing) and
 * the split-file reader on arbitrary bytes. Any input must give CZ_OK or an
 * error with a message; never a crash, a leak or an out-of-bounds read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "data/data_internal.h"
#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cz_error err;
    cz_dataset *d = NULL;
    cz_csv_opts o = cz_csv_opts_default();
    /* The first byte picks a few options so those paths are fuzzed too. */
    if (size && (data[0] & 1))
        o.standardize = false;
    if (size && (data[0] & 2))
        o.seed = data[0];
    cz_status st = cz_dataset_load_csv_text((const char *)data, size, "fuzz.csv", &o, &d, &err);
    if (st == CZ_OK) {
        if (!d || d->classes < 2 || d->split[CZ_TRAIN].rows == 0)
            abort();
        cz_dataset_free(d);
    } else if (d || err.code != st || err.msg[0] == '\0') {
        abort(); /* a failure returns nothing and always says why */
    }
    uint8_t *assign = cz_alloc(size + 1);
    if (assign) {
        size_t rows = 0;
        for (size_t i = 0; i < size; i++)
            rows += data[i] == '\n';
        if (cz_split_file_parse((const char *)data, size, "fuzz.split", rows ? rows - 1 : 0,
                                assign, &err) != CZ_OK && err.msg[0] == '\0')
            abort();
        cz_free(assign);
    }
    return 0;
}
