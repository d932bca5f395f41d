# syntax=docker/dockerfile:1
# One image with all four cxrelay binaries: cxrelay (operator CLI), cxrelay-ingress,
# cxrelay-worker and cxrelay-sim. docker-compose.yml picks the binary per service.

# --- build ---------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
# sqlx compile-time checks (if any) use the checked-in .sqlx/ data, never a live database.
ENV SQLX_OFFLINE=true
COPY . .
# The cache mounts keep downloaded crates and compiled dependencies between builds; they are not
# part of any image layer, so the binaries are copied out of the target directory in the same step.
# Migrations are compiled into the binaries (sqlx::migrate!), so the runtime needs no files.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bins \
        -p cxrelay-cli -p cxrelay-ingress -p cxrelay-worker -p cxrelay-sim \
    && mkdir -p /out \
    && cp target/release/cxrelay target/release/cxrelay-ingress \
          target/release/cxrelay-worker target/release/cxrelay-sim /out/

# --- run -----------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates: TLS to Genesys Cloud and Cognigy. curl: the compose health checks.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 cxrelay \
    && useradd --system --uid 10001 --gid cxrelay --no-create-home --shell /usr/sbin/nologin cxrelay
COPY --from=builder /out/ /usr/local/bin/
USER cxrelay:cxrelay
# The listeners default to 127.0.0.1, which is unreachable from outside a container: set
# CXRELAY_INGRESS__ADDR=0.0.0.0:8080 and the like when running the image (docker-compose.yml does).
EXPOSE 8080 8081 8082 9090
CMD ["cxrelay-ingress"]
