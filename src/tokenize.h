/*
 * tokenize.h - the tokenizer's two internal stages, for tfidf.c, which
 * caches the second one per raw token.
 */
#ifndef SPYTAG_TOKENIZE_H
#define SPYTAG_TOKENIZE_H

#include "spytag.h"

/* Stage 1: split and normalise (NFKC, case fold, apostrophes, length), no
 * stop words and no stemming.  Calls fn per raw token. */
int spytag_tokenize_raw(spytag_tokenizer *tk, const char *text, size_t len,
                        spytag_token_fn fn, void *user);

/* Stage 2: returns 0 when tok is a stop word; otherwise sets *out to the
 * final (stemmed) form and returns its length.  *out may point into the
 * tokenizer's buffer, valid until the next call. */
size_t spytag_token_final(spytag_tokenizer *tk, const char *tok, size_t len,
                          const char **out);

/* The stop words the tokenizer removes (none when stop words are off),
 * in byte order; *n gets their number.  The list is static. */
const char *const *spytag_stopword_list(const spytag_tokenizer *tk,
                                        size_t *n);

/* The same list, whatever the settings. */
const char *const *spytag_stopwords(size_t *n);

#endif
