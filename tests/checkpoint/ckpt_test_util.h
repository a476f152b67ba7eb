/* Shared helpers for the checkpoint tests: a private temporary folder per
 * test, fast test keys, whole-file reads and writes, a scan of a folder for
 * a plaintext marker, and a fault-injecting ckpt_io that fails (or "crashes"
 * at) its N-th mutating call, as SQLite's crash tests do. */
#ifndef CKPT_TEST_UTIL_H
#define CKPT_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

#define TEST_PASS "correct horse battery staple"

/* A fresh folder under /tmp (removed by tmpdir_remove); path returned is static. */
const char *tmpdir_make(void);
void tmpdir_remove(const char *dir);
/* "dir/name" in a static rotating buffer (valid for the next few calls). */
const char *in_dir(const char *dir, const char *name);

/* A key for `pass` at the test cost, whose load limit is the test cost too
 * (so a flipped cost field is refused at once instead of running Argon2id
 * with gigabytes). Aborts the test on failure. */
ckpt_key *test_key(const char *pass);

/* Reads a whole file (malloc'd; *len set), or NULL. */
uint8_t *read_file(const char *path, size_t *len);
/* Writes a whole file with `mode`; returns 0 on success. */
int write_file(const char *path, const void *data, size_t len, unsigned mode);

/* Number of regular files in dir whose name contains `part`. */
int count_files(const char *dir, const char *part);
/* Nonzero when any regular file in dir contains the bytes `marker`. */
int folder_contains(const char *dir, const char *marker);

/* Asserts that `list` holds exactly `want`, in order. */
void assert_records_equal(const ckpt_records *list, const ckpt_record *want, size_t n);

typedef enum fault_mode {
    FAULT_FAIL,  /* the N-th call fails with EIO; later calls work */
    FAULT_CRASH, /* the N-th call and all after it do nothing (a write writes
                  * half its bytes first): the process "died" there */
} fault_mode;

typedef struct fault_io {
    ckpt_io io; /* pass &f.io; ctx points back here */
    fault_mode mode;
    long fail_at; /* -1: never */
    long calls;   /* mutating calls seen so far */
    int crashed;
    int no_links; /* link() fails with EPERM, as on file systems without hard links */
    const char *log[256]; /* the name of each mutating call, in order */
} fault_io;

/* Index of the last call named `op` ("rename", "write", ...) in f's log, or -1. */
long fault_io_last(const fault_io *f, const char *op);

void fault_io_init(fault_io *f, fault_mode mode, long fail_at);

#endif
