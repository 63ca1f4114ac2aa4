/*
 * user.created / user.updated events from auth-service (JetStream stream USERS, durable
 * consumer "blog-service"): the author's name and picture are copied into the `authors`
 * collection and into every blog of that author, so public reads never ask auth-service.
 * Applying an event twice gives the same result (redeliveries are harmless).
 */
#ifndef BLOG_EVENTS_H
#define BLOG_EVENTS_H

#include <jansson.h>
#include <stdbool.h>

#include "micro/banned.h"

#include "blog.h"

#define BLOG_EVENTS_STREAM  "USERS"
#define BLOG_EVENTS_FILTER  "user.>"
#define BLOG_EVENTS_DURABLE "blog-service"
/* Core NATS broadcast from auth-service, {"userId"}: drop that user's cached tokens. */
#define BLOG_SUBJECT_INVALIDATE "auth.invalidate"

/* auth.invalidate handler (mf_nats_event_fn): forgets the cached tokens of the user. */
void blog_events_invalidate(json_t *data, const char *request_id, void *ctx);

/* Ensures the stream exists (so the consumer can start before auth-service ever ran) and
 * starts the durable consumer, after subscribing to auth.invalidate. 0 or MF_ERR. */
int blog_events_start(blog_ctx *ctx);

/* The user of a user.* event payload (strings borrowed from data; *pic NULL when unset): false
 * when it is malformed (no uuid id or no name). Pure: the unit tests and the fuzzer call it. */
bool blog_events_user_parse(json_t *data, const char **id, const char **name, const char **pic);

/* The consumer's handler (mf_js_handler_fn): 0 = ack (applied, or malformed and never
 * applicable), non-zero = nak (MongoDB unavailable: redelivered later). */
int blog_events_handle(const char *subject, json_t *data, const char *request_id, void *ctx);

#endif
