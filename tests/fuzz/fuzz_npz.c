/* Fuzz target: the .npz loader (zip directory, stored and deflated entries,
 * CRC, .npy headers, shapes and labels) and the .npy parser alone, on
 * arbitrary bytes. Any input must give CZ_OK or an error with a message;
 * never a crash, a leak, an out-of-bounds read or a huge allocation. */
#include <stdint.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "data/dataset.h"
#include "data/zip_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cz_error err;
    cz_dataset *d = NULL;
    cz_status st = cz_dataset_load_npz_mem(data, size, "fuzz.npz", &d, &err);
    if (st == CZ_OK) {
        if (!d || !d->is_image || d->classes < 2)
            abort();
        cz_dataset_free(d);
    } else if (d || err.code != st || err.msg[0] == '\0') {
        abort();
    }
    /* Every entry of whatever archive this is, and the bytes as one .npy. */
    cz_zip z;
    if (cz_zip_open(data, size, "fuzz.npz", &z, &err) == CZ_OK) {
        for (size_t i = 0; i < z.count && i < 16; i++) {
            uint8_t *bytes;
            if (cz_zip_extract(&z, &z.entries[i], &bytes, &err) == CZ_OK) {
                cz_npy a;
                if (cz_npy_parse(bytes, (size_t)z.entries[i].size, "entry", &a, &err) == CZ_OK &&
                    a.count && (a.kind == 'u' || a.kind == 'i'))
                    (void)cz_npy_int(&a, a.count - 1);
                cz_free(bytes);
            }
        }
        cz_zip_close(&z);
    }
    cz_npy a;
    if (cz_npy_parse(data, size, "fuzz.npy", &a, &err) == CZ_OK && a.count &&
        (a.kind == 'u' || a.kind == 'i'))
        (void)cz_npy_int(&a, a.count - 1);
    return 0;
}
