#!/usr/bin/env bash
# Fails when a layer knows what it must not (DESIGN.md, STYLE.md rule 2):
#   engine/     no ZeroMQ, jansson, Lua, libsodium; nothing of protocol/, checkpoint/, kernel/
#   protocol/   nothing of engine/, checkpoint/, kernel/; no Lua
#   checkpoint/ no ZeroMQ, jansson, Lua; nothing of protocol/, kernel/
# Two checks: the #include lines of the sources, and the undefined symbols of
# each built static library (so a dependency smuggled in without a header is caught too).
# usage: layering.sh SRCDIR [BUILDDIR]      layering.sh --self-test SRCDIR
set -u

check_includes() { # layer dir, forbidden regex
    local dir=$1 re=$2 hits
    [ -d "$dir" ] || return 0
    hits=$(grep -rnE --include='*.c' --include='*.h' --include='*.cu' \
        "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($re)" "$dir" || true)
    if [ -n "$hits" ]; then
        echo "layering violation in $dir (forbidden: $re):"
        echo "$hits" | sed 's/^/    /'
        return 1
    fi
    return 0
}

check_symbols() { # static library, forbidden symbol regex
    local lib=$1 re=$2 hits
    [ -f "$lib" ] || return 0
    hits=$(nm -u "$lib" 2>/dev/null | awk '{print $NF}' | grep -E "^($re)" | sort -u || true)
    if [ -n "$hits" ]; then
        echo "layering violation: $(basename "$lib") needs symbols it must not know:"
        echo "$hits" | head -n 10 | sed 's/^/    /'
        return 1
    fi
    return 0
}

ENGINE_INC='zmq\.h|jansson\.h|lua\.h|lauxlib\.h|lualib\.h|sodium|jup\.h|ckpt\.h|[./]*\.\./(protocol|checkpoint|kernel)/|(protocol|checkpoint|kernel)/'
PROTO_INC='cz\.h|ckpt\.h|lua\.h|lauxlib\.h|lualib\.h|[./]*\.\./(engine|checkpoint|kernel)/|(engine|checkpoint|kernel)/'
CKPT_INC='zmq\.h|jansson\.h|lua\.h|lauxlib\.h|lualib\.h|jup\.h|[./]*\.\./(protocol|kernel)/|(protocol|kernel)/'

run_checks() { # srcdir [builddir]
    local src=$1 build=${2:-} rc=0
    check_includes "$src/engine" "$ENGINE_INC" || rc=1
    check_includes "$src/protocol" "$PROTO_INC" || rc=1
    check_includes "$src/checkpoint" "$CKPT_INC" || rc=1
    if [ -n "$build" ]; then
        check_symbols "$build/engine/libcz_engine.a" 'zmq_|json_|lua_|luaL_|sodium_|crypto_|jup_|ckpt_' || rc=1
        check_symbols "$build/protocol/libjup.a" 'cz_|ckpt_|lua_|luaL_' || rc=1
        check_symbols "$build/checkpoint/libckpt.a" 'zmq_|json_|lua_|luaL_|jup_' || rc=1
    fi
    return $rc
}

if [ "${1:-}" = "--self-test" ]; then
    # The check must be able to fail: plant a violation in a copy and expect it caught.
    src=$2 tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp -r "$src/engine" "$tmp/engine"
    printf '#include <zmq.h>\n' > "$tmp/engine/planted_violation.c"
    if run_checks "$tmp" >/dev/null; then
        echo "self-test FAILED: a planted #include <zmq.h> in engine/ was not caught"
        exit 1
    fi
    rm "$tmp/engine/planted_violation.c"
    if ! run_checks "$tmp"; then
        echo "self-test FAILED: the clean copy was reported"
        exit 1
    fi
    echo "self-test ok: planted violation caught, clean tree passes"
    exit 0
fi

run_checks "$1" "${2:-}" && echo "layering ok"
