# Build stage: compile the release binary.
FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends cmake clang && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY data ./data
COPY assets ./assets
COPY templates ./templates
RUN cargo build --release --locked --bin certorder

# Run stage: a small Debian with the binary only (migrations, catalogue, fonts are embedded).
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libpq5 curl openssl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --uid 10001 certorder \
    && mkdir -p /var/lib/certorder/uploads /var/lib/certorder/sandbox-ca && chown -R certorder /var/lib/certorder
COPY --from=build /src/target/release/certorder /usr/local/bin/certorder
USER certorder
# Production unless told otherwise: a JWT_SECRET (32+ bytes) must then be given, and the
# development key is refused; certificates are then attached by operators (ISSUER=manual),
# which needs TRUST_ANCHORS. docker-compose.yml sets explicit development settings (the
# sandbox CA issues, kept in SANDBOX_CA_DIR).
ENV CERTORDER_ENV=production \
    BIND_ADDRESS=0.0.0.0:8080 \
    STORAGE_URL=/var/lib/certorder/uploads \
    SANDBOX_CA_DIR=/var/lib/certorder/sandbox-ca
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["certorder"]
CMD ["serve"]
