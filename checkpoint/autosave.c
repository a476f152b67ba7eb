/* Autosave: the every-K policy over ckpt_save with keep_prev, and the loader
 * that falls back to PATH.prev. Which iterations are due is a pure function
 * of the iteration number (a multiple of K), so a resumed run saves at the
 * same iterations as an uninterrupted one. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

#include "ckpt_impl.h"

struct ckpt_autosave {
    char *path;
    char *prev_path;
    ckpt_key *key; /* borrowed */
    int64_t every;
    int64_t last;
    ckpt_save_opts opts;
};

ckpt_autosave *ckpt_autosave_new(const char *path, ckpt_key *key, int64_t every,
                                 const ckpt_save_opts *opts, cz_error *err)
{
    if (!path || !*path) {
        cz_error_set(err, CZ_EINVAL, "pass {checkpoint = \"path\"}", "no autosave path given");
        return NULL;
    }
    if (!key) {
        cz_error_set(err, CZ_EINVAL, "set a key first with dc.key()",
                     "autosave of %s has no key", path);
        return NULL;
    }
    if (every < 1) {
        cz_error_set(err, CZ_EINVAL, "pass {every = n} with n >= 1",
                     "autosave period %lld is not positive", (long long)every);
        return NULL;
    }
    ckpt_autosave *a = cz_calloc(1, sizeof *a);
    if (!a)
        goto oom;
    a->path = cz_strdup(path);
    a->prev_path = ckpt_prev_path(path);
    if (!a->path || !a->prev_path)
        goto oom;
    a->key = key;
    a->every = every;
    a->last = -1;
    if (opts)
        a->opts = *opts;
    a->opts.keep_prev = 1;
    return a;
oom:
    ckpt_autosave_free(&a);
    cz_error_set(err, CZ_ENOMEM, NULL, "out of memory setting up the autosave of %s", path);
    return NULL;
}

int ckpt_autosave_due(const ckpt_autosave *a, int64_t iteration)
{
    return a && iteration > 0 && iteration % a->every == 0 && iteration != a->last;
}

cz_status ckpt_autosave_write(ckpt_autosave *a, int64_t iteration, const ckpt_record *records,
                              size_t count, cz_error *err)
{
    if (!a)
        return cz_error_set(err, CZ_EINVAL, NULL, "no autosave given");
    cz_status st = ckpt_save(a->path, a->key, records, count, &a->opts, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "autosave at iteration %lld", (long long)iteration);
        return st;
    }
    a->last = iteration;
    return CZ_OK;
}

int64_t ckpt_autosave_last(const ckpt_autosave *a) { return a ? a->last : -1; }

const char *ckpt_autosave_prev_path(const ckpt_autosave *a) { return a ? a->prev_path : NULL; }

void ckpt_autosave_free(ckpt_autosave **autosave)
{
    if (!autosave || !*autosave)
        return;
    ckpt_autosave *a = *autosave;
    cz_free(a->path);
    cz_free(a->prev_path);
    cz_free(a);
    *autosave = NULL;
}

ckpt_records *ckpt_autosave_load(const char *path, ckpt_key *key, const ckpt_io *io,
                                 int *used_prev, cz_error *primary_err, cz_error *err)
{
    if (used_prev)
        *used_prev = 0;
    cz_error first;
    cz_error_clear(&first);
    ckpt_records *list = ckpt_load(path, key, io, &first);
    if (list || first.code == CZ_ENOMEM || first.code == CZ_EINVAL) {
        if (!list && err)
            *err = first;
        return list;
    }
    char *prev = ckpt_prev_path(path);
    if (!prev) {
        cz_error_set(err, CZ_ENOMEM, NULL, "out of memory loading %s", path);
        return NULL;
    }
    cz_error second;
    cz_error_clear(&second);
    list = ckpt_load(prev, key, io, &second);
    if (list) {
        if (used_prev)
            *used_prev = 1;
        if (primary_err)
            *primary_err = first;
    } else if (err) {
        *err = first;
        snprintf(err->hint, sizeof err->hint, "%.120s; the fallback %.80s failed too (%s)",
                 first.hint, prev, cz_status_name(second.code));
    }
    cz_free(prev);
    return list;
}
