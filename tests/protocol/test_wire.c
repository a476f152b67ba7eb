/* Framing: identities before the delimiter, five frames after it, buffers. */
#include <criterion/criterion.h>
#include <string.h>

#include "jup.h"

#define F(s) ((jup_frame){(s), sizeof(s) - 1})

Test(wire, identities_parts_and_buffers)
{
    jup_frame frames[] = {F("id-1"), F("id-2"), F("<IDS|MSG>"), F("sig"), F("{h}"),
                          F("{p}"), F("{m}"), F("{c}"), F("buf-1")};
    jup_wire w;
    cr_assert_eq(jup_wire_split(&w, frames, 9, NULL), JUP_OK);
    cr_expect_eq(w.n_ids, 2);
    cr_expect_eq(w.ids[1].len, 4);
    cr_expect(memcmp(w.signature.data, "sig", 3) == 0);
    cr_expect(memcmp(w.parts[0].data, "{h}", 3) == 0);
    cr_expect(memcmp(w.parts[3].data, "{c}", 3) == 0);
    cr_expect_eq(w.n_buffers, 1);
    cr_expect(memcmp(w.buffers[0].data, "buf-1", 5) == 0);
}

Test(wire, no_identities)
{
    jup_frame frames[] = {F("<IDS|MSG>"), F(""), F("{}"), F("{}"), F("{}"), F("{}")};
    jup_wire w;
    cr_assert_eq(jup_wire_split(&w, frames, 6, NULL), JUP_OK);
    cr_expect_eq(w.n_ids, 0);
    cr_expect_eq(w.n_buffers, 0);
    cr_expect_eq(w.signature.len, 0);
}

Test(wire, missing_delimiter)
{
    jup_frame frames[] = {F("id"), F("<IDS|MSG"), F("sig"), F("{}"), F("{}"), F("{}"), F("{}")};
    jup_wire w;
    jup_error err;
    cr_expect_eq(jup_wire_split(&w, frames, 7, &err), JUP_EFORMAT);
    cr_expect(strstr(err.msg, "no <IDS|MSG>") != NULL, "%s", err.msg);
    cr_expect_eq(jup_wire_split(&w, frames, 0, &err), JUP_EFORMAT);
}

Test(wire, too_few_frames_after_delimiter)
{
    jup_frame frames[] = {F("<IDS|MSG>"), F("sig"), F("{}"), F("{}"), F("{}")};
    jup_wire w;
    jup_error err;
    cr_expect_eq(jup_wire_split(&w, frames, 5, &err), JUP_EFORMAT);
    cr_expect(strstr(err.msg, "4 frames after") != NULL, "%s", err.msg);
}
