/* checkpoint/run.c: a distillation autosaved every K iterations and killed
 * (SIGKILL, in a child process) resumes from its file to the result of an
 * uninterrupted run, bit for bit; the same through an interrupt, for MTT,
 * BTM and SATM; the wrong key is refused with CZ_EAUTH and a clear message
 * while the autosave stays loadable; a file without a run says so; a version 1
 * record (written before prior runs could autosave) still loads. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_test_util.h"
#include "engine_fixture.h"
#include "methods/btm.h"

static engine_fixture fx;
static const char *dir;

static void setup(void)
{
    engine_fixture_make(&fx);
    dir = tmpdir_make();
}

static void teardown(void)
{
    tmpdir_remove(dir);
    engine_fixture_free(&fx);
}

TestSuite(run, .init = setup, .fini = teardown);

static cz_match_source source_of(int curves)
{
    cz_match_source s = {0};
    if (curves)
        s.curves = fx.curves;
    else
        s.experts = fx.experts;
    return s;
}

static cz_mtt *straight(const cz_mtt_config *c, int curves)
{
    cz_mtt *r = small_run(&fx, c, curves);
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    return r;
}

/* Runs c with autosave every `every` into path; returns the step status. */
static cz_status distill(const cz_mtt_config *c, int curves, const char *path, ckpt_key *key,
                         int64_t every, cz_progress_fn progress, void *user, cz_mtt **out)
{
    cz_error err;
    ckpt_autosave *as = ckpt_autosave_new(path, key, every, NULL, &err);
    cr_assert_not_null(as, "%s", err.msg);
    cz_mtt *r = small_run(&fx, c, curves);
    cz_match_source src = source_of(curves);
    ckpt_run run = ckpt_run_view(r, fx.data, &src, every, cz_backend_cpu());
    cz_status st = ckpt_run_distill(&run, as, NULL, progress, user, &err);
    ckpt_autosave_free(&as);
    *out = r;
    return st;
}

/* Loads the autosave and runs it to its end (with a fresh autosave). */
static ckpt_run *resume(const char *path, ckpt_key *key)
{
    cz_error err;
    ckpt_run *run = ckpt_run_load(path, key, cz_backend_cpu(), NULL, &err);
    cr_assert_not_null(run, "%s (%s)", err.msg, err.hint);
    ckpt_autosave *as = ckpt_autosave_new(path, key, run->every, NULL, &err);
    cr_assert_not_null(as);
    cr_assert_eq(ckpt_run_distill(run, as, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    ckpt_autosave_free(&as);
    return run;
}

static int64_t iteration_of(const ckpt_run *run)
{
    cz_mtt_info info;
    cz_mtt_info_get(run->mtt, &info);
    return info.iteration;
}

Test(run, autosaved_distillation_equals_the_straight_run_and_its_file_holds_the_end)
{
    cz_mtt_config c = small_run_config(cz_mtt_config_default(), 10);
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "a.cdz");
    cz_mtt *r = NULL;
    cr_assert_eq(distill(&c, 0, path, key, 3, NULL, NULL, &r), CZ_OK);
    cz_mtt *ref = straight(&c, 0);
    assert_runs_equal(ref, r);
    /* The last save is the end (10, not a multiple of 3); the one before, 9. */
    cz_error err;
    ckpt_run *end = ckpt_run_load(path, key, NULL, NULL, &err);
    cr_assert_not_null(end, "%s", err.msg);
    cr_assert_eq(iteration_of(end), 10);
    assert_runs_equal(ref, end->mtt);
    ckpt_run *prev = ckpt_run_load(in_dir(dir, "a.cdz.prev"), key, NULL, NULL, &err);
    cr_assert_not_null(prev, "%s", err.msg);
    cr_assert_eq(iteration_of(prev), 9);
    ckpt_run_free(&prev);
    ckpt_run_free(&end);
    cz_mtt_free(&ref);
    cz_mtt_free(&r);
    ckpt_key_free(&key);
}

/* The child's pace: slow enough that the parent sees autosaves mid-run. */
static int slow(const cz_progress *p, void *user)
{
    (void)user;
    (void)p;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return 0;
}

Test(run, killed_with_sigkill_after_autosaves_resumes_bit_for_bit, .timeout = 120)
{
    cz_mtt_config c = small_run_config(cz_mtt_config_default(), 40);
    const char *path = in_dir(dir, "kill.cdz");
    pid_t child = fork();
    cr_assert_neq(child, -1);
    if (child == 0) {
        ckpt_key *key = test_key(TEST_PASS);
        cz_mtt *r = NULL;
        cz_status st = distill(&c, 0, path, key, 2, slow, NULL, &r);
        _exit(st == CZ_OK ? 0 : 1);
    }
    ckpt_key *key = test_key(TEST_PASS);
    /* Wait for an autosave at iteration >= 6, then kill without warning. */
    int64_t seen = -1;
    for (int tries = 0; tries < 3000 && seen < 6; tries++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        cz_error err;
        ckpt_run *peek = access(path, F_OK) == 0 ? ckpt_run_load(path, key, NULL, NULL, &err) : NULL;
        if (peek)
            seen = iteration_of(peek);
        ckpt_run_free(&peek);
    }
    kill(child, SIGKILL);
    int status = 0;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
              "the child finished before it was killed (status %d)", status);
    cr_assert_geq(seen, 6, "no autosave appeared");
    ckpt_run *back = resume(path, key);
    cz_mtt *ref = straight(&c, 0);
    assert_runs_equal(ref, back->mtt);
    cr_assert_eq(iteration_of(back), 40);
    ckpt_run_free(&back);
    cz_mtt_free(&ref);
    ckpt_key_free(&key);
}

/* Interrupts after `stop_at` iterations (a progress callback saying stop). */
static int stop_after(const cz_progress *p, void *user)
{
    return p->step >= *(const int64_t *)user;
}

static void check_interrupt_resume(cz_mtt_config c, int curves, const char *name)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, name);
    int64_t stop_at = 5;
    cz_mtt *r = NULL;
    cr_assert_eq(distill(&c, curves, path, key, 4, stop_after, &stop_at, &r), CZ_EINTERRUPTED);
    cz_mtt_free(&r);
    ckpt_run *back = resume(path, key);
    cz_mtt *ref = straight(&c, curves);
    assert_runs_equal(ref, back->mtt);
    cr_assert_str_eq(cz_mtt_method(back->mtt), cz_mtt_method(ref));
    ckpt_run_free(&back);
    cz_mtt_free(&ref);
    ckpt_key_free(&key);
}

Test(run, mtt_interrupted_off_the_period_resumes_bit_for_bit)
{
    check_interrupt_resume(small_run_config(cz_mtt_config_default(), 9), 0, "i_mtt.cdz");
}

Test(run, btm_on_curves_resumes_bit_for_bit)
{
    check_interrupt_resume(small_run_config(cz_btm_config_default(), 9), 1, "i_btm.cdz");
}

Test(run, satm_resumes_bit_for_bit)
{
    cz_mtt_config c = small_run_config(cz_satm_config_default(), 9);
    c.sam = 2;
    c.sam_steps = 2;
    check_interrupt_resume(c, 1, "i_satm.cdz");
}

Test(run, the_wrong_key_is_cz_eauth_with_a_clear_message_and_nothing_is_lost)
{
    cz_mtt_config c = small_run_config(cz_mtt_config_default(), 6);
    ckpt_key *key = test_key(TEST_PASS), *wrong = test_key("Tr0ub4dor&3");
    const char *path = in_dir(dir, "w.cdz");
    cz_mtt *r = NULL;
    cr_assert_eq(distill(&c, 0, path, key, 2, NULL, NULL, &r), CZ_OK);
    size_t n0 = 0, n1 = 0;
    uint8_t *before = read_file(path, &n0);
    cz_error err;
    int used_prev = -1;
    cr_assert_null(ckpt_run_load(path, wrong, NULL, &used_prev, &err));
    cr_assert_eq(err.code, CZ_EAUTH, "%s", cz_status_name(err.code));
    cr_assert(strstr(err.msg, "wrong key") && strstr(err.msg, path), "message: %s", err.msg);
    cr_assert(strlen(err.hint) > 0, "no hint");
    uint8_t *after = read_file(path, &n1);
    cr_assert_eq(n0, n1);
    cr_assert_eq(memcmp(before, after, n0), 0);
    cr_assert_eq(access(in_dir(dir, "w.cdz.prev"), F_OK), 0, "the previous autosave is gone");
    ckpt_run *back = ckpt_run_load(path, key, NULL, &used_prev, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_eq(used_prev, 0);
    assert_runs_equal(r, back->mtt);
    ckpt_run_free(&back);
    free(before);
    free(after);
    cz_mtt_free(&r);
    ckpt_key_free(&wrong);
    ckpt_key_free(&key);
}

Test(run, a_damaged_autosave_falls_back_to_the_previous_one)
{
    cz_mtt_config c = small_run_config(cz_mtt_config_default(), 8);
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "d.cdz");
    cz_mtt *r = NULL;
    cr_assert_eq(distill(&c, 0, path, key, 4, NULL, NULL, &r), CZ_OK);
    size_t n = 0;
    uint8_t *bytes = read_file(path, &n);
    cr_assert_eq(write_file(path, bytes, n / 2, 0600), 0);
    cz_error err;
    int used_prev = 0;
    ckpt_run *back = ckpt_run_load(path, key, NULL, &used_prev, &err);
    cr_assert_not_null(back, "%s", err.msg);
    cr_assert_eq(used_prev, 1);
    cr_assert_eq(iteration_of(back), 4);
    ckpt_run_free(&back);
    free(bytes);
    cz_mtt_free(&r);
    ckpt_key_free(&key);
}

Test(run, a_file_of_saved_objects_is_not_a_run)
{
    ckpt_key *key = test_key(TEST_PASS);
    const char *path = in_dir(dir, "objs.cdz");
    ckpt_object ds = {CKPT_TYPE_DATASET, {.dataset = fx.data}};
    const char *name = "pima";
    cz_error err;
    cr_assert_eq(ckpt_objects_save(path, key, &name, &ds, 1, NULL, &err), CZ_OK);
    cr_assert_null(ckpt_run_load(path, key, NULL, NULL, &err));
    cr_assert_eq(err.code, CZ_EINVAL);
    cr_assert(strstr(err.msg, "no distillation run"), "%s", err.msg);
    cr_assert(strstr(err.hint, "dc.load"), "%s", err.hint);
    ckpt_key_free(&key);
}

Test(run, the_record_from_parts_equals_the_record_of_the_run)
{
    cz_mtt_config c = small_run_config(cz_btm_config_default(), 4);
    cz_mtt *r = small_run(&fx, &c, 1);
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, 2, NULL, NULL, NULL, &err), CZ_OK);
    cz_match_source src = source_of(1);
    ckpt_run view = ckpt_run_view(r, fx.data, &src, 3, NULL);
    cz_bytes whole = {0}, state = {0}, parts = {0};
    cr_assert_eq(ckpt_run_encode(&view, &whole, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_mtt_serialize(r, &state, &err), CZ_OK);
    cr_assert_eq(ckpt_run_encode_parts(fx.data, &src, NULL, state.data, state.len, 3, NULL,
                                       &parts, &err),
                 CZ_OK, "%s", err.msg);
    cr_assert_eq(whole.len, parts.len);
    cr_assert_eq(memcmp(whole.data, parts.data, whole.len), 0);
    /* A period of 0 is refused, naming it. */
    cz_bytes bad = {0};
    cr_assert_eq(ckpt_run_encode_parts(fx.data, &src, NULL, state.data, state.len, 0, NULL, &bad,
                                       &err),
                 CZ_EINVAL);
    cr_assert(strstr(err.msg, "period"), "%s", err.msg);
    cz_bytes_free(&bad);
    cz_bytes_free(&whole);
    cz_bytes_free(&state);
    cz_bytes_free(&parts);
    cz_mtt_free(&r);
}

/* Appends a length-prefixed block made by an engine serialiser's output. */
static void put_block(cz_bytes *out, const cz_bytes *block)
{
    cz_bytes_u64(out, (uint64_t)block->len);
    cz_bytes_put(out, block->data, block->len);
}

/* Version 1 of the run record (before prior runs could autosave: no kind
 * byte, no prior block) still decodes, to the same run; encoding it again
 * writes version 2, which decodes to the same run too. */
Test(run, a_version_1_record_still_loads)
{
    cz_mtt_config c = small_run_config(cz_btm_config_default(), 6);
    cz_mtt *r = small_run(&fx, &c, 1);
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, 3, NULL, NULL, NULL, &err), CZ_OK);
    cz_bytes data = {0}, src = {0}, state = {0}, v1 = {0}, v2 = {0};
    cr_assert_eq(cz_dataset_serialize(fx.data, &data, &err), CZ_OK);
    cr_assert_eq(cz_surrogate_serialize(fx.curves, &src, &err), CZ_OK);
    cr_assert_eq(cz_mtt_serialize(r, &state, &err), CZ_OK);
    cz_bytes_u32(&v1, 0x4e525a43u); /* "CZRN" */
    cz_bytes_u32(&v1, 1);
    cz_bytes_i64(&v1, 2);
    cz_bytes_str(&v1, cz_backend_name(cz_backend_cpu()));
    cz_bytes_u32(&v1, (uint32_t)cz_backend_threads(cz_backend_cpu()));
    cz_bytes_u8(&v1, 2); /* curves */
    put_block(&v1, &data);
    put_block(&v1, &src);
    put_block(&v1, &state);
    cr_assert_eq(cz_bytes_status(&v1, &err), CZ_OK);
    ckpt_run *old = NULL;
    cr_assert_eq(ckpt_run_decode(v1.data, v1.len, NULL, &old, &err), CZ_OK, "%s", err.msg);
    cr_assert_not_null(old->mtt);
    cr_assert_null(old->prior_run);
    cr_assert_eq(old->every, 2);
    cr_assert_str_eq(ckpt_run_method(old), "btm");
    assert_runs_equal(r, old->mtt);
    cr_assert_eq(ckpt_run_encode(old, &v2, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(v2.data[4], 2, "a record is written as version 2");
    ckpt_run *again = NULL;
    cr_assert_eq(ckpt_run_decode(v2.data, v2.len, NULL, &again, &err), CZ_OK, "%s", err.msg);
    assert_runs_equal(r, again->mtt);
    /* ...and it continues like the run it came from. */
    cr_assert_eq(ckpt_run_step(old, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cz_mtt *ref = straight(&c, 1);
    assert_runs_equal(ref, old->mtt);
    /* A version this build does not know is refused, naming it. */
    v1.data[4] = 9;
    ckpt_run *bad = NULL;
    cr_assert_eq(ckpt_run_decode(v1.data, v1.len, NULL, &bad, &err), CZ_EFORMAT);
    cr_assert(strstr(err.msg, "version 9"), "%s", err.msg);
    cz_mtt_free(&ref);
    ckpt_run_free(&again);
    ckpt_run_free(&old);
    cz_bytes_free(&v2);
    cz_bytes_free(&v1);
    cz_bytes_free(&state);
    cz_bytes_free(&src);
    cz_bytes_free(&data);
    cz_mtt_free(&r);
}
