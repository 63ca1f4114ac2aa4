#include "routes.h"

#include "authn.h"
#include "handlers.h"

#define AUTHOR BLOG_GUARD_AUTHOR
#define EDITOR BLOG_GUARD_EDITOR

const mf_route blog_routes[] = {
    {"GET", "/id/:id", blog_h_public_by_id, 0},
    {"GET", "/slug/:slug", blog_h_public_by_slug, 0},
    {"GET", "/list/latest", blog_h_list_latest, 0},
    {"GET", "/list/tag/:tag", blog_h_list_tag, 0},
    {"GET", "/list/similar/id/:id", blog_h_list_similar, 0},

    {"POST", "/author", blog_h_author_create, AUTHOR},
    {"PUT", "/author", blog_h_author_update, AUTHOR},
    {"GET", "/author/id/:id", blog_h_author_get, AUTHOR},
    {"DELETE", "/author/id/:id", blog_h_author_delete, AUTHOR},
    {"PUT", "/author/submit/id/:id", blog_h_author_submit, AUTHOR},
    {"PUT", "/author/withdraw/id/:id", blog_h_author_withdraw, AUTHOR},
    {"GET", "/author/drafts", blog_h_author_drafts, AUTHOR},
    {"GET", "/author/submitted", blog_h_author_submitted, AUTHOR},
    {"GET", "/author/published", blog_h_author_published, AUTHOR},

    {"GET", "/editor/id/:id", blog_h_editor_get, EDITOR},
    {"PUT", "/editor/publish/id/:id", blog_h_editor_publish, EDITOR},
    {"PUT", "/editor/unpublish/id/:id", blog_h_editor_unpublish, EDITOR},
    {"GET", "/editor/submitted", blog_h_editor_submitted, EDITOR},
    {"GET", "/editor/published", blog_h_editor_published, EDITOR},
};

const size_t blog_nroutes = sizeof blog_routes / sizeof blog_routes[0];
