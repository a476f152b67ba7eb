/* Throttled progress rendering; see progress.h. */
#include "progress.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../text.h"
#include "mime.h"

struct progress_bar {
    char display_id[48];
    char label[128];
    char detail[256];
    int64_t total, step;
    double started, last_emit;
    bool dirty, finished;
    unsigned emitted;
    progress_emit_fn emit;
    void *user;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void format_elapsed(char *buf, size_t cap, double s)
{
    if (s < 60)
        snprintf(buf, cap, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, cap, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, cap, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static json_t *render(const progress_bar *b, double now)
{
    char elapsed[32];
    format_elapsed(elapsed, sizeof elapsed, now - b->started);
    double frac = b->total > 0 ? (double)b->step / (double)b->total : 0;
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    strbuf text = {0}, html = {0};
    if (b->label[0])
        sb_printf(&text, "%s ", b->label);
    if (b->total > 0) {
        int filled = (int)lround(frac * 30);
        sb_puts(&text, "[");
        for (int i = 0; i < 30; i++)
            sb_puts(&text, i < filled ? "#" : ".");
        sb_printf(&text, "] %lld/%lld (%.0f%%)", (long long)b->step, (long long)b->total, frac * 100);
    } else {
        sb_printf(&text, "%lld", (long long)b->step);
    }
    if (b->detail[0])
        sb_printf(&text, " %s", b->detail);
    sb_printf(&text, " %s%s", elapsed, b->finished ? " done" : "");

    sb_puts(&html, "<div class=\"condensa-progress\" style=\"font-family:monospace\">");
    if (b->label[0]) {
        sb_append_html(&html, b->label, strlen(b->label));
        sb_puts(&html, " ");
    }
    if (b->total > 0)
        sb_printf(&html, "<progress value=\"%lld\" max=\"%lld\" style=\"width:24em;vertical-align:middle\">"
                         "</progress> %lld/%lld (%.0f%%)",
                  (long long)b->step, (long long)b->total, (long long)b->step,
                  (long long)b->total, frac * 100);
    else
        sb_printf(&html, "%lld", (long long)b->step);
    if (b->detail[0]) {
        sb_puts(&html, " &middot; ");
        sb_append_html(&html, b->detail, strlen(b->detail));
    }
    sb_printf(&html, " &middot; %s%s</div>", elapsed, b->finished ? " &middot; done" : "");
    char *t = sb_take(&text), *h = sb_take(&html);
    json_t *data = t && h ? mime_bundle_html(h, t) : NULL;
    free(t);
    free(h);
    return data;
}

static void emit_now(progress_bar *b, double now)
{
    json_t *data = render(b, now);
    if (!data)
        return;   /* out of memory: skip this frame, the next may fit */
    b->emit(b->user, data, b->display_id, b->emitted > 0);
    b->emitted++;
    b->last_emit = now;
    b->dirty = false;
}

progress_bar *progress_new(const char *label, int64_t total, progress_emit_fn emit, void *user)
{
    progress_bar *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    unsigned char rnd[12];
    randombytes_buf(rnd, sizeof rnd);
    char hex[2 * sizeof rnd + 1];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(b->display_id, sizeof b->display_id, "condensa-progress-%s", hex);
    snprintf(b->label, sizeof b->label, "%s", label ? label : "");
    b->total = total;
    b->emit = emit;
    b->user = user;
    b->started = now_seconds();
    emit_now(b, b->started);
    return b;
}

bool progress_update_at(progress_bar *b, int64_t step, const char *detail, double now_s)
{
    if (!b || b->finished)
        return false;
    b->step = step;
    snprintf(b->detail, sizeof b->detail, "%s", detail ? detail : "");
    b->dirty = true;
    if (now_s - b->last_emit < PROGRESS_MIN_INTERVAL_S)
        return false;
    emit_now(b, now_s);
    return true;
}

bool progress_update(progress_bar *b, int64_t step, const char *detail)
{
    return progress_update_at(b, step, detail, now_seconds());
}

void progress_finish(progress_bar *b)
{
    if (!b || b->finished)
        return;
    b->finished = true;
    emit_now(b, now_seconds());
}

void progress_free(progress_bar **b)
{
    if (!b)
        return;
    free(*b);
    *b = NULL;
}

const char *progress_display_id(const progress_bar *b)
{
    return b->display_id;
}

unsigned progress_emitted(const progress_bar *b)
{
    return b->emitted;
}

int progress_engine_callback(const cz_progress *p, void *user)
{
    progress_bar *b = user;
    char detail[200];
    int n = snprintf(detail, sizeof detail, "%s: loss %.6g", p->phase ? p->phase : "run", p->loss);
    if (p->lr != 0 && n > 0 && (size_t)n < sizeof detail)
        n += snprintf(detail + n, sizeof detail - (size_t)n, ", lr %.4g", p->lr);
    /* A named metric may be any size (a gradient norm): %g keeps its digits. */
    if (!isnan(p->metric) && n > 0 && (size_t)n < sizeof detail) {
        if (p->metric_name)
            snprintf(detail + n, sizeof detail - (size_t)n, ", %s %.4g", p->metric_name,
                     p->metric);
        else
            snprintf(detail + n, sizeof detail - (size_t)n, ", metric %.4f", p->metric);
    }
    if (b->total <= 0 && p->total > 0)
        b->total = p->total;
    progress_update(b, p->step, detail);
    return 0;
}
