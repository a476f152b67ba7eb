/* The list of binding groups; see registry.h. To add a binding: write
 * lua_<module>.c defining `const lua_api_group lua_<module>_group`, declare it
 * below, add it to `groups`, and list the file in kernel/meson.build. */
#include "registry.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "../text.h"

extern const lua_api_group lua_dc_group;
extern const lua_api_group lua_display_group;
extern const lua_api_group lua_dataset_group;
extern const lua_api_group lua_experts_group;
extern const lua_api_group lua_surrogate_group;
extern const lua_api_group lua_distill_group;
extern const lua_api_group lua_synthetic_group;
extern const lua_api_group lua_evaluate_group;
extern const lua_api_group lua_checkpoint_group;
extern const lua_api_group lua_prior_group;

static const lua_api_group *const groups[] = {
    &lua_dc_group,
    &lua_display_group,
    &lua_dataset_group,
    &lua_experts_group,
    &lua_surrogate_group,
    &lua_prior_group,
    &lua_distill_group,
    &lua_synthetic_group,
    &lua_evaluate_group,
    &lua_checkpoint_group,
    NULL,
};

const lua_api_group *const *lua_api_groups(void)
{
    return groups;
}

void lua_api_open_all(lua_State *L)
{
    for (size_t g = 0; groups[g]; g++) {
        const lua_api_group *grp = groups[g];
        if (lua_getglobal(L, grp->module) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setglobal(L, grp->module);
        }
        for (const lua_api_func *f = grp->funcs; f->name; f++) {
            lua_pushcfunction(L, f->fn);
            lua_setfield(L, -2, f->name);
        }
        lua_pop(L, 1);
        if (grp->setup)
            grp->setup(L);
    }
}

const lua_api_func *lua_api_find(const char *qualified)
{
    const char *dot = strchr(qualified, '.');
    if (!dot)
        return NULL;
    size_t mlen = (size_t)(dot - qualified);
    for (size_t g = 0; groups[g]; g++) {
        if (strlen(groups[g]->module) != mlen || strncmp(groups[g]->module, qualified, mlen) != 0)
            continue;
        for (const lua_api_func *f = groups[g]->funcs; f->name; f++)
            if (strcmp(f->name, dot + 1) == 0)
                return f;
    }
    return NULL;
}

char *lua_api_module_help(const char *module)
{
    strbuf b = {0};
    int found = 0;
    for (size_t g = 0; groups[g]; g++) {
        if (strcmp(groups[g]->module, module) != 0)
            continue;
        if (!found)
            sb_printf(&b, "%s: Condensa module\n", module);
        found = 1;
        sb_printf(&b, "\n%s\n", groups[g]->summary);
        for (const lua_api_func *f = groups[g]->funcs; f->name; f++)
            sb_printf(&b, "  %s\n", f->signature);
    }
    if (!found) {
        sb_free(&b);
        return NULL;
    }
    return sb_take(&b);
}
