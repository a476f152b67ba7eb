/* DSA object: options, seeded draws, and the batch loop that applies the
 * chosen families image by image (forward) or their adjoints in reverse
 * order (backward). The kernels are in dsa_ops.c. */
#include "dsa.h"

#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/rng.h"
#include "dsa_ops.h"

struct cz_dsa {
    cz_dsa_opts opts;
    dsa_shape shape;
    size_t image;       /* C*H*W */
    cz_real *a, *b;     /* one image each: ping-pong buffers */
};

static const char *const family_names[CZ_DSA_FAMILY_COUNT] = {
    "color", "crop", "cutout", "flip", "scale", "rotate",
};

#define ALL_FAMILIES ((1u << CZ_DSA_FAMILY_COUNT) - 1u)

const char *cz_dsa_family_name(cz_dsa_family f)
{
    return (unsigned)f < CZ_DSA_FAMILY_COUNT ? family_names[f] : "unknown";
}

cz_dsa_opts cz_dsa_opts_default(int channels, int height, int width)
{
    cz_dsa_opts o = {
        .channels = channels, .height = height, .width = width,
        .families = ALL_FAMILIES, .mode = CZ_DSA_MODE_ONE, .shared = 0,
        .brightness = 1.0, .saturation = 2.0, .contrast = 0.5, .crop_pad = 0.125,
        .cutout = 0.5, .flip_prob = 0.5, .scale = 1.2, .rotate_deg = 15.0,
    };
    return o;
}

cz_status cz_dsa_parse_strategy(const char *strategy, unsigned *families, cz_error *err)
{
    static const char known[] = "color, crop, cutout, flip, scale, rotate";
    if (!strategy || !*strategy)
        return cz_error_set(err, CZ_EINVAL, "e.g. \"color_crop_cutout_flip_scale_rotate\"",
                            "empty DSA strategy");
    unsigned mask = 0;
    const char *p = strategy;
    while (*p) {
        size_t len = strcspn(p, "_");
        int found = -1;
        for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
            if (strlen(family_names[f]) == len && strncmp(p, family_names[f], len) == 0)
                found = f;
        if (found < 0)
            return cz_error_set(err, CZ_EINVAL, known,
                                "unknown DSA family \"%.*s\" in strategy \"%s\"; the known ones are",
                                (int)(len < 64 ? len : 64), p, strategy);
        if (mask & (1u << found))
            return cz_error_set(err, CZ_EINVAL, "name each family once",
                                "DSA family \"%s\" repeated in strategy \"%s\"",
                                family_names[found], strategy);
        mask |= 1u << found;
        p += len;
        if (*p == '_' && *++p == '\0')
            return cz_error_set(err, CZ_EINVAL, "remove the trailing '_'",
                                "DSA strategy \"%s\" ends with '_'", strategy);
    }
    *families = mask;
    return CZ_OK;
}

static cz_status check_opts(const cz_dsa_opts *o, cz_error *err)
{
    if (o->channels < 1 || o->height < 1 || o->width < 1)
        return cz_error_set(err, CZ_ESHAPE, "pass the image shape (channels, height, width)",
                            "DSA image shape %dx%dx%d has a dimension < 1", o->channels,
                            o->height, o->width);
    if ((size_t)o->channels * (size_t)o->height * (size_t)o->width > ((size_t)1 << 28))
        return cz_error_set(err, CZ_ESHAPE, NULL, "DSA image shape %dx%dx%d is too large",
                            o->channels, o->height, o->width);
    if (o->families & ~ALL_FAMILIES)
        return cz_error_set(err, CZ_EINVAL, "use (1u << CZ_DSA_*) bits or cz_dsa_parse_strategy",
                            "DSA family mask 0x%x has unknown bits", o->families);
    if (o->mode != CZ_DSA_MODE_ONE && o->mode != CZ_DSA_MODE_ALL)
        return cz_error_set(err, CZ_EINVAL, "CZ_DSA_MODE_ONE or CZ_DSA_MODE_ALL",
                            "DSA mode %d is unknown", (int)o->mode);
    int ok = isfinite(o->brightness) && isfinite(o->saturation) && isfinite(o->contrast) &&
             o->crop_pad >= 0 && o->crop_pad <= 1 && o->cutout >= 0 && o->cutout <= 1 &&
             o->flip_prob >= 0 && o->flip_prob <= 1 && o->scale >= 1 && isfinite(o->scale) &&
             o->rotate_deg >= 0 && o->rotate_deg <= 180;
    if (!ok)
        return cz_error_set(err, CZ_EINVAL,
                            "crop_pad, cutout, flip_prob in [0, 1]; scale >= 1; rotate_deg in "
                            "[0, 180]; color factors finite",
                            "DSA parameters out of range (crop_pad %g, cutout %g, flip_prob %g, "
                            "scale %g, rotate_deg %g)",
                            o->crop_pad, o->cutout, o->flip_prob, o->scale, o->rotate_deg);
    return CZ_OK;
}

cz_status cz_dsa_new(const cz_dsa_opts *opts, cz_dsa **out, cz_error *err)
{
    *out = NULL;
    cz_status st = check_opts(opts, err);
    if (st != CZ_OK)
        return st;
    cz_dsa *d = cz_calloc(1, sizeof *d);
    if (!d)
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for the DSA object");
    d->opts = *opts;
    if (d->opts.families == 0)
        d->opts.families = ALL_FAMILIES;
    d->shape = (dsa_shape){
        .c = opts->channels, .h = opts->height, .w = opts->width,
        .cut_h = (int)(opts->height * opts->cutout + 0.5),
        .cut_w = (int)(opts->width * opts->cutout + 0.5),
    };
    d->image = (size_t)opts->channels * opts->height * opts->width;
    d->a = cz_calloc(d->image, sizeof(cz_real));
    d->b = cz_calloc(d->image, sizeof(cz_real));
    if (!d->a || !d->b) {
        cz_dsa_free(&d);
        return cz_error_set(err, CZ_ENOMEM, NULL, "out of memory for DSA scratch (%zu values)",
                            2 * (size_t)opts->channels * opts->height * opts->width);
    }
    *out = d;
    return CZ_OK;
}

void cz_dsa_free(cz_dsa **d)
{
    if (!d || !*d)
        return;
    cz_free((*d)->a);
    cz_free((*d)->b);
    cz_free(*d);
    *d = NULL;
}

const cz_dsa_opts *cz_dsa_opts_of(const cz_dsa *d)
{
    return &d->opts;
}

size_t cz_dsa_image_size(const cz_dsa *d)
{
    return d->image;
}

cz_dsa_family cz_dsa_family_of(const cz_dsa *d, uint64_t seed)
{
    unsigned mask = d->opts.families;
    int count = 0;
    for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
        count += (mask >> f) & 1u;
    cz_rng r;
    cz_rng_seed(&r, seed);
    uint64_t pick = cz_rng_below(&r, (uint64_t)count);
    for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
        if (((mask >> f) & 1u) && pick-- == 0)
            return (cz_dsa_family)f;
    return CZ_DSA_COLOR; /* unreachable: mask is never empty */
}

/* Integer uniform in [lo, hi]. */
static int uniform_int(cz_rng *r, int lo, int hi)
{
    return lo + (int)cz_rng_below(r, (uint64_t)(hi - lo + 1));
}

cz_dsa_draw cz_dsa_draw_of(const cz_dsa *d, uint64_t seed, size_t i)
{
    const cz_dsa_opts *o = &d->opts;
    if (o->shared)
        i = 0;
    /* Image i's stream: a hash of (seed, i), so an image's draw does not
     * depend on the batch size and never overlaps the family-choice stream. */
    uint64_t st = seed ^ ((uint64_t)(i + 1) * 0xd1342543de82ef95ULL);
    cz_rng r;
    cz_rng_seed(&r, cz_splitmix64(&st));
    cz_dsa_draw p;
    /* Every field is drawn, in this fixed order, whatever families are on. */
    p.bright = (cz_rng_uniform(&r) - 0.5) * o->brightness;
    p.sat = cz_rng_uniform(&r) * o->saturation;
    p.contrast = cz_rng_uniform(&r) + o->contrast;
    int sy = (int)(o->height * o->crop_pad + 0.5), sx = (int)(o->width * o->crop_pad + 0.5);
    p.shift_y = uniform_int(&r, -sy, sy);
    p.shift_x = uniform_int(&r, -sx, sx);
    /* Reference: centre in [0, size + (1 - side % 2)). */
    p.cut_y = uniform_int(&r, 0, o->height - (d->shape.cut_h % 2));
    p.cut_x = uniform_int(&r, 0, o->width - (d->shape.cut_w % 2));
    p.flip = cz_rng_uniform(&r) < o->flip_prob;
    double lo = 1.0 / o->scale;
    p.sx = cz_rng_uniform(&r) * (o->scale - lo) + lo;
    p.sy = cz_rng_uniform(&r) * (o->scale - lo) + lo;
    p.angle = (cz_rng_uniform(&r) - 0.5) * 2.0 * o->rotate_deg / 180.0 * M_PI;
    return p;
}

static void affine_matrix(cz_dsa_family f, const cz_dsa_draw *p, double a[4])
{
    if (f == CZ_DSA_SCALE) {
        a[0] = p->sx, a[1] = 0.0, a[2] = 0.0, a[3] = p->sy;
    } else {
        double c = cos(p->angle), s = sin(p->angle);
        a[0] = c, a[1] = -s, a[2] = s, a[3] = c;
    }
}

static void apply(const cz_dsa *d, cz_dsa_family f, int adjoint, const cz_dsa_draw *p,
                  const cz_real *in, cz_real *out)
{
    const dsa_shape *s = &d->shape;
    double a[4];
    switch (f) {
    case CZ_DSA_COLOR:
        (adjoint ? dsa_color_adj : dsa_color_fwd)(s, p, in, out);
        break;
    case CZ_DSA_CROP:
        (adjoint ? dsa_crop_adj : dsa_crop_fwd)(s, p, in, out);
        break;
    case CZ_DSA_CUTOUT:
        dsa_cutout(s, p, in, out);
        break;
    case CZ_DSA_FLIP:
        dsa_flip(s, p, in, out);
        break;
    case CZ_DSA_SCALE:
    case CZ_DSA_ROTATE:
        affine_matrix(f, p, a);
        (adjoint ? dsa_affine_adj : dsa_affine_fwd)(s, a, in, out);
        break;
    default:
        CZ_ASSERT(0 && "unknown DSA family");
    }
}

/* The families one call applies, in forward order. */
static int plan(const cz_dsa *d, uint64_t seed, cz_dsa_family list[CZ_DSA_FAMILY_COUNT])
{
    if (d->opts.mode == CZ_DSA_MODE_ONE) {
        list[0] = cz_dsa_family_of(d, seed);
        return 1;
    }
    int k = 0;
    for (int f = 0; f < CZ_DSA_FAMILY_COUNT; f++)
        if ((d->opts.families >> f) & 1u)
            list[k++] = (cz_dsa_family)f;
    return k;
}

static cz_status run(cz_dsa *d, int adjoint, uint64_t seed, const cz_real *in, size_t n,
                     cz_real *out, cz_error *err)
{
    if (n == 0)
        return CZ_OK;
    if (!in || !out)
        return cz_error_set(err, CZ_EINVAL, "pass n * C*H*W values in and out",
                            "DSA %s called with a NULL buffer for %zu images",
                            adjoint ? "backward" : "forward", n);
    cz_dsa_family list[CZ_DSA_FAMILY_COUNT];
    int count = plan(d, seed, list);
    for (size_t i = 0; i < n; i++) {
        cz_dsa_draw p = cz_dsa_draw_of(d, seed, i);
        cz_real *cur = d->a, *next = d->b;
        memcpy(cur, in + i * d->image, d->image * sizeof(cz_real));
        for (int k = 0; k < count; k++) {
            cz_dsa_family f = list[adjoint ? count - 1 - k : k];
            apply(d, f, adjoint, &p, cur, next);
            cz_real *t = cur;
            cur = next;
            next = t;
        }
        memcpy(out + i * d->image, cur, d->image * sizeof(cz_real));
    }
    return CZ_OK;
}

cz_status cz_dsa_forward(cz_dsa *d, uint64_t seed, const cz_real *x, size_t n, cz_real *out,
                         cz_error *err)
{
    return run(d, 0, seed, x, n, out, err);
}

cz_status cz_dsa_backward(cz_dsa *d, uint64_t seed, const cz_real *grad_out, size_t n,
                          cz_real *grad_x, cz_error *err)
{
    return run(d, 1, seed, grad_out, n, grad_x, err);
}

static cz_status hook_forward(void *user, uint64_t seed, const cz_real *x, size_t n, cz_real *out,
                              cz_error *err)
{
    return cz_dsa_forward(user, seed, x, n, out, err);
}

static cz_status hook_backward(void *user, uint64_t seed, const cz_real *grad_out, size_t n,
                               cz_real *grad_x, cz_error *err)
{
    return cz_dsa_backward(user, seed, grad_out, n, grad_x, err);
}

cz_augment cz_dsa_augment(cz_dsa *d)
{
    cz_augment a = {.forward = hook_forward, .backward = hook_backward, .user = d};
    return a;
}
