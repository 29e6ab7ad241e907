# The GPU TaskManager of docker-compose.yml (profile "gpu"): Flink 2.2.1 and its Java 17 from the official image, on
# NVIDIA's CUDA 12 + cuDNN 9 runtime, which ONNX Runtime's CUDA build (onnxruntime_gpu) needs. The ONNX Runtime jar
# itself is mounted into lib/ by the compose file (jobs/target/flink-lib-gpu/onnxruntime.jar, built with -Pgpu).
FROM flink:2.2.1-scala_2.12-java17 AS flink

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu22.04
ENV JAVA_HOME=/opt/java/openjdk \
    FLINK_HOME=/opt/flink
ENV PATH=$JAVA_HOME/bin:$FLINK_HOME/bin:$PATH
# What the official image's entrypoint uses: gosu to drop to the flink user, jemalloc as the allocator.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gosu libjemalloc2 procps gettext-base \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid=9999 flink \
 && useradd --system --home-dir "$FLINK_HOME" --uid=9999 --gid=flink flink
COPY --from=flink /opt/java/openjdk /opt/java/openjdk
COPY --from=flink --chown=flink:flink /opt/flink /opt/flink
COPY --from=flink /docker-entrypoint.sh /docker-entrypoint.sh
WORKDIR /opt/flink
EXPOSE 6121 6122 9249
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["help"]
