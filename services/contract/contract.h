/*
 * The wire contract between auth-service and blog-service (API.md sections 3 and 5), declared
 * once: NATS subjects and the queue group, the USERS stream and its consumer, event names and
 * payload fields, role codes and the denial messages both services answer with. Neither service
 * spells any of these as a literal of its own, so they cannot drift apart.
 *
 * Ownership of the stream: auth-service publishes user events and alone creates (and so
 * configures) the USERS stream; blog-service only binds its durable consumer to it.
 */
#ifndef CMICRO_CONTRACT_H
#define CMICRO_CONTRACT_H

#include "micro/nats.h"

/* ---- request/reply, served by auth-service in queue group CMICRO_QUEUE ---- */
#define CMICRO_QUEUE MF_NATS_QUEUE
/* {"value":"Bearer <token>"} -> User with roles */
#define CMICRO_SUBJECT_AUTHENTICATION "auth.authentication"
/* {"user":{"id":...},"roles":["AUTHOR"]} -> User with roles */
#define CMICRO_SUBJECT_AUTHORIZATION "auth.authorization"
/* {"value":"<uuid>"} -> UserPublic */
#define CMICRO_SUBJECT_PROFILE_USER "auth.profile.user"

/* Request fields. */
#define CMICRO_FIELD_VALUE "value"
#define CMICRO_FIELD_USER  "user"
#define CMICRO_FIELD_ROLES "roles"

/* ---- broadcast (core NATS, no queue group: every replica of every service hears it) ---- */
/* {"userId"}: a session or a user changed; forget what was cached of that user's tokens. */
#define CMICRO_SUBJECT_INVALIDATE "auth.invalidate"
#define CMICRO_FIELD_USER_ID      "userId"

/* ---- user events on JetStream ---- */
#define CMICRO_STREAM_USERS          "USERS"
#define CMICRO_STREAM_USERS_SUBJECTS "user.>"
#define CMICRO_EVENT_USER_CREATED    "user.created"
#define CMICRO_EVENT_USER_UPDATED    "user.updated"
/* blog-service's durable consumer of CMICRO_STREAM_USERS. */
#define CMICRO_CONSUMER_BLOG "blog-service"
/* Event payload: {"id","name","profilePicUrl"?} (UserPublic). */
#define CMICRO_FIELD_ID   "id"
#define CMICRO_FIELD_NAME "name"
#define CMICRO_FIELD_PIC  "profilePicUrl"
/* user.* events: the per-user version (grows with every change of the user in auth-service),
 * so a consumer can refuse an event older than what it already applied. */
#define CMICRO_FIELD_VERSION "version"

/* ---- roles ---- */
#define CMICRO_ROLE_LEARNER "LEARNER"
#define CMICRO_ROLE_AUTHOR  "AUTHOR"
#define CMICRO_ROLE_EDITOR  "EDITOR"
#define CMICRO_ROLE_ADMIN   "ADMIN"
/* Initializer of the four codes, in the order of the services' role bit flags. */
#define CMICRO_ROLE_CODES                                                                          \
    {                                                                                              \
        CMICRO_ROLE_LEARNER, CMICRO_ROLE_AUTHOR, CMICRO_ROLE_EDITOR, CMICRO_ROLE_ADMIN             \
    }
#define CMICRO_NROLES 4

/* ---- denials, answered alike by both services (API.md section 3) ---- */
#define CMICRO_MSG_MISSING_AUTHORIZATION "permission denied: missing Authorization"
#define CMICRO_MSG_INVALID_AUTHORIZATION "permission denied: invalid Authorization"
#define CMICRO_MSG_INVALID_ACCESS        "permission denied: invalid access token"
#define CMICRO_MSG_ROLE_MISSING          "permission denied: role missing"
#define CMICRO_MSG_ROLE_INSUFFICIENT     "permission denied: does not have suffient role"

#endif
