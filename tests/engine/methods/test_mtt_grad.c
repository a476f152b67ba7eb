/* The MTT run's gradient hook and the |dL/dX| it reports through progress:
 * the hook sees every whole iteration once, its gradient is the one that
 * stepped X (plain and SATM), its norm is the progress metric, skipped
 * iterations say so, and neither the hook nor a resume changes anything the
 * run computes. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "backend/backend.h"
#include "methods/mtt.h"
#include "methods_fixtures.h"

#define MAX_ITERS 64

static cz_dataset *data;
static cz_experts *experts;

static void setup(void)
{
    data = fixture_load("pima");
    experts = fixture_experts(data, 3, 6);
}

static void teardown(void)
{
    cz_experts_free(&experts);
    cz_dataset_free(data);
}

TestSuite(mtt_grad, .init = setup, .fini = teardown);

static cz_mtt_config small(void)
{
    cz_mtt_config c = cz_mtt_config_default();
    c.ipc = 5;
    c.iterations = 12;
    c.syn_steps = 6;
    c.expert_epochs = 2;
    c.max_start_epoch = 4;
    c.seed = 7;
    return c;
}

static cz_mtt *start(const cz_mtt_config *c)
{
    return fixture_mtt_new(data, experts, c);
}

/* What an observer saw; prev_x is X before the iteration the hook reports. */
typedef struct seen {
    const cz_mtt *r;
    int calls, skipped;
    int64_t iteration[MAX_ITERS];
    double norm[MAX_ITERS], loss[MAX_ITERS];
    double progress_metric[MAX_ITERS];
    cz_real prev_x[4096];
    double lr_img;
    int check_step; /* momentum 0: X must have moved by -lr_img * g */
} seen;

static double norm_of(const cz_real *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return sqrt(s);
}

static void hook(const cz_mtt_grad *g, void *user)
{
    seen *s = user;
    cr_assert_lt(s->calls, MAX_ITERS);
    size_t nx = g->rows * g->features;
    cr_assert_eq(g->rows, (size_t)cz_mtt_config_of(s->r)->ipc * (size_t)data->classes);
    cr_assert_eq(g->features, data->features);
    cr_assert_leq(nx, sizeof s->prev_x / sizeof s->prev_x[0]);
    int k = s->calls++;
    s->iteration[k] = g->iteration;
    s->norm[k] = g->norm;
    s->loss[k] = g->loss;
    s->skipped += !g->applied;
    const cz_real *x = cz_mtt_x(s->r);
    if (g->applied) {
        cr_assert_not_null(g->grad_x);
        cr_assert(isfinite(g->loss) && isfinite(g->grad_lr));
        double want = norm_of(g->grad_x, nx);
        cr_assert_eq(memcmp(&want, &g->norm, sizeof want), 0, "iteration %lld: norm %.17g, "
                     "recomputed %.17g", (long long)g->iteration, g->norm, want);
        cr_assert_gt(g->norm, 0);
    } else {
        cr_assert(isnan(g->loss), "a skipped iteration's loss is NaN in the history");
    }
    if (s->check_step && g->applied)
        for (size_t i = 0; i < nx; i++) {
            double moved = (double)s->prev_x[i] - s->lr_img * (double)g->grad_x[i];
            cr_assert_float_eq(x[i], moved, 1e-6 * (1 + fabs(moved)),
                               "iteration %lld, X[%zu] = %.9g; X - lr_img * g = %.9g",
                               (long long)g->iteration, i, (double)x[i], moved);
        }
    memcpy(s->prev_x, x, nx * sizeof *x);
}

static int on_progress(const cz_progress *p, void *user)
{
    seen *s = user;
    cr_assert_str_eq(p->phase, "distill");
    cr_assert_not_null(p->metric_name);
    cr_assert_str_eq(p->metric_name, "|dL/dX|");
    cr_assert_eq(p->step, s->iteration[s->calls - 1], "progress follows the hook");
    s->progress_metric[s->calls - 1] = p->metric;
    return 0;
}

static void watch(cz_mtt *r, seen *s, double lr_img)
{
    s->r = r;
    s->lr_img = lr_img;
    size_t nx = (size_t)cz_mtt_config_of(r)->ipc * (size_t)data->classes * data->features;
    memcpy(s->prev_x, cz_mtt_x(r), nx * sizeof(cz_real));
    cz_mtt_set_grad_hook(r, hook, s);
}

static void check_gradient_steps_x(cz_mtt_config c)
{
    c.momentum = 0; /* X_{k+1} = X_k - lr_img * g_k exactly */
    cz_mtt *r = start(&c);
    static seen s;
    memset(&s, 0, sizeof s);
    s.check_step = 1;
    watch(r, &s, c.lr_img);
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, -1, NULL, on_progress, &s, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(s.calls, c.iterations);
    cr_assert_eq(s.skipped, 0);
    for (int k = 0; k < s.calls; k++) {
        cr_assert_eq(s.iteration[k], k + 1);
        cr_assert_eq(memcmp(&s.norm[k], &s.progress_metric[k], sizeof(double)), 0,
                     "progress metric %d is the hook's norm", k);
    }
    int64_t n;
    const double *h = cz_mtt_history(r, &n);
    cr_assert_eq(memcmp(h, s.loss, (size_t)n * sizeof *h), 0, "the hook's losses are the history");
    cz_mtt_free(&r);
}

Test(mtt_grad, the_hook_sees_the_gradient_that_steps_x)
{
    check_gradient_steps_x(small());
}

/* SATM steps X with the hypergradient at X + eps: that is what the hook gets. */
Test(mtt_grad, satm_hands_the_perturbed_gradient)
{
    cz_mtt_config c = small();
    c.sam = 1;
    c.rho = 0.5;
    check_gradient_steps_x(c);
    c.sam = 2;
    check_gradient_steps_x(c);
}

static void assert_same_state(const cz_mtt *a, const cz_mtt *b)
{
    uint8_t da[32], db[32];
    cz_error err;
    cr_assert_eq(cz_mtt_digest(a, da, &err), CZ_OK);
    cr_assert_eq(cz_mtt_digest(b, db, &err), CZ_OK);
    cr_assert_eq(memcmp(da, db, 32), 0, "the full states differ");
}

Test(mtt_grad, the_hook_and_progress_change_nothing)
{
    cz_mtt_config c = small();
    cz_mtt *plain = start(&c), *watched = start(&c);
    static seen s;
    watch(watched, &s, c.lr_img);
    cz_error err;
    cr_assert_eq(cz_mtt_step(plain, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_mtt_step(watched, -1, NULL, on_progress, &s, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(s.calls, c.iterations);
    assert_same_state(plain, watched);
    /* Cleared, the hook is no longer called. */
    cz_mtt_set_grad_hook(watched, NULL, &s);
    cr_assert_eq(cz_mtt_step(watched, 2, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(s.calls, c.iterations);
    cz_mtt_free(&plain);
    cz_mtt_free(&watched);
}

static cz_mtt *reload(cz_mtt *r)
{
    cz_bytes b = {0};
    cz_error err;
    cr_assert_eq(cz_mtt_serialize(r, &b, &err), CZ_OK);
    cz_mtt_free(&r);
    cz_reader rd = cz_reader_init(b.data, b.len, &err);
    cz_mtt *back = NULL;
    cr_assert_eq(cz_mtt_deserialize(&rd, data, experts, cz_backend_cpu(), &back, &err), CZ_OK,
                 "%s", err.msg);
    cz_bytes_free(&b);
    return back;
}

/* The hook is not state: a reloaded run has none, and once set again it sees
 * the gradients the uninterrupted run saw, numbered on from the resume. */
Test(mtt_grad, a_resumed_run_sees_the_same_gradients)
{
    cz_mtt_config c = small();
    cz_mtt *straight = start(&c), *resumed = start(&c);
    static seen a, b;
    watch(straight, &a, c.lr_img);
    watch(resumed, &b, c.lr_img);
    cz_error err;
    cr_assert_eq(cz_mtt_step(straight, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(cz_mtt_step(resumed, 5, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    resumed = reload(resumed);
    cr_assert_eq(cz_mtt_step(resumed, 1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(b.calls, 5, "a deserialised run has no hook");
    watch(resumed, &b, c.lr_img);
    cr_assert_eq(cz_mtt_step(resumed, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cr_assert_eq(b.calls, (int)c.iterations - 1);
    for (int k = 0; k < 5; k++)
        cr_assert_eq(memcmp(&a.norm[k], &b.norm[k], sizeof(double)), 0, "iteration %d", k + 1);
    for (int k = 5; k < b.calls; k++) {
        cr_assert_eq(b.iteration[k], k + 2);
        cr_assert_eq(memcmp(&a.norm[k + 1], &b.norm[k], sizeof(double)), 0,
                     "iteration %d: %.17g vs %.17g", k + 2, a.norm[k + 1], b.norm[k]);
    }
    assert_same_state(straight, resumed);
    cz_mtt_free(&straight);
    cz_mtt_free(&resumed);
}

Test(mtt_grad, skipped_iterations_are_reported)
{
    cz_mtt_config c = small();
    c.lr_img = 1e30;
    c.lr_lr = 1e30;
    cz_mtt *r = start(&c);
    static seen s;
    watch(r, &s, c.lr_img);
    cz_error err;
    cr_assert_eq(cz_mtt_step(r, -1, NULL, NULL, NULL, &err), CZ_OK, "%s", err.msg);
    cz_mtt_info info;
    cz_mtt_info_get(r, &info);
    cr_assert_gt(info.skipped, 0, "the guard acted");
    cr_assert_eq(s.skipped, info.skipped, "the hook saw each skip");
    cz_mtt_free(&r);
}
