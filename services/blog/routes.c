#include "routes.h"

#include "guard.h"
#include "handlers.h"

#define AUTHOR BLOG_GUARD_AUTHOR
#define EDITOR BLOG_GUARD_EDITOR
#define USER   BLOG_GUARD_USER

const mf_route blog_routes[] = {
    {"GET", "/id/:id", blog_handle_public_by_id, 0},
    {"GET", "/slug/:slug", blog_handle_public_by_slug, 0},
    {"GET", "/list/latest", blog_handle_list_latest, 0},
    {"GET", "/list/tag/:tag", blog_handle_list_tag, 0},
    {"GET", "/list/similar/id/:id", blog_handle_list_similar, 0},

    {"POST", "/author", blog_handle_author_create, AUTHOR},
    {"PUT", "/author", blog_handle_author_update, AUTHOR},
    {"GET", "/author/id/:id", blog_handle_author_get, AUTHOR},
    {"DELETE", "/author/id/:id", blog_handle_author_delete, AUTHOR},
    {"PUT", "/author/submit/id/:id", blog_handle_author_submit, AUTHOR},
    {"PUT", "/author/withdraw/id/:id", blog_handle_author_withdraw, AUTHOR},
    {"GET", "/author/drafts", blog_handle_author_drafts, AUTHOR},
    {"GET", "/author/submitted", blog_handle_author_submitted, AUTHOR},
    {"GET", "/author/published", blog_handle_author_published, AUTHOR},

    {"GET", "/editor/id/:id", blog_handle_editor_get, EDITOR},
    {"PUT", "/editor/publish/id/:id", blog_handle_editor_publish, EDITOR},
    {"PUT", "/editor/unpublish/id/:id", blog_handle_editor_unpublish, EDITOR},
    {"GET", "/editor/submitted", blog_handle_editor_submitted, EDITOR},
    {"GET", "/editor/published", blog_handle_editor_published, EDITOR},

    {"POST", "/comments/id/:blogId", blog_handle_comment_create, USER},
    {"GET", "/comments/id/:blogId", blog_handle_comment_list, 0},
    {"PUT", "/comment/id/:id", blog_handle_comment_update, USER},
    {"DELETE", "/comment/id/:id", blog_handle_comment_delete, USER},
    {"GET", "/tags", blog_handle_tags, 0},
};

const size_t blog_routes_count = sizeof blog_routes / sizeof blog_routes[0];
