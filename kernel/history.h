/* In-memory execution history for history_request: what was run with
 * store_history, by execution count, with the text of its result. Answers
 * the "tail", "range" and "search" (glob, unique, n) access types. One
 * session per kernel process, numbered HISTORY_SESSION. */
#ifndef KERNEL_HISTORY_H
#define KERNEL_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define HISTORY_SESSION 1
#define HISTORY_MAX_ENTRIES 10000

typedef struct history_entry {
    int line;
    char *input;
    char *output;   /* text/plain of the result, or NULL */
} history_entry;

typedef struct history {
    history_entry *items;
    size_t n, cap;
} history;

/* Records a cell (copies both strings; output may be NULL). Drops the
 * oldest entry past HISTORY_MAX_ENTRIES. Returns -1 on out-of-memory. */
int history_add(history *h, int line, const char *input, const char *output);
void history_release(history *h);

typedef struct history_query {
    const char *access;   /* "tail", "range", "search" */
    bool output;          /* entries as [session, line, [input, output]] */
    int session;          /* range: 0 or negative = this session */
    int start, stop;      /* range: lines [start, stop) */
    int n;                /* tail/search: at most the last n (<= 0: all for search) */
    const char *pattern;  /* search: glob over the input */
    bool unique;          /* search: each input once (the latest) */
} history_query;

/* The "history" array of a history_reply (new reference; NULL on OOM). */
json_t *history_select(const history *h, const history_query *q);

#endif
