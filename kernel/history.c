/* Execution history; see history.h. */
#include "history.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

int history_add(history *h, int line, const char *input, const char *output)
{
    if (h->n == HISTORY_MAX_ENTRIES) {
        free(h->items[0].input);
        free(h->items[0].output);
        memmove(h->items, h->items + 1, (h->n - 1) * sizeof *h->items);
        h->n--;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        history_entry *grown = realloc(h->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        h->items = grown;
        h->cap = cap;
    }
    history_entry *e = &h->items[h->n];
    e->line = line;
    e->input = strdup(input);
    e->output = output ? strdup(output) : NULL;
    if (!e->input || (output && !e->output)) {
        free(e->input);
        free(e->output);
        return -1;
    }
    h->n++;
    return 0;
}

void history_release(history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->items[i].input);
        free(h->items[i].output);
    }
    free(h->items);
    memset(h, 0, sizeof *h);
}

static json_t *entry_json(const history_entry *e, bool output)
{
    if (output)
        return json_pack("[i, i, [s, s?]]", HISTORY_SESSION, e->line, e->input, e->output);
    return json_pack("[i, i, s]", HISTORY_SESSION, e->line, e->input);
}

json_t *history_select(const history *h, const history_query *q)
{
    json_t *out = json_array();
    if (!out)
        return NULL;
    const char *access = q->access ? q->access : "tail";
    if (strcmp(access, "range") == 0) {
        if (q->session > 0 && q->session != HISTORY_SESSION)
            return out;
        for (size_t i = 0; i < h->n; i++)
            if (h->items[i].line >= q->start && (q->stop <= 0 || h->items[i].line < q->stop))
                json_array_append_new(out, entry_json(&h->items[i], q->output));
        return out;
    }
    bool search = strcmp(access, "search") == 0;
    if (!search && strcmp(access, "tail") != 0)
        return out;
    /* newest first, so n and unique keep the latest; reversed at the end */
    size_t limit = q->n > 0 ? (size_t)q->n : (search ? h->n : 10);
    for (size_t i = h->n; i-- > 0 && json_array_size(out) < limit;) {
        const history_entry *e = &h->items[i];
        if (search && fnmatch(q->pattern ? q->pattern : "*", e->input, 0) != 0)
            continue;
        if (search && q->unique) {
            bool dup = false;
            for (size_t k = i + 1; k < h->n && !dup; k++)
                dup = strcmp(h->items[k].input, e->input) == 0 &&
                      fnmatch(q->pattern ? q->pattern : "*", h->items[k].input, 0) == 0;
            if (dup)
                continue;
        }
        json_array_insert_new(out, 0, entry_json(e, q->output));
    }
    return out;
}
