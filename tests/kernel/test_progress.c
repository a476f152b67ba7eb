/* Progress bars: the first rendering is a display, later ones updates of
 * the same id; updates closer than the interval are coalesced; finish
 * always sends the final state; the engine callback drives a bar. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "display/progress.h"

typedef struct seen {
    int displays, updates;
    char id[64];
    char last_text[512];
} seen;

static void emit(void *user, json_t *data, const char *id, bool update)
{
    seen *s = user;
    if (update) {
        s->updates++;
        cr_expect_str_eq(id, s->id, "updates reuse the display id");
    } else {
        s->displays++;
        snprintf(s->id, sizeof s->id, "%s", id);
    }
    snprintf(s->last_text, sizeof s->last_text, "%s", json_string_value(json_object_get(data, "text/plain")));
    cr_expect_not_null(json_object_get(data, "text/html"));
    json_decref(data);
}

Test(progress, throttled_updates_in_place)
{
    seen s = {0};
    progress_bar *b = progress_new("train", 100, emit, &s);
    cr_assert_not_null(b);
    cr_expect_eq(s.displays, 1);
    cr_expect(strstr(s.last_text, "0/100") != NULL, "%s", s.last_text);
    double t = 1e6;   /* explicit clock, far from the creation time */
    cr_expect(progress_update_at(b, 1, "loss 1", t));
    cr_expect_not(progress_update_at(b, 2, "loss 0.9", t + 0.01), "within the interval: coalesced");
    cr_expect_not(progress_update_at(b, 3, "loss 0.8", t + 0.05));
    cr_expect(progress_update_at(b, 4, "loss 0.7", t + 0.2));
    cr_expect_eq(s.updates, 2);
    cr_expect(strstr(s.last_text, "4/100") != NULL, "%s", s.last_text);
    cr_expect(strstr(s.last_text, "loss 0.7") != NULL, "%s", s.last_text);
    progress_update_at(b, 100, "loss 0.1", t + 0.21);
    progress_finish(b);
    cr_expect_eq(s.updates, 3, "finish sends the coalesced last state");
    cr_expect(strstr(s.last_text, "100/100 (100%)") != NULL, "%s", s.last_text);
    cr_expect(strstr(s.last_text, "done") != NULL, "%s", s.last_text);
    cr_expect_not(progress_update_at(b, 5, NULL, t + 10), "updates after finish are ignored");
    cr_expect_eq(progress_emitted(b), 4);
    progress_free(&b);
    cr_expect_null(b);
}

Test(progress, unknown_total_counts)
{
    seen s = {0};
    progress_bar *b = progress_new(NULL, 0, emit, &s);
    progress_update_at(b, 7, NULL, 1e6);
    cr_expect(strncmp(s.last_text, "7 ", 2) == 0, "%s", s.last_text);
    progress_free(&b);
}

Test(progress, engine_callback)
{
    seen s = {0};
    progress_bar *b = progress_new("distill", 0, emit, &s);
    cz_progress p = {"distill", 10, 50, 0.25, 0.01, NAN, NULL};
    cr_expect_eq(progress_engine_callback(&p, b), 0);
    progress_finish(b);
    cr_expect(strstr(s.last_text, "10/50") != NULL, "total taken from the engine: %s", s.last_text);
    cr_expect(strstr(s.last_text, "distill: loss 0.25, lr 0.01") != NULL, "%s", s.last_text);
    cr_expect(strstr(s.last_text, "metric") == NULL, "no metric when NaN: %s", s.last_text);
    progress_free(&b);
}

/* An unnamed metric (validation AUROC) keeps four decimals; a named one (the
 * MTT run's gradient norm, often 1e-4) is shown by name with its digits. */
Test(progress, engine_callback_names_the_metric)
{
    seen s = {0};
    progress_bar *b = progress_new("experts", 0, emit, &s);
    cz_progress p = {.phase = "experts", .step = 1, .total = 2, .loss = 0.5, .metric = 0.81234};
    cr_expect_eq(progress_engine_callback(&p, b), 0);
    progress_finish(b);
    cr_expect(strstr(s.last_text, "experts: loss 0.5, metric 0.8123") != NULL, "%s", s.last_text);
    progress_free(&b);
    seen t = {0};
    b = progress_new("distill", 0, emit, &t);
    p = (cz_progress){.phase = "distill", .step = 3, .total = 9, .loss = 0.5, .lr = 0.01,
                      .metric = 1.234567e-4, .metric_name = "|dL/dX|"};
    cr_expect_eq(progress_engine_callback(&p, b), 0);
    progress_finish(b);
    cr_expect(strstr(t.last_text, "distill: loss 0.5, lr 0.01, |dL/dX| 0.0001235") != NULL, "%s",
              t.last_text);
    progress_free(&b);
}
