/*
 * fuzz_tokenize.c - libFuzzer harness: spytag_tokenize on arbitrary bytes,
 * with stemming off and on (and stop words on).  Every token handed to the
 * callback must be NUL-terminated, non-empty and within the length limit.
 * Built and run by fuzz/run.sh.
 */
#include "spytag.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int on_token(const char *tok, size_t len, void *user)
{
    size_t *count = user;
    /* The tokenizer's contract: NUL-terminated, at most two limits long
     * after stemming (stems are never longer than their words). */
    if (len == 0 || len > SPYTAG_MAX_TOKEN_BYTES || tok[len] != '\0' ||
        strlen(tok) != len)
        abort();
    (*count)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static spytag_tokenizer *plain, *stemmed;
    size_t count = 0;

    if (!plain) {
        spytag_options o;
        spytag_options_init(&o);
        o.stem = 0;
        o.stopwords = 1;
        plain = spytag_tokenizer_new(&o);
        o.stem = 1;
        stemmed = spytag_tokenizer_new(&o);
        if (!plain || !stemmed)
            abort();
    }
    if (spytag_tokenize(plain, (const char *)data, size, on_token, &count) !=
        SPYTAG_OK)
        abort();
    if (spytag_tokenize(stemmed, (const char *)data, size, on_token,
                        &count) != SPYTAG_OK)
        abort();
    return 0;
}
