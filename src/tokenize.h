/*
 * tokenize.h - the tokenizer's two internal stages, for tfidf.c, which
 * caches the second one per raw token.
 */
#ifndef SPYTAG_TOKENIZE_H
#define SPYTAG_TOKENIZE_H

#include "spytag.h"

#include <stdint.h>

/* Stage 1: split and normalise (NFKC, case fold, apostrophes, length), no
 * stop words and no stemming.  Calls fn per raw token. */
int spytag_tokenize_raw(spytag_tokenizer *tk, const char *text, size_t len,
                        spytag_token_fn fn, void *user);

/* Stage 1 again, for the vectoriser: tokens go into a sink, short ones
 * (up to SPYTAG_STRTAB_INLINE bytes) as the key words spytag_strtab_key
 * would make (the bytes zero-padded to 24, the length in the top byte),
 * so that nothing is copied twice.  When the sink is full, full() is
 * called, and must empty it (n = 0); a long token is handed to word(),
 * NUL-terminated, and its id[] entry is what word() returns.  The last
 * tokens may be left in the sink for the caller. */
#define SPYTAG_SINK_CAP 256
#define SPYTAG_SINK_PENDING (-3)     /* id[] of a short token */
typedef struct spytag_toksink {
    uint64_t (*key)[3];              /* SPYTAG_SINK_CAP entries */
    int32_t *id;                     /* SPYTAG_SINK_CAP entries */
    size_t n;
    void (*full)(struct spytag_toksink *sink);
    int32_t (*word)(struct spytag_toksink *sink, const char *tok,
                    size_t len);
} spytag_toksink;
void spytag_tokenize_keys(spytag_tokenizer *tk, const char *text, size_t len,
                          spytag_toksink *sink);

/* Stage 2: returns 0 when tok is a stop word; otherwise sets *out to the
 * final (stemmed) form and returns its length.  *out may point into the
 * tokenizer's buffer, valid until the next call. */
size_t spytag_token_final(spytag_tokenizer *tk, const char *tok, size_t len,
                          const char **out);

/* The stop words a tokenizer with stop words on removes, in byte order;
 * *n gets their number.  The list is static. */
const char *const *spytag_stopwords(size_t *n);

#endif
