/*
 * HTTP handlers of blog-service, one file per audience: public reads, the author's own blogs,
 * the editor's publication workflow. Each parses and validates the request, calls one
 * operation (ops.h) and answers; none touches a store or the cache. The guard (guard.h) runs
 * before the author and editor handlers, so the user is always attached there.
 */
#ifndef BLOG_HANDLERS_H
#define BLOG_HANDLERS_H

#include "micro/banned.h"
#include "micro/http.h"

/* handlers_public.c */
void blog_handle_public_by_id(mf_req *req);
void blog_handle_public_by_slug(mf_req *req);
void blog_handle_list_latest(mf_req *req);
void blog_handle_list_tag(mf_req *req);
void blog_handle_list_similar(mf_req *req);

/* handlers_author.c */
void blog_handle_author_create(mf_req *req);
void blog_handle_author_update(mf_req *req);
void blog_handle_author_get(mf_req *req);
void blog_handle_author_delete(mf_req *req);
void blog_handle_author_submit(mf_req *req);
void blog_handle_author_withdraw(mf_req *req);
void blog_handle_author_drafts(mf_req *req);
void blog_handle_author_submitted(mf_req *req);
void blog_handle_author_published(mf_req *req);

/* handlers_editor.c */
void blog_handle_editor_get(mf_req *req);
void blog_handle_editor_publish(mf_req *req);
void blog_handle_editor_unpublish(mf_req *req);
void blog_handle_editor_submitted(mf_req *req);
void blog_handle_editor_published(mf_req *req);

/* handlers_comments.c */
void blog_handle_comment_create(mf_req *req);
void blog_handle_comment_list(mf_req *req);
void blog_handle_comment_update(mf_req *req);
void blog_handle_comment_delete(mf_req *req);
void blog_handle_tags(mf_req *req);

#endif
