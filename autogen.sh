#!/bin/sh
# Generates ./configure and the Makefile templates (needs autoconf,
# automake, libtool and pkg-config).
exec autoreconf --install --force "$(dirname "$0")"
