# Stand-ins for the infrastructure images of compose.yaml (postgres:15, redis:7, nats, mongo),
# built from Debian's packages because the test machine has no registry. Only the compose test
# uses them (through compose.test.yaml). Build context: a directory holding the ferretdb binary
# and pg-entrypoint.

FROM debian:bookworm-slim AS postgres
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY pg-entrypoint /usr/local/bin/pg-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["pg-entrypoint"]

FROM debian:bookworm-slim AS redis
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/*
USER redis
CMD ["redis-server"]

FROM debian:bookworm-slim AS nats
RUN apt-get update && apt-get install -y --no-install-recommends nats-server wget \
 && rm -rf /var/lib/apt/lists/* && mkdir /data && chown nobody /data
USER nobody
ENTRYPOINT ["nats-server"]

FROM debian:bookworm-slim AS ferretdb
COPY ferretdb /usr/local/bin/ferretdb
RUN mkdir -p /data/db && chown -R nobody /data
USER nobody
ENTRYPOINT ["ferretdb"]
