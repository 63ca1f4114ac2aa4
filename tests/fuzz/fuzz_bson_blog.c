/* The BSON-to-JSON mapping of stored blogs: the bytes are a document as MongoDB would return
 * it, mapped to a record (blog_mongo_record_from_bson, what every find does) and then to the
 * three response shapes (PublicBlog, PrivateBlog, ItemBlog), which must serialise, as the
 * response envelope will. Comments (API.md section 4) are mapped by the same record code;
 * their shape function joins the list below when it exists. */
#include <string.h>

#include "../../services/blog/dto.h"
#include "../../services/blog/mongo.h"
#include "fuzz_support.h"

static void shape(json_t *out)
{
    FUZZ_CHECK(json_is_object(out));
    char *txt = json_dumps(out, JSON_COMPACT);
    FUZZ_CHECK(txt != NULL);
    free(txt);
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    json_t *rec = blog_mongo_record_from_bson(data, size);
    if (!rec)
        return 0;
    FUZZ_CHECK(json_is_object(rec));
    shape(blog_dto_public(rec));
    shape(blog_dto_private(rec));
    shape(blog_dto_item(rec));
    json_t *recs = json_pack("[O]", rec);
    json_t *items = blog_dto_items(recs);
    FUZZ_CHECK(json_array_size(items) == 1);
    json_decref(items);
    json_decref(recs);
    json_decref(rec);
    return 0;
}
