/*
 * blog-service's NATS inputs from auth-service (names in contract.h): the user events of the
 * CMICRO_STREAM_USERS stream through the durable consumer CMICRO_CONSUMER_BLOG (an author's
 * new name and picture, see blog_op_apply_user), and the CMICRO_SUBJECT_INVALIDATE broadcast
 * (forget a user's cached tokens). This file only reads the payloads and calls operations.
 * Applying an event twice gives the same result (redeliveries are harmless), and an event
 * older than the author info stored (its version) changes nothing.
 */
#ifndef BLOG_EVENTS_H
#define BLOG_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "micro/banned.h"
#include "micro/jetstream.h"

#include "blog.h"

/* The user of a user.* event payload (strings borrowed from data; *pic NULL when unset): false
 * when it is malformed (no uuid id or no name). Pure: the unit tests and the fuzzer call it. */
bool blog_events_user_parse(json_t *data, const char **id, const char **name, const char **pic);
/* The CMICRO_FIELD_VERSION of a user.* payload: 0 when absent or not a positive integer (an
 * older producer; such an event applies only over author info that has no version). */
int64_t blog_events_user_version(json_t *data);

/* Which event of a batch of user.* events stands for which: newest[i] (n slots, filled) is the
 * index of the newest event (highest version; of equal ones the later) of the same user as
 * msgs[i], i itself when msgs[i] is that one or is malformed or unversioned (no order is
 * known then: each is applied alone). Applying newest[i] makes applying msgs[i] moot: an event
 * carries the user's whole state. Pure: the unit tests call it. */
void blog_events_coalesce(const mf_js_msg *msgs, size_t n, size_t *newest);

/* The CMICRO_SUBJECT_INVALIDATE handler (mf_nats_event_fn; ctx is the blog_ctx): forgets the
 * cached tokens of the user named, or of everyone when the payload names nobody valid. */
void blog_events_invalidate(json_t *data, const char *request_id, void *ctx);

/* Subscribes to the invalidations, then binds the durable consumer. 0 or MF_ERR. */
int blog_events_start(blog_ctx *ctx);

#endif
