/*
 * tokenize.c - UTF-8 text to normalised tokens.
 *
 * Design.  A token is a maximal run of code points whose Unicode general
 * category is a letter (L*), a combining mark (M*) or a number (N*); every
 * other code point, and every byte that is not valid UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, a sequence cut short, NUL),
 * separates tokens.  Invalid bytes are thus replaced by a separator and never
 * stop a run.  Each token is then brought to NFKC and case-folded (utf8proc),
 * so "Huawei", "HUAWEI" and fullwidth "ＨＵＡＷＥＩ" meet.  ASCII, the common
 * case, is lowered through a table without calling utf8proc.
 *
 * Decisions:
 * - Apostrophes (U+0027, U+2019, U+02BC) between a letter and a letter: a
 *   final possessive "'s" is dropped (Huawei's -> huawei); any other inner
 *   apostrophe is elided (don't -> dont, O'Brien -> obrien).  Elsewhere an
 *   apostrophe separates.
 * - Hyphens and all other punctuation separate: "cyber-espionage" gives
 *   "cyber" and "espionage"; word pairs (ngram_max 2) keep the compound.
 * - Numbers: digits are word characters, so "5G", "G7", "1980s" and "2019"
 *   are tokens; "3.5" and "1,000" split at the punctuation.  A token made of
 *   a single ASCII character ("a", "5") is dropped.
 * - Tokens longer than SPYTAG_MAX_TOKEN_BYTES after normalisation are dropped
 *   (URLs without punctuation, base64 runs, binary junk); memory stays
 *   bounded whatever the input.
 * - Stop words: a fixed English list of function words (below); "us" is not
 *   on it, because "US" is the country.
 * - Stemming (optional): Snowball English from libstemmer, after stop words.
 */
#include "internal.h"
#include "tokenize.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Sorted (byte order) for bsearch. */
static const char *const stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am",
    "an", "and", "any", "are", "aren", "arent", "as", "at", "be", "because",
    "been", "before", "being", "below", "between", "both", "but", "by", "can",
    "cannot", "cant", "could", "couldn", "couldnt", "did", "didn", "didnt",
    "do", "does", "doesn", "doesnt", "doing", "don", "dont", "down", "during",
    "each", "either", "else", "ever", "every", "few", "for", "from", "further",
    "had", "hadn", "hadnt", "has", "hasn", "hasnt", "have", "haven", "havent",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
    "how", "however", "i", "if", "im", "in", "into", "is", "isn", "isnt", "it",
    "its", "itself", "ive", "just", "let", "ll", "me", "might", "more", "most",
    "must", "mustn", "my", "myself", "neither", "no", "nor", "not", "now",
    "of", "off", "often", "on", "once", "only", "or", "other", "ought", "our",
    "ours", "ourselves", "out", "over", "own", "re", "same", "shall", "shan",
    "she", "should", "shouldn", "shouldnt", "so", "some", "such", "than",
    "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "theyre", "theyve", "this", "those", "through", "thus",
    "to", "too", "under", "until", "up", "upon", "ve", "very", "was", "wasn",
    "wasnt", "we", "were", "weren", "werent", "weve", "what", "when", "where",
    "which", "while", "who", "whom", "whose", "why", "will", "with", "within",
    "without", "wont", "would", "wouldn", "wouldnt", "yet", "you", "your",
    "youre", "yours", "yourself", "yourselves",
};

#define RAW_CAP (SPYTAG_MAX_TOKEN_BYTES * 4)

struct spytag_tokenizer {
    int stopwords;
    struct sb_stemmer *stemmer;       /* NULL when not stemming */
    size_t n;                         /* bytes in raw */
    int nonascii, overflow;
    char raw[RAW_CAP + 32];           /* + room for the zero padding */
    utf8proc_int32_t ubuf[RAW_CAP + 8];
    char stembuf[SPYTAG_MAX_TOKEN_BYTES * 2 + 8];
};

/* ASCII letters and digits to their lower case; 0 for everything else. */
static const unsigned char ascii_lower[256] = {
    ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
    ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
    ['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e',
    ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
    ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
    ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't',
    ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y',
    ['Z'] = 'z',
    ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e',
    ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
    ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
    ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't',
    ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y',
    ['z'] = 'z',
};

/* 1 for ASCII letters and digits. */
static const unsigned char ascii_word[128] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

spytag_tokenizer *spytag_tokenizer_new(const spytag_options *o)
{
    spytag_tokenizer *tk = calloc(1, sizeof *tk);
    if (!tk)
        return NULL;
    tk->stopwords = o ? o->stopwords : 1;
    if (o && o->stem) {
        tk->stemmer = sb_stemmer_new("english", "UTF_8");
        if (!tk->stemmer) {
            free(tk);
            return NULL;
        }
    }
    return tk;
}

void spytag_tokenizer_free(spytag_tokenizer *tk)
{
    if (!tk)
        return;
    if (tk->stemmer)
        sb_stemmer_delete(tk->stemmer);
    free(tk);
}

static int cmp_stop(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

int spytag_tokenizer_is_stopword(const spytag_tokenizer *tk, const char *s,
                                 size_t len)
{
    (void)len;
    if (!tk->stopwords)
        return 0;
    return bsearch(s, stop_words, sizeof stop_words / sizeof stop_words[0],
                   sizeof stop_words[0], cmp_stop) != NULL;
}

const char *const *spytag_stopword_list(const spytag_tokenizer *tk,
                                        size_t *n)
{
    *n = tk->stopwords ? sizeof stop_words / sizeof stop_words[0] : 0;
    return stop_words;
}

static int is_word_cp(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static int is_apostrophe(utf8proc_int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

/* Ends the current token: normalises it and hands it to fn. */
static inline int flush(spytag_tokenizer *tk, spytag_token_fn fn, void *user)
{
    size_t n = tk->n;
    const char *tok = tk->raw;
    int dropped = tk->overflow;

    tk->n = 0;
    tk->overflow = 0;
    if (n == 0 || dropped) {
        tk->nonascii = 0;
        return 0;
    }
    if (tk->nonascii) {
        const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT |
                                      UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE;
        utf8proc_ssize_t k;
        tk->nonascii = 0;
        k = utf8proc_decompose((const utf8proc_uint8_t *)tk->raw,
                               (utf8proc_ssize_t)n, tk->ubuf, RAW_CAP,
                               (opt & ~UTF8PROC_COMPOSE) |
                                   UTF8PROC_DECOMPOSE);
        if (k < 0 || k > RAW_CAP)
            return 0;          /* too long once decomposed: drop */
        k = utf8proc_normalize_utf32(tk->ubuf, k, opt);
        if (k < 0)
            return 0;
        k = utf8proc_reencode(tk->ubuf, k, opt);
        if (k < 0)
            return 0;
        tok = (const char *)tk->ubuf;
        n = (size_t)k;
        if (n <= SPYTAG_MAX_TOKEN_BYTES)
            memset((char *)tk->ubuf + n, 0, 24);
        if (n == 1)
            return 0;          /* e.g. fullwidth "Ｘ", now one ASCII letter */
    } else {
        if (n == 1)
            return 0;          /* single ASCII letter or digit */
        memset(tk->raw + n, 0, 24);   /* NUL, and zero padding for lookups */
    }
    if (n > SPYTAG_MAX_TOKEN_BYTES)
        return 0;
    return fn(tok, n, user);
}

static void push(spytag_tokenizer *tk, const char *s, size_t k)
{
    if (tk->n + k > RAW_CAP) {
        tk->overflow = 1;
        return;
    }
    memcpy(tk->raw + tk->n, s, k);
    tk->n += k;
}

/* What follows an apostrophe of width w at s[i]: 0 separate, 1 elide (go on
 * with the token), 2 possessive "'s" (skip it and end the token). */
static int apostrophe_kind(const spytag_tokenizer *tk, const char *s,
                           size_t len, size_t i, size_t w)
{
    size_t j = i + w;
    unsigned char c;
    if (tk->n == 0 || j >= len)
        return 0;
    c = (unsigned char)s[j];
    if (c >= 0x80 || !ascii_word[c] || (c >= '0' && c <= '9'))
        return 0;
    if ((c == 's' || c == 'S') &&
        (j + 1 >= len || (unsigned char)s[j + 1] >= 0x80 ||
         !ascii_word[(unsigned char)s[j + 1]]))
        return 2;
    return 1;
}

int spytag_tokenize_raw(spytag_tokenizer *tk, const char *text, size_t len,
                        spytag_token_fn fn, void *user)
{
    size_t i = 0;
    int rc;

    tk->n = 0;
    tk->nonascii = 0;
    tk->overflow = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        utf8proc_int32_t cp;
        utf8proc_ssize_t w;

        if (c < 0x80) {
            unsigned char l = ascii_lower[c];
            if (l) {
                /* the hot loop: a run of ASCII letters and digits, lowered
                 * through a table, up to the room left in the buffer */
                size_t room = RAW_CAP - tk->n, j = i;
                size_t end = len - i < room ? len : i + room;
                char *o = tk->raw + tk->n;
                if (room == 0) {   /* full already (non-ASCII before) */
                    tk->overflow = 1;
                    while (i < len && ascii_lower[(unsigned char)text[i]])
                        i++;
                    continue;
                }
                do {
                    *o++ = (char)l;
                    j++;
                } while (j < end && (l = ascii_lower[(unsigned char)text[j]]));
                tk->n += j - i;
                i = j;
                if (j == end && j < len &&
                    ascii_lower[(unsigned char)text[j]]) {
                    tk->overflow = 1;          /* too long: skip the rest */
                    while (i < len && ascii_lower[(unsigned char)text[i]])
                        i++;
                }
                continue;
            }
            if (c == ' ' && tk->n == 0) {      /* runs of spaces */
                i++;
                continue;
            }
            cp = c;
            w = 1;
        } else {
            w = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                 (utf8proc_ssize_t)(len - i), &cp);
            if (w < 1) {           /* invalid byte: a separator */
                if ((rc = flush(tk, fn, user)) != 0)
                    return rc;
                i++;
                continue;
            }
            if (!is_apostrophe(cp) && is_word_cp(cp)) {  /* U+02BC is Lm */
                push(tk, text + i, (size_t)w);
                tk->nonascii = 1;
                i += (size_t)w;
                continue;
            }
        }
        if (is_apostrophe(cp)) {
            int kind = apostrophe_kind(tk, text, len, i, (size_t)w);
            if (kind == 1) {
                i += (size_t)w;
                continue;
            }
            if (kind == 2)
                i += 1;            /* skip the 's' as well */
        }
        if ((rc = flush(tk, fn, user)) != 0)
            return rc;
        i += (size_t)w;
    }
    return flush(tk, fn, user);
}

size_t spytag_token_final(spytag_tokenizer *tk, const char *tok, size_t len,
                          const char **out)
{
    const sb_symbol *st;
    int n;

    if (spytag_tokenizer_is_stopword(tk, tok, len))
        return 0;
    *out = tok;
    if (!tk->stemmer)
        return len;
    st = sb_stemmer_stem(tk->stemmer, (const sb_symbol *)tok, (int)len);
    n = sb_stemmer_length(tk->stemmer);
    if (!st || n <= 0 || (size_t)n >= sizeof tk->stembuf)
        return len;                /* out of memory in the stemmer: keep */
    memcpy(tk->stembuf, st, (size_t)n);
    tk->stembuf[n] = '\0';
    *out = tk->stembuf;
    return (size_t)n;
}

struct final_ctx {
    spytag_tokenizer *tk;
    spytag_token_fn fn;
    void *user;
};

static int final_cb(const char *tok, size_t len, void *user)
{
    struct final_ctx *ctx = user;
    const char *out;
    size_t n = spytag_token_final(ctx->tk, tok, len, &out);
    return n ? ctx->fn(out, n, ctx->user) : 0;
}

int spytag_tokenize(spytag_tokenizer *tk, const char *text, size_t len,
                    spytag_token_fn fn, void *user)
{
    struct final_ctx ctx = { tk, fn, user };
    if (!tk || !fn || (!text && len))
        return SPYTAG_EINVAL;
    return spytag_tokenize_raw(tk, text, len, final_cb, &ctx);
}
