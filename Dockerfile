# syntax=docker/dockerfile:1
# linstor-csi: the CSI driver image (controller and node plugin). Entrypoint `linstor-csi`;
# the Helm chart and kustomize base run `linstor-csi serve --mode=controller|node ...`.
#   docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) -t ghcr.io/linstor-csi-ts/linstor-csi:0.1.0 .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 ...

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# --- build: compile TypeScript to dist/ and keep production dependencies only ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY proto ./proto
COPY src ./src
COPY bin ./bin
# `build` checks the generated proto types are current, then runs tsc.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/.cache

# --- runtime: Node 24 plus the node tools the node plugin runs ---
FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
# The commit GetPluginInfo reports in its manifest (the image has no .git to read it from).
ARG GIT_COMMIT=""
LABEL org.opencontainers.image.title="linstor-csi" \
      org.opencontainers.image.description="CSI driver for LINSTOR/DRBD (linstor.csi.linbit.com)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/linstor-csi-ts/linstor-csi"
# util-linux/mount: mount, umount, findmnt, blkid, blockdev; e2fsprogs and xfsprogs: mkfs,
# fsck, resize2fs, xfs_growfs, xfs_io; drbd-utils: drbdadm/drbdsetup (talks to the host's
# DRBD 9 kernel module, hence hostNetwork on the node DaemonSet).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates util-linux mount e2fsprogs xfsprogs drbd-utils \
 && rm -rf /var/lib/apt/lists/* \
 # mount(8) and friends expect /etc/mtab; the kernel's mount table is the truth.
 && ln -sf /proc/mounts /etc/mtab \
 # drbd-utils' drbd.conf includes drbd.d/*.res; the LINSTOR satellite adds this same include of
 # its resource files on its own host. Used when the chart keeps the image's drbd.conf.
 && mkdir -p /etc/drbd.d \
 && printf '# resources the LINSTOR satellite writes (mounted read-only by the chart)\ninclude "/var/lib/linstor.d/*.res";\n' > /etc/drbd.d/linstor-resources.res
ENV NODE_ENV=production \
    LINSTOR_CSI_GIT_COMMIT=${GIT_COMMIT}
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/proto ./proto
# The controller pod runs as 65532 (chart securityContext); the node plugin as root
# (privileged). Files are world-readable so either works.
RUN chmod -R a+rX /app
ENTRYPOINT ["node", "/app/bin/linstor-csi.js"]
CMD ["--help"]
