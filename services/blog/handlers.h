/*
 * HTTP handlers of blog-service, one group per audience: public reads (cached), the
 * author's own blogs, the editor's publication workflow. Guards (authn.c) run before the
 * author and editor handlers, so the user is always attached there.
 */
#ifndef BLOG_HANDLERS_H
#define BLOG_HANDLERS_H

#include "micro/banned.h"
#include "micro/http.h"
#include "micro/valid.h"

#include "cache.h"
#include "store_list.h"

/* handlers_list.c: the one list handler (page/limit checked after what v holds, cached per
 * scope); what names the list in logs. */
void blog_list_respond(mf_req *req, blog_list_kind kind, const char *arg, mf_valid *v,
                       const char *what);
/* Cache key of a list page and the scope whose generation retires it. Caller frees. */
char *blog_list_cache_key(blog_list_kind kind, const char *arg, long page, long limit,
                          blog_cache_scope *scope);

/* handlers_public.c */
void blog_h_public_by_id(mf_req *req);
void blog_h_public_by_slug(mf_req *req);
void blog_h_list_latest(mf_req *req);
void blog_h_list_tag(mf_req *req);
void blog_h_list_similar(mf_req *req);

/* handlers_author.c */
void blog_h_author_create(mf_req *req);
void blog_h_author_update(mf_req *req);
void blog_h_author_get(mf_req *req);
void blog_h_author_delete(mf_req *req);
void blog_h_author_submit(mf_req *req);
void blog_h_author_withdraw(mf_req *req);
void blog_h_author_drafts(mf_req *req);
void blog_h_author_submitted(mf_req *req);
void blog_h_author_published(mf_req *req);

/* handlers_editor.c */
void blog_h_editor_get(mf_req *req);
void blog_h_editor_publish(mf_req *req);
void blog_h_editor_unpublish(mf_req *req);
void blog_h_editor_submitted(mf_req *req);
void blog_h_editor_published(mf_req *req);

#endif
