/* DSA per-image kernels and their adjoints (formulas in docs/images.md).
 * Sums run in double in a fixed order so forward and adjoint agree to
 * rounding and results do not depend on the batch size. */
#include "dsa_ops.h"

#include <math.h>
#include <string.h>

/* ---- color: brightness, saturation, contrast ---------------------------- */

/* Saturation's linear part: y = sat * x + (1 - sat) * mean_over_channels(x),
 * a symmetric operator, so it is its own adjoint. */
static void saturate(const dsa_shape *s, double sat, const cz_real *in, cz_real *out)
{
    size_t plane = (size_t)s->h * (size_t)s->w;
    for (size_t k = 0; k < plane; k++) {
        double mean = 0.0;
        for (int c = 0; c < s->c; c++)
            mean += in[(size_t)c * plane + k];
        mean /= s->c;
        for (int c = 0; c < s->c; c++) {
            size_t at = (size_t)c * plane + k;
            out[at] = (cz_real)(sat * in[at] + (1.0 - sat) * mean);
        }
    }
}

/* Contrast's linear part: y = f * x + (1 - f) * mean_over_image(x); symmetric. */
static void contrast(const dsa_shape *s, double f, const cz_real *in, cz_real *out)
{
    size_t n = (size_t)s->c * (size_t)s->h * (size_t)s->w;
    double mean = 0.0;
    for (size_t k = 0; k < n; k++)
        mean += in[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++)
        out[k] = (cz_real)(f * in[k] + (1.0 - f) * mean);
}

void dsa_color_fwd(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    size_t n = (size_t)s->c * (size_t)s->h * (size_t)s->w;
    /* Brightness adds a constant, which saturation and contrast keep (both
     * fix constant images), so adding it last gives the same image and keeps
     * the linear part in one place. */
    saturate(s, p->sat, in, out);
    contrast(s, p->contrast, out, out);
    for (size_t k = 0; k < n; k++)
        out[k] = (cz_real)(out[k] + p->bright);
}

void dsa_color_adj(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    contrast(s, p->contrast, in, out);
    saturate(s, p->sat, out, out);
}

/* ---- crop (translation with zero fill) ----------------------------------- */

void dsa_crop_fwd(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    for (int c = 0; c < s->c; c++) {
        const cz_real *src = in + (size_t)c * s->h * s->w;
        cz_real *dst = out + (size_t)c * s->h * s->w;
        for (int i = 0; i < s->h; i++) {
            int si = i + p->shift_y;
            for (int j = 0; j < s->w; j++) {
                int sj = j + p->shift_x;
                int inside = si >= 0 && si < s->h && sj >= 0 && sj < s->w;
                dst[i * s->w + j] = inside ? src[si * s->w + sj] : 0;
            }
        }
    }
}

void dsa_crop_adj(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    /* The forward is a partial permutation: its transpose moves each value back. */
    memset(out, 0, sizeof(cz_real) * (size_t)s->c * s->h * s->w);
    for (int c = 0; c < s->c; c++) {
        const cz_real *g = in + (size_t)c * s->h * s->w;
        cz_real *gx = out + (size_t)c * s->h * s->w;
        for (int i = 0; i < s->h; i++) {
            int si = i + p->shift_y;
            if (si < 0 || si >= s->h)
                continue;
            for (int j = 0; j < s->w; j++) {
                int sj = j + p->shift_x;
                if (sj >= 0 && sj < s->w)
                    gx[si * s->w + sj] = g[i * s->w + j];
            }
        }
    }
}

/* ---- cutout and flip ------------------------------------------------------ */

/* The reference indexes patch rows centre - side/2 + k, k < side, clamped to
 * the image: the zeroed band is the intersection with [0, H - 1]. */
static void band(int centre, int side, int size, int *lo, int *hi)
{
    int a = centre - side / 2, b = a + side - 1;
    *lo = a < 0 ? 0 : a;
    *hi = b > size - 1 ? size - 1 : b;
}

void dsa_cutout(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    int r0, r1, c0, c1;
    band(p->cut_y, s->cut_h, s->h, &r0, &r1);
    band(p->cut_x, s->cut_w, s->w, &c0, &c1);
    for (int c = 0; c < s->c; c++)
        for (int i = 0; i < s->h; i++)
            for (int j = 0; j < s->w; j++) {
                size_t at = ((size_t)c * s->h + i) * s->w + j;
                int hole = i >= r0 && i <= r1 && j >= c0 && j <= c1;
                out[at] = hole ? 0 : in[at];
            }
}

void dsa_flip(const dsa_shape *s, const cz_dsa_draw *p, const cz_real *in, cz_real *out)
{
    size_t rows = (size_t)s->c * s->h;
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < s->w; j++)
            out[r * s->w + j] = in[r * s->w + (p->flip ? s->w - 1 - j : j)];
}

/* ---- affine grid + bilinear sampling (scale, rotate) -------------------- */

/* The four source taps of output pixel (i, j) as PyTorch's affine_grid and
 * grid_sample compute them with align_corners=True and zero padding: taps
 * outside the image get weight 0 and index 0. Forward and adjoint both call
 * this, so they use bit-identical weights. */
static void taps(const dsa_shape *s, const double a[4], int i, int j, size_t idx[4], double wt[4])
{
    double xn = s->w > 1 ? -1.0 + 2.0 * j / (s->w - 1) : -1.0;
    double yn = s->h > 1 ? -1.0 + 2.0 * i / (s->h - 1) : -1.0;
    double xs = a[0] * xn + a[1] * yn, ys = a[2] * xn + a[3] * yn;
    double px = (xs + 1.0) * 0.5 * (s->w - 1), py = (ys + 1.0) * 0.5 * (s->h - 1);
    double fx = floor(px), fy = floor(py);
    double tx = px - fx, ty = py - fy;
    int x0 = (int)fx, y0 = (int)fy;
    for (int k = 0; k < 4; k++) {
        int yy = y0 + (k >> 1), xx = x0 + (k & 1);
        double w = ((k >> 1) ? ty : 1.0 - ty) * ((k & 1) ? tx : 1.0 - tx);
        int inside = yy >= 0 && yy < s->h && xx >= 0 && xx < s->w;
        idx[k] = inside ? (size_t)yy * s->w + xx : 0;
        wt[k] = inside ? w : 0.0;
    }
}

void dsa_affine_fwd(const dsa_shape *s, const double a[4], const cz_real *in, cz_real *out)
{
    size_t plane = (size_t)s->h * s->w;
    for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++) {
            size_t idx[4];
            double wt[4];
            taps(s, a, i, j, idx, wt);
            for (int c = 0; c < s->c; c++) {
                const cz_real *src = in + (size_t)c * plane;
                double v = wt[0] * src[idx[0]] + wt[1] * src[idx[1]] + wt[2] * src[idx[2]] +
                           wt[3] * src[idx[3]];
                out[(size_t)c * plane + (size_t)i * s->w + j] = (cz_real)v;
            }
        }
}

void dsa_affine_adj(const dsa_shape *s, const double a[4], const cz_real *in, cz_real *out)
{
    size_t plane = (size_t)s->h * s->w;
    memset(out, 0, sizeof(cz_real) * (size_t)s->c * plane);
    for (int i = 0; i < s->h; i++)
        for (int j = 0; j < s->w; j++) {
            size_t idx[4];
            double wt[4];
            taps(s, a, i, j, idx, wt);
            for (int c = 0; c < s->c; c++) {
                double g = in[(size_t)c * plane + (size_t)i * s->w + j];
                cz_real *dst = out + (size_t)c * plane;
                for (int k = 0; k < 4; k++)
                    dst[idx[k]] = (cz_real)(dst[idx[k]] + wt[k] * g);
            }
        }
}
