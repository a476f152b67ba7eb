/* dc.prior and the prior object: the deep generative prior of
 * engine/prior/prior.h, a conditional VAE trained on an image dataset's
 * training split, whose decoder G is what dc.distill{method = "prior"}
 * optimises latent codes through. The userdata keeps its dataset alive (user
 * value 1): :interpolate starts from real images of it, and pictures show
 * pixels in the data's original units.
 *
 * Shown as a table (generator, latent size, epochs, loss, reconstruction
 * RMSE), a PNG grid of samples G(z, class) with z ~ N(0, I) drawn from a
 * fixed seed, one row per class (also the bundle's image/png), and the loss
 * and RMSE per epoch. :interpolate{class =, steps =} renders G along a line
 * between two codes: what the prior learned between two images. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cz.h"
#include "../display/pngenc.h"
#include "box.h"
#include "errors.h"
#include "lua_run.h"
#include "object_view.h"
#include "objects.h"
#include "options.h"
#include "registry.h"

#define SAMPLE_COLS 8
#define SAMPLE_SEED 20230601u /* fixed, so a prior looks the same every time it is shown */
#define GRID_PAD 2
#define PICTURE_MT "condensa.picture"

static void prior_free(void *obj)
{
    cz_prior *p = obj;
    cz_prior_free(&p);
}

static cz_status prior_digest(const void *obj, uint8_t out[32], cz_error *err)
{
    return cz_prior_digest(obj, out, err);
}

static const cz_generator_spec *spec_of(const cz_prior *p)
{
    return cz_generator_spec_of(cz_prior_generator(p));
}

/* The dataset of the userdata at self, when its images have the prior's shape. */
static const cz_dataset *prior_dataset(lua_State *L, int self, const cz_prior *p)
{
    if (lua_getiuservalue(L, self, 1) == LUA_TNONE) {
        lua_pop(L, 1);
        return NULL;
    }
    const cz_dataset *d = lua_object_test(L, -1, &lua_dataset_kind);
    lua_pop(L, 1);
    const cz_generator_spec *s = spec_of(p);
    int fits = d && d->is_image && d->channels == s->channels && d->height == s->height &&
               d->width == s->width && (s->classes == 0 || s->classes == d->classes);
    return fits ? d : NULL;
}

/* ---- pictures ------------------------------------------------------------- */

/* Values of G (the data's normalised units) to 8-bit pixels: through the
 * dataset's preprocessing when there is one (file units, [0, 1]), else
 * through the range G maps onto (the training data's min..max). */
typedef struct pixmap {
    const cz_dataset *d;
    double lo, span;
} pixmap;

static pixmap pixmap_of(const cz_prior *p, const cz_dataset *d)
{
    const cz_generator_spec *s = spec_of(p);
    pixmap m = {d && d->center && d->scale ? d : NULL, s->out_shift - s->out_scale,
                2.0 * s->out_scale};
    return m;
}

static uint8_t to_byte(const pixmap *m, size_t j, double v)
{
    v = m->d ? v * m->d->scale[j] + m->d->center[j] : (v - m->lo) / m->span;
    v = isfinite(v) ? (v < 0 ? 0 : v > 1 ? 1 : v) : 0;
    return (uint8_t)lround(v * 255);
}

/* Pushes the PNG (a Lua string) of rows x cols images x (C*H*W each, cell i
 * at row i / cols), zoomed 2x when narrower than 64 pixels. */
static void push_grid_png(lua_State *L, const char *fn, const cz_real *x, int rows, int cols,
                          const cz_generator_spec *s, const pixmap *m)
{
    int ch = s->channels == 3 ? 3 : 1, h = s->height, w = s->width;
    int zoom = w < 64 ? 2 : 1;
    int cw = w * zoom + GRID_PAD, chh = h * zoom + GRID_PAD;
    long width = (long)cols * cw + GRID_PAD, height = (long)rows * chh + GRID_PAD;
    if (width > PNG_MAX_SIDE || height > PNG_MAX_SIDE)
        lua_api_error(L, "ValueError", "ask for fewer images", "%s: %d x %d images of %dx%d do "
                      "not fit one picture (at most %d pixels a side)", fn, rows, cols, h, w,
                      PNG_MAX_SIDE);
    size_t plane = (size_t)h * (size_t)w, image = (size_t)s->channels * plane;
    uint8_t *px = box_block(L, (size_t)width * (size_t)height * (size_t)ch);
    memset(px, 255, (size_t)width * (size_t)height * (size_t)ch);
    for (int i = 0; i < rows * cols; i++) {
        int row = i / cols, col = i % cols;
        for (int yy = 0; yy < h * zoom; yy++)
            for (int xx = 0; xx < w * zoom; xx++)
                for (int k = 0; k < ch; k++) {
                    size_t j = (size_t)k * plane + (size_t)(yy / zoom) * (size_t)w +
                               (size_t)(xx / zoom);
                    size_t at = ((size_t)(GRID_PAD + row * chh + yy) * (size_t)width +
                                 (size_t)(GRID_PAD + col * cw + xx)) * (size_t)ch + (size_t)k;
                    px[at] = to_byte(m, j, x[(size_t)i * image + j]);
                }
    }
    uint8_t *png = NULL;
    size_t len = 0;
    char why[128];
    if (png_encode(&png, &len, px, (int)width, (int)height, ch, why, sizeof why) != 0)
        lua_api_error(L, "ValueError", NULL, "%s: %s", fn, why);
    /* Into GC-owned memory before any Lua call that may raise. */
    uint8_t *copy = box_block(L, len);
    memcpy(copy, png, len);
    free(png);
    lua_pushlstring(L, (const char *)copy, len);
    lua_replace(L, -3); /* over the pixel box; the copy's box is collected */
    lua_pop(L, 1);
}

static void gen_forward(lua_State *L, const char *fn, const cz_prior *p, const cz_real *z,
                        const int32_t *y, size_t n, cz_real *x)
{
    cz_error err;
    cz_error_clear(&err);
    if (cz_generator_forward(cz_prior_generator(p), cz_prior_theta(p), z,
                             spec_of(p)->classes ? y : NULL, n, x, &err) != CZ_OK)
        lua_api_raise_status(L, fn, &err);
}

/* Pushes the PNG of SAMPLE_COLS samples per class (one row each; one row for
 * an unconditional prior). */
static void push_samples_png(lua_State *L, const cz_prior *p, const pixmap *m)
{
    int top = lua_gettop(L);
    const cz_generator_spec *s = spec_of(p);
    int rows = s->classes > 0 ? s->classes : 1;
    size_t n = (size_t)rows * SAMPLE_COLS, latent = (size_t)s->latent;
    size_t image = cz_generator_image_size(cz_prior_generator(p));
    cz_real *z = box_block(L, n * latent * sizeof *z);
    int32_t *y = box_block(L, n * sizeof *y);
    cz_real *x = box_block(L, n * image * sizeof *x);
    cz_rng rng;
    cz_rng_seed(&rng, SAMPLE_SEED);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i / SAMPLE_COLS);
        for (size_t j = 0; j < latent; j++)
            z[i * latent + j] = (cz_real)cz_rng_normal(&rng);
    }
    gen_forward(L, "prior (display)", p, z, y, n, x);
    push_grid_png(L, "prior (display)", x, rows, SAMPLE_COLS, s, m);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}

/* ---- the object ------------------------------------------------------------ */

static double last_of(const double *h, int n)
{
    return n > 0 ? h[n - 1] : NAN;
}

static void push_list(lua_State *L, const double *v, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushnumber(L, v[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

static void prior_info(lua_State *L, const void *obj, int self)
{
    const cz_prior *p = obj;
    const cz_prior_opts *o = cz_prior_opts_of(p);
    const cz_generator_spec *s = spec_of(p);
    const cz_dataset *d = prior_dataset(L, self, p);
    int epochs;
    const double *loss = cz_prior_loss_history(p, &epochs);
    const double *rmse = cz_prior_rmse_history(p, &epochs);
    lua_set_int(L, "latent", o->latent);
    lua_set_int(L, "base", o->base);
    lua_set_int(L, "hidden", o->hidden);
    lua_pushboolean(L, o->conditional);
    lua_setfield(L, -2, "conditional");
    if (s->classes > 0 || d)
        lua_set_int(L, "classes", s->classes > 0 ? s->classes : d->classes);
    lua_createtable(L, 3, 0);
    int shape[3] = {s->channels, s->height, s->width};
    for (int i = 0; i < 3; i++) {
        lua_pushinteger(L, shape[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "shape");
    lua_set_int(L, "epochs", epochs);
    lua_set_int(L, "batch", o->batch);
    lua_set_num(L, "lr", o->lr);
    lua_set_num(L, "beta", o->beta);
    lua_set_num(L, "sigma", o->sigma);
    lua_set_int(L, "seed", (lua_Integer)o->seed);
    lua_set_int(L, "params", (lua_Integer)cz_generator_param_count(cz_prior_generator(p)));
    char desc[256];
    lua_set_str(L, "generator", cz_generator_describe(cz_prior_generator(p), desc, sizeof desc));
    lua_set_num(L, "loss", last_of(loss, epochs));
    lua_set_num(L, "rmse", last_of(rmse, epochs));
    push_list(L, loss, epochs);
    lua_setfield(L, -2, "loss_history");
    push_list(L, rmse, epochs);
    lua_setfield(L, -2, "rmse_history");
}

static void prior_text(lua_State *L, const void *obj, int self)
{
    (void)self;
    const cz_prior *p = obj;
    int epochs;
    const double *loss = cz_prior_loss_history(p, &epochs);
    const double *rmse = cz_prior_rmse_history(p, &epochs);
    char desc[256], nums[96];
    cz_generator_describe(cz_prior_generator(p), desc, sizeof desc);
    snprintf(nums, sizeof nums, "last loss %.4g, reconstruction RMSE %.4f", last_of(loss, epochs),
             last_of(rmse, epochs));
    lua_pushfstring(L, "prior: %s VAE, latent %d; %s; %d epochs, %s (pixel units, 1 = the "
                       "data's range)",
                    cz_prior_opts_of(p)->conditional ? "conditional" : "unconditional",
                    cz_prior_opts_of(p)->latent, desc, epochs, nums);
}

static void prior_mime(lua_State *L, const void *obj, int self)
{
    const cz_prior *p = obj;
    const cz_prior_opts *o = cz_prior_opts_of(p);
    const cz_generator_spec *s = spec_of(p);
    const cz_dataset *d = prior_dataset(L, self, p);
    int top = lua_gettop(L);
    pixmap m = pixmap_of(p, d);
    push_samples_png(L, p, &m); /* top + 1 */
    strbuf *html = box_strbuf(L);
    int epochs;
    const double *loss = cz_prior_loss_history(p, &epochs);
    const double *rmse = cz_prior_rmse_history(p, &epochs);
    char desc[256];
    view_grid g = view_grid_new(L, 7, 2);
    view_cell(&g, 0, 0, "generator");
    view_cell(&g, 0, 1, "%s", cz_generator_describe(cz_prior_generator(p), desc, sizeof desc));
    view_cell(&g, 1, 0, "latent code");
    view_cell(&g, 1, 1, "%d values, %s", o->latent,
              o->conditional ? "plus the one-hot class" : "no class");
    view_cell(&g, 2, 0, "encoder");
    view_cell(&g, 2, 1, "%d hidden units", o->hidden);
    view_cell(&g, 3, 0, "training");
    view_cell(&g, 3, 1, "%d epochs, Adam lr %g, batch %d, seed %llu", epochs, o->lr, o->batch,
              (unsigned long long)o->seed);
    view_cell(&g, 4, 0, "objective");
    view_cell(&g, 4, 1, "beta %g, sigma %g", o->beta, o->sigma);
    view_cell(&g, 5, 0, "last loss per image");
    view_cell(&g, 5, 1, "%.4g", last_of(loss, epochs));
    view_cell(&g, 6, 0, "reconstruction RMSE");
    view_cell(&g, 6, 1, "%.4f (1 = the data's range)", last_of(rmse, epochs));
    static const char *const header[] = {"", "value"};
    view_table(html, &g, header, NULL, "Deep generative prior (VAE)");
    size_t len;
    const char *png = lua_tolstring(L, top + 1, &len);
    sb_printf(html, "<p><b>Samples G(z%s)</b>, z ~ N(0, I): ", s->classes ? ", class" : "");
    if (s->classes) {
        sb_puts(html, "one row per class");
        for (int c = 0; d && d->class_names && c < s->classes; c++) {
            sb_puts(html, c ? ", " : " (");
            sb_append_html(html, d->class_names[c], strlen(d->class_names[c]));
        }
        sb_puts(html, d && d->class_names ? ")" : "");
    } else {
        sb_puts(html, "unconditional");
    }
    sb_puts(html, "</p>");
    view_img(html, (const uint8_t *)png, len, "samples of the prior");
    if (epochs > 0) {
        chart_series ls = {"loss", NULL, loss, (size_t)epochs};
        chart_options lo = {0, 0, true, "VAE loss per image, per epoch", "epoch", "loss"};
        view_chart(html, &ls, 1, &lo);
        chart_series rs = {"RMSE", NULL, rmse, (size_t)epochs};
        chart_options ro = {0, 0, false, "Reconstruction RMSE per epoch", "epoch", "RMSE"};
        view_chart(html, &rs, 1, &ro);
    }
    view_push_html(L, html);
    lua_pushvalue(L, top + 1);
    lua_setfield(L, -2, "image/png");
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
}

/* ---- :interpolate ---------------------------------------------------------- */

static int picture_mime(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_getfield(L, 1, "png");
    lua_setfield(L, -2, "image/png");
    lua_getfield(L, 1, "text");
    lua_setfield(L, -2, "text/plain");
    return 1;
}

static int picture_tostring(lua_State *L)
{
    lua_getfield(L, 1, "text");
    return 1;
}

/* The class option: a label in [0, classes) or a class name. */
static int read_class(lua_State *L, const char *fn, int classes, const cz_dataset *d)
{
    if (!opts_has(L, 2, "class"))
        return 0;
    lua_getfield(L, 2, "class");
    int c = -1;
    if (lua_type(L, -1) == LUA_TSTRING) {
        const char *name = lua_tostring(L, -1);
        for (int k = 0; d && d->class_names && k < classes; k++)
            if (strcmp(d->class_names[k], name) == 0)
                c = k;
        if (c < 0)
            lua_api_error(L, "ValueError", "pass a label from 0 to classes - 1, or a class name "
                          "of the dataset", "%s: no class is named \"%s\"", fn, name);
    } else {
        c = (int)opts_integer(L, 2, fn, "class", 0, 0, classes - 1);
    }
    lua_pop(L, 1);
    return c;
}

/* Rows of class c in the training split: two distinct ones drawn by rng. */
static void two_rows(lua_State *L, const char *fn, const cz_dataset *d, int c, cz_rng *rng,
                     size_t rows[2])
{
    const cz_split_data *t = &d->split[CZ_TRAIN];
    size_t n = 0;
    for (size_t i = 0; i < t->rows; i++)
        n += t->y[i] == c;
    if (n < 2)
        lua_api_error(L, "ValueError", "pick another class, or pass from = \"random\"",
                      "%s: class %d has %zu training image%s; two are needed", fn, c, n,
                      n == 1 ? "" : "s");
    size_t a = (size_t)cz_rng_below(rng, n), b = (size_t)cz_rng_below(rng, n - 1);
    b += b >= a;
    for (size_t i = 0, k = 0; i < t->rows; i++)
        if (t->y[i] == c) {
            if (k == a)
                rows[0] = i;
            if (k == b)
                rows[1] = i;
            k++;
        }
}

static int l_interpolate(lua_State *L)
{
    const char *fn = "prior:interpolate";
    const cz_prior *p = lua_object_check(L, 1, &lua_prior_kind, fn, 1);
    static const char *const known[] = {"class", "steps", "from", "seed", NULL};
    opts_check(L, 2, fn, known);
    lua_settop(L, 2);
    const cz_dataset *d = prior_dataset(L, 1, p);
    const cz_generator_spec *s = spec_of(p);
    int steps = (int)opts_integer(L, 2, fn, "steps", 8, 2, 64);
    uint64_t seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    static const char *const ends[] = {"real", "random", NULL};
    int real = opts_choice(L, 2, fn, "from", ends, d ? 0 : 1) == 0;
    if (real && !d)
        lua_api_error(L, "StateError", "pass from = \"random\", or train the prior with "
                      "dc.prior(dataset) in this session", "%s: from = \"real\" starts from two "
                      "training images, but this prior has no dataset with it", fn);
    int classes = s->classes > 0 ? s->classes : d ? d->classes : 0;
    if (classes == 0 && opts_has(L, 2, "class"))
        lua_api_error(L, "ValueError", "leave class out", "%s: this prior is unconditional and "
                      "has no dataset with it, so there is no class to pick", fn);
    int c = classes > 0 ? read_class(L, fn, classes, d) : 0;
    size_t latent = (size_t)s->latent, image = cz_generator_image_size(cz_prior_generator(p));
    int cols = steps + (real ? 2 : 0);
    cz_real *ends_z = box_block(L, 2 * latent * sizeof *ends_z);
    cz_real *z = box_block(L, (size_t)steps * latent * sizeof *z);
    int32_t *y = box_block(L, (size_t)cols * sizeof *y);
    cz_real *x = box_block(L, (size_t)cols * image * sizeof *x);
    for (int i = 0; i < cols; i++)
        y[i] = c;
    cz_rng rng;
    cz_rng_seed(&rng, seed);
    size_t rows[2] = {0, 0};
    if (real) {
        two_rows(L, fn, d, c, &rng, rows);
        const cz_split_data *t = &d->split[CZ_TRAIN];
        memcpy(x, t->x + rows[0] * image, image * sizeof *x);
        memcpy(x + (size_t)(cols - 1) * image, t->x + rows[1] * image, image * sizeof *x);
        cz_real *pair = box_block(L, 2 * image * sizeof *pair);
        memcpy(pair, t->x + rows[0] * image, image * sizeof *x);
        memcpy(pair + image, t->x + rows[1] * image, image * sizeof *x);
        cz_error err;
        cz_error_clear(&err);
        if (cz_prior_encode((cz_prior *)p, pair, y, 2, ends_z, &err) != CZ_OK)
            lua_api_raise_status(L, fn, &err);
    } else {
        for (size_t j = 0; j < 2 * latent; j++)
            ends_z[j] = (cz_real)cz_rng_normal(&rng);
    }
    for (int i = 0; i < steps; i++) {
        double t = (double)i / (steps - 1);
        for (size_t j = 0; j < latent; j++)
            z[(size_t)i * latent + j] = (cz_real)((1 - t) * ends_z[j] + t * ends_z[latent + j]);
    }
    gen_forward(L, fn, p, z, y, (size_t)steps, x + (real ? image : 0));
    pixmap m = pixmap_of(p, d);
    push_grid_png(L, fn, x, 1, cols, s, &m);
    int png = lua_gettop(L);
    lua_createtable(L, 0, 8);
    lua_pushvalue(L, png);
    lua_setfield(L, -2, "png");
    lua_set_int(L, "steps", steps);
    lua_set_str(L, "from", real ? "real" : "random");
    if (classes > 0)
        lua_set_int(L, "class", c);
    if (real) {
        lua_set_int(L, "first", (lua_Integer)rows[0] + 1);
        lua_set_int(L, "last", (lua_Integer)rows[1] + 1);
    }
    char cls[96] = "", label[16];
    snprintf(label, sizeof label, "%d", c);
    /* the class name, when it says more than the label */
    const char *name = d && d->class_names && strcmp(d->class_names[c], label) != 0
                           ? d->class_names[c] : NULL;
    if (classes > 0)
        snprintf(cls, sizeof cls, " of class %d%s%s%s", c, name ? " (" : "", name ? name : "",
                 name ? ")" : "");
    if (real)
        lua_pushfstring(L, "interpolation: %d images G(z) along the line between the codes of "
                           "training images %d and %d%s (shown first and last)",
                        steps, (int)rows[0] + 1, (int)rows[1] + 1, cls);
    else
        lua_pushfstring(L, "interpolation: %d images G(z) along the line between two random "
                           "codes z ~ N(0, I)%s",
                        steps, cls);
    lua_setfield(L, -2, "text");
    if (luaL_newmetatable(L, PICTURE_MT)) {
        lua_pushcfunction(L, picture_mime);
        lua_setfield(L, -2, "__mime");
        lua_pushcfunction(L, picture_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_setmetatable(L, -2);
    return 1;
}

static const luaL_Reg methods[] = {
    {"interpolate", l_interpolate},
    {NULL, NULL},
};

const lua_object_kind lua_prior_kind = {
    "prior", "condensa.prior", "a generative prior", prior_free, prior_digest,
    prior_info, prior_text, prior_mime, methods,
};

/* ---- dc.prior -------------------------------------------------------------- */

static int l_prior(lua_State *L)
{
    const char *fn = "dc.prior";
    const cz_dataset *d = lua_object_check(L, 1, &lua_dataset_kind, fn, 1);
    static const char *const known[] = {"latent", "base", "hidden", "conditional", "epochs",
                                        "batch", "lr", "beta", "sigma", "seed", NULL};
    opts_check(L, 2, fn, known);
    if (!d->is_image)
        lua_api_error(L, "ValueError", "load images with dc.load_npz(path); tabular data is "
                      "distilled in its own units (method = \"mtt\", \"btm\", \"dm\", ...)",
                      "%s: the generative prior learns images, and dataset \"%s\" is tabular "
                      "(%zu features)", fn, d->name, d->features);
    if (d->height % 4 != 0 || d->width % 4 != 0)
        lua_api_error(L, "ValueError", "resize the images to sides divisible by 4 (e.g. 28x28)",
                      "%s: the generator doubles H/4 x W/4 twice, so image sides must be "
                      "multiples of 4; \"%s\" has %dx%d images", fn, d->name, d->height, d->width);
    cz_prior_opts o = cz_prior_opts_default();
    o.latent = (int)opts_integer(L, 2, fn, "latent", o.latent, 1, 4096);
    o.base = (int)opts_integer(L, 2, fn, "base", o.base, 4, 4096);
    o.hidden = (int)opts_integer(L, 2, fn, "hidden", o.hidden, 1, 65536);
    o.conditional = opts_boolean(L, 2, fn, "conditional", o.conditional != 0);
    o.epochs = (int)opts_integer(L, 2, fn, "epochs", o.epochs, 1, 100000);
    o.batch = (int)opts_integer(L, 2, fn, "batch", o.batch, 1, 1 << 20);
    o.lr = opts_number(L, 2, fn, "lr", o.lr, 1e-12, 1e3);
    o.beta = opts_number(L, 2, fn, "beta", o.beta, 0, 1e6);
    o.sigma = opts_number(L, 2, fn, "sigma", o.sigma, 1e-6, 1e3);
    o.seed = (uint64_t)opts_integer(L, 2, fn, "seed", 0, 0, INT64_MAX);
    lua_settop(L, 2);
    lua_run *run = lua_run_begin(L, fn, o.epochs);
    void **slot = lua_object_new(L, &lua_prior_kind, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    cz_error err;
    cz_error_clear(&err);
    /* G lives in host memory (generator.h): the prior trains on the CPU
     * backend whatever the session's backend is. */
    cz_status st = cz_prior_train(d, &o, cz_backend_cpu(), lua_run_cancel(L), lua_run_progress(),
                                  lua_run_user(run), (cz_prior **)slot, &err);
    lua_run_end(run);
    if (st != CZ_OK)
        lua_api_raise_status(L, fn, &err);
    return 1;
}

static const lua_api_func funcs[] = {
    {"prior", l_prior, "dc.prior(dataset [, opts]) -> prior",
     "Trains the deep generative prior on an image dataset's training split: a conditional "
     "VAE whose decoder G (latent code + one-hot class -> image) is what dc.distill{method = "
     "\"prior\"} optimises latent codes through (GLaD). Shows a live progress bar with the loss "
     "and the reconstruction RMSE; an interrupt stops it at the next minibatch (nothing is "
     "kept). Tabular datasets are refused. Options: latent (32 values per code), base (64 "
     "generator channels), hidden (256 encoder units), conditional (true), epochs (30), batch "
     "(64), lr (1e-3, Adam), beta (1, KL weight), sigma (0.1, reconstruction noise in units "
     "where 2 spans the data), seed (0). Methods: :info(), :interpolate{class = 0, steps = 8, "
     "from = \"real\" | \"random\", seed = 0} renders G along the line between the codes of "
     "two training images of the class (or two random codes)."},
    {NULL, NULL, NULL, NULL},
};

static void setup(lua_State *L)
{
    lua_object_register(L, &lua_prior_kind);
}

const lua_api_group lua_prior_group = {
    "dc", "Deep generative prior: a VAE's decoder G for dc.distill{method = \"prior\"}.", funcs,
    setup,
};
