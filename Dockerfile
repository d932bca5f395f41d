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
# Distroless: glibc, libgcc, CA certificates and time zones, and nothing else: no shell, no
# package manager, no compiler. The binaries need no more (TLS is rustls, linked in; `ldd` lists
# only libc, libm and libgcc_s). Health checks use `cxrelay probe <url>` instead of curl.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=builder /out/ /usr/local/bin/
# The image's non-root user (uid 65532), by number so that a runtime can verify runAsNonRoot.
USER 65532:65532
# The listeners default to 127.0.0.1, which is unreachable from outside a container: set
# CXRELAY_INGRESS__ADDR=0.0.0.0:8080 and the like when running the image (docker-compose.yml does).
EXPOSE 8080 8081 8082 9090
CMD ["cxrelay-ingress"]
