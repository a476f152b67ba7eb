#!/usr/bin/env bash
# Compiles every header of the four layers alone (STYLE.md rule 41): each must
# include what it uses. usage: headers_standalone.sh CC SRCDIR BUILDDIR
set -u
cc=$1 src=$2 build=$3
flags="-std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE"
incs="-I$build -I$src -I$src/engine -I$src/protocol -I$src/checkpoint -I$src/kernel"
incs="$incs $(pkg-config --cflags libzmq jansson libsodium lua5.4 2>/dev/null)"
rc=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r h; do
    n=$((n + 1))
    printf '#include "%s"\n' "$h" > "$tmp/one.c"
    # each header twice: include guards must work as well
    printf '#include "%s"\n' "$h" >> "$tmp/one.c"
    if ! out=$($cc $flags $incs "$tmp/one.c" 2>&1); then
        echo "header does not compile alone: ${h#$src/}"
        echo "$out" | head -n 5 | sed 's/^/    /'
        rc=1
    fi
done < <(find "$src/engine" "$src/protocol" "$src/checkpoint" "$src/kernel" -name '*.h' \
           -not -path '*/cuda/*' 2>/dev/null | sort)
[ $n -gt 0 ] || { echo "no headers found under $src"; exit 1; }
[ $rc -eq 0 ] && echo "$n headers compile alone"
exit $rc
