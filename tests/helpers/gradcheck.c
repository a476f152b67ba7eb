/* Central-difference derivative checks (see gradcheck.h). */
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

gc_report gc_compare(const cz_real *a, const cz_real *b, size_t m)
{
    gc_report r = {0};
    double worst = -1;
    for (size_t i = 0; i < m; i++) {
        double s = fabs((double)b[i]);
        r.scale = s > r.scale ? s : r.scale;
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst)) { /* NaN counts as worst */
            worst = d;
            r.worst = i;
        }
    }
    if (m) {
        r.analytic = a[r.worst];
        r.numeric = b[r.worst];
    }
    r.err = worst / (r.scale > 1e-300 ? r.scale : 1e-300);
    if (isnan(worst))
        r.err = INFINITY;
    return r;
}

gc_report gc_check_grad(gc_scalar_fn f, void *user, cz_real *v, size_t n, const cz_real *grad,
                        double eps)
{
    cz_real *num = malloc((n ? n : 1) * sizeof *num);
    for (size_t i = 0; i < n; i++) {
        cz_real keep = v[i];
        v[i] = keep + (cz_real)eps;
        double fp = f(v, user);
        v[i] = keep - (cz_real)eps;
        double fm = f(v, user);
        v[i] = keep;
        num[i] = (cz_real)((fp - fm) / (2 * eps));
    }
    gc_report r = gc_compare(grad, num, n);
    free(num);
    return r;
}

gc_report gc_check_directional(gc_vector_fn F, void *user, const cz_real *v, const cz_real *dir,
                               size_t n, const cz_real *jdir, size_t m, double eps)
{
    cz_real *vp = calloc(n ? n : 1, sizeof *vp), *fp = calloc(m ? m : 1, sizeof *fp);
    cz_real *fm = calloc(m ? m : 1, sizeof *fm);
    for (size_t i = 0; i < n; i++)
        vp[i] = v[i] + (cz_real)eps * dir[i];
    F(vp, fp, user);
    for (size_t i = 0; i < n; i++)
        vp[i] = v[i] - (cz_real)eps * dir[i];
    F(vp, fm, user);
    for (size_t i = 0; i < m; i++)
        fp[i] = (cz_real)(((double)fp[i] - (double)fm[i]) / (2 * eps));
    gc_report r = gc_compare(jdir, fp, m);
    free(vp);
    free(fp);
    free(fm);
    return r;
}

static double lcg(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (double)((*s >> 8) & 0xffffff) / (double)0x1000000;
}

void gc_fill(cz_real *v, size_t n, unsigned seed, double lo, double hi)
{
    unsigned s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++)
        v[i] = (cz_real)(lo + (hi - lo) * lcg(&s));
}

void gc_fill_away_from_zero(cz_real *v, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        double mag = 0.2 + 0.8 * lcg(&s);
        v[i] = (cz_real)(lcg(&s) < 0.5 ? -mag : mag);
    }
}
