/* MTT run: creation, the outer iteration with its guards, encoding. */
#include "mtt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../autodiff/unroll.h"
#include "../core/alloc.h"
#include "common.h"
#include "mtt_impl.h"
#include "outer_opt.h"

cz_mtt_config cz_mtt_config_default(void)
{
    /* Tuned on the validation splits of pima and wdbc (docs/methods.md). */
    return (cz_mtt_config){.ipc = 10, .iterations = 300, .syn_steps = 10, .expert_epochs = 4,
                           .max_start_epoch = 0, .batch_syn = 0, .lr_img = 1.0, .lr_lr = 1e-6,
                           .lr_init = 0.0, .momentum = 0.5, .truncate = 0,
                           .class_weights = true, .sam = 0, .rho = CZ_SATM_RHO_DEFAULT,
                           .sam_steps = 1, .sam_lr_at_x = 0, .seed = 0};
}

double cz_mtt_auto_lr_init(const cz_dataset *d, double lr_teacher, int batch_teacher,
                           int expert_epochs, int syn_steps)
{
    size_t n = d->split[CZ_TRAIN].rows;
    size_t b = batch_teacher > 0 && (size_t)batch_teacher < n ? (size_t)batch_teacher : n;
    double steps_per_epoch = (double)((n + b - 1) / (b ? b : 1));
    return lr_teacher * expert_epochs * steps_per_epoch / syn_steps;
}

/* Fills the autos and checks every value against d and e. */
cz_status cz_mtt_resolve_config(const cz_dataset *d, const cz_match_source *src,
                                const cz_backend *be, cz_mtt_config *c, cz_error *err)
{
    int epochs = cz_source_epochs(src);
    if (c->syn_steps < 1)
        return cz_error_set(err, CZ_EINVAL, "pass syn_steps >= 1 (20 is usual)",
                            "mtt: syn_steps = %d", c->syn_steps);
    if (c->expert_epochs < 1 || c->expert_epochs > epochs)
        return cz_error_set(err, CZ_EINVAL, "pass expert_epochs between 1 and the experts' epochs",
                            "mtt: expert_epochs = %d but the experts have %d epochs",
                            c->expert_epochs, epochs);
    int most = cz_source_max_start_limit(src, c->expert_epochs);
    if (c->max_start_epoch == 0)
        c->max_start_epoch = cz_source_default_max_start(src, c->expert_epochs);
    if (c->max_start_epoch < 1 || c->max_start_epoch > most)
        return cz_error_set(err, CZ_EINVAL,
                            "lower max_start_epoch or expert_epochs, or train the experts longer",
                            "mtt: max_start_epoch %d + expert_epochs %d needs experts of at least "
                            "%d epochs; they have %d",
                            c->max_start_epoch, c->expert_epochs,
                            c->max_start_epoch + c->expert_epochs - 1, epochs);
    if (c->iterations < 0 || c->batch_syn < 0 || c->truncate < 0 || c->truncate > c->syn_steps)
        return cz_error_set(err, CZ_EINVAL,
                            "iterations >= 0, batch_syn >= 0 (0 = all), 0 <= truncate <= syn_steps",
                            "mtt: iterations %lld, batch_syn %d, truncate %d (syn_steps %d)",
                            (long long)c->iterations, c->batch_syn, c->truncate, c->syn_steps);
    if (!(c->lr_img > 0) || !isfinite(c->lr_img) || !(c->lr_lr >= 0) || !isfinite(c->lr_lr))
        return cz_error_set(err, CZ_EINVAL, "pass lr_img > 0 and lr_lr >= 0",
                            "mtt: lr_img = %g, lr_lr = %g", c->lr_img, c->lr_lr);
    if (!(c->momentum >= 0 && c->momentum < 1))
        return cz_error_set(err, CZ_EINVAL, "pass momentum in [0, 1) (0.5 is usual)",
                            "mtt: momentum = %g", c->momentum);
    if (!isfinite(c->lr_init))
        return cz_error_set(err, CZ_EINVAL, "pass a positive lr_init, or 0 for auto",
                            "mtt: lr_init = %g", c->lr_init);
    if (c->sam < 0 || c->sam > 2 || !(c->rho >= 0) || !isfinite(c->rho) || c->sam_steps < 1 ||
        c->sam_lr_at_x < 0 || c->sam_lr_at_x > 1)
        return cz_error_set(err, CZ_EINVAL, "sam 0 (off), 1 (exact) or 2 (approx); rho >= 0; "
                            "sam_steps >= 1",
                            "mtt: sam = %d, rho = %g, sam_steps = %d", c->sam, c->rho,
                            c->sam_steps);
    if (c->lr_init <= 0) {
        c->lr_init = cz_mtt_auto_lr_init(d, cz_source_expert_lr(src), cz_source_expert_batch(src),
                                         c->expert_epochs, c->syn_steps);
        if (!(c->lr_init > 0))
            return cz_error_set(err, CZ_EINVAL, "pass lr_init > 0",
                                "mtt: the %s do not record the experts' rate, so lr_init "
                                "cannot be derived", cz_source_kind(src));
    }
    int dsa_on = 0;
    cz_status st = cz_dsa_resolve(c->dsa, d, be, &dsa_on, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "mtt");
        return st;
    }
    c->dsa = dsa_on ? CZ_DSA_ON : CZ_DSA_OFF;
    if (d->classes > CZ_MTT_MAX_CLASSES)
        return cz_error_set(err, CZ_EUNSUPPORTED, NULL, "mtt: %d classes (at most %d)",
                            d->classes, CZ_MTT_MAX_CLASSES);
    return CZ_OK;
}

cz_status cz_mtt_check_pairing(const cz_dataset *d, const cz_match_source *src, cz_error *err)
{
    cz_status st = cz_spec_check_dataset(cz_source_spec(src), d, err);
    if (st != CZ_OK) {
        cz_error_prefix(err, "experts");
        return st;
    }
    if (cz_source_train_rows(src) != d->split[CZ_TRAIN].rows)
        return cz_error_set(err, CZ_EINVAL, "train the experts on this dataset",
                            "the experts were trained on %zu rows; dataset \"%s\" has %zu "
                            "training rows",
                            cz_source_train_rows(src), d->name, d->split[CZ_TRAIN].rows);
    return CZ_OK;
}

void cz_mtt_free(cz_mtt **r)
{
    if (!r || !*r)
        return;
    cz_mtt *s = *r;
    cz_unroll_free(s->u);
    cz_satm_free(&s->satm);
    cz_dsa_free(&s->dsa);
    cz_free(s->start_buf);
    cz_free(s->target_buf);
    cz_model_free(s->m);
    cz_free(s->x);
    cz_free(s->x_buf);
    cz_free(s->grad_x);
    cz_free(s->cand_x);
    cz_free(s->cand_buf);
    cz_free(s->y);
    cz_free(s->history);
    cz_free(s);
    *r = NULL;
}

/* Everything but the initial X: shared by new and deserialise. */
cz_status cz_mtt_alloc(const cz_dataset *d, const cz_match_source *src, const cz_mtt_config *cfg,
                           cz_backend *be, cz_mtt **out, cz_error *err)
{
    cz_mtt *r = cz_calloc(1, sizeof *r);
    if (!r)
        return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for an MTT run");
    r->cfg = *cfg;
    r->d = d;
    r->src = *src;
    r->be = be;
    r->rows = (size_t)cfg->ipc * (size_t)d->classes;
    r->features = d->features;
    size_t nx = r->rows * r->features;
    r->x = cz_calloc(nx, sizeof *r->x);
    r->x_buf = cz_calloc(nx, sizeof *r->x_buf);
    r->grad_x = cz_calloc(nx, sizeof *r->grad_x);
    r->cand_x = cz_calloc(nx, sizeof *r->cand_x);
    r->cand_buf = cz_calloc(nx, sizeof *r->cand_buf);
    r->y = cz_calloc(r->rows, sizeof *r->y);
    cz_status st = CZ_OK;
    if (!r->x || !r->x_buf || !r->grad_x || !r->cand_x || !r->cand_buf || !r->y)
        st = cz_error_set(err, CZ_ENOMEM, "lower ipc", "no memory for %zu synthetic rows",
                          r->rows);
    if (st == CZ_OK)
        st = cz_model_new(cz_source_spec(src), be, &r->m, err);
    if (st == CZ_OK && src->curves) {
        size_t p = cz_model_param_count(r->m);
        r->start_buf = cz_alloc(p * sizeof *r->start_buf);
        r->target_buf = cz_alloc(p * sizeof *r->target_buf);
        if (!r->start_buf || !r->target_buf)
            st = cz_error_set(err, CZ_ENOMEM, NULL, "no memory for two parameter vectors");
    }
    if (st == CZ_OK && cfg->dsa == CZ_DSA_ON && (st = cz_dsa_new_for(d, &r->dsa, err)) == CZ_OK)
        r->aug = cz_dsa_augment(r->dsa);
    if (st == CZ_OK)
        st = cz_dataset_digest(d, r->data_digest, err);
    if (st == CZ_OK)
        st = cz_source_digest(src, r->experts_digest, err);
    if (st != CZ_OK) {
        cz_mtt_free(&r);
        return st;
    }
    if (cfg->class_weights)
        cz_prior_class_weights(d, r->class_w);
    r->grad_norm = NAN;
    *out = r;
    return CZ_OK;
}

cz_status cz_mtt_new(const cz_dataset *d, const cz_experts *e, const cz_mtt_config *cfg,
                     cz_backend *be, cz_mtt **out, cz_error *err)
{
    cz_match_source src = {.experts = e};
    return cz_mtt_new_from(d, &src, cfg, be, out, err);
}

cz_status cz_mtt_new_from(const cz_dataset *d, const cz_match_source *src,
                          const cz_mtt_config *cfg, cz_backend *be, cz_mtt **out, cz_error *err)
{
    *out = NULL;
    cz_mtt_config c = *cfg;
    cz_status st = cz_mtt_check_pairing(d, src, err);
    if (st == CZ_OK)
        st = cz_mtt_resolve_config(d, src, be, &c, err);
    if (st == CZ_OK)
        st = cz_check_ipc(d, c.ipc, err);
    if (st != CZ_OK)
        return st;
    cz_mtt *r = NULL;
    st = cz_mtt_alloc(d, src, &c, be, &r, err);
    if (st != CZ_OK)
        return st;
    cz_rng_seed(&r->rng, c.seed);
    st = cz_pick_real_rows(d, c.ipc, &r->rng, r->x, r->y, err);
    if (st != CZ_OK) {
        cz_mtt_free(&r);
        return st;
    }
    r->lr = c.lr_init;
    *out = r;
    return CZ_OK;
}

/* (Re)builds the unroll when the cancel token changes: it polls the token it
 * was built with. */
static cz_status ensure_unroll(cz_mtt *r, const cz_cancel *cancel, cz_error *err)
{
    if (r->u && r->u_cancel == cancel)
        return CZ_OK;
    cz_unroll_free(r->u);
    r->u = NULL;
    cz_unroll_opts o = {.steps = r->cfg.syn_steps, .batch = r->cfg.batch_syn,
                        .truncate = r->cfg.truncate,
                        .class_weight = r->cfg.class_weights ? r->class_w : NULL,
                        .augment = r->dsa ? &r->aug : NULL, .cancel = cancel};
    cz_status st = cz_unroll_new(r->m, r->rows, &o, &r->u, err);
    cz_satm_free(&r->satm);
    if (st == CZ_OK && r->cfg.sam) {
        cz_satm_opts so = {.mode = r->cfg.sam == 1 ? CZ_SAM_EXACT : CZ_SAM_APPROX,
                           .rho = r->cfg.rho, .approx_steps = r->cfg.sam_steps,
                           .lr_at_x = r->cfg.sam_lr_at_x};
        st = cz_satm_new(r->m, r->rows, &o, &so, &r->satm, err);
    }
    r->u_cancel = st == CZ_OK ? cancel : NULL;
    return st;
}

static cz_status history_push(cz_mtt *r, double loss, cz_error *err)
{
    if (r->iteration >= r->hist_cap) {
        int64_t cap = r->hist_cap ? r->hist_cap * 2 : 256;
        double *h = cz_realloc(r->history, (size_t)r->hist_cap * sizeof *h,
                               (size_t)cap * sizeof *h);
        if (!h)
            return cz_error_set(err, CZ_ENOMEM, NULL, "no memory for %lld loss values",
                                (long long)cap);
        r->history = h;
        r->hist_cap = cap;
    }
    r->history[r->iteration] = loss;
    return CZ_OK;
}

static void note_skip(cz_mtt *r, const char *why)
{
    r->skipped++;
    snprintf(r->last_skip, sizeof r->last_skip, "iteration %lld: %.200s",
             (long long)r->iteration + 1, why);
}

/* The learnable rate's SGD-with-momentum step, kept positive. */
static void step_rate(cz_mtt *r, double grad_lr)
{
    double buf = r->cfg.momentum * r->lr_buf + grad_lr;
    double lr = r->lr - r->cfg.lr_lr * buf;
    if (lr > 0 && isfinite(lr)) {
        r->lr = lr;
        r->lr_buf = buf;
    } else {
        r->lr *= 0.5;
        r->lr_buf = 0;
        r->lr_halved++;
    }
}

/* Applies the outer step when its result is finite; returns 0 when skipped. */
static int apply_update(cz_mtt *r, double grad_lr)
{
    size_t nx = r->rows * r->features;
    cz_sgdm_candidate(r->x, r->x_buf, r->grad_x, nx, r->cfg.lr_img, r->cfg.momentum, r->cand_x,
                      r->cand_buf);
    if (!cz_all_finite(r->cand_x, nx) || !cz_all_finite(r->cand_buf, nx)) {
        note_skip(r, "the step on X would not be finite (lower lr_img)");
        return 0;
    }
    cz_real *t = r->x;
    r->x = r->cand_x;
    r->cand_x = t;
    t = r->x_buf;
    r->x_buf = r->cand_buf;
    r->cand_buf = t;
    step_rate(r, grad_lr);
    return 1;
}

/* The parameterisation's step from dL/dX, then the rate's, then X = the new
 * images. *applied = 0 when the step refused (CZ_ENUMERIC: skipped, state
 * unchanged); another failure of the step leaves the state unchanged too. */
static cz_status apply_param(cz_mtt *r, double grad_lr, int *applied, cz_error *err)
{
    cz_error inner;
    cz_error_clear(&inner);
    *applied = 0;
    cz_status st = r->param.step(r->param.user, r->grad_x, &inner);
    if (st == CZ_ENUMERIC) {
        note_skip(r, inner.msg);
        return CZ_OK;
    }
    if (st != CZ_OK) {
        if (err)
            *err = inner;
        return st;
    }
    step_rate(r, grad_lr);
    *applied = 1;
    /* Rendering the codes that were just stepped cannot meet a bad label:
     * those were checked when the parameterisation was made. */
    return r->param.render(r->param.user, r->x, err);
}

cz_status cz_mtt_set_param(cz_mtt *r, const cz_mtt_param *p, cz_error *err)
{
    if (!p || !p->render || !p->step)
        return cz_error_set(err, CZ_EINVAL, "pass render and step functions",
                            "cz_mtt_set_param: incomplete parameterisation");
    r->param = *p;
    memset(r->x_buf, 0, r->rows * r->features * sizeof *r->x_buf);
    return p->render(p->user, r->x, err);
}

/* |g|_2 in double, summed in index order; NaN when g is not finite. */
static double norm2(const cz_real *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)g[i] * (double)g[i];
    return isfinite(s) ? sqrt(s) : NAN;
}

/* Records |dL/dX| and hands the gradient to the hook. Reads only: the run's
 * results cannot depend on an observer. */
static void observe(cz_mtt *r, int have_grad, double grad_lr, int applied)
{
    size_t nx = r->rows * r->features;
    r->grad_norm = have_grad ? norm2(r->grad_x, nx) : NAN;
    if (!r->grad_hook)
        return;
    cz_mtt_grad g = {.iteration = r->iteration, .grad_x = have_grad ? r->grad_x : NULL,
                     .rows = r->rows, .features = r->features, .norm = r->grad_norm,
                     .grad_lr = have_grad ? grad_lr : NAN,
                     .loss = r->history[r->iteration - 1], .applied = applied};
    r->grad_hook(&g, r->grad_user);
}

void cz_mtt_set_grad_hook(cz_mtt *r, cz_mtt_grad_fn fn, void *user)
{
    r->grad_hook = fn;
    r->grad_user = fn ? user : NULL;
}

/* One whole iteration, or an error / interrupt with the state untouched. */
static cz_status iterate(cz_mtt *r, cz_error *err)
{
    cz_rng saved = r->rng;
    const cz_real *start, *target;
    cz_source_draw(&r->src, r->cfg.expert_epochs, r->cfg.max_start_epoch, &r->rng, r->start_buf,
                   r->target_buf, &start, &target);
    double loss = NAN, grad_lr = NAN;
    cz_real loss_r = NAN, glr_r = NAN;
    cz_error inner;
    cz_error_clear(&inner);
    cz_status st = r->satm ? cz_satm_grad(r->satm, r->u, start, target, r->x, r->y,
                                          (cz_real)r->lr, &r->rng, &loss_r, r->grad_x, &glr_r,
                                          NULL, &inner)
                           : cz_unroll_match_grad(r->u, start, target, r->x, r->y,
                                                  (cz_real)r->lr, &r->rng, &loss_r, r->grad_x,
                                                  &glr_r, &inner);
    if (st != CZ_OK && st != CZ_ENUMERIC) {
        r->rng = saved;
        if (err)
            *err = inner;
        return st;
    }
    loss = loss_r;
    grad_lr = glr_r;
    int have_grad = st == CZ_OK, applied = 0;
    if (st == CZ_ENUMERIC)
        note_skip(r, inner.msg);
    else if (!isfinite(loss) || !isfinite(grad_lr) ||
             !cz_all_finite(r->grad_x, r->rows * r->features))
        note_skip(r, "the matching loss or its gradient is not finite (lower lr_img or lr_init)");
    else if (!r->param.step)
        applied = apply_update(r, grad_lr);
    else if ((st = apply_param(r, grad_lr, &applied, err)) != CZ_OK) {
        r->rng = saved;
        return st;
    }
    st = history_push(r, applied ? loss : NAN, err);
    if (st != CZ_OK) {
        r->rng = saved;
        return st;
    }
    r->iteration++;
    observe(r, have_grad, grad_lr, applied);
    return CZ_OK;
}

static cz_status interrupted(const cz_mtt *r, cz_error *err)
{
    return cz_error_set(err, CZ_EINTERRUPTED, "continue the run to go on from here",
                        "distillation interrupted after iteration %lld of %lld",
                        (long long)r->iteration, (long long)r->cfg.iterations);
}

cz_status cz_mtt_step(cz_mtt *r, int64_t n, const cz_cancel *cancel, cz_progress_fn progress,
                      void *progress_user, cz_error *err)
{
    if (n < 0)
        n = r->cfg.iterations > r->iteration ? r->cfg.iterations - r->iteration : 0;
    cz_status st = ensure_unroll(r, cancel, err);
    for (int64_t i = 0; st == CZ_OK && i < n; i++) {
        if (cz_cancel_requested(cancel))
            return interrupted(r, err);
        st = iterate(r, err);
        if (st == CZ_EINTERRUPTED)
            return interrupted(r, err);
        if (st != CZ_OK)
            return st;
        if (progress) {
            cz_progress p = {.phase = "distill", .step = r->iteration,
                             .total = r->cfg.iterations, .loss = r->history[r->iteration - 1],
                             .lr = r->lr, .metric = r->grad_norm,
                             .metric_name = "|dL/dX|"};
            if (progress(&p, progress_user))
                return interrupted(r, err);
        }
    }
    return st;
}

static double last_finite(const cz_mtt *r)
{
    for (int64_t i = r->iteration - 1; i >= 0; i--)
        if (isfinite(r->history[i]))
            return r->history[i];
    return NAN;
}

void cz_mtt_info_get(const cz_mtt *r, cz_mtt_info *out)
{
    memset(out, 0, sizeof *out);
    out->iteration = r->iteration;
    out->planned = r->cfg.iterations;
    out->skipped = r->skipped;
    out->lr_halved = r->lr_halved;
    out->loss = last_finite(r);
    out->lr = r->lr;
    memcpy(out->last_skip, r->last_skip, sizeof out->last_skip);
}

const char *cz_mtt_method(const cz_mtt *r)
{
    return r->cfg.sam ? "satm" : r->src.curves ? "btm" : "mtt";
}

const cz_mtt_config *cz_mtt_config_of(const cz_mtt *r) { return &r->cfg; }
const cz_real *cz_mtt_x(const cz_mtt *r) { return r->x; }
const int32_t *cz_mtt_y(const cz_mtt *r) { return r->y; }
double cz_mtt_lr(const cz_mtt *r) { return r->lr; }

const double *cz_mtt_history(const cz_mtt *r, int64_t *len)
{
    *len = r->iteration;
    return r->history;
}

cz_status cz_mtt_synthetic(const cz_mtt *r, cz_synthetic **out, cz_error *err)
{
    const cz_dataset *d = r->d;
    cz_status st = cz_synthetic_new(cz_mtt_method(r), r->cfg.ipc, d->classes, d->channels, d->height,
                                    d->width, out, err);
    if (st != CZ_OK)
        return st;
    cz_synthetic *s = *out;
    memcpy(s->x, r->x, r->rows * r->features * sizeof *s->x);
    memcpy(s->y, r->y, r->rows * sizeof *s->y);
    snprintf(s->backend, sizeof s->backend, "%s", cz_backend_name(r->be));
    s->iterations = r->iteration;
    s->lr = r->lr;
    st = cz_synthetic_set_history(s, r->history, r->iteration, err);
    if (st != CZ_OK)
        cz_synthetic_free(out);
    return st;
}
