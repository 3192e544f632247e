# fuzz/lib.sh - sourced by run.sh and tsan.sh: what it takes to compile the
# library from its sources with another compiler and other sanitizers.
# Needs $top (the repository root) and $1, the PACKAGE_VERSION to use when
# there is no config.h; sets:
#   lib_srcs  every src/*.c except the program's own files
#   defs      -D/-I flags for config.h, or a stand-in PACKAGE_VERSION
#   libs      the libraries to link, from pkg-config and the rest
lib_srcs=()
for f in "$top"/src/*.c; do
    case $(basename "$f") in
        cli.c | spytag.c | cmd_*.c) ;;
        *) lib_srcs+=("$f") ;;
    esac
done
if [ -f "$top/config.h" ]; then
    defs=(-DHAVE_CONFIG_H -I"$top")
else
    defs=(-DPACKAGE_VERSION="\"$1\"")
fi
# shellcheck disable=SC2207
libs=($(pkg-config --cflags --libs libutf8proc jansson libxxhash)) || exit 2
libs+=(-lsvm -llinear -lstemmer -lm -lpthread)
