/*
 * user.created / user.updated events from auth-service (JetStream stream USERS, durable
 * consumer "blog-service"): the author's name and picture are copied into the `authors`
 * collection and into every blog of that author, so public reads never ask auth-service.
 * Applying an event twice gives the same result (redeliveries are harmless).
 */
#ifndef BLOG_EVENTS_H
#define BLOG_EVENTS_H

#include <jansson.h>

#include "micro/banned.h"

#include "blog.h"

#define BLOG_EVENTS_STREAM  "USERS"
#define BLOG_EVENTS_FILTER  "user.>"
#define BLOG_EVENTS_DURABLE "blog-service"

/* Ensures the stream exists (so the consumer can start before auth-service ever ran) and
 * starts the durable consumer. 0 or MF_ERR. */
int blog_events_start(blog_ctx *ctx);

/* The consumer's handler (mf_js_handler_fn): 0 = ack (applied, or malformed and never
 * applicable), non-zero = nak (MongoDB unavailable: redelivered later). */
int blog_events_handle(const char *subject, json_t *data, const char *request_id, void *ctx);

#endif
