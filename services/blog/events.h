/*
 * blog-service's NATS inputs from auth-service (names in contract.h): the user events of the
 * CMICRO_STREAM_USERS stream through the durable consumer CMICRO_CONSUMER_BLOG (an author's
 * new name and picture, see blog_op_apply_user), and the CMICRO_SUBJECT_INVALIDATE broadcast
 * (forget a user's cached tokens). This file only reads the payloads and calls operations.
 * Applying an event twice gives the same result (redeliveries are harmless).
 */
#ifndef BLOG_EVENTS_H
#define BLOG_EVENTS_H

#include "micro/banned.h"

#include "blog.h"

/* Subscribes to the invalidations, then binds the durable consumer. 0 or MF_ERR. */
int blog_events_start(blog_ctx *ctx);

#endif
