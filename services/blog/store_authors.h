/*
 * The `authors` collection: the latest name and picture of each user, from the user.* events
 * auth-service publishes. It is the one place a rename is written: blogs and comments keep
 * the author sub-document they were written with (the name auth-service answered then), and
 * every answer that shows an author takes name and picture from here when the user has a
 * document (ops_authors.c, blog_op_authors_join). So a rename costs one write, whatever the
 * number of the user's blogs and comments (rewriting them cost one pass over each collection
 * per rename on FerretDB, and O(the user's documents) writes on any backend).
 */
#ifndef BLOG_STORE_AUTHORS_H
#define BLOG_STORE_AUTHORS_H

#include <jansson.h>
#include <stdint.h>

#include "micro/banned.h"

#include "mongo.h"

/* Stores the author's info of event version (CMICRO_FIELD_VERSION; 0 = an event without one;
 * pic NULL = none) unless what is stored is newer: the document is changed only when its
 * version is <= version (an atomic conditional upsert: no older event overwrites a newer one,
 * even with two consumers). Version 0 only applies where no version is stored (data from
 * before versions). The same version again re-applies the same data. 0, MF_ERR_STATE when
 * the stored author is newer (nothing changed), or a negative MF_ERR_*. */
int blog_store_author_record(blog_mongo *m, const char *id, const char *name, const char *pic,
                             int64_t version, int64_t now);
/* The stored info of the users ids (an array of at most BLOG_MONGO_IDS_MAX strings,
 * borrowed) in one query (blog_mongo_find_ids): *by_id, a new object of user id -> {_id,
 * name, profilePicUrl?}, without the users no event was applied for yet. 0, MF_ERR_INVALID
 * (too many ids) or an error. */
int blog_store_authors_get(blog_mongo *m, const json_t *ids, json_t **by_id);

#endif
