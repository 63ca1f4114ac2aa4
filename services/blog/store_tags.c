#include "store_tags.h"

#include "blog.h"
#include "store_blog.h"

int blog_store_published_tags(blog_mongo *m, json_t **recs)
{
    blog_mdoc *f = blog_store_public_filter();
    static const char *const fields[] = {"tags"};
    blog_mdoc *p = blog_mdoc_projection(fields, 1);
    /* no limit: every published blog counts */
    int rc = blog_mongo_find(m, BLOG_COLL_BLOGS, f, p, NULL, 0, 0, recs);
    blog_mdoc_free(f);
    blog_mdoc_free(p);
    return rc;
}
