/*
 * jsonline.h - a strict, allocation-light reader for one JSON Lines record,
 * for classify's input (the program side; the library's corpus loader uses
 * jansson).
 *
 * Measured on 20 Newsgroups, jansson took 63% of classify's time per
 * document (about 138 instructions per input byte): it builds a tree of
 * every value.  Classification only needs the "id" and "text" members, and
 * the stream filter passes the others through untouched, so this reader
 * validates the whole line against RFC 8259 but keeps only the byte span of
 * each member and decodes just "text" and "id".
 */
#ifndef SPYTAG_JSONLINE_H
#define SPYTAG_JSONLINE_H

#include <stddef.h>

#define JL_MAX_MEMBERS 256
#define JL_MAX_DEPTH 256

typedef struct jl_member {
    const char *key;          /* raw key bytes between the quotes */
    size_t key_len;
    const char *start;        /* `"key": value`, raw */
    size_t len;
} jl_member;

typedef struct jl_record {
    jl_member members[JL_MAX_MEMBERS];
    size_t nmembers;
    const jl_member *id;      /* NULL when absent */
    const jl_member *text;    /* NULL when absent */
    char *buf;                /* decoded text (and id), grown as needed */
    size_t cap;
    const char *text_val;     /* decoded "text" in buf */
    size_t text_len;
    const char *id_val;       /* decoded "id" (string or integer) in buf */
} jl_record;

/* Parses line[0..len).  Returns 0, or -1 with a reason (lowercase, with
 * the column) in err; after a failure r->members[0..nmembers) are the
 * members read whole before it (each followed by ',' or '}').  r->buf is
 * reused between calls; free it with jl_record_free. */
int jl_parse(jl_record *r, const char *line, size_t len, char *err,
             size_t errcap);
void jl_record_free(jl_record *r);

/* Length of the valid UTF-8 sequence at p (n >= 1 bytes left): 1 to 4,
 * or 0 when invalid (overlong forms and surrogates included). */
size_t jl_utf8_seq(const unsigned char *p, size_t n);

/* 1 when member m has the (plain ASCII) key k. */
int jl_key_is(const jl_member *m, const char *k);

#endif
