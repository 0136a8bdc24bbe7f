# KmsService container image.
#   docker build -t kmsservice .
#   docker run -p 8080:8080 -v kms-data:/var/lib/kms \
#     -v "$PWD/deploy/secrets/kms-root-key:/run/secrets/kms-root-key:ro" -e Kms__RootKeyFile=/run/secrets/kms-root-key \
#     -v "$PWD/deploy/seed.yaml:/etc/kms/seed.yaml:ro" -e Kms__SeedFile=/etc/kms/seed.yaml kmsservice
# Production by default: no built-in credentials, no generated root key (see README, "Docker and compose").

# ---- build: restore and publish on the official .NET 10 SDK image ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src

# Project files first, so that a change to the code reuses the restore layer. global.json is left out on purpose:
# it pins a developer's SDK patch, and the image's SDK is the 10.0 tag's own.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/KmsService.Core/KmsService.Core.csproj src/KmsService.Core/
COPY src/KmsService/KmsService.csproj src/KmsService/
RUN dotnet restore src/KmsService/KmsService.csproj -a "$TARGETARCH"

COPY src/ src/
RUN dotnet publish src/KmsService/KmsService.csproj --no-restore -a "$TARGETARCH" --self-contained false \
        -c Release -o /app -p:UseAppHost=false \
    && mkdir -p /staging/var/lib/kms \
    && chmod 0700 /staging/var/lib/kms

# ---- runtime: the ASP.NET Core 10 chiseled image (no shell, no package manager, non-root user "app", 1654) ----
# The service needs no ICU (InvariantGlobalization is set in Directory.Build.props) and no system SQLite (the
# SQLitePCLRaw bundle ships its own libe_sqlite3 beside the app), so the smallest aspnet image runs it.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# The data folder of the embedded store, owned by the app user (a new named volume takes this ownership).
COPY --from=build --chown=1654:1654 /staging/var/lib/kms /var/lib/kms
USER 1654

# ASPNETCORE_HTTP_PORTS (set by the base image) is emptied so that ASPNETCORE_URLS alone says where to listen.
# In Production the service refuses to start, saying so, until it has a root key (Kms__RootKeyFile: a mounted
# secret) and identities (Kms__SeedFile: a mounted seed file). With ASPNETCORE_ENVIRONMENT=Development it starts with
# nothing mounted: the test/test account and a root key generated into the data volume (for CI, never production).
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_URLS=http://0.0.0.0:8080 \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true \
    Kms__DataDir=/var/lib/kms

VOLUME ["/var/lib/kms"]
EXPOSE 8080

# No curl in the image: the service's own "health" verb asks /_kms/health/ready on ASPNETCORE_URLS. The first check
# runs 10 s after start and three must fail before "unhealthy", so start-up (migrations) has 30 s without a
# --start-period (which dockerfilelint 1.8 misreads; compose sets start_period itself).
HEALTHCHECK --interval=10s --timeout=6s --retries=3 \
    CMD ["dotnet", "/app/KmsService.dll", "health"]

ENTRYPOINT ["dotnet", "/app/KmsService.dll"]
